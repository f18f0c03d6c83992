"""Keeping the search index in step with the store (composition: store + indexes).

``reindex`` rebuilds the whole index from the store's live records into a fresh
directory and swaps it in; ``update_index`` applies what changed since a datestamp
(additions, updates and tombstones). Both leave a *watermark* in the index directory:
the latest store datestamp they have applied, so the post-import hook and the scheduler
can simply call ``update_index(engine, index_dir)`` without remembering anything.

The store stamps a batch just before its commit, so a record can become visible
slightly after its datestamp: a batch stamped before the watermark may still have been
in flight when the update read the store. So the watermark file also keeps, for the
stamps of the last :data:`MARGIN` before the update began, how many rows of each stamp
it applied; the next update re-applies a stamp of that window only when the store now
holds more rows for it (or a stamp it never saw): fewer rows only means records changed
since, which moved to a newer stamp and are read as such. Re-applying the whole
margin instead, as a plain "since watermark minus margin" would, re-indexes a big
harvest's last minutes at every later update - every quarter of an hour, for ever,
with the drop-folder job - while re-applying a record is harmless but missing one is not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select

from catalogue import territories
from catalogue.clock import utcnow
from catalogue.documents.service import documented_records, stored_fulltext
from catalogue.documents.settings import DocumentSettings
from catalogue.lending.availability import hook as live_hook
from catalogue.lending.states import LiveStatus, availability
from catalogue.store.tables import records
from indexes import DEFAULT_ENGINE, Availability, IndexWriter, rebuild
from indexes.documents import Texts

WATERMARK = "store-watermark"
#: The access level of documents without one of their own, when the caller names none.
DEFAULT_ACCESS = DocumentSettings().access
#: How long a batch may stay in flight between its stamp and its commit (see above).
MARGIN = timedelta(minutes=5)
#: More stamps than this to re-apply (a legacy watermark file after a long harvest):
#: the window is re-read whole rather than through a long IN list.
REDO_STAMPS = 500
BATCH = 1000
#: A large update (a partner's first harvest) commits a segment per this many records,
#: sorted in memory, instead of one big segment spilling runs to disk; safe because an
#: update is re-applied from the watermark if it stops half-way.
SEGMENT_DOCS = 20_000
#: From this many records to (re)index, an update uses ``procs`` writer processes;
#: below, starting them costs more than they save.
PARALLEL_FROM = SEGMENT_DOCS // 2
#: Changed records whose documents' text is read from the store at a time.
UPSERT_BATCH = 5000


@dataclass(frozen=True, slots=True)
class IndexRun:
    """What a reindex or an update did, for the operator."""

    indexed: int
    deleted: int
    seconds: float
    watermark: datetime | None
    #: In a reindex: changes applied after the swap, those the rebuild may have missed
    #: (stamped or committed while it was reading the store).
    caught_up: int = 0


def _watermark_path(index_dir: Path) -> Path:
    return Path(index_dir) / WATERMARK


@dataclass(frozen=True, slots=True)
class Watermark:
    """How far the index follows the store (the file ``WATERMARK`` in the index folder)."""

    #: The latest store datestamp applied (None: nothing yet, the next update applies all).
    mark: datetime | None = None
    #: Stamps from here on may still gain rows: batches in flight when the store was read.
    window: datetime | None = None
    #: Rows applied (or found applied) per stamp of the window, by ISO datestamp.
    seen: dict[str, int] = field(default_factory=dict)


def read_state(index_dir: Path) -> Watermark:
    """The watermark of the index in ``index_dir`` (empty when there is none).

    A file of an earlier version holds the datestamp alone: its whole margin is then
    re-applied once, as that version did at every update.
    """
    try:
        text = _watermark_path(index_dir).read_text("utf-8").strip()
    except FileNotFoundError:
        return Watermark()
    try:
        data: Any = json.loads(text) if text.startswith("{") else None
        if data is None:
            mark = datetime.fromisoformat(text)
            return Watermark(mark, mark - MARGIN, {})
        return Watermark(datetime.fromisoformat(data["mark"]),
                         datetime.fromisoformat(data["window"]),
                         {str(k): int(v) for k, v in data["seen"].items()})
    except (ValueError, KeyError, TypeError, AttributeError):
        return Watermark()  # unreadable: the next update applies everything again


def read_watermark(index_dir: Path) -> datetime | None:
    """The latest store datestamp the index has applied, if any."""
    return read_state(index_dir).mark


def _write_state(index_dir: Path, mark: datetime | None, window: datetime,
                 seen: dict[datetime, int]) -> None:
    """Save the watermark: ``seen`` counts rows per stamp, kept from ``window`` on."""
    if mark is None:
        return
    path = _watermark_path(index_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({
        "mark": mark.isoformat(), "window": window.isoformat(),
        "seen": {stamp.isoformat(): n for stamp, n in seen.items() if stamp >= window},
    }), encoding="utf-8")
    tmp.replace(path)


def applied(engine: Engine, index_dir: Path) -> Callable[[datetime], bool]:
    """Whether the index in ``index_dir`` holds the store's records of a datestamp as the
    store does, by the rule its own updates follow (see the module docstring): a stamp up
    to its mark and before its window, or of the window with no more rows now than it
    applied. Read before searching the index: the searches see at least that state."""
    state = read_state(index_dir)
    mark, window = state.mark, state.window
    if mark is None or window is None:
        return lambda stamp: False
    with engine.connect() as conn:
        settled = {stamp for stamp, count in _stamp_counts(conn, window, mark).items()
                   if count <= state.seen.get(stamp.isoformat(), -1)}
    return lambda stamp: stamp <= mark and (stamp < window or stamp in settled)


def _stamp_counts(conn: Connection, start: datetime, end: datetime) -> dict[datetime, int]:
    """Rows per datestamp from ``start`` to ``end`` (both included)."""
    rows = conn.execute(select(records.c.datestamp, func.count())
                        .where(records.c.datestamp >= start, records.c.datestamp <= end)
                        .group_by(records.c.datestamp))
    return {row[0]: int(row[1]) for row in rows}


def live_records(engine: Engine, documents_access: str | None = None
                 ) -> Iterator[tuple[str, datetime] | tuple[str, datetime, Texts]]:
    """Every live record of the store (tombstones excluded) as its canonical JSON, with its
    arrival, in id order: the index decodes it where it builds the document (in writer
    processes with ``procs`` > 1). With ``documents_access`` (the level of documents
    without their own), each comes with its documents' text too, read batch by batch."""
    documented = documented_records(engine) if documents_access is not None else set()
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(records.c.id, records.c.data, records.c.first_seen)
                .where(records.c.deleted.is_(False), records.c.id > last)
                .order_by(records.c.id).limit(BATCH)
            ).all()
        if not rows:
            return
        if documents_access is None:
            for row in rows:
                yield row.data, row.first_seen
        else:
            yield from _with_texts(engine, [(r.id, r.data, r.first_seen) for r in rows],
                                   documented, documents_access)
        last = rows[-1].id


