"""The circulation audit log: who did what to which item for whom, and when.

Every desk operation writes its event in the same transaction as the change itself, so
the log can never claim a loan that was rolled back nor miss one that was committed.
``actor_id`` is the librarian (or the borrower, for a renewal or a reservation made on
the public site); ``None`` is the scheduler (expired holds, reminders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import aliased

from catalogue.store.circulation_tables import circulation_events
from catalogue.store.people_tables import persons
from catalogue.store.tables import items

ACTIONS = ("checkout", "checkin", "renew", "reserve", "cancel", "hold", "expire", "state",
           "add_item", "reminder", "borrowers", "suspend")


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the audit log as the desk shows it."""

    at: datetime
    action: str
    actor: str
    barcode: str
    borrower: str
    detail: str


def record(conn: Connection, now: datetime, action: str, actor_id: int | None, *,
           item_id: int | None = None, person_id: int | None = None, detail: str = "") -> None:
    """Append one event (inside the caller's transaction)."""
    assert action in ACTIONS, action
    conn.execute(insert(circulation_events).values(
        at=now, action=action, actor_id=actor_id, item_id=item_id, person_id=person_id,
        detail=detail[:2000]))


def recent(engine: Engine, *, limit: int = 200, item_id: int | None = None,
           person_id: int | None = None) -> list[Event]:
    """The latest events, newest first, optionally for one item or one borrower."""
    actor, borrower = aliased(persons), aliased(persons)
    e = circulation_events
    query = (select(e.c.at, e.c.action, e.c.detail, actor.c.name.label("actor_name"),
                    actor.c.email.label("actor_email"), items.c.barcode,
                    borrower.c.name.label("borrower_name"), borrower.c.card)
             .outerjoin(actor, actor.c.id == e.c.actor_id)
             .outerjoin(borrower, borrower.c.id == e.c.person_id)
             .outerjoin(items, items.c.id == e.c.item_id)
             .order_by(e.c.id.desc()).limit(limit))
    if item_id is not None:
        query = query.where(e.c.item_id == item_id)
    if person_id is not None:
        query = query.where(e.c.person_id == person_id)
    with engine.connect() as conn:
        return [Event(r.at, r.action, r.actor_name or r.actor_email or "système",
                      r.barcode or "", r.borrower_name or r.card or "", r.detail)
                for r in conn.execute(query)]
