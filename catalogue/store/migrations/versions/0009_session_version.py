"""Accounts (issue 14): a per-person session version, so sessions end when they must

Revision ID: 0009_session_version
Revises: 0008_recluster
Create Date: 2026-12-06 07:10:00

A session cookie copied before a sign-out still opened the desk afterwards, and so did
one from before a password change: sessions are signed cookies, valid until they
expire. Each person now has a ``session_version``, written into the session at sign-in
and checked on every request; sign-out, a password or role change and a lockout raise
it, which ends every session of that person.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_session_version"
down_revision = "0008_recluster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("session_version")
