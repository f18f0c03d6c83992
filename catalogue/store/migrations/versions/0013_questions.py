"""Questions/réponses (issue 19): written questions, their exchange and references

Revision ID: 0013_questions
Revises: 0012_index_refresh
Create Date: 2026-12-06 10:00:00

A question asked on the public form, the promised date (working days on the desk's
calendar), its status in the staff queue, the answer sent, the catalogue records it cites
and the files it sent; the exchange (acknowledgement, answers, the asker's replies,
internal notes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_questions"
down_revision = "0012_index_refresh"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(length=20), nullable=False, unique=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("territory", sa.String(length=200), nullable=False),
        sa.Column("asker_name", sa.String(length=200), nullable=False),
        sa.Column("asker_email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=40), nullable=False),
        sa.Column("desired_on", sa.Date(), nullable=True),
        sa.Column("person_id", sa.Integer(),
                  sa.ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
        sa.Column("assignee_id", sa.Integer(),
                  sa.ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("reply_nonce", sa.String(length=32), nullable=False),
        sa.Column("published_id", sa.String(length=40), nullable=False),
        sa.Column("anonymised", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_questions_status", "questions", ["status", "promised_on"])
    op.create_index("ix_questions_person", "questions", ["person_id"])
    op.create_table(
        "question_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(),
                  sa.ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(),
                  sa.ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_question_events_question", "question_events", ["question_id", "at"])
    op.create_table(
        "question_references",
        sa.Column("question_id", sa.Integer(),
                  sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
    )
    op.create_table(
        "question_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("question_id", sa.Integer(),
                  sa.ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.Integer(),
                  sa.ForeignKey("question_events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_question_attachments_question", "question_attachments",
                    ["question_id"])


def downgrade() -> None:
    op.drop_table("question_attachments")
    op.drop_table("question_references")
    op.drop_table("question_events")
    op.drop_table("questions")
