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
import os
from datetime import timedelta
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
#: Why an upload a dead pass left half-imported failed (said again by the staff page).
INTERRUPTED = "the import stopped before its end (the scheduler was stopped): send the file again"


def queue_of(settings: Settings) -> UploadQueue:
    """The deployment's upload queue."""
    return UploadQueue(settings.data_dir / "uploads")


def import_uploads(engine: Engine, settings: Settings, clock: Clock = utcnow) -> list[str]:
    """Import every queued upload, source by source; one line per file (or busy source).

    A source another process is importing or harvesting is left for the next pass; a
    source removed from config.toml since the file was sent fails its files, saying so.
    The uploads finished more than ``[import] upload_keep_days`` ago are pruned first
    (their file, report and description), so the folders stay bounded.
    """
    queue = queue_of(settings)
    configured = {s.slug: s for s in settings.sources if s.kind == "file"}
    lines: list[str] = []
    keep = timedelta(days=settings.uploads.upload_keep_days)
    pruned = queue.prune(clock() - keep)
    if pruned:
        log.info("uploads: %d finished more than %d days ago pruned", len(pruned), keep.days)
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
    left = queue.folder(slug) / "processing"
    if not folder.candidates() and not (left.is_dir() and any(left.iterdir())):
        return []
    with source_lock(settings.data_dir, slug, "web upload import"):
        lines = _interrupted(queue, slug, clock)
        processed = folder.process(_importer(engine, settings, queue, source, clock))
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


def _interrupted(queue: UploadQueue, slug: str, clock: Clock) -> list[str]:
    """File the uploads a killed pass left in ``processing/`` as failed, saying why.

    Only a pass holding the source's lock moves files through ``processing/``, and we
    hold it: a file still there belongs to a pass that died (the scheduler killed, the
    machine stopped) and would otherwise show "importing" for ever. It is not imported
    again by itself (a file that kills the process would kill every pass): it is kept in
    ``failed/`` with its report, and the records its run committed stay (sending it
    again adds nothing twice).
    """
    lines = []
    working = queue.folder(slug) / "processing"
    failed = queue.folder(slug) / "failed"
    for path in sorted(working.iterdir()) if working.is_dir() else []:
        now = clock()
        target = failed / f"{now:%Y%m%dT%H%M%SZ}-{path.name}"
        failed.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        (failed / f"{target.name}.report.txt").write_text(
            f"{path.name}: NOT imported at {now:%Y%m%dT%H%M%SZ}\nerror: {INTERRUPTED}\n",
            encoding="utf-8")
        upload = queue.by_stored_name(path.name)
        if upload is None:
            lines.append(f"upload {slug}: {path.name} failed ({INTERRUPTED})")
            continue
        queue.update(upload, status=FAILED, finished_at=now.isoformat(), message=INTERRUPTED)
        lines.append(f"upload {slug}: {upload.filename} failed ({INTERRUPTED})")
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

