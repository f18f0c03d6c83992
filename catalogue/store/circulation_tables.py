"""The store's lending-desk tables (same metadata as ``tables``): loans, reservations, rules.

Circulation state lives here and only here, never in ``items``: a PMB re-import rewrites
an item's description (``items``) but cannot touch a loan, a hold or a desk status.

Concurrency is the database's job, not a Python lock: ``loans.open_item_id`` equals
``item_id`` while the loan is open and is NULL once returned, and it is UNIQUE, so two
desks checking out the same item at the same instant cannot both commit (NULLs are
distinct in SQLite and PostgreSQL alike, so closed loans never collide). The same trick
keeps one active reservation per borrower and record (``open_record_id``) and one hold
per item (``held_item_id``), and ``reminders`` has one row per (loan, level): a level is
sent once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)

from catalogue.store.tables import UTCDateTime, items, metadata

#: Wildcard of a rule's category or item type: any.
ANY = "*"

loan_rules = Table(
    "loan_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category", String(40), nullable=False, default=ANY),  # persons.category or *
    Column("item_type", String(20), nullable=False, default=ANY),  # items.item_type or *
    Column("loan_days", Integer, nullable=False),
    Column("max_loans", Integer, nullable=False),
    Column("renewals", Integer, nullable=False),
    Column("renewal_days", Integer, nullable=False),
    Column("max_reservations", Integer, nullable=False),
    UniqueConstraint("category", "item_type", name="uq_loan_rules_scope"),
)

closing_days = Table(
    "closing_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("label", Text, nullable=False, default=""),
)

loans = Table(
    "loans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    # NULL once returned: the unique guard against two open loans of one item.
    Column("open_item_id", Integer, nullable=True),
    # NULL after the return of a borrower who did not opt in to their history.
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    Column("checked_out_at", UTCDateTime, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("renewals", Integer, nullable=False, default=0),
    Column("returned_at", UTCDateTime, nullable=True),
    Column("reminder_level", Integer, nullable=False, default=0),
    Column("checked_out_by", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    Column("returned_by", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("open_item_id", name="uq_loans_open_item"),
    Index("ix_loans_person", "person_id", "returned_at"),
    Index("ix_loans_due", "returned_at", "due_on"),
    Index("ix_loans_item", "item_id"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(12), nullable=False),  # waiting, held, fulfilled, cancelled, expired
    # record_id while waiting or held, else NULL: one active reservation per borrower and record.
    Column("open_record_id", Integer, nullable=True),
    Column("held_item_id", Integer, ForeignKey("items.id", ondelete="SET NULL"), nullable=True),
    Column("held_until", Date, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    UniqueConstraint("person_id", "open_record_id", name="uq_reservations_open"),
    UniqueConstraint("held_item_id", name="uq_reservations_held_item"),
    Index("ix_reservations_record", "record_id", "status", "created_at"),
)

#: Records whose copies' availability changed since the search index last read them: the
#: desk notes them, the scheduler's index job (the one writer) re-indexes and clears them.
index_refresh = Table(
    "index_refresh",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=False),
    Column("requested_at", UTCDateTime, nullable=False),
)

item_states = Table(
    "item_states",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(12), nullable=False, default=""),  # '', lost, damaged, repair, withdrawn
    Column("note", Text, nullable=False, default=""),
    # Set by an import whose export no longer holds this item while circulation needs it.
    Column("missing_since", UTCDateTime, nullable=True),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("changed_by", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("loan_id", Integer, ForeignKey("loans.id", ondelete="CASCADE"), nullable=False),
    Column("level", Integer, nullable=False),
    Column("channel", String(10), nullable=False),  # email, letter
    Column("created_at", UTCDateTime, nullable=False),
    Column("printed_at", UTCDateTime, nullable=True),  # letters only
    UniqueConstraint("loan_id", "level", name="uq_reminders_level"),
)

circulation_events = Table(
    "circulation_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(20), nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="SET NULL"), nullable=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_circulation_events_at", "at"),
)


def retire_items(conn: Connection, record_id: int, gone: dict[str, int], now: datetime) -> None:
    """What an import does with a record's items its export no longer lists.

    Called by :meth:`catalogue.store.ingest.Ingest._sync_items` (``gone``: item key ->
    id). Items added by hand at the desk (key ``desk:...``) are not the export's to
    remove. Items circulation still needs (any loan, a hold, a desk state) are kept and
    flagged ``missing_since`` for the librarian; the others are deleted. Items of the
    record that the export still lists lose an earlier flag.
    """
    conn.execute(update(item_states).where(
        item_states.c.item_id.in_(select(items.c.id).where(
            items.c.record_id == record_id, items.c.id.not_in(list(gone.values())))),
        item_states.c.missing_since.is_not(None)).values(missing_since=None))
    ids = [i for key, i in gone.items() if not key.startswith("desk:")]
    if not ids:
        return
    needed = set(conn.execute(select(loans.c.item_id).where(loans.c.item_id.in_(ids))).scalars())
    needed |= set(conn.execute(select(reservations.c.held_item_id)
                               .where(reservations.c.held_item_id.in_(ids))).scalars())
    states = set(conn.execute(select(item_states.c.item_id)
                              .where(item_states.c.item_id.in_(ids))).scalars())
    needed |= states
    for item_id in needed:
        if item_id in states:
            conn.execute(update(item_states).where(item_states.c.item_id == item_id,
                                                   item_states.c.missing_since.is_(None))
                         .values(missing_since=now))
        else:
            conn.execute(insert(item_states).values(item_id=item_id, state="", note="",
                                                    missing_since=now, changed_at=now))
    doomed = [i for i in ids if i not in needed]
    if doomed:
        conn.execute(items.delete().where(items.c.id.in_(doomed)))
