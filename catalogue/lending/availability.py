"""Live availability: what the desk knows better than the catalogued status.

The index derives each copy's state from the export (:func:`catalogue.lending.states.item_state`)
and accepts a :data:`catalogue.lending.states.LiveStatus` hook to override it; this module is that hook's
source. A copy on loan is ``on_loan`` (until its due date), a copy held for a borrower
``reserved``, a copy the desk marked lost, damaged, in repair or withdrawn
``unavailable``. The overrides are few (the open loans and holds of one centre), so they
are read in one query and kept in a dict for a whole rebuild.

After each desk operation the affected record is noted (:func:`request_refresh`) and the
scheduler's index job, the index's one writer, re-indexes it within ``[index]
availability_seconds`` (:func:`apply_refreshes`), so facets and result lists follow the
desk; no web request opens the index. Pages read the live state from the store, so they
are right at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, bindparam, delete, insert, select

from catalogue import territories
from catalogue.lending.states import ON_LOAN, RESERVED, UNAVAILABLE, LiveStatus, availability
from catalogue.records import Item, from_json
from catalogue.store.circulation_tables import index_refresh, item_states, loans, reservations
from catalogue.store.tables import items, records
from indexes import IndexWriter

#: Seconds the index job waits for the index lock before leaving the refresh to its next
#: run (the pages are right meanwhile: they read the store).
LOCK_WAIT = 3.0


@dataclass(frozen=True, slots=True)
class LiveCopy:
    """A copy's live state and, when on loan, its due date."""

    state: str
    due_on: date | None = None


class Live:
    """Live states keyed by (record global id, barcode)."""

    def __init__(self, states: dict[tuple[str, str], LiveCopy]) -> None:
        self.states = states

    def copy(self, global_id: str, item: Item) -> LiveCopy | None:
        """The live state of ``item`` of record ``global_id``, None when as catalogued."""
        return self.states.get((global_id, item.barcode)) if item.barcode else None

    def status(self, global_id: str, item: Item) -> str | None:
        """A :data:`catalogue.lending.states.LiveStatus` hook."""
        found = self.copy(global_id, item)
        return found.state if found else None


def snapshot(engine: Engine, record_ids: Iterable[int] | None = None) -> Live:
    """The live states of the copies of ``record_ids`` (of every record without it)."""
    wanted = None if record_ids is None else list(set(record_ids))
    states: dict[tuple[str, str], LiveCopy] = {}
    base = (items.c.barcode, records.c.source, records.c.source_id)
    queries = [
        (select(*base, item_states.c.state.label("x"))
         .join(items, items.c.id == item_states.c.item_id)
         .where(item_states.c.state != ""), UNAVAILABLE),
        (select(*base, reservations.c.id.label("x"))
         .join(items, items.c.id == reservations.c.held_item_id), RESERVED),
        (select(*base, loans.c.due_on.label("x"))
         .join(items, items.c.id == loans.c.open_item_id), ON_LOAN),
    ]
    with engine.connect() as conn:
        for query, state in queries:
            query = query.join(records, records.c.id == items.c.record_id)
            if wanted is not None:
                if not wanted:
                    break
                query = query.where(items.c.record_id.in_(wanted))
            for row in conn.execute(query):
                due = row.x if state == ON_LOAN else None
                states[(f"{row.source}:{row.source_id}", row.barcode)] = LiveCopy(state, due)
    return Live(states)


def hook(engine: Engine) -> LiveStatus:
    """A live-status hook over every record (for ``catalogue reindex`` and index updates)."""
    return snapshot(engine).status


def request_refresh(engine: Engine, record_ids: Iterable[int], now: datetime) -> None:
    """Note that these records' availability changed: the index job re-reads them.

    Called by the desk after an operation; it never opens the index (no web request
    writes it). One row a record, whatever the number of operations meanwhile.
    """
    ids = sorted(set(record_ids))
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(delete(index_refresh).where(index_refresh.c.record_id.in_(ids)))
        conn.execute(insert(index_refresh), [{"record_id": i, "requested_at": now}
                                             for i in ids])


def apply_refreshes(engine: Engine, index_dir: Path, lock_timeout: float = LOCK_WAIT,
                    documents_access: str = "readers") -> int:
    """Re-index the records the desk noted, with their live states; how many.

    The scheduler's index job, every ``[index] availability_seconds``. A request noted
    while this runs is kept for the next run (only rows read here are cleared). When the
    index is busy (a harvest's update holds it) nothing is cleared: the next run retries.

    Raises:
        indexes.IndexLocked: another writer held the index for ``lock_timeout`` seconds.
    """
    with engine.connect() as conn:
        noted = {r.record_id: r.requested_at for r in conn.execute(select(index_refresh))}
    if not noted or not Path(index_dir).is_dir():
        return 0
    ids = sorted(noted)
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.data, records.c.first_seen).where(
            records.c.id.in_(ids), records.c.deleted.is_(False))).all()
        # A noted record deleted since (a withdrawn questions/réponses entry) leaves the
        # index now rather than at the next update pass.
        gone = [f"{r.source}:{r.source_id}" for r in conn.execute(
            select(records.c.source, records.c.source_id).where(
                records.c.id.in_(ids), records.c.deleted.is_(True)))]
    live = snapshot(engine, ids)
    from catalogue.documents.service import stored_fulltext  # documents note records too

    texts = stored_fulltext(engine, documents_access, record_ids=ids)
    with IndexWriter(Path(index_dir), lambda r: availability(r, live.status),
                     lock_timeout=lock_timeout, fulltext=texts.get,
                     places=territories.containing) as writer:
        writer.upsert((from_json(r.data), r.first_seen) for r in rows)
        if gone:
            writer.delete(gone)
    with engine.begin() as conn:
        conn.execute(delete(index_refresh).where(
            index_refresh.c.record_id == bindparam("id"),
            index_refresh.c.requested_at <= bindparam("at")),
            [{"id": record_id, "at": at} for record_id, at in noted.items()])
    return len(ids)
