"""Writing the index: incremental changes by global id, and full rebuilds swapped in.

Both paths hold the directory's writer lock (:func:`indexes.directory.write_lock`), so
there is one writer at a time, whatever the process; readers are never blocked. An
incremental change goes into the generation in service and becomes visible to readers
at commit (their searcher notices the new Whoosh generation on its next search). A
rebuild writes a new generation from scratch, commits it, and only then publishes it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from whoosh import index as whoosh_index  # type: ignore[import-untyped]
from whoosh.writing import SegmentWriter  # type: ignore[import-untyped]

from indexes import directory, schema
from indexes.documents import Indexable, LiveStatus, document, unpack
from indexes.parallel import ParallelWriter
from indexes.segment import GroupedSegmentWriter, remember_lengths

#: In-memory postings per writer process before Whoosh's pool spills sorted runs to
#: disk. Spilled runs are pickled posting by posting and merged back, which cost a
#: third of the build at 256 MB. By Whoosh's estimate, as by :mod:`indexes.segment`'s
#: (about 200 bytes a posting), 1 GB holds a segment of 20k records (175 postings each).
LIMIT_MB = 1024
#: Records per segment in a rebuild (see :func:`rebuild`).
SEGMENT_DOCS = 20_000
#: Postings kept per field and written a block of a term at a time at flush
#: (:class:`indexes.segment.GroupedSegmentWriter`); False: Whoosh's own pool and flush.
GROUPED = True


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What one write did: documents added or replaced, deleted, and how long it took."""

    upserted: int = 0
    deleted: int = 0
    seconds: float = 0.0
    generation: str = ""


def _open_or_create(index_dir: Path) -> Any:
    path = directory.current(index_dir)
    if path is not None:
        return whoosh_index.open_dir(str(path))
    path = directory.new_generation(index_dir)
    ix = whoosh_index.create_in(str(path), schema.build())
    directory.publish(index_dir, path)
    return ix


class IndexWriter:
    """Incremental add/update/delete by global id, committed on leaving the block.

    ::

        with IndexWriter(index_dir) as writer:
            writer.upsert(records)
            writer.delete(["crpv:12"])

    An exception inside the block cancels every change of the block - unless
    ``segment_docs`` is given: then every ``segment_docs`` documents are committed as a
    segment of their own (unmerged, as :func:`rebuild` does), so a large update (a
    partner's first harvest) is sorted in memory instead of spilling runs to disk, and
    an exception cancels only the changes since the last such commit. Use it only for
    changes that are safe to re-apply, as :func:`catalogue.indexing.update_index`'s are.

    ``procs`` > 1 analyses the documents in that many processes, each writing segments
    of its own (:class:`indexes.parallel.ParallelWriter`); replacements and deletions
    still apply to the committed documents, and a failure still cancels. Starting the
    processes costs a fraction of a second per commit: worth it for large updates only.
    """

    def __init__(self, index_dir: Path, live: LiveStatus | None = None,
                 lock_timeout: float = 600.0, segment_docs: int | None = None,
                 procs: int = 1) -> None:
        self.index_dir = Path(index_dir)
        self.live = live
        self.lock_timeout = lock_timeout
        self.segment_docs = segment_docs
        self.procs = procs
        self.upserted = 0
        self.deleted = 0
        self._lock: Any = None
        self._ix: Any = None
        self._writer: Any = None
        self._in_segment = 0
        self._segments = 0
        self._started = 0.0
        self._generation = ""

    def __enter__(self) -> IndexWriter:
        self._started = time.perf_counter()
        self._lock = directory.write_lock(self.index_dir, self.lock_timeout)
        self._lock.__enter__()
        try:
            self._ix = _open_or_create(self.index_dir)
            self._generation = Path(self._ix.storage.folder).name
            self._writer = _writer(self._ix, self.procs)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def upsert(self, records: Iterable[Indexable]) -> int:
        """Add records, replacing any indexed document with the same global id."""
        count = 0
        for item in records:
            record, added = unpack(item)
            self._writer.update_document(**document(record, self.live, added))
            count += 1
            self._in_segment += 1
            if self.segment_docs and self._in_segment >= self.segment_docs:
                self._writer.commit(merge=False)
                self._segments += 1
                self._writer, self._in_segment = _writer(self._ix, self.procs), 0
        self.upserted += count
        return count

    def delete(self, global_ids: Iterable[str]) -> int:
        """Remove the documents of these global ids (absent ones are ignored)."""
        count = 0
        for gid in global_ids:
            count += self._writer.delete_by_term(schema.ID, gid)
        self.deleted += count
        return count

    def report(self) -> WriteReport:
        """Counts so far (final once the block is left)."""
        return WriteReport(self.upserted, self.deleted, time.perf_counter() - self._started,
                           self._generation)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if kind is None:
                # After segments of their own, merging them now would undo the point.
                self._writer.commit(merge=not self._segments)
            else:
                self._writer.cancel()
        finally:
            self._ix.close()
            self._lock.__exit__(kind, exc, tb)


def _writer(ix: Any, procs: int = 1) -> Any:
    """A Whoosh writer (of ``procs`` processes) whose flushes read field lengths from memory."""
    segment_class = GroupedSegmentWriter if GROUPED else SegmentWriter
    if procs > 1:
        return ParallelWriter(ix, procs, remember_lengths, segment_class, limitmb=LIMIT_MB)
    writer = segment_class(ix, limitmb=LIMIT_MB)
    remember_lengths(writer)
    return writer




def update(index_dir: Path, upserts: Iterable[Indexable] = (), deletions: Iterable[str] = (),
           live: LiveStatus | None = None, lock_timeout: float = 600.0) -> WriteReport:
    """Apply one batch of changes to the index in service, in one commit."""
    with IndexWriter(index_dir, live, lock_timeout) as writer:
        writer.upsert(upserts)
        writer.delete(deletions)
    return writer.report()


def rebuild(records: Iterable[Indexable], index_dir: Path, live: LiveStatus | None = None,
            procs: int = 1, lock_timeout: float = 600.0,
            segment_docs: int = SEGMENT_DOCS) -> WriteReport:
    """Build a complete index from ``records`` in a fresh generation, then swap it in.

    Searches keep being served from the old generation during the build; readers move
    to the new one on their next search after the swap. A failure leaves the old
    generation in service and removes the half-built one.

    The build commits one segment per ``segment_docs`` records and never merges them:
    a segment that fits in the writer's buffer is sorted in memory, while one big
    segment spills runs to disk that Whoosh pickles and merges posting by posting
    (half the build time at 100k records). Search reads every segment's postings
    into one set, so it does not mind a few dozen segments. ``procs`` > 1 runs
    Whoosh's multiprocessing writer for each segment (one sub-segment per process).
    """
    index_dir = Path(index_dir)
    started = time.perf_counter()
    count = 0
    with directory.write_lock(index_dir, lock_timeout):
        path = directory.new_generation(index_dir)
        try:
            ix = whoosh_index.create_in(str(path), schema.build())
            batch = iter(records)
            while True:
                writer = _writer(ix, procs)
                added = 0
                try:
                    for item in batch:
                        record, arrived = unpack(item)
                        writer.add_document(**document(record, live, arrived))
                        added += 1
                        if added == segment_docs:
                            break
                except BaseException:
                    writer.cancel()
                    raise
                if not added:
                    writer.cancel()
                    break
                writer.commit(merge=False)
                count += added
                if added < segment_docs:
                    break
            ix.close()
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        directory.publish(index_dir, path)
    return WriteReport(count, 0, time.perf_counter() - started, path.name)
