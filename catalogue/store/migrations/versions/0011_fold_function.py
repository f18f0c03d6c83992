"""PostgreSQL (issue 16): catalogue_fold(text), the accent and case folding SQLite has

Revision ID: 0011_fold_function
Revises: 0010_mail_requests
Create Date: 2026-12-06 07:45:00

SQLite gets ``catalogue_fold`` from Python on every connection (catalogue.store.database):
"helene" finds "Hélène" among borrowers, "prevention" matches "Prévention" in OAI
selections. PostgreSQL compared ``lower()`` only: the same searches found nobody. This
function folds the same letters the same way: lower-case, then every letter of Latin-1
and Latin Extended-A/B that Python's folding turns into one other letter is translated
(the table is computed here, from that folding, so both stores agree).
"""

from __future__ import annotations

from alembic import op

from catalogue.store.database import fold_table

revision = "0011_fold_function"
down_revision = "0010_mail_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    source, target = fold_table()
    quoted_source, quoted_target = (text.replace("'", "''") for text in (source, target))
    op.execute(
        "CREATE OR REPLACE FUNCTION catalogue_fold(value text) RETURNS text AS $$ "
        f"SELECT translate(lower(value), '{quoted_source}', '{quoted_target}') "
        "$$ LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS catalogue_fold(text)")
