"""Alembic environment: the engine comes from catalogue.store.database, not an ini file."""

from __future__ import annotations

from alembic import context

import catalogue.store.harvest_tables  # noqa: F401  (registers the harvesting tables)
import catalogue.store.people_tables  # noqa: F401  (registers the people tables)
from catalogue.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
