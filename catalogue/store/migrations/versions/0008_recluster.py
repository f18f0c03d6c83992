"""Union (issue 4, follow-up): clusters made before ISBN matches checked titles, re-made

Revision ID: 0008_recluster
Revises: 0007_dsi_bounces
Create Date: 2026-11-26 06:00:00

Records sharing an ISBN now merge only when their titles agree. Clusters made before may
join different books that carry one ISBN: every cluster row is marked stale (its content
hash emptied), so the next :func:`catalogue.union.refresh` of all sources - ``catalogue
reindex`` runs one - recomputes every record's keys and cluster. The rows themselves are
kept, so the catalogue shows every record meanwhile. Downgrading has nothing to undo.
"""

from __future__ import annotations

from alembic import op

revision = "0008_recluster"
down_revision = "0007_dsi_bounces"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE record_clusters SET content_hash = ''")


def downgrade() -> None:
    pass
