"""DSI (issue 5): lists, profiles, subscriptions, deliveries, issues

Revision ID: 0005_dsi
Revises: 0004_circulation
Create Date: 2026-11-26 00:30:00

Reserved in the migration chain so the parts built in parallel each own one revision;
it creates nothing until its part lands.
"""

from __future__ import annotations

revision = "0005_dsi"
down_revision = "0004_circulation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
