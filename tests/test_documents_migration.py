"""Migration 0014_documents creates exactly the documents tables of the metadata, and
goes down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalogue.store import database, document_tables  # noqa: F401
from catalogue.store.tables import metadata
from tests.stores import store_url


def test_migration_matches_metadata(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "m"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "document" in repr(d)] == []
    command.downgrade(database.alembic_config(engine), "0013_questions")
    assert not {"documents", "document_pages"} & set(inspect(engine).get_table_names())
    command.upgrade(database.alembic_config(engine), "head")
    assert {"documents", "document_pages"} <= set(inspect(engine).get_table_names())
