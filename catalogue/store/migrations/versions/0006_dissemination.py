"""OAI dissemination cache (issue 7)

Revision ID: 0006_dissemination
Revises: 0005_dsi
Create Date: 2026-11-26 00:30:00

Reserved in the migration chain so the parts built in parallel each own one revision;
it creates nothing until its part lands.
"""

from __future__ import annotations

revision = "0006_dissemination"
down_revision = "0005_dsi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
