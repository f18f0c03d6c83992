"""Which store the tests run on: SQLite files, or fresh PostgreSQL databases.

Every test store URL comes from :func:`store_url`. Without ``CATALOGUE_TEST_POSTGRES``
it is a SQLite file in the test's folder. With it (a server URL such as
``postgresql+psycopg://postgres@127.0.0.1:54329/postgres``, which ``make test`` sets
for its second pass against a throwaway cluster), each call creates an empty database
on that server, dropped when the test session ends: the same tests then run on
PostgreSQL, child processes included (they read the URL from the config file).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER = os.environ.get("CATALOGUE_TEST_POSTGRES", "").strip()
#: The search engine of the test sites' indexes (``make test`` runs the web, desk, DSI
#: and browser tests once more with ``CATALOGUE_TEST_ENGINE=tantivy``).
ENGINE = os.environ.get("CATALOGUE_TEST_ENGINE", "whoosh").strip() or "whoosh"
_CREATED: list[str] = []


def on_postgres() -> bool:
    """Whether this test session runs on PostgreSQL."""
    return bool(SERVER)


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Skip a test that checks something only SQLite has (its file locks, its WAL)."""
    return pytest.mark.skipif(on_postgres(), reason=f"SQLite only: {reason}")


def store_url(folder: Path, name: str = "test") -> str:
    """A new, empty store for one test: a SQLite file in ``folder``, or a PostgreSQL
    database created now on the test server."""
    if not SERVER:
        return f"sqlite:///{Path(folder).resolve() / name}.db"
    database = f"t_{name[:20]}_{uuid.uuid4().hex[:12]}".lower()
    server = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    server.dispose()
    _CREATED.append(database)
    return make_url(SERVER).set(database=database).render_as_string(hide_password=False)


def drop_all() -> None:
    """Drop every database :func:`store_url` created (end of the session)."""
    if not SERVER or not _CREATED:
        return
    server = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        for database in _CREATED:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    server.dispose()
    _CREATED.clear()
