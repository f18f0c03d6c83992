"""PostgreSQL: catalogue_fold(text) takes a short path for Latin text

Revision ID: 0021_fold_latin
Revises: 0020_oai_set_indexes
Create Date: 2026-12-07 03:40:00

Migration 0015's function folds every letter of the Basic Multilingual Plane as Python
does, through a ``translate`` of 1,400 upper-case letters that PostgreSQL scans for every
character: about 170 µs for a 40-character label. An OAI selection set folds every
descriptor and keyword of each record its walk passes, so a page of
``set=selection:jeunesse`` took 1.5 to 3 s on PostgreSQL (under 0.05 s on SQLite).
Text of ASCII, Latin-1, Latin Extended-A/B letters and combining marks now goes through a
short expression (decompose, lower ASCII, remove marks, translate the few letters that do
not decompose); anything else through 0015's. Same result on every character
(:func:`catalogue.store.database.fold_sql`; tests/test_people.py checks both paths).
"""

from __future__ import annotations

from alembic import op

from catalogue.store.database import fold_sql, plane_fold_sql

revision = "0021_fold_latin"
down_revision = "0020_oai_set_indexes"
branch_labels = None
depends_on = None


def _replace(expression: str) -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION catalogue_fold(value text) RETURNS text AS $$ "
        f"SELECT {expression} "
        "$$ LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace(fold_sql("value"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace(plane_fold_sql("value"))
