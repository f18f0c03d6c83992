"""Alembic environment: the engine comes from catalogue.store.database, not an ini file."""

from __future__ import annotations

from alembic import context

# Importing a table module registers its tables on the shared metadata.
from catalogue.store import (  # noqa: F401
    circulation_tables,
    dissemination_tables,
    document_tables,
    dsi_tables,
    harvest_tables,
    people_tables,
    selection_tables,
    territory_tables,
)
from catalogue.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
