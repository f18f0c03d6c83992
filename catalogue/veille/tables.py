"""The veille's tables (same metadata as the store's other tables).

``veille_sources`` are the feeds, sitemaps and pages staff follow, with what the polite
fetcher remembers (validators for conditional GET, the next due moment, the failure run).
``veille_items`` are the items found, one row per item whatever the number of sources
that carried it (``url_key`` is unique; ``guid`` and ``title_key`` also catch a copy), with
the triage (status, descriptors, territories, note) and the record it was published as.
``veille_rules`` pre-sort new items. Plain SQLAlchemy types: SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from catalogue.store import people_tables  # noqa: F401  (persons, for the foreign keys)
from catalogue.store.tables import UTCDateTime, metadata

veille_sources = Table(
    "veille_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("url", String(2000), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),  # feed, sitemap, page
    Column("themes", Text, nullable=False, default=""),  # one a line
    Column("territories", Text, nullable=False, default=""),  # one label a line
    Column("every_hours", Integer, nullable=False, default=6),
    Column("active", Boolean, nullable=False, default=True),
    Column("etag", String(500), nullable=False, default=""),
    Column("last_modified", String(100), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_fetch_at", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("next_fetch_at", UTCDateTime, nullable=True),
    Column("failing_since", UTCDateTime, nullable=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_status", String(20), nullable=False, default=""),  # ok, unchanged, error
    Column("last_message", Text, nullable=False, default=""),
    Column("items_found", Integer, nullable=False, default=0),
)

veille_items = Table(
    "veille_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("veille_sources.id", ondelete="CASCADE"),
           nullable=False),
    Column("url", String(2000), nullable=False),
    Column("url_key", String(2000), nullable=False, unique=True),
    Column("guid", String(500), nullable=False, default=""),
    Column("title_key", String(600), nullable=False, default=""),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("published_at", UTCDateTime, nullable=True),
    Column("found_at", UTCDateTime, nullable=False),
    Column("also_from", Text, nullable=False, default=""),  # other sources' names, one a line
    Column("status", String(12), nullable=False),  # new, kept, discarded, expired
    Column("themes", Text, nullable=False, default=""),
    Column("descriptors", Text, nullable=False, default=""),
    Column("territories", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("ruled", String(200), nullable=False, default=""),  # the rule that sorted it
    Column("triaged_at", UTCDateTime, nullable=True),
    Column("triaged_by", Integer, ForeignKey("persons.id", ondelete="SET NULL"),
           nullable=True),
    Column("record_id", String(40), nullable=False, default=""),  # V-123 once published
    Index("ix_veille_items_status", "status", "found_at"),
    Index("ix_veille_items_guid", "guid"),
    Index("ix_veille_items_title_key", "title_key"),
)

veille_rules = Table(
    "veille_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("veille_sources.id", ondelete="CASCADE"),
           nullable=True),
    Column("word", String(200), nullable=False, default=""),
    Column("action", String(10), nullable=False),  # theme, discard
    Column("theme", String(200), nullable=False, default=""),
)
