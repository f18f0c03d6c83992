"""Alembic environment: the engine comes from catalogue.store.database, not an ini file."""

from __future__ import annotations

from alembic import context

# Importing a table module registers its tables on the shared metadata.
from catalogue.store import circulation_tables, harvest_tables, people_tables  # noqa: F401
from catalogue.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
