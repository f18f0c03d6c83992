"""lending desk (issue 6): loans, reservations, rules, audit log

Revision ID: 0004_circulation
Revises: 0003_people
Create Date: 2026-11-26 00:30:00

Reserved in the migration chain so the parts built in parallel each own one revision;
it creates nothing until its part lands.
"""

from __future__ import annotations

revision = "0004_circulation"
down_revision = "0003_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
