"""Documents prepared for an engine, in worker processes when the write has several.

tantivy indexes in native threads, so with ``procs`` > 1 the Python side (decoding the
stored JSON, building the document, analysing its text) becomes the bottleneck; it is
spread over ``procs`` forked worker processes here, results in input order. Whoosh has
writer processes of its own and prepares nothing (:attr:`indexes.engine.Engine.parallel_prepare`).

The input is read ahead by at most :data:`AHEAD` batches, so that a rebuild of a million
records streams instead of queueing the store in memory.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from indexes import engine
from indexes.documents import Availability, FullText, Indexable, Places, document, unpack

#: Records per task sent to a worker process, and batches in flight.
BATCH = 256
AHEAD = 8

_worker: dict[str, Any] = {}


def _start(availability: Availability | None, name: str, fulltext: FullText | None,
           places: Places | None) -> None:
    _worker["availability"] = availability
    _worker["fulltext"] = fulltext
    _worker["places"] = places
    _worker["engine"] = engine.get(name)


def _prepare_batch(batch: list[Indexable]) -> list[tuple[str, Any]]:
    chosen: engine.Engine = _worker["engine"]
    out = []
    for item in batch:
        record, added, texts = unpack(item)
        out.append((record.global_id, chosen.prepare(document(
            record, _worker["availability"], added, _worker["fulltext"], texts,
            _worker["places"]))))
    return out


def prepared(items: Iterable[Indexable], availability: Availability | None,
             chosen: engine.Engine, procs: int = 1,
             fulltext: FullText | None = None,
             places: Places | None = None) -> Iterator[tuple[str, Any]]:
    """(global id, prepared document) of each item, in order."""
    if procs <= 1 or not chosen.parallel_prepare:
        for item in items:
            record, added, texts = unpack(item)
            yield record.global_id, chosen.prepare(document(record, availability, added,
                                                            fulltext, texts, places))
        return
    context = multiprocessing.get_context("fork")  # the availability hook is not picklable
    with context.Pool(procs, _start, (availability, chosen.name, fulltext, places)) as pool:
        pending: deque[Any] = deque()
        source = iter(items)
        while True:
            batch = list(islice(source, BATCH))
            if batch:
                pending.append(pool.apply_async(_prepare_batch, (batch,)))
            if pending and (len(pending) > AHEAD or not batch):
                yield from pending.popleft().get()
            if not batch and not pending:
                return