def _with_texts(engine: Engine, rows: list[tuple[int, str, datetime]], documented: set[int],
                documents_access: str) -> list[tuple[str, datetime, Texts]]:
    """``rows`` (id, JSON, arrival) with their documents' text (``{}``: none)."""
    wanted = [i for i, _, _ in rows if i in documented]
    by_id = stored_fulltext(engine, documents_access, record_ids=wanted, by_id=True) \
        if wanted else {}
    return [(data, added, by_id.get(i, {})) for i, data, added in rows]


def computed(live: LiveStatus) -> Availability:
    """The availability the index stores for a record: the lending rules, live states."""
    return lambda record: availability(record, live)


def reindex(engine: Engine, index_dir: Path, live: LiveStatus | None = None,
            procs: int = 1, engine_name: str = DEFAULT_ENGINE,
            documents_access: str = DEFAULT_ACCESS) -> IndexRun:
    """Rebuild the index from the store and swap it in; searches go on meanwhile.

    Changes committed while the rebuild reads the store are applied right after the
    swap, so nothing is lost to the race. The new index is built with ``engine_name``
    (``[index] engine``): this is how an index changes engine. The text of the records'
    documents goes to the full-text fields of its access level (``documents_access``:
    ``[documents] access``, the level of documents without one of their own).
    """
    index_dir = Path(index_dir)
    live = live if live is not None else live_hook(engine)  # the desk knows better
    # What the store holds now (the latest stamp, and the rows of the recent stamps) is
    # what the rebuild will at least contain: the catch-up applies what came after.
    window = utcnow() - MARGIN
    with engine.connect() as conn:
        before: datetime | None = conn.execute(select(func.max(records.c.datestamp))).scalar()
        seen = _stamp_counts(conn, window, before) if before is not None else {}
    report = rebuild(live_records(engine, documents_access), index_dir, computed(live),
                     procs=procs, engine_name=engine_name, places=territories.containing)
    _write_state(index_dir, before, window, seen)
    caught_up = (update_index(engine, index_dir, live=live, procs=procs,
                              engine_name=engine_name, documents_access=documents_access)
                 if before else None)
    return IndexRun(report.upserted, caught_up.deleted if caught_up else 0,
                    report.seconds + (caught_up.seconds if caught_up else 0.0),
                    read_watermark(index_dir), caught_up.indexed if caught_up else 0)


