"""Mapping a ListRecords page to Parsed records, in this process or in a worker process.

Mapping (payload -> canonical Record) is the costliest step of a harvest and is pure
CPU; storing is the other. On the two-core machines the centres run, a mapping worker
process maps page N+1 while this process commits page N and fetches page N+2, which
roughly halves a large harvest's time. The worker receives the page's bytes (cheap to
send, parsed again there with the same hardened parser) and sends back pickled
(header, Parsed) pairs. If the worker dies, the page is mapped here instead: a worker
is an optimisation, never a way for a harvest to fail.

Whatever else only needs the record can be computed in the worker too: the caller
injects a ``derive`` function (the union catalogue's match keys), whose result comes
back as ``Parsed.match_keys``. It is injected rather than imported because harvesters
do not depend on the catalogue's store-side modules.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Protocol

from catalogue.formats.base import Parsed
from catalogue.records import Record, from_json, to_json_bytes
from harvesters import oai_protocol as oai
from harvesters.lifeline import die_with_parent
from harvesters.oai_mapping import parsed_from_record
from harvesters.oai_protocol import Header, Page

Mapped = list[tuple[Header, Parsed]]
#: Something computed from each mapped record in the worker (picklable by reference).
Derive = Callable[[Record], tuple[str, ...]]


def map_records(page: Page, reader: str, source: str, first: int, number: int) -> Mapped:
    """Map every record element of ``page``; ``first`` is the position of its first record."""
    out: Mapped = []
    for n, element in enumerate(page.records):
        header = oai.read_header(element)
        out.append((header, parsed_from_record(element, header, reader, source, first + n, number)))
    return out


Packed = list[tuple[Header, tuple[object, ...], bytes | None, tuple[str, ...] | None]]


def map_body(body: bytes, reader: str, source: str, first: int, number: int,
             derive: Derive | None = None) -> Packed:
    """:func:`map_records` from the page's bytes, packed for the trip back (the worker's job).

    Records travel as their canonical JSON: pickling a Record field by field costs the
    receiving process several times more than decoding its JSON, and the store keeps
    that JSON as it is. ``derive`` (if given) is computed here for each live record.
    """
    packed: Packed = []
    for header, p in map_records(oai.read_page(oai.parse(body)), reader, source, first, number):
        fields = (p.position, p.offset, p.raw, p.error, p.warnings, p.source_id, p.deleted,
                  p.charset)
        record = p.record
        data = to_json_bytes(record) if record is not None else None
        derived = derive(record) if derive is not None and record is not None and not p.deleted \
            else None
        packed.append((header, fields, data, derived))
    return packed


def unpack(packed: Packed) -> Mapped:
    """Inverse of the packing done by :func:`map_body`."""
    out: Mapped = []
    for header, f, data, derived in packed:
        record = from_json(data) if data is not None else None
        out.append((header, Parsed(position=f[0], offset=f[1], raw=f[2], error=f[3],  # type: ignore[arg-type]
                                   warnings=f[4], source_id=f[5], deleted=f[6], charset=f[7],  # type: ignore[arg-type]
                                   record=record, encoded=data or b"", match_keys=derived)))
    return out


class Mapper(Protocol):
    """Maps pages, possibly ahead of the caller; ``close`` releases any worker.

    ``depth`` is how many submitted pages the caller may leave uncommitted.
    """

    depth: int

    def submit(self, page: Page, reader: str, source: str, first: int,
               number: int) -> Future[Mapped] | Future[Packed]:
        """Start mapping ``page``; the future holds its records in page order."""

    def close(self) -> None:
        """Stop any worker."""


class InlineMapper:
    """Maps in this process, at once (tests, small harvests, ``workers = 0``)."""

    depth = 0

    def submit(self, page: Page, reader: str, source: str, first: int, number: int) -> Future[Mapped]:
        future: Future[Mapped] = Future()
        future.set_result(map_records(page, reader, source, first, number))
        return future

    def close(self) -> None:
        pass


class PoolMapper:
    """Maps in ``workers`` spawned processes (spawned, not forked: the caller has threads).

    ``derive`` must be a module-level function: it travels to the workers by name.
    """

    def __init__(self, workers: int = 1, derive: Derive | None = None) -> None:
        self.workers = workers
        self.derive = derive
        self.depth = workers + 1
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, page: Page, reader: str, source: str, first: int,
               number: int) -> Future[Mapped] | Future[Packed]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"),
                                             initializer=die_with_parent,
                                             initargs=(os.getpid(),))
        try:
            return self._pool.submit(map_body, page.body, reader, source, first, number,
                                     self.derive)
        except RuntimeError:  # the pool broke earlier: map here
            return InlineMapper().submit(page, reader, source, first, number)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def result(future: Future[Mapped] | Future[Packed], page: Page, reader: str, source: str,
           first: int, number: int) -> Mapped:
    """The future's records, or the page mapped here if the worker failed."""
    try:
        done = future.result()
    except Exception:  # a dead worker (BrokenProcessPool) or pickling trouble
        return map_records(page, reader, source, first, number)
    if done and len(done[0]) == 4:
        return unpack(done)
    return done  # type: ignore[return-value]
