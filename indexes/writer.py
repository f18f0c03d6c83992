"""Writing the index: incremental changes by global id, and full rebuilds swapped in.

Both paths hold the directory's writer lock (:func:`indexes.directory.write_lock`), so
there is one writer at a time, whatever the process; readers are never blocked. An
incremental change goes into the generation in service, with the engine that built it,
and becomes visible to readers at commit (their searcher notices it on its next search).
A rebuild writes a new generation from scratch with the engine asked for, commits it,
and only then publishes it: that is how an index changes engine.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from indexes import directory, engine
from indexes.documents import Availability, FullText, Indexable, Places
from indexes.preparing import prepared

#: Records per segment in a rebuild, for the engines that commit segments of their own.
SEGMENT_DOCS = 20_000


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What one write did: documents added or replaced, deleted, and how long it took."""

    upserted: int = 0
    deleted: int = 0
    seconds: float = 0.0
    generation: str = ""


def _fresh_generation(index_dir: Path, name: str) -> Path:
    """A new, empty generation of engine ``name`` (not yet in service)."""
    chosen = engine.get(name)
    path = directory.new_generation(index_dir)
    try:
        chosen.create(path)
        engine.mark(path, name)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


class IndexWriter:
    """Incremental add/update/delete by global id, committed on leaving the block.

    ::

        with IndexWriter(index_dir) as writer:
            writer.upsert(records)
            writer.delete(["crpv:12"])

    An exception inside the block cancels every change of the block - unless
    ``segment_docs`` is given: then the engine may commit every ``segment_docs``
    documents as a segment of their own, so a large update (a partner's first harvest)
    is sorted in memory, and an exception cancels only the changes since the last such
    commit. Use it only for changes that are safe to re-apply, as
    :func:`catalogue.indexing.update_index`'s are.

    ``procs`` > 1 analyses the documents in that many processes (Whoosh's writer
    processes, or :mod:`indexes.preparing`'s for tantivy). ``engine_name`` is the engine of the index created when there is
    none yet; an existing index is updated with the engine that built it.
    """

    def __init__(self, index_dir: Path, availability: Availability | None = None,
                 lock_timeout: float = 600.0, segment_docs: int | None = None,
                 procs: int = 1, engine_name: str = engine.DEFAULT,
                 fulltext: FullText | None = None, places: Places | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.availability = availability
        self.fulltext = fulltext
        self.places = places
        self.lock_timeout = lock_timeout
        self.segment_docs = segment_docs
        self.procs = procs
        self.engine_name = engine_name
        self.upserted = 0
        self.deleted = 0
        self._lock: Any = None
        self._writer: engine.Writer | None = None
        self._engine: engine.Engine | None = None
        self._started = 0.0
        self._generation = ""

    def __enter__(self) -> IndexWriter:
        self._started = time.perf_counter()
        self._lock = directory.write_lock(self.index_dir, self.lock_timeout)
        self._lock.__enter__()
        try:
            path = directory.current(self.index_dir)
            if path is None:
                engine.get(self.engine_name)  # an unknown name fails before any file
                path = _fresh_generation(self.index_dir, self.engine_name)
                directory.publish(self.index_dir, path)
            self._generation = path.name
            self._engine = engine.of(path)
            self._writer = self._engine.writer(path, self.procs, self.segment_docs)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def _open(self) -> engine.Writer:
        if self._writer is None:
            raise RuntimeError("IndexWriter used outside its with block")
        return self._writer

    def upsert(self, records: Iterable[Indexable]) -> int:
        """Add records, replacing any indexed document with the same global id.

        Records may come as ``(json, arrival)`` pairs (see
        :data:`indexes.documents.Indexable`); give many at once: with ``procs`` > 1 an
        engine that analyses in Python prepares them in as many processes, started for
        the call and drained at its end, so an iterator over all the records (read as
        they are prepared) keeps them busy where several calls would leave them idle.
        """
        writer = self._open()
        assert self._engine is not None
        count = 0
        for global_id, doc in prepared(records, self.availability, self._engine, self.procs,
                                          self.fulltext, self.places):
            writer.upsert(global_id, doc)
            count += 1
        self.upserted += count
        return count

    def delete(self, global_ids: Iterable[str]) -> int:
        """Remove the documents of these global ids (absent ones are ignored)."""
        writer = self._open()
        count = sum(writer.delete(gid) for gid in global_ids)
        self.deleted += count
        return count

    def report(self) -> WriteReport:
        """Counts so far (final once the block is left)."""
        return WriteReport(self.upserted, self.deleted, time.perf_counter() - self._started,
                           self._generation)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            writer = self._open()
            if kind is None:
                writer.commit()
            else:
                writer.cancel()
        finally:
            self._writer = None
            self._lock.__exit__(kind, exc, tb)


def update(index_dir: Path, upserts: Iterable[Indexable] = (), deletions: Iterable[str] = (),
           availability: Availability | None = None, lock_timeout: float = 600.0,
           engine_name: str = engine.DEFAULT, fulltext: FullText | None = None,
           places: Places | None = None) -> WriteReport:
    """Apply one batch of changes to the index in service, in one commit."""
    with IndexWriter(index_dir, availability, lock_timeout, engine_name=engine_name,
                     fulltext=fulltext, places=places) as writer:
        writer.upsert(upserts)
        writer.delete(deletions)
    return writer.report()


def rebuild(records: Iterable[Indexable], index_dir: Path,
            availability: Availability | None = None, procs: int = 1,
            lock_timeout: float = 600.0, segment_docs: int = SEGMENT_DOCS,
            engine_name: str = engine.DEFAULT, fulltext: FullText | None = None,
            places: Places | None = None) -> WriteReport:
    """Build a complete index from ``records`` in a fresh generation, then swap it in.

    Searches keep being served from the old generation during the build; readers move
    to the new one on their next search after the swap. A failure leaves the old
    generation in service and removes the half-built one. The new generation is built
    with ``engine_name``, whatever the old one's.
    """
    index_dir = Path(index_dir)
    started = time.perf_counter()
    count = 0
    chosen = engine.get(engine_name)  # an unknown name fails before the lock and any file
    with directory.write_lock(index_dir, lock_timeout):
        path = _fresh_generation(index_dir, engine_name)
        try:
            writer = chosen.writer(path, procs, segment_docs, building=True)
            try:
                for _, doc in prepared(records, availability, chosen, procs, fulltext, places):
                    writer.add(doc)
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        directory.publish(index_dir, path)
    return WriteReport(count, 0, time.perf_counter() - started, path.name)