def _pending(conn: Connection, state: Watermark) -> tuple[Any, dict[datetime, int]]:
    """What an update after ``state`` must read (None: everything), and the rows of the
    window stamps it need not read again because ``state`` saw them all."""
    if state.mark is None or state.window is None:
        return None, {}
    settled: dict[datetime, int] = {}
    redo = []
    for stamp, count in _stamp_counts(conn, state.window, state.mark).items():
        applied = state.seen.get(stamp.isoformat())
        # Fewer rows than applied: records changed since moved to a newer stamp (read
        # as newer); only a stamp never seen or grown can hold a row not yet applied.
        # Re-reading shrunken stamps made an import of 12 changes index 2,000 records.
        if applied is not None and count <= applied:
            settled[stamp] = count
        else:
            redo.append(stamp)
    newer = records.c.datestamp > state.mark
    if len(redo) > REDO_STAMPS:  # as many batches as that: re-read the window
        return or_(newer, records.c.datestamp >= state.window), {}
    if redo:
        return or_(newer, and_(records.c.datestamp >= state.window,
                               records.c.datestamp.in_(redo))), settled
    return newer, settled


def _live_changes_reach(conn: Connection, changed: Any, enough: int) -> bool:
    """Whether at least ``enough`` live records changed: counted up to ``enough`` only,
    since counting them all reads every changed row (their JSON and source bytes lie
    before ``deleted``): 0.13 s of a 20,000-record update, before any worker started,
    and growing with the update."""
    live = select(records.c.id).where(records.c.deleted.is_(False))
    if changed is not None:
        live = live.where(changed)
    found = conn.execute(select(func.count()).select_from(live.limit(enough).subquery()))
    return int(found.scalar() or 0) >= enough


@dataclass(slots=True)
class _Reading:
    """An update's pass over the changed rows: what its watermark and deletions need."""

    #: The latest datestamp read (starting from the watermark's).
    latest: datetime | None
    #: Stamps from here on are counted in ``seen``.
    window: datetime
    seen: dict[datetime, int]
    #: Global ids of the tombstones read, removed once the upserts are written.
    deletions: list[str] = field(default_factory=list)

    def upserts(self, engine: Engine, rows: Iterable[Any], documented: set[int],
                documents_access: str) -> Iterator[tuple[str, datetime, Texts]]:
        """The live records among ``rows`` (canonical JSON, arrival, documents' text), the
        tombstones and stamps noted on the way.

        One stream for the whole update, so that the index writer's preparing processes
        run from its first record to its last: handed over in batches, each batch
        started them anew and drained them, the cores idling at every boundary. Each
        record appears once in an update, so the deletions can wait for the end."""
        waiting: list[tuple[int, str, datetime]] = []
        for row in rows:
            stamp = row.datestamp
            if self.latest is None or stamp > self.latest:
                self.latest = stamp
            if stamp >= self.window:
                self.seen[stamp] = self.seen.get(stamp, 0) + 1
            if row.deleted:
                self.deletions.append(f"{row.source}:{row.source_id}")
            else:
                waiting.append((row.id, row.data, row.first_seen))
                if len(waiting) >= UPSERT_BATCH:
                    yield from _with_texts(engine, waiting, documented, documents_access)
                    waiting = []
        yield from _with_texts(engine, waiting, documented, documents_access)


def update_index(engine: Engine, index_dir: Path, since: datetime | None = None,
                 live: LiveStatus | None = None, procs: int = 1,
                 engine_name: str = DEFAULT_ENGINE,
                 documents_access: str = DEFAULT_ACCESS) -> IndexRun:
    """Apply the store's changes since ``since`` (default: the index's own watermark).

    Live records changed since then are added or replaced, tombstoned ones removed.
    With no watermark and no ``since`` every record is applied (an update of an empty
    index equals a build). With ``procs`` > 1 and at least :data:`PARALLEL_FROM`
    records to index, they are analysed in ``procs`` writer processes (``[index] procs``).
    An existing index is updated with its own engine; ``engine_name`` is the engine of
    the index created when there is none.
    """
    index_dir = Path(index_dir)
    live = live if live is not None else live_hook(engine)  # the desk knows better
    window = utcnow() - MARGIN  # batches stamped from here on may be in flight as we read
    state = read_state(index_dir)
    query = select(records.c.id, records.c.source, records.c.source_id, records.c.data,
                   records.c.deleted, records.c.datestamp, records.c.first_seen)
    with engine.connect() as conn:
        if since is not None:
            changed: Any = records.c.datestamp >= since
            seen: dict[datetime, int] = {}  # rows of each window stamp known to be applied
        else:
            changed, seen = _pending(conn, state)
        if changed is not None:
            query = query.where(changed)
        if procs > 1 and not _live_changes_reach(conn, changed, PARALLEL_FROM):
            procs = 1
        documented = documented_records(engine)
        with IndexWriter(index_dir, computed(live), segment_docs=SEGMENT_DOCS, procs=procs,
                         engine_name=engine_name, places=territories.containing) as writer:
            rows = conn.execution_options(yield_per=BATCH).execute(
                query.order_by(records.c.datestamp, records.c.id)
            )
            reading = _Reading(state.mark, window, seen)
            writer.upsert(reading.upserts(engine, rows, documented, documents_access))
            writer.delete(reading.deletions)
    report = writer.report()
    _write_state(index_dir, reading.latest, window, seen)
    return IndexRun(report.upserted, report.deleted, report.seconds, reading.latest)
