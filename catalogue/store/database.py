"""Opening the store: engine, SQLite pragmas, and migrations to the latest revision.

Every command opens the store through :func:`open_store`, which upgrades the schema with
Alembic first, so a deployment never runs new code on an old schema.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


def fold(value: str | None) -> str | None:
    """Lower-case without accents (``Hélène`` -> ``helene``): SQLite's ``lower`` is ASCII only."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_table() -> tuple[str, str]:
    """The letters :func:`fold` turns into one other letter, and what into: the table
    PostgreSQL's ``catalogue_fold`` translates with (migration 0011), so that both
    stores fold Latin letters alike. Upper-case letters are in it too: PostgreSQL's
    ``lower()`` under the C locale changes ASCII only."""
    source, target = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        folded = fold(char) or ""
        if len(folded) == 1 and folded != char:
            source.append(char)
            target.append(folded)
    return "".join(source), "".join(target)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while an import writes; NORMAL sync is safe under WAL;
    # the busy timeout makes a second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # Accent-insensitive search on small tables (people): ``catalogue_fold(name)``.
    dbapi_connection.create_function("catalogue_fold", 1, fold, deterministic=True)


def create(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the file's folder is created and WAL enabled."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the latest revision."""
    command.upgrade(alembic_config(engine), "head")


def open_store(url: str) -> Engine:
    """Create the engine and bring the schema up to date."""
    engine = create(url)
    migrate(engine)
    return engine
