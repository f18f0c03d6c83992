"""harvesting: harvest runs and state, union catalogue keys and clusters

Revision ID: 0002_harvest
Revises: 0001
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_harvest"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("import_run", sa.Integer(), nullable=True),
        sa.Column("chain", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("metadata_prefix", sa.String(length=60), nullable=False),
        sa.Column("sets", sa.Text(), nullable=False),
        sa.Column("from_", sa.String(length=30), nullable=False),
        sa.Column("server_start", sa.String(length=30), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["import_run"], ["import_runs.id"]),
        sa.ForeignKeyConstraint(["source"], ["sources.slug"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_harvest_runs_source", "harvest_runs", ["source", "id"])
    op.create_table(
        "harvest_state",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("last_success_start", sa.String(length=30), nullable=False),
        sa.Column("last_success_run", sa.Integer(), nullable=True),
        sa.Column("granularity", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(["last_success_run"], ["harvest_runs.id"]),
        sa.ForeignKeyConstraint(["source"], ["sources.slug"]),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "record_keys",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "key"),
    )
    op.create_index("ix_record_keys_key", "record_keys", ["key"])
    op.create_table(
        "record_clusters",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index("ix_record_clusters_cluster", "record_clusters", ["cluster_id"])


def downgrade() -> None:
    op.drop_index("ix_record_clusters_cluster", table_name="record_clusters")
    op.drop_table("record_clusters")
    op.drop_index("ix_record_keys_key", table_name="record_keys")
    op.drop_table("record_keys")
    op.drop_table("harvest_state")
    op.drop_index("ix_harvest_runs_source", table_name="harvest_runs")
    op.drop_table("harvest_runs")
