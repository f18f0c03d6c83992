"""lending desk (issue 6): loans, reservations, rules, closing days, desk states, audit log

Revision ID: 0004_circulation
Revises: 0003_people
Create Date: 2026-11-26 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_circulation"
down_revision = "0003_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loan_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("loan_days", sa.Integer(), nullable=False),
        sa.Column("max_loans", sa.Integer(), nullable=False),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("renewal_days", sa.Integer(), nullable=False),
        sa.Column("max_reservations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("category", "item_type", name="uq_loan_rules_scope"),
    )
    op.create_table(
        "closing_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("open_item_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("reminder_level", sa.Integer(), nullable=False),
        sa.Column("checked_out_by", sa.Integer(), nullable=True),
        sa.Column("returned_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["checked_out_by"], ["persons.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["returned_by"], ["persons.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_item_id", name="uq_loans_open_item"),
    )
    op.create_index("ix_loans_person", "loans", ["person_id", "returned_at"])
    op.create_index("ix_loans_due", "loans", ["returned_at", "due_on"])
    op.create_index("ix_loans_item", "loans", ["item_id"])
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("open_record_id", sa.Integer(), nullable=True),
        sa.Column("held_item_id", sa.Integer(), nullable=True),
        sa.Column("held_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["held_item_id"], ["items.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "open_record_id", name="uq_reservations_open"),
        sa.UniqueConstraint("held_item_id", name="uq_reservations_held_item"),
    )
    op.create_index("ix_reservations_record", "reservations",
                    ["record_id", "status", "created_at"])
    op.create_table(
        "item_states",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("missing_since", sa.DateTime(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["changed_by"], ["persons.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("loan_id", "level", name="uq_reminders_level"),
    )
    op.create_table(
        "circulation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["persons.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_circulation_events_at", "circulation_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_circulation_events_at", table_name="circulation_events")
    op.drop_table("circulation_events")
    op.drop_table("reminders")
    op.drop_table("item_states")
    op.drop_index("ix_reservations_record", table_name="reservations")
    op.drop_table("reservations")
    op.drop_index("ix_loans_item", table_name="loans")
    op.drop_index("ix_loans_due", table_name="loans")
    op.drop_index("ix_loans_person", table_name="loans")
    op.drop_table("loans")
    op.drop_table("closing_days")
    op.drop_table("loan_rules")
