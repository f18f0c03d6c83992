"""Writing a tantivy generation: tantivy's own indexing threads, one commit.

Documents arrive analysed, as tantivy's JSON (:func:`indexes.tantivy.schema.as_json`, in
worker processes when the write has several: the JSON costs the writer's process a third
of what building the document object field by field does) and go to tantivy, whose ``procs`` indexing threads build segments in memory (``HEAP_MB`` each) and merge them in the
background. An upsert deletes by the ``id`` term before adding: tantivy applies a
deletion to the documents added before it only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tantivy

from indexes.schema import ID

#: Indexing memory per thread: a segment is flushed when its thread's heap is full.
HEAP_MB = 256


class TantivyWriter:
    """See :class:`indexes.engine.Writer`."""

    def __init__(self, path: Path, procs: int = 1, segment_docs: int | None = None,
                 building: bool = False) -> None:
        self.index = tantivy.Index.open(str(path))
        self.index.config_reader(reload_policy="Manual")
        threads = max(1, min(int(procs) // 2, 8))  # the other cores prepare documents
        self._writer: Any = self.index.writer(HEAP_MB * 1024 * 1024 * threads, threads)
        self._committed = self.index.searcher()
        self.schema = self.index.schema

    def add(self, doc: str) -> None:
        self._writer.add_json(doc)

    def upsert(self, global_id: str, doc: str) -> None:
        self._writer.delete_documents_by_term(ID, global_id)
        self._writer.add_json(doc)

    def delete(self, global_id: str) -> int:
        query = tantivy.Query.term_query(self.schema, ID, global_id)
        present = int(self._committed.search(query, 1, count=True).count)  # type: ignore[attr-defined]
        self._writer.delete_documents_by_term(ID, global_id)
        return min(present, 1)

    def commit(self) -> None:
        writer, self._writer = self._writer, None
        writer.commit()
        writer.wait_merging_threads()

    def cancel(self) -> None:
        writer, self._writer = self._writer, None
        writer.rollback()
        del writer
