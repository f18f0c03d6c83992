"""The DSI tables (same metadata as ``tables``): profiles, subscriptions, deliveries, issues.

A *profile* is what a digest is built from, as PMB's bannette: a curated list
(``owner_id`` NULL, with a ``slug``, public or offered to categories) or a person's
private alert (``owner_id`` set, visibility ``private``). Its content is one or more
*equations* (a saved results-page query string) and/or hand-picked records.

Delivery state lives on the subscriber-profile pair: ``watermark`` (records first seen,
or updated, since then are new for the pair) moves only once the SMTP server accepted
the digest, and ``dsi_delivered`` keeps every record sent for the pair, so a retried
run, an overlapping window or an import landing mid-run never sends one twice.
Everything a person owns or receives references ``persons.id`` ON DELETE CASCADE: an
account deletion (GDPR) erases it. ``sqlite_autoincrement`` keeps ids from being reused,
so a signed unsubscribe link of a deleted subscription can never name a new one.
``dsi_bounces`` counts, per person, the consecutive permanent refusals (5xx) of their
address; past ``[dsi] bounce_limit`` the run stops mailing them (migration 0007).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
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

dsi_profiles = Table(
    "dsi_profiles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=True),
    Column("slug", String(60), nullable=True, unique=True),  # curated lists only
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("period", String(10), nullable=False, default="weekly"),  # daily weekly monthly every
    Column("weekday", Integer, nullable=False, default=0),  # 0 = Monday (weekly)
    Column("month_day", Integer, nullable=False, default=1),  # monthly
    Column("every_days", Integer, nullable=False, default=7),  # every N days
    Column("novelty", String(10), nullable=False, default="first_seen"),  # or "update"
    Column("cap", Integer, nullable=False, default=30),  # records listed per mail
    Column("attachment", String(10), nullable=False, default=""),  # "", ris, unimarc
    Column("visibility", String(10), nullable=False, default="public"),  # category, private
    Column("active", Boolean, nullable=False, default=True),
    Column("problem", Text, nullable=False, default=""),  # why the last run skipped it
    Column("last_issue_at", UTCDateTime, nullable=True),  # the archive's watermark
    # A closed list publishes and sends nothing more; its archives and subscribers stay.
    Column("closed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_dsi_profiles_owner", "owner_id"),
    sqlite_autoincrement=True,
)

dsi_equations = Table(
    "dsi_equations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("dsi_profiles.id", ondelete="CASCADE"),
           nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("params", Text, nullable=False),  # a results page's query string
    Index("ix_dsi_equations_profile", "profile_id"),
)

dsi_picks = Table(
    "dsi_picks",
    metadata,
    Column("profile_id", Integer, ForeignKey("dsi_profiles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"),
           primary_key=True),
    Column("added_at", UTCDateTime, nullable=False),
)

dsi_profile_categories = Table(
    "dsi_profile_categories",
    metadata,
    Column("profile_id", Integer, ForeignKey("dsi_profiles.id", ondelete="CASCADE"),
           primary_key=True),
    Column("category", String(40), ForeignKey("categories.code", ondelete="CASCADE"),
           primary_key=True),
    Column("auto", Boolean, nullable=False, default=False),  # subscribe the category's people
)

dsi_subscriptions = Table(
    "dsi_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("dsi_profiles.id", ondelete="CASCADE"),
           nullable=False),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("watermark", UTCDateTime, nullable=False),
    Column("last_sent_at", UTCDateTime, nullable=True),
    UniqueConstraint("profile_id", "person_id", name="uq_dsi_subscriptions_pair"),
    Index("ix_dsi_subscriptions_person", "person_id"),
    sqlite_autoincrement=True,
)

dsi_bounces = Table(
    "dsi_bounces",
    metadata,
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"),
           primary_key=True),
    # The address the refusals were for: a person who changes address starts afresh.
    Column("email", Text, nullable=False),
    Column("refusals", Integer, nullable=False, default=0),  # consecutive permanent refusals
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
    Column("detail", Text, nullable=False, default=""),  # the server's last answer
)

dsi_runs = Table(
    "dsi_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("digests", Integer, nullable=False, default=0),
    Column("sent", Integer, nullable=False, default=0),
    Column("retried", Integer, nullable=False, default=0),
    Column("refused", Integer, nullable=False, default=0),
    Column("message", Text, nullable=False, default=""),
)

dsi_deliveries = Table(
    "dsi_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("dsi_runs.id", ondelete="SET NULL"), nullable=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("status", String(10), nullable=False),  # sent, retry, refused
    Column("records", Integer, nullable=False, default=0),
    Column("message_id", Text, nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_dsi_deliveries_person", "person_id", "at"),
)

dsi_delivered = Table(
    "dsi_delivered",
    metadata,
    Column("subscription_id", Integer, ForeignKey("dsi_subscriptions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("delivery_id", Integer, nullable=False),
    Index("ix_dsi_delivered_record", "record_id"),
)

dsi_issues = Table(
    "dsi_issues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("profile_id", Integer, ForeignKey("dsi_profiles.id", ondelete="CASCADE"),
           nullable=False),
    Column("number", Integer, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("records", Integer, nullable=False, default=0),
    UniqueConstraint("profile_id", "number", name="uq_dsi_issues_number"),
)

dsi_issue_records = Table(
    "dsi_issue_records",
    metadata,
    Column("issue_id", Integer, ForeignKey("dsi_issues.id", ondelete="CASCADE"),
           primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
    Index("ix_dsi_issue_records_record", "record_id"),
)
