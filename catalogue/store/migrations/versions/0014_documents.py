"""Digital documents (issue 18): files attached to records, and the text of their pages

Revision ID: 0014_documents
Revises: 0013_questions
Create Date: 2026-12-06 10:00:00

Files are kept by content hash under the data dir (catalogue.documents.store); these
tables link them to records, with their access level and what extraction found.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_documents"
down_revision = "0013_questions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(),
                  sa.ForeignKey("records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("access", sa.String(10), nullable=True),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("origin_ref", sa.Text(), nullable=False),
        sa.Column("problem", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("pages_read", sa.Integer(), nullable=False),
        sa.Column("extracted_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("record_id", "sha256", name="uq_documents_record_sha"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_documents_sha", "documents", ["sha256"])
    op.create_table(
        "document_pages",
        sa.Column("document_id", sa.Integer(),
                  sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("page", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_pages")
    op.drop_index("ix_documents_sha", table_name="documents")
    op.drop_table("documents")
