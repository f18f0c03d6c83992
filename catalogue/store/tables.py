"""The store's tables (SQLAlchemy Core): the catalogue's truth.

Records are upserted by (source, source_id). ``datestamp`` is the last real change
(an identical re-import leaves it alone; OAI-PMH and incremental harvests rely on it),
``first_seen`` when the record first arrived (DSI novelty), ``deleted`` a tombstone kept
for OAI ``deletedRecord=persistent``. ``data`` is the canonical Record as JSON, ``raw``
the exact source bytes so a mapping fix is a re-conversion, not a re-import.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the backend stores."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        result: datetime = value.replace(tzinfo=UTC)
        return result


metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("slug", String(40), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), ForeignKey("sources.slug"), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("format", String(20), nullable=False),
    Column("charset", String(20), nullable=False, default="utf-8"),
    Column("raw", LargeBinary, nullable=False),
    Column("data", Text, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("doc_type", String(1), nullable=False, default="a"),
    Column("datestamp", UTCDateTime, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("last_run", Integer, nullable=True),
    UniqueConstraint("source", "source_id", name="uq_records_source_id"),
    Index("ix_records_datestamp", "datestamp", "id"),
    Index("ix_records_source_run", "source", "last_run"),
    # OAI (migration 0020): ListSets' document types, a seek from one type to the next;
    # a ``centre:<slug>`` set's keyset walk and count, and every list's count.
    Index("ix_records_type_source", "doc_type", "source"),
    Index("ix_records_source_datestamp", "source", "datestamp", "id"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("item_key", String(100), nullable=False),
    Column("barcode", String(100), nullable=False, default=""),
    Column("call_number", Text, nullable=False, default=""),
    Column("item_type", String(20), nullable=False, default=""),
    Column("section", String(20), nullable=False, default=""),
    Column("status", String(20), nullable=False, default=""),
    Column("status_label", Text, nullable=False, default=""),
    Column("location", Text, nullable=False, default=""),
    Column("loanable", Boolean, nullable=True),
    Column("withdrawn", Boolean, nullable=False, default=False),
    UniqueConstraint("record_id", "item_key", name="uq_items_record_key"),
    Index("ix_items_barcode", "barcode"),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), ForeignKey("sources.slug"), nullable=False),
    Column("path", Text, nullable=False),
    Column("format", String(20), nullable=False),
    Column("encoding", String(20), nullable=False),
    Column("full", Boolean, nullable=False, default=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(20), nullable=False),  # running, completed, interrupted
    Column("read", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("message", Text, nullable=False, default=""),
)

import_problems = Table(
    "import_problems",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("import_runs.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("offset", Integer, nullable=False),
    Column("source_id", String(200), nullable=False, default=""),
    Column("severity", String(10), nullable=False),  # error (rejected) or warning
    Column("message", Text, nullable=False),
    Index("ix_import_problems_run", "run_id"),
)
