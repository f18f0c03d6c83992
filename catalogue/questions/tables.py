"""The questions/réponses tables (same metadata as the store's other tables).

``questions`` holds one written question: the asker's identity (erased or anonymised
after ``[questions] keep_months``), the promised date, the status in the staff queue and
the answer last sent. ``question_events`` is the exchange and the staff's history (notes
are internal: never shown to the asker nor published). ``question_references`` are the
catalogue records an answer cites, in order; ``question_attachments`` the files an answer sent. Plain SQLAlchemy types: SQLite and
PostgreSQL alike.
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

from catalogue.store import people_tables  # noqa: F401  (persons, for the foreign keys)
from catalogue.store.tables import UTCDateTime, metadata

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(20), nullable=False, unique=True),  # Q-2026-00001
    Column("status", String(20), nullable=False),
    Column("question", Text, nullable=False),
    Column("field", String(40), nullable=False),
    Column("territory", String(200), nullable=False, default=""),
    Column("asker_name", String(200), nullable=False),
    Column("asker_email", String(254), nullable=False),
    Column("organisation", String(40), nullable=False),
    Column("desired_on", Date, nullable=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    Column("assignee_id", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("promised_on", Date, nullable=False),
    Column("reminded_at", UTCDateTime, nullable=True),
    Column("answered_at", UTCDateTime, nullable=True),  # first answer sent
    Column("last_activity_at", UTCDateTime, nullable=False),
    Column("answer", Text, nullable=False, default=""),
    Column("links", Text, nullable=False, default=""),  # one URL a line, with the answer
    Column("reply_nonce", String(32), nullable=False),  # rotates: a reply link works once
    Column("published_id", String(40), nullable=False, default=""),  # record source_id
    Column("anonymised", Boolean, nullable=False, default=False),
    #: The interface language the question was asked in: the asker's mails speak it.
    Column("language", String(5), nullable=False, default="fr", server_default="fr"),
    Index("ix_questions_status", "status", "promised_on"),
    Index("ix_questions_person", "person_id"),
)

question_events = Table(
    "question_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"),
           nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(20), nullable=False),  # asked, assigned, status, note, answer, reply...
    Column("author_id", Integer, ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
    Column("body", Text, nullable=False, default=""),
    Column("internal", Boolean, nullable=False, default=False),
    Index("ix_question_events_question", "question_id", "at"),
)

question_references = Table(
    "question_references",
    metadata,
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("source", String(40), nullable=False),
    Column("source_id", String(200), nullable=False),
)

question_attachments = Table(
    "question_attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("question_id", Integer, ForeignKey("questions.id", ondelete="CASCADE"),
           nullable=False),
    Column("event_id", Integer, ForeignKey("question_events.id", ondelete="CASCADE"),
           nullable=False),  # the answer that sent it
    Column("filename", String(200), nullable=False),
    Column("mime", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_question_attachments_question", "question_id"),
)
