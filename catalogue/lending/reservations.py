"""Reservations: a queue per record, a copy held for the first in line when one comes back.

A borrower reserves a *record* (any copy will do), and only when no copy is on the
shelf (PMB's default, ``resa_dispo`` off): a reservation is a promise of the next copy
returned. When a copy is checked in, the first waiting reservation of its record
becomes *held*: the copy is set aside for that borrower until ``held_until``
(``[circulation] hold_days`` open days later) and nobody else may take it. A held
reservation ends *fulfilled* (its borrower took the copy), *cancelled* or *expired*,
and the copy then goes to the next in line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.orm import aliased

from catalogue.lending import audit, closures
from catalogue.lending.settings import CirculationSettings
from catalogue.store.circulation_tables import reservations
from catalogue.store.people_tables import persons
from catalogue.store.tables import items, records

WAITING, HELD, FULFILLED, CANCELLED, EXPIRED = "waiting", "held", "fulfilled", "cancelled", "expired"
ACTIVE = (WAITING, HELD)
STATUS_LABELS = {WAITING: "En attente", HELD: "Disponible, mis de côté", FULFILLED: "Prêté",
                 CANCELLED: "Annulée", EXPIRED: "Expirée"}


@dataclass(frozen=True, slots=True)
class Reservation:
    """One reservation with what the desk and the borrower's page show."""

    id: int
    record_id: int
    global_id: str
    title: str
    person_id: int
    borrower: str
    card: str
    email: str
    language: str
    status: str
    held_item_id: int | None
    held_barcode: str
    held_until: date | None
    created_at: datetime

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _query() -> object:
    held = aliased(items)
    r = reservations
    return (select(r.c.id, r.c.record_id, records.c.source, records.c.source_id, records.c.title,
                   r.c.person_id, persons.c.name, persons.c.card, persons.c.email,
                   persons.c.language, r.c.status, r.c.held_item_id,
                   held.c.barcode.label("held_barcode"), r.c.held_until, r.c.created_at)
            .join(records, records.c.id == r.c.record_id)
            .join(persons, persons.c.id == r.c.person_id)
            .outerjoin(held, held.c.id == r.c.held_item_id))


def _reservation(row: object) -> Reservation:
    m = row._mapping  # type: ignore[attr-defined]
    return Reservation(id=m["id"], record_id=m["record_id"],
                       global_id=f"{m['source']}:{m['source_id']}", title=m["title"],
                       person_id=m["person_id"], borrower=m["name"] or m["card"] or m["email"] or "",
                       card=m["card"] or "", email=m["email"] or "", language=m["language"],
                       status=m["status"], held_item_id=m["held_item_id"],
                       held_barcode=m["held_barcode"] or "", held_until=m["held_until"],
                       created_at=m["created_at"])


def get(conn: Connection, reservation_id: int) -> Reservation | None:
    """The reservation ``reservation_id``, or None."""
    row = conn.execute(_query().where(reservations.c.id == reservation_id)).first()  # type: ignore[attr-defined]
    return _reservation(row) if row is not None else None


def held_for_item(conn: Connection, item_id: int) -> Reservation | None:
    """The reservation the copy is set aside for, or None."""
    row = conn.execute(_query().where(reservations.c.held_item_id == item_id)).first()  # type: ignore[attr-defined]
    return _reservation(row) if row is not None else None


def queue(engine: Engine | Connection, record_id: int) -> list[Reservation]:
    """A record's active reservations, held first, then in the order they were made."""
    stmt = (_query().where(reservations.c.record_id == record_id,  # type: ignore[attr-defined]
                           reservations.c.status.in_(ACTIVE))
            .order_by((reservations.c.status == WAITING), reservations.c.created_at,
                      reservations.c.id))
    if isinstance(engine, Connection):
        return [_reservation(r) for r in engine.execute(stmt)]
    with engine.connect() as conn:
        return [_reservation(r) for r in conn.execute(stmt)]


def of_person(engine: Engine | Connection, person_id: int) -> list[Reservation]:
    """A borrower's active reservations, oldest first."""
    stmt = (_query().where(reservations.c.person_id == person_id,  # type: ignore[attr-defined]
                           reservations.c.status.in_(ACTIVE))
            .order_by(reservations.c.created_at, reservations.c.id))
    if isinstance(engine, Connection):
        return [_reservation(r) for r in engine.execute(stmt)]
    with engine.connect() as conn:
        return [_reservation(r) for r in conn.execute(stmt)]


def position(conn: Connection, reservation: Reservation) -> int:
    """1 for the first waiting borrower of the record (0 for a held reservation)."""
    if reservation.status != WAITING:
        return 0
    ahead = conn.execute(select(func.count()).select_from(reservations).where(
        reservations.c.record_id == reservation.record_id, reservations.c.status == WAITING,
        (reservations.c.created_at < reservation.created_at)
        | ((reservations.c.created_at == reservation.created_at)
           & (reservations.c.id < reservation.id)))).scalar_one()
    return int(ahead) + 1


def active_count(conn: Connection, person_id: int) -> int:
    """How many active reservations a borrower holds."""
    return int(conn.execute(select(func.count()).select_from(reservations).where(
        reservations.c.person_id == person_id, reservations.c.status.in_(ACTIVE))).scalar_one())


def hold_next(conn: Connection, settings: CirculationSettings, record_id: int, item_id: int,
              now: datetime, actor_id: int | None) -> Reservation | None:
    """Set the copy aside for the first waiting reservation of its record, if any."""
    first = conn.execute(select(reservations.c.id).where(
        reservations.c.record_id == record_id, reservations.c.status == WAITING)
        .order_by(reservations.c.created_at, reservations.c.id).limit(1)).first()
    if first is None:
        return None
    until = closures.add_days(conn, closures.local_day(now, settings), settings.hold_days, settings)
    conn.execute(update(reservations).where(reservations.c.id == first.id).values(
        status=HELD, held_item_id=item_id, held_until=until))
    found = get(conn, first.id)
    assert found is not None
    audit.record(conn, now, "hold", actor_id, item_id=item_id, person_id=found.person_id,
                 detail=f"réservation {found.id} jusqu'au {until:%d/%m/%Y}")
    return found


def close(conn: Connection, reservation_id: int, status: str, now: datetime) -> None:
    """End a reservation (fulfilled, cancelled, expired): it leaves the queue and the copy."""
    conn.execute(update(reservations).where(reservations.c.id == reservation_id).values(
        status=status, open_record_id=None, held_item_id=None, closed_at=now))


def expired_holds(conn: Connection, today: date) -> list[Reservation]:
    """Held reservations whose borrower did not come by their ``held_until``."""
    return [_reservation(r) for r in conn.execute(_query().where(  # type: ignore[attr-defined]
        reservations.c.status == HELD, reservations.c.held_until < today))]
