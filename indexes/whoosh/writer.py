"""Writing a Whoosh generation: segments sorted in memory, optionally in processes.

A writer commits a segment of its own every ``segment_docs`` documents (never merged
during a build): a segment that fits in the writer's buffer is sorted in memory, while
one big segment spills runs to disk that Whoosh pickles and merges posting by posting
(half the build time at 100k records). Search reads every segment's postings into one
set, so it does not mind a few dozen segments. ``procs`` > 1 runs the multiprocessing
writer (:class:`indexes.whoosh.parallel.ParallelWriter`) for each segment.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]
from whoosh.writing import SegmentWriter  # type: ignore[import-untyped]

from indexes import schema
from indexes.whoosh.parallel import ParallelWriter

try:  # names of the Whoosh 3 codec: another Whoosh may not have them
    from indexes.whoosh import segment as grouped
except ImportError:  # another Whoosh: its own writers only
    grouped = None  # type: ignore[assignment]


def remember_lengths(writer: Any) -> None:
    """:func:`indexes.whoosh.segment.remember_lengths` where it can be had."""
    if grouped is not None:
        grouped.remember_lengths(writer)

log = logging.getLogger("indexes.whoosh")

#: In-memory postings per writer process before Whoosh's pool spills sorted runs to
#: disk. Spilled runs are pickled posting by posting and merged back, which cost a
#: third of the build at 256 MB. By Whoosh's estimate, as by :mod:`indexes.whoosh.segment`'s
#: (about 200 bytes a posting), 1 GB holds a segment of 20k records (175 postings each).
LIMIT_MB = 1024
#: Postings kept per field and written a block of a term at a time at flush
#: (:class:`indexes.whoosh.segment.GroupedSegmentWriter`); False: Whoosh's own pool and flush.
GROUPED = True


def segment_writer(ix: Any, procs: int = 1) -> Any:
    """A Whoosh writer (of ``procs`` processes) whose flushes read field lengths from memory.

    Each speed-up is used only where Whoosh's internals are the ones it was written for
    (checked here, before any document): otherwise Whoosh's own ``SegmentWriter``, its
    own multiprocessing writer, or a single process, with a warning, never an error.
    """
    writer: Any = None
    segment_class: type = SegmentWriter
    if GROUPED and grouped is not None:
        try:
            writer = grouped.GroupedSegmentWriter(ix, limitmb=LIMIT_MB)
            segment_class = grouped.GroupedSegmentWriter
        except ValueError as exc:
            log.warning("Whoosh's own segment writer instead of the grouped one: %s", exc)
    if procs > 1 and ParallelWriter.supported():
        if writer is not None:
            writer.cancel()  # it was the probe; the processes write with its class
        try:
            return ParallelWriter(ix, procs, remember_lengths, segment_class, limitmb=LIMIT_MB)
        except (TypeError, ValueError, AttributeError) as exc:
            log.warning("one writer process instead of %d: %s", procs, exc)
            writer = None
    elif procs > 1:
        log.warning("one writer process instead of %d: this Whoosh's MpWriter differs", procs)
    if writer is None:
        writer = segment_class(ix, limitmb=LIMIT_MB)
    remember_lengths(writer)
    return writer


def open_unmapped(path: Path) -> Any:
    """The Whoosh index at ``path``, its segments read through files instead of ``mmap``.

    With ``mmap`` Whoosh opens each file of a segment as a ``BytesIO`` over the map,
    which copies it whole: the first deletion by id (an update replaces documents by
    id) opened every segment's terms and postings, so a writer of 5 records into an
    index of 50,000 peaked at 295 MB (110 MB at 2,000), twice the size of the index
    (the copy, plus the mapped pages it read), 483 MB at 100,000. A writer reads little
    of the existing segments (the term of each id it replaces), so plain file reads cost
    it nothing measurable, even replacing 20,000 documents (README, *Performance*).
    Searches read the map without the copy (:mod:`indexes.whoosh.storage`).
    """
    return FileStorage(str(path), supports_mmap=False).open_index()


class WhooshWriter:
    """The :class:`indexes.engine.Writer` of a Whoosh generation (see the module docstring)."""

    def __init__(self, path: Path, procs: int = 1, segment_docs: int | None = None,
                 building: bool = False) -> None:
        self.procs = procs
        self.segment_docs = segment_docs
        self.building = building
        self._ix = open_unmapped(path)
        try:
            self._writer = segment_writer(self._ix, procs)
        except BaseException:
            self._ix.close()
            raise
        self._in_segment = 0
        self._segments = 0

    def _counted(self) -> None:
        self._in_segment += 1
        if self.segment_docs and self._in_segment >= self.segment_docs:
            self._writer.commit(merge=False)
            self._segments += 1
            self._writer, self._in_segment = segment_writer(self._ix, self.procs), 0

    def add(self, doc: dict[str, Any]) -> None:
        self._writer.add_document(**doc)
        self._counted()

    def upsert(self, global_id: str, doc: dict[str, Any]) -> None:
        self._writer.update_document(**doc)
        self._counted()

    def delete(self, global_id: str) -> int:
        return int(self._writer.delete_by_term(schema.ID, global_id))

    def commit(self) -> None:
        try:
            # After segments of their own, merging them now would undo the point.
            self._writer.commit(merge=not (self._segments or self.building))
        finally:
            self._ix.close()

    def cancel(self) -> None:
        try:
            self._writer.cancel()
        finally:
            self._ix.close()
