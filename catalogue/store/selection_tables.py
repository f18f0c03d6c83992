"""The readers' selections (panier) (same metadata as ``tables``): one per visitor or person.

A ``selections`` row belongs either to a browser, by the SHA-256 of the opaque token its
``selection`` cookie holds (the store never keeps the token itself, so a copy of the
database cannot be replayed as a cookie), or to a signed-in person. ``selection_records``
lists the records kept, by record row (a record deleted from the catalogue leaves the
selection with it), in the order they were added.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from catalogue.store.tables import UTCDateTime, metadata

selections = Table(
    "selections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=True, unique=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=True,
           unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("touched_at", UTCDateTime, nullable=False),
    Index("ix_selections_touched", "touched_at"),
    sqlite_autoincrement=True,
)

selection_records = Table(
    "selection_records",
    metadata,
    Column("selection_id", Integer, ForeignKey("selections.id", ondelete="CASCADE"),
           primary_key=True, autoincrement=False),
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("added_at", UTCDateTime, nullable=False),
)
