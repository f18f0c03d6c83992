"""The store's people tables (same metadata as ``tables``): one model for every account.

A *person* is anyone the centre knows: a subscriber of the DSI, a borrower with a card, a
librarian or an administrator (ARCHITECTURE.md, "People and accounts"). One row, whatever
they do: a librarian can borrow, a borrower can subscribe. ``email`` is unique when
present (a borrower without email gets printed letters); ``email_confirmed_at`` is set by
double opt-in; ``login_nonce`` is part of every sign-in token and rotates when one is
used, so a magic link works once. ``categories`` group people for DSI lists offered to a
category and for the lending rules. ``outbox`` holds the mails a web request asked for
(confirmation, magic link): the scheduler sends them, never the request thread.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from catalogue.store.tables import UTCDateTime, metadata

categories = Table(
    "categories",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("label", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
)

persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=True, unique=True),  # lower-cased
    Column("name", Text, nullable=False, default=""),
    Column("language", String(5), nullable=False, default="fr"),
    Column("role", String(20), nullable=False, default=""),  # "", librarian, admin
    Column("password_hash", Text, nullable=False, default=""),
    Column("email_confirmed_at", UTCDateTime, nullable=True),
    Column("login_nonce", String(32), nullable=False, default=""),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("last_login_at", UTCDateTime, nullable=True),
    Column("card", String(64), nullable=True, unique=True),  # borrower card barcode
    Column("category", String(40), ForeignKey("categories.code"), nullable=True),
    Column("expires_on", Date, nullable=True),  # borrower card expiry
    Column("suspended", Boolean, nullable=False, default=False),
    Column("phone", Text, nullable=False, default=""),
    Column("address", Text, nullable=False, default=""),
    Column("history_opt_in", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Raised to end every session of the person (sign-out, password, role, lockout).
    Column("session_version", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_persons_name", "name"),
)

#: Anonymous requests for a mail (sign-in link, subscription), counted against flooding.
mail_requests = Table(
    "mail_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("address", String(254), nullable=False),
    Column("client", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_mail_requests_address", "address", "created_at"),
    Index("ix_mail_requests_client", "client", "created_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=True),
    Column("kind", String(30), nullable=False),  # confirm, magic_link...
    Column("recipient", String(254), nullable=False),
    Column("message", LargeBinary, nullable=False),  # the whole RFC 5322 message
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("failed", Boolean, nullable=False, default=False),  # given up (permanent refusal)
    Column("last_error", Text, nullable=False, default=""),
    Index("ix_outbox_pending", "sent_at", "failed", "next_attempt_at"),
)
