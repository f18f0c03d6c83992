"""OAI-PMH sets by territory: which territories each record concerns, filled from the records

Revision ID: 0019_oai_territories
Revises: 0018_veille
Create Date: 2026-12-06 19:00:00

``record_territories`` (see :mod:`catalogue.store.territory_tables`) and its backfill:
every record already in the store is read once and its 607 descriptors placed in the
bundled territories (:func:`catalogue.store.territory_sets.backfill`). Datestamps are not
moved: the ``territoire`` sets are new, partners harvest them from scratch.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_oai_territories"
down_revision = "0018_veille"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_territories",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("territory", sa.String(20), primary_key=True),
    )
    op.create_index("ix_record_territories_territory", "record_territories",
                    ["territory", "record_id"])
    from catalogue.store.territory_sets import backfill

    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_record_territories_territory", table_name="record_territories")
    op.drop_table("record_territories")
