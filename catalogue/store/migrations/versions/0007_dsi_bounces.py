"""DSI (issue 5, follow-up): closed lists (dsi_profiles.closed_at) and bouncing addresses

Revision ID: 0007_dsi_bounces
Revises: 0006_dissemination
Create Date: 2026-11-26 01:20:00

Downgrading drops the bounce counters (a run then mails those addresses again) and
reopens every closed list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_dsi_bounces"
down_revision = "0006_dissemination"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy): recreating dsi_profiles would cascade-delete its
    # subscriptions and archives under PRAGMA foreign_keys.
    op.add_column("dsi_profiles", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "dsi_bounces",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("dsi_bounces")
    op.drop_column("dsi_profiles", "closed_at")  # SQLite >= 3.35 drops a column in place
