"""Drop-folder imports: the store side of :mod:`harvesters.dropfolder`.

A dropped file is imported exactly as ``catalogue import FILE --source SLUG`` would with
the source's format and encoding, and the text the documentalist finds next to the
file in ``done/`` or ``failed/`` is the same summary the command prints. A file whose
records were all rejected goes to ``failed/``: it was almost certainly the wrong file.

PMB's scheduled exports are either the changes or the whole catalogue; only the
documentalist knows which, so the source says: ``full = true`` (every dropped file is
the whole catalogue) or ``full_pattern`` (files named so are). A full file is imported
as ``catalogue import --full`` would: once it has been read to the end, records of the
source it lacks are tombstoned - unless a rejected record could not be identified, or
every record was rejected, when nothing is deleted.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from catalogue import union
from catalogue.clock import Clock, utcnow
from catalogue.formats import mojibake
from catalogue.formats.base import FormatError
from catalogue.formats.detect import XML_FORMATS
from catalogue.settings import Settings, Source
from catalogue.source_lock import source_lock
from catalogue.store.ingest import Ingest, RunReport
from harvesters.dropfolder import DropFolder, Outcome, Processed
from harvesters.pmb import open_export

MAX_LISTED = 200


def summary(report: RunReport) -> str:
    """The import summary as text (counts, then each rejected record and warning)."""
    lines = [
        f"read {report.read}, added {report.added}, updated {report.updated}, "
        f"unchanged {report.unchanged}, deleted {report.deleted}, rejected {report.rejected}, "
        f"with warnings {report.warnings}",
    ]
    unit = "line" if report.format in XML_FORMATS else "byte"  # where XML places a record
    for p in report.problems[:MAX_LISTED]:
        ident = f" [{p.source_id}]" if p.source_id else ""
        lines.append(f"  {p.severity}: record {p.position} ({unit} {p.offset}){ident}: {p.message}")
    if len(report.problems) > MAX_LISTED:
        lines.append(f"  ... {len(report.problems) - MAX_LISTED} more: catalogue report {report.run_id}")
    if report.message:
        lines.append(report.message)
    lines.append(f"import run {report.run_id}: {report.status}")
    return "\n".join(lines) + "\n"


def is_full(source: Source, name: str) -> bool:
    """Whether the dropped file ``name`` is the whole catalogue of ``source``."""
    pattern = source.full_pattern
    return source.full or bool(pattern) and fnmatch.fnmatch(name.lower(), pattern.lower())


def importer(engine: Engine, settings: Settings, source: Source,
             clock: Clock = utcnow, *,
             reported: Callable[[Path, RunReport], None] | None = None
             ) -> Callable[[Path], Outcome]:
    """The function a :class:`DropFolder` calls for each complete file of ``source``.

    It runs only under the source's lock (:func:`process_folder`, the upload job), so
    each run it opens closes as interrupted a run of the source a dead process left.

    ``reported`` is told each finished (or failed) run's report, so that a caller that
    keeps its own account of a file (the staff upload page) can link to its run.
    """

    def run(path: Path) -> Outcome:
        try:
            export = open_export(path, source.format, source.encoding)
        except FormatError as exc:
            return Outcome(False, f"error: {exc}\n")
        full = is_full(source, path.name)
        ingest = Ingest(engine, source=source.slug, source_name=source.name,
                        source_kind=source.kind, path=str(path), format=export.format,
                        encoding=export.encoding, full=full, batch_size=settings.batch_size,
                        clock=clock, holds_lock=True)
        try:
            ingest.add_all(mojibake.review_all(export.read(source.slug),
                                               source.repair_mojibake))
            report = ingest.finish()
        except Exception as exc:  # the run and the report say why
            report = ingest.fail(exc)
            if reported is not None:
                reported(path, report)
            return Outcome(False, f"error: {report.message}\n" + summary(report))
        except BaseException:
            ingest.abort("interrupted while importing a dropped file")
            raise
        union.refresh(engine, source.slug)
        if reported is not None:
            reported(path, report)
        useless = report.read > 0 and report.rejected == report.read
        why = "full = true" if source.full else f"its name matches {source.full_pattern!r}"
        header = (f"the full catalogue of {source.slug} ({why}): its records absent from the "
                  "file are deleted\n") if full else ""
        return Outcome(report.status == "completed" and not useless, header + summary(report))

    return run


def process_folder(engine: Engine, settings: Settings, source: Source, *,
                   clock: Clock = utcnow, now: Callable[[], float] = time.time) -> list[Processed]:
    """Import every complete file waiting in ``source``'s drop folder.

    Raises:
        SourceBusy: another process is harvesting or importing this source.
    """
    if source.folder is None:
        return []
    folder = DropFolder(source.folder, settle_seconds=source.settle_seconds, now=now)
    with source_lock(settings.data_dir, source.slug, "drop-folder import"):
        return folder.process(importer(engine, settings, source, clock))
