"""Veille (issue 20): watch sources, the items found and the triage rules

Revision ID: 0018_veille
Revises: 0017_selections
Create Date: 2026-12-06 12:00:00

Feeds, sitemaps and pages followed (with their conditional-GET validators and failure
run), the items found in them (de-duplicated across sources, triaged, published as
records of the source ``veille``) and the rules that pre-sort new items.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_veille"
down_revision = "0017_selections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "veille_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("territories", sa.Text(), nullable=False),
        sa.Column("every_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=False),
        sa.Column("last_modified", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_fetch_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("next_fetch_at", sa.DateTime(), nullable=True),
        sa.Column("failing_since", sa.DateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=20), nullable=False),
        sa.Column("last_message", sa.Text(), nullable=False),
        sa.Column("items_found", sa.Integer(), nullable=False),
    )
    op.create_table(
        "veille_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(),
                  sa.ForeignKey("veille_sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("url_key", sa.String(length=2000), nullable=False, unique=True),
        sa.Column("guid", sa.String(length=500), nullable=False),
        sa.Column("title_key", sa.String(length=600), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("also_from", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("descriptors", sa.Text(), nullable=False),
        sa.Column("territories", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("ruled", sa.String(length=200), nullable=False),
        sa.Column("triaged_at", sa.DateTime(), nullable=True),
        sa.Column("triaged_by", sa.Integer(),
                  sa.ForeignKey("persons.id", ondelete="SET NULL"), nullable=True),
        sa.Column("record_id", sa.String(length=40), nullable=False),
    )
    op.create_index("ix_veille_items_status", "veille_items", ["status", "found_at"])
    op.create_index("ix_veille_items_guid", "veille_items", ["guid"])
    op.create_index("ix_veille_items_title_key", "veille_items", ["title_key"])
    op.create_table(
        "veille_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(),
                  sa.ForeignKey("veille_sources.id", ondelete="CASCADE"), nullable=True),
        sa.Column("word", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("veille_rules")
    op.drop_table("veille_items")
    op.drop_table("veille_sources")
