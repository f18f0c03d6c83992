"""PostgreSQL: catalogue_fold(text) folds every letter as Python does, not Latin ones only

Revision ID: 0015_fold_unicode
Revises: 0014_documents
Create Date: 2026-12-06 12:20:00

Migration 0011 translated the letters of Latin-1 and Latin Extended-A/B and left the rest
to PostgreSQL's ``lower()``: a borrower named "Nguyễn" or "Ἀθηνᾶ", or one typed in
capitals outside those blocks, was found by "nguyen" on SQLite and by nobody on
PostgreSQL. The function is now Python's folding on the whole Basic Multilingual Plane:
Python's lower case by translation (whatever the database's locale), ``normalize(NFKD)``,
then the combining marks removed; the expression is computed from Python's tables
(:func:`catalogue.store.database.plane_fold_sql`), and a test compares both on every character.
It needs a UTF8 database, as the catalogue's store always is.
"""

from __future__ import annotations

from alembic import op

from catalogue.store.database import plane_fold_sql

revision = "0015_fold_unicode"
down_revision = "0014_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION catalogue_fold(value text) RETURNS text AS $$ "
        f"SELECT {plane_fold_sql('value')} "
        "$$ LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from catalogue.store.database import fold_table
    source, target = (text.replace("'", "''") for text in fold_table())
    op.execute(
        "CREATE OR REPLACE FUNCTION catalogue_fold(value text) RETURNS text AS $$ "
        f"SELECT translate(lower(value), '{source}', '{target}') "
        "$$ LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    )
