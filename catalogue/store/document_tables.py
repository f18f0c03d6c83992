"""The digital documents' tables (same metadata as ``tables``): files linked to records, and their text.

A ``documents`` row links one stored file (by its SHA-256, :mod:`catalogue.documents.store`)
to one record, with the name it came with, the kind read from its content, its access
level (NULL: ``[documents] access`` at the time of the request), where it came from
(``upload``, ``folder`` or ``pmb``, with the 897 URL or dropped file name) and what
extraction found (a problem code, the page count). ``document_pages`` keeps the text of
each page read (page 0 for a document without pages), the source of the full-text field
and of the snippets' page numbers. The same bytes attached twice to one record are one row.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from catalogue.store.tables import UTCDateTime, metadata

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("access", String(10), nullable=True),
    Column("origin", String(10), nullable=False),
    Column("origin_ref", Text, nullable=False, default=""),
    Column("problem", String(20), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("warnings", Text, nullable=False, default=""),
    Column("page_count", Integer, nullable=False, default=0),
    Column("pages_read", Integer, nullable=False, default=0),
    Column("extracted_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("record_id", "sha256", name="uq_documents_record_sha"),
    Index("ix_documents_sha", "sha256"),
    sqlite_autoincrement=True,
)

document_pages = Table(
    "document_pages",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"),
           primary_key=True, autoincrement=False),
    Column("page", Integer, primary_key=True, autoincrement=False),
    Column("text", Text, nullable=False),
)
