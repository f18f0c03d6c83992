"""Search index (issue 15): records whose availability changed, for the index's one writer

Revision ID: 0012_index_refresh
Revises: 0011_fold_function
Create Date: 2026-12-06 08:20:00

The lending desk re-indexed a record from inside the web request after each loan, return
or hold (an IndexWriter opened by a page, a 3 s lock wait, the error swallowed). Now a
desk operation only notes the record here, in its own transaction; the scheduler's
index job re-indexes the noted records every few seconds, as the one writer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_index_refresh"
down_revision = "0011_fold_function"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_refresh",
        sa.Column("record_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("index_refresh")
