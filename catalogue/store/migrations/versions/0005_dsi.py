"""DSI (issue 5): lists, profiles, subscriptions, deliveries, issues

Revision ID: 0005_dsi
Revises: 0004_circulation
Create Date: 2026-11-26 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_dsi"
down_revision = "0004_circulation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsi_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=60), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("month_day", sa.Integer(), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("novelty", sa.String(length=10), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.Column("attachment", sa.String(length=10), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("last_issue_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_dsi_profiles_owner", "dsi_profiles", ["owner_id"])
    op.create_table(
        "dsi_equations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["dsi_profiles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dsi_equations_profile", "dsi_equations", ["profile_id"])
    op.create_table(
        "dsi_picks",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["dsi_profiles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("profile_id", "record_id"),
    )
    op.create_table(
        "dsi_profile_categories",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["dsi_profiles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["category"], ["categories.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("profile_id", "category"),
    )
    op.create_table(
        "dsi_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("watermark", sa.DateTime(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["profile_id"], ["dsi_profiles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "person_id", name="uq_dsi_subscriptions_pair"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_dsi_subscriptions_person", "dsi_subscriptions", ["person_id"])
    op.create_table(
        "dsi_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("digests", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("retried", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "dsi_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["dsi_runs.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dsi_deliveries_person", "dsi_deliveries", ["person_id", "at"])
    op.create_table(
        "dsi_delivered",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["dsi_subscriptions.id"],
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscription_id", "record_id"),
    )
    op.create_index("ix_dsi_delivered_record", "dsi_delivered", ["record_id"])
    op.create_table(
        "dsi_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["dsi_profiles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id", "number", name="uq_dsi_issues_number"),
    )
    op.create_table(
        "dsi_issue_records",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["dsi_issues.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("issue_id", "record_id"),
    )
    op.create_index("ix_dsi_issue_records_record", "dsi_issue_records", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_dsi_issue_records_record", table_name="dsi_issue_records")
    op.drop_table("dsi_issue_records")
    op.drop_table("dsi_issues")
    op.drop_index("ix_dsi_delivered_record", table_name="dsi_delivered")
    op.drop_table("dsi_delivered")
    op.drop_index("ix_dsi_deliveries_person", table_name="dsi_deliveries")
    op.drop_table("dsi_deliveries")
    op.drop_table("dsi_runs")
    op.drop_index("ix_dsi_subscriptions_person", table_name="dsi_subscriptions")
    op.drop_table("dsi_subscriptions")
    op.drop_table("dsi_profile_categories")
    op.drop_table("dsi_picks")
    op.drop_index("ix_dsi_equations_profile", table_name="dsi_equations")
    op.drop_table("dsi_equations")
    op.drop_index("ix_dsi_profiles_owner", table_name="dsi_profiles")
    op.drop_table("dsi_profiles")
