"""Live availability: what the desk knows better than the catalogued status.

The index derives each copy's state from the export (:func:`indexes.documents.item_state`)
and accepts a :data:`indexes.LiveStatus` hook to override it; this module is that hook's
source. A copy on loan is ``on_loan`` (until its due date), a copy held for a borrower
``reserved``, a copy the desk marked lost, damaged, in repair or withdrawn
``unavailable``. The overrides are few (the open loans and holds of one centre), so they
are read in one query and kept in a dict for a whole rebuild.

After each desk operation the affected record is re-indexed at once
(:func:`refresh_index`), so facets and result lists follow the desk; pages read the live
state from the store anyway, so they are right even when the index write is skipped
(another writer holding the index lock for longer than a desk can wait).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from catalogue.records import Item, from_json
from catalogue.store.circulation_tables import item_states, loans, reservations
from catalogue.store.tables import items, records
from indexes import LiveStatus
from indexes.documents import ON_LOAN, RESERVED, UNAVAILABLE
from indexes.writer import IndexWriter

log = logging.getLogger("catalogue.lending")
#: Seconds a desk operation waits for the index lock before leaving the update to the
#: next scheduled index update (the pages are right meanwhile: they read the store).
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
        """A :data:`indexes.LiveStatus` hook."""
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


def refresh_index(engine: Engine, index_dir: Path, record_ids: Iterable[int]) -> bool:
    """Re-index ``record_ids`` with their live states; False when the index was busy or absent.

    Never raises: the desk operation is already committed, and the index is derived.
    """
    ids = list(set(record_ids))
    if not ids or not Path(index_dir).is_dir():
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(records.c.data, records.c.first_seen).where(
                records.c.id.in_(ids), records.c.deleted.is_(False))).all()
        live = snapshot(engine, ids)
        with IndexWriter(Path(index_dir), live.status, lock_timeout=LOCK_WAIT) as writer:
            writer.upsert((from_json(r.data), r.first_seen) for r in rows)
    except Exception:  # the index catches up at its next update
        log.warning("index not updated after a desk operation on records %s", ids, exc_info=True)
        return False
    return True
