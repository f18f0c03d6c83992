"""OAI dissemination cache (issue 7): oai_disseminations, oai_record_sets

Revision ID: 0006_dissemination
Revises: 0005_dsi
Create Date: 2026-11-26 00:30:00

Both tables are caches (see ``catalogue.store.dissemination_tables``): downgrading
drops them and loses nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_dissemination"
down_revision = "0005_dsi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oai_disseminations",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=60), nullable=False),
        sa.Column("writer_key", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "prefix"),
    )
    op.create_table(
        "oai_record_sets",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("slugs", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id"),
    )


def downgrade() -> None:
    op.drop_table("oai_record_sets")
    op.drop_table("oai_disseminations")
