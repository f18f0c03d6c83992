"""OAI-PMH ListSets: an index that answers "which document types do the exposed sources hold"

Revision ID: 0020_oai_set_types
Revises: 0019_oai_territories
Create Date: 2026-12-06 19:00:00

``ix_records_type_source`` (doc_type, source): ListSets walks the distinct document types
by seeking from one to the next in it and asks each whether an exposed source holds it,
a few index lookups instead of reading every record (0.75 s at 100,000 records on
SQLite, growing with the catalogue). See :meth:`catalogue.store.oai_repository.SqlRepository.sets`.
"""

from __future__ import annotations

from alembic import op

revision = "0020_oai_set_types"
down_revision = "0019_oai_territories"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_type_source", "records", ["doc_type", "source"])


def downgrade() -> None:
    op.drop_index("ix_records_type_source", table_name="records")
