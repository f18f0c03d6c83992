"""Readers' selections (issue 17): the panier kept by cookie or in the account

Revision ID: 0017_selections
Revises: 0016_question_language
Create Date: 2026-12-06 12:00:00

A selection belongs to a browser (the hash of its cookie's opaque token) or to a person;
its records are referenced by row, so a record deleted from the catalogue leaves it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_selections"
down_revision = "0016_question_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "selections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("persons.id", ondelete="CASCADE"),
                  nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("touched_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_selections_touched", "selections", ["touched_at"])
    op.create_table(
        "selection_records",
        sa.Column("selection_id", sa.Integer(),
                  sa.ForeignKey("selections.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("selection_records")
    op.drop_index("ix_selections_touched", table_name="selections")
    op.drop_table("selections")
