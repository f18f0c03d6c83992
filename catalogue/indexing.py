"""Keeping the search index in step with the store (composition: store + indexes).

``reindex`` rebuilds the whole index from the store's live records into a fresh
directory and swaps it in; ``update_index`` applies what changed since a datestamp
(additions, updates and tombstones). Both leave a *watermark* in the index directory:
the latest store datestamp they have applied, so the post-import hook and the scheduler
can simply call ``update_index(engine, index_dir)`` without remembering anything.

The watermark is read back with a safety margin: the store stamps a batch just before
its commit, so a record can become visible slightly after its datestamp. Re-applying a
record is harmless (an upsert by global id), missing one is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from catalogue.lending.availability import hook as live_hook
from catalogue.records import Record, from_json
from catalogue.store.tables import records
from indexes import IndexWriter, LiveStatus, rebuild

WATERMARK = "store-watermark"
MARGIN = timedelta(minutes=5)
BATCH = 1000
#: A large update (a partner's first harvest) commits a segment per this many records,
#: sorted in memory, instead of one big segment spilling runs to disk; safe because an
#: update is re-applied from the watermark if it stops half-way.
SEGMENT_DOCS = 20_000
#: From this many records to (re)index, an update uses ``procs`` writer processes;
#: below, starting them costs more than they save.
PARALLEL_FROM = SEGMENT_DOCS // 2


@dataclass(frozen=True, slots=True)
class IndexRun:
    """What a reindex or an update did, for the operator."""

    indexed: int
    deleted: int
    seconds: float
    watermark: datetime | None
    #: In a reindex: changes re-applied after the swap, those stamped since the rebuild
    #: began reading the store (the last batch before it included: the bound is >=).
    caught_up: int = 0


def _watermark_path(index_dir: Path) -> Path:
    return Path(index_dir) / WATERMARK


def read_watermark(index_dir: Path) -> datetime | None:
    """The latest store datestamp the index has applied, if any."""
    try:
        return datetime.fromisoformat(_watermark_path(index_dir).read_text("utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None


def _write_watermark(index_dir: Path, stamp: datetime | None) -> None:
    if stamp is None:
        return
    path = _watermark_path(index_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(stamp.isoformat(), encoding="utf-8")
    tmp.replace(path)


def _latest(engine: Engine) -> datetime | None:
    with engine.connect() as conn:
        stamp: datetime | None = conn.execute(select(func.max(records.c.datestamp))).scalar()
    return stamp


def live_records(engine: Engine) -> Iterator[tuple[Record, datetime]]:
    """Every live record of the store (tombstones excluded) with its arrival, in id order."""
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
        for row in rows:
            yield from_json(row.data), row.first_seen
        last = rows[-1].id


def reindex(engine: Engine, index_dir: Path, live: LiveStatus | None = None,
            procs: int = 1) -> IndexRun:
    """Rebuild the index from the store and swap it in; searches go on meanwhile.

    Changes committed while the rebuild reads the store are applied right after the
    swap, so nothing is lost to the race.
    """
    index_dir = Path(index_dir)
    live = live if live is not None else live_hook(engine)  # the desk knows better
    before = _latest(engine)
    report = rebuild(live_records(engine), index_dir, live=live, procs=procs)
    _write_watermark(index_dir, before)
    caught_up = (update_index(engine, index_dir, since=before, live=live, procs=procs)
                 if before else None)
    return IndexRun(report.upserted, caught_up.deleted if caught_up else 0,
                    report.seconds + (caught_up.seconds if caught_up else 0.0),
                    read_watermark(index_dir), caught_up.indexed if caught_up else 0)


def _live_changes(engine: Engine, since: datetime | None) -> int:
    query = select(func.count()).select_from(records).where(records.c.deleted.is_(False))
    if since is not None:
        query = query.where(records.c.datestamp >= since)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def update_index(engine: Engine, index_dir: Path, since: datetime | None = None,
                 live: LiveStatus | None = None, procs: int = 1) -> IndexRun:
    """Apply the store's changes since ``since`` (default: the index's own watermark).

    Live records changed since then are added or replaced, tombstoned ones removed.
    With no watermark and no ``since`` every record is applied (an update of an empty
    index equals a build). With ``procs`` > 1 and at least :data:`PARALLEL_FROM`
    records to index, they are analysed in ``procs`` writer processes (``[index] procs``).
    """
    index_dir = Path(index_dir)
    live = live if live is not None else live_hook(engine)  # the desk knows better
    if since is None:
        mark = read_watermark(index_dir)
        since = mark - MARGIN if mark else None
    query = select(records.c.source, records.c.source_id, records.c.data, records.c.deleted,
                   records.c.datestamp, records.c.first_seen)
    if since is not None:
        query = query.where(records.c.datestamp >= since)
    if procs > 1 and _live_changes(engine, since) < PARALLEL_FROM:
        procs = 1
    latest = None
    with engine.connect() as conn, IndexWriter(index_dir, live, segment_docs=SEGMENT_DOCS,
                                               procs=procs) as writer:
        rows = conn.execution_options(yield_per=BATCH).execute(
            query.order_by(records.c.datestamp, records.c.id)
        )
        for row in rows:
            latest = row.datestamp if latest is None or row.datestamp > latest else latest
            if row.deleted:
                writer.delete([f"{row.source}:{row.source_id}"])
            else:
                writer.upsert([(from_json(row.data), row.first_seen)])
    report = writer.report()
    previous = read_watermark(index_dir)
    if latest is not None and (previous is None or latest > previous):
        _write_watermark(index_dir, latest)
    return IndexRun(report.upserted, report.deleted, report.seconds, read_watermark(index_dir))
