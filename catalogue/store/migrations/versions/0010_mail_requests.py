"""Accounts (issue 14): anonymous requests for mail, counted per address and per client

Revision ID: 0010_mail_requests
Revises: 0009_session_version
Create Date: 2026-12-06 07:20:00

Five anonymous POSTs to /alertes/inscription for one address queued five confirmation
mails (a fuzz run sent 40). Every request of a form that mails an address a visitor
typed is kept here for a day, whether a mail was queued or not (so the limit tells
nothing about which addresses have accounts), and counted against [accounts] limits.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_mail_requests"
down_revision = "0009_session_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_mail_requests_address", "mail_requests", ["address", "created_at"])
    op.create_index("ix_mail_requests_client", "mail_requests", ["client", "created_at"])


def downgrade() -> None:
    op.drop_table("mail_requests")
