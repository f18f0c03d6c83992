"""The catalogue store: SQLAlchemy tables, migrations, ingest and queries."""
