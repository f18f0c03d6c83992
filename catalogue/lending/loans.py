"""Reading loans: a borrower's, an item's, the overdue list.

A :class:`Loan` carries what every page about loans shows (title, barcode, borrower,
due date), read in one join so a list of a hundred loans is one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, Select, select

from catalogue.store.circulation_tables import loans
from catalogue.store.people_tables import persons
from catalogue.store.tables import items, records


@dataclass(frozen=True, slots=True)
class Loan:
    """One loan, open or returned."""

    id: int
    item_id: int
    barcode: str
    title: str
    call_number: str
    item_type: str
    global_id: str
    record_id: int
    person_id: int | None
    borrower: str
    card: str
    email: str
    checked_out_at: datetime
    due_on: date
    renewals: int
    returned_at: datetime | None
    reminder_level: int

    @property
    def open(self) -> bool:
        return self.returned_at is None

    def late_days(self, today: date) -> int:
        """Days past the due date (0 when not late or returned)."""
        return max(0, (today - self.due_on).days) if self.open else 0


def query() -> Select[tuple[object, ...]]:
    """The loan join every listing starts from."""
    return (select(loans.c.id, loans.c.item_id, items.c.barcode, records.c.title,
                   items.c.call_number, items.c.item_type, records.c.source, records.c.source_id,
                   records.c.id.label("record_id"), loans.c.person_id, persons.c.name,
                   persons.c.card, persons.c.email, loans.c.checked_out_at, loans.c.due_on,
                   loans.c.renewals, loans.c.returned_at, loans.c.reminder_level)
            .join(items, items.c.id == loans.c.item_id)
            .join(records, records.c.id == items.c.record_id)
            .outerjoin(persons, persons.c.id == loans.c.person_id))


def row_to_loan(r: object) -> Loan:
    m = r._mapping  # type: ignore[attr-defined]
    return Loan(id=m["id"], item_id=m["item_id"], barcode=m["barcode"], title=m["title"],
                call_number=m["call_number"], item_type=m["item_type"],
                global_id=f"{m['source']}:{m['source_id']}", record_id=m["record_id"],
                person_id=m["person_id"], borrower=m["name"] or m["card"] or m["email"] or "",
                card=m["card"] or "", email=m["email"] or "", checked_out_at=m["checked_out_at"],
                due_on=m["due_on"], renewals=m["renewals"], returned_at=m["returned_at"],
                reminder_level=m["reminder_level"])


def get(conn: Connection, loan_id: int) -> Loan | None:
    """The loan ``loan_id``, or None."""
    row = conn.execute(query().where(loans.c.id == loan_id)).first()
    return row_to_loan(row) if row is not None else None


def open_for_item(conn: Connection, item_id: int) -> Loan | None:
    """The item's open loan, or None."""
    row = conn.execute(query().where(loans.c.open_item_id == item_id)).first()
    return row_to_loan(row) if row is not None else None


def of_person(engine: Engine | Connection, person_id: int, *, history: bool = False) -> list[Loan]:
    """A borrower's open loans by due date (with ``history``: their returned loans, newest first)."""
    where = loans.c.returned_at.is_not(None) if history else loans.c.returned_at.is_(None)
    order = (loans.c.returned_at.desc(),) if history else (loans.c.due_on, loans.c.id)
    stmt = query().where(loans.c.person_id == person_id, where).order_by(*order)
    if isinstance(engine, Connection):
        return [row_to_loan(r) for r in engine.execute(stmt)]
    with engine.connect() as conn:
        return [row_to_loan(r) for r in conn.execute(stmt)]


def overdue(engine: Engine, today: date) -> list[Loan]:
    """Open loans due before ``today``, the oldest due first."""
    with engine.connect() as conn:
        return [row_to_loan(r) for r in conn.execute(
            query().where(loans.c.returned_at.is_(None), loans.c.due_on < today)
            .order_by(loans.c.due_on, persons.c.name, loans.c.id))]
