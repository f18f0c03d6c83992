"""The scheduler's side of the upload queue: import what the staff sent, then index it.

Each source's queue folder is a drop folder, imported by the very function that imports
a source's drop folder (:func:`catalogue.folder_imports.importer`): the same checks, the
same change detection (a file sent twice adds nothing the second time), the same run
report in the store, the same ``done/`` and ``failed/`` filing. Two things differ, on
purpose: the file is complete when it arrives (it is renamed into the queue only once
received), so nothing waits for it to settle; and an upload is never a full catalogue
(records absent from it are not deleted, whatever the source's ``full``): a
documentalist who picks the wrong file in a browser must not empty a source. Full
imports stay with ``catalogue import --full`` and the drop folder.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from sqlalchemy import Engine

from catalogue.clock import Clock, utcnow
from catalogue.folder_imports import importer
from catalogue.settings import Settings, Source
from catalogue.source_lock import SourceBusy, source_lock
from catalogue.store.ingest import RunReport
from catalogue.uploads.queue import DONE, FAILED, RUNNING, UploadQueue
from harvesters.dropfolder import DropFolder, Importer, Outcome

log = logging.getLogger("catalogue.uploads")


def queue_of(settings: Settings) -> UploadQueue:
    """The deployment's upload queue."""
    return UploadQueue(settings.data_dir / "uploads")


def import_uploads(engine: Engine, settings: Settings, clock: Clock = utcnow) -> list[str]:
    """Import every queued upload, source by source; one line per file (or busy source).

    A source another process is importing or harvesting is left for the next pass; a
    source removed from config.toml since the file was sent fails its files, saying so.
    """
    queue = queue_of(settings)
    configured = {s.slug: s for s in settings.sources if s.kind == "file"}
    lines: list[str] = []
    for slug in queue.waiting():
        source = configured.get(slug)
        try:
            lines += _import_source(engine, settings, queue, slug, source, clock)
        except SourceBusy as exc:
            lines.append(f"upload {slug}: skipped {exc}")
    return lines


def _import_source(engine: Engine, settings: Settings, queue: UploadQueue, slug: str,
                   source: Source | None, clock: Clock) -> list[str]:
    folder = DropFolder(queue.folder(slug), settle_seconds=0)
    if not folder.candidates():
        return []
    with source_lock(settings.data_dir, slug, "web upload import"):
        processed = folder.process(_importer(engine, settings, queue, source, clock))
    lines = []
    for done in processed:
        upload = queue.by_stored_name(done.name)
        if upload is None:  # a file put there by hand: imported, nothing to tell
            lines.append(f"upload {slug}: {done.name} {'done' if done.ok else 'failed'}")
            continue
        if upload.status == RUNNING:  # the import crashed before reporting
            upload = queue.update(upload, status=FAILED, finished_at=clock().isoformat(),
                                  message=done.report.strip()[:2000])
        lines.append(f"upload {slug}: {upload.filename} {upload.status}"
                     + (f" (import run {upload.run_id})" if upload.run_id else ""))
    return lines


def _importer(engine: Engine, settings: Settings, queue: UploadQueue, source: Source | None,
              clock: Clock) -> Importer:
    def reported(path: Path, report: RunReport) -> None:
        upload = queue.by_stored_name(path.name)
        if upload is None:
            return
        useless = report.read > 0 and report.rejected == report.read
        queue.update(upload, status=DONE if report.status == "completed" and not useless
                     else FAILED, finished_at=clock().isoformat(), run_id=report.run_id,
                     read=report.read, added=report.added, updated=report.updated,
                     unchanged=report.unchanged, rejected=report.rejected,
                     message=report.message[:2000])

    if source is None:
        def orphan(path: Path) -> Outcome:
            upload = queue.by_stored_name(path.name)
            why = "its source is no longer in config.toml"
            if upload is not None:
                queue.update(upload, status=FAILED, finished_at=clock().isoformat(),
                             message=why)
            return Outcome(False, f"error: {why}\n")
        return orphan

    changes_only = dataclasses.replace(source, full=False, full_pattern="")
    run = importer(engine, settings, changes_only, clock, reported=reported)

    def start(path: Path) -> Outcome:
        upload = queue.by_stored_name(path.name)
        if upload is not None:
            queue.update(upload, status=RUNNING, started_at=clock().isoformat())
        outcome = run(path)
        upload = queue.by_stored_name(path.name)
        if upload is not None and upload.status == RUNNING:  # refused before any run began
            queue.update(upload, status=FAILED, finished_at=clock().isoformat(),
                         message=outcome.report.strip()[:2000])
        return outcome

    return start

