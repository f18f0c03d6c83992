"""Migration 0005_dsi creates exactly the DSI tables of the metadata, and drops them again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalogue.store import database, dsi_tables  # noqa: F401
from catalogue.store.tables import metadata


def test_migration_matches_metadata(tmp_path: Path) -> None:
    engine = database.open_store(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if "dsi_" in repr(d)]
    assert ours == []
    command.downgrade(database.alembic_config(engine), "0004_circulation")
    assert not [t for t in inspect(engine).get_table_names() if t.startswith("dsi_")]
    command.upgrade(database.alembic_config(engine), "head")
    assert "dsi_delivered" in inspect(engine).get_table_names()
