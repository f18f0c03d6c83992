"""Migrations 0005_dsi and 0007_dsi_bounces create exactly the DSI tables of the metadata,
and drop them again without touching the data they do not own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalogue.dsi import profiles
from catalogue.store import database, dsi_tables  # noqa: F401
from catalogue.store.tables import metadata
from tests.stores import store_url


def test_migration_matches_metadata(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "m"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if "dsi_" in repr(d)]
    assert ours == []
    command.downgrade(database.alembic_config(engine), "0004_circulation")
    assert not [t for t in inspect(engine).get_table_names() if t.startswith("dsi_")]
    command.upgrade(database.alembic_config(engine), "head")
    assert "dsi_delivered" in inspect(engine).get_table_names()


def test_0007_down_and_up_keeps_lists(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "m"))
    made = profiles.save_list(engine, datetime(2026, 3, 2, tzinfo=UTC), slug="garde",
                              name="Gardée")
    command.downgrade(database.alembic_config(engine), "0006_dissemination")
    names = inspect(engine).get_table_names()
    assert "dsi_bounces" not in names and "dsi_profiles" in names
    assert "closed_at" not in {c["name"] for c in inspect(engine).get_columns("dsi_profiles")}
    command.upgrade(database.alembic_config(engine), "head")
    found = profiles.get(engine, made.id)
    assert found is not None and found.closed_at is None
