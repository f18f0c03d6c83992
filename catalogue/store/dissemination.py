"""Reading and filling the OAI dissemination cache (tables in ``dissemination_tables``).

The provider's page query joins the cache rows that are still valid for each record
(:meth:`DisseminationCache.join`): same metadataPrefix, same writer key, same content
hash as the record has now. A record without a valid row is written from its JSON and
the result kept (:meth:`DisseminationCache.keep`) after the page has been read.

Keeping is best effort: it is a write in a read request, so on SQLite it waits at most
:data:`WAIT_MS` for the write lock (an import may hold it) and otherwise gives up; the
records are then simply written again by the next harvest. Because rows are keyed by
content hash, a late or racing write can never make a changed record serve old
metadata: a row written for the old content just never matches again.

A store stamped at revision ``0006_dissemination`` while that revision was still an
empty placeholder lacks the tables, and migrations will not run it again: being a
cache, they are then created here as that revision would have; if that fails too, the
cache is off (every record is written on every request, as before it existed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Table,
    and_,
    delete,
    insert,
    inspect,
    literal,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from catalogue.store.dissemination_tables import oai_disseminations, oai_record_sets
from catalogue.store.tables import metadata, records

log = logging.getLogger(__name__)

#: How long a page waits for SQLite's write lock before serving without keeping.
WAIT_MS = 100

CacheRow = dict[str, Any]


class DisseminationCache:
    """The two cache tables, as the provider's repository reads and fills them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.enabled = self._tables_exist()
        if not self.enabled:
            try:
                metadata.create_all(engine, tables=[oai_disseminations, oai_record_sets])
            except SQLAlchemyError as exc:  # read-only store, or another process was first
                log.warning("OAI dissemination cache tables not created: %s", exc)
            self.enabled = self._tables_exist()
            if not self.enabled:
                log.warning("the OAI dissemination cache is off: every record is written "
                            "on every request")

    def _tables_exist(self) -> bool:
        found = inspect(self.engine)
        return all(found.has_table(t.name) for t in (oai_disseminations, oai_record_sets))

    # --- reading ------------------------------------------------------------------------

    @staticmethod
    def join(source: FromClause, prefix: str, writer_key: str) -> FromClause:
        """``source`` (holding ``records``) with the valid metadata row of each record."""
        d = oai_disseminations
        return source.outerjoin(d, and_(d.c.record_id == records.c.id, d.c.prefix == prefix,
                                        d.c.writer_key == writer_key,
                                        d.c.content_hash == records.c.content_hash))

    @staticmethod
    def join_sets(source: FromClause, rules: str) -> FromClause:
        """``source`` with the valid selection row of each record."""
        s = oai_record_sets
        return source.outerjoin(s, and_(s.c.record_id == records.c.id, s.c.rules == rules,
                                        s.c.content_hash == records.c.content_hash))

    xml: ColumnElement[bytes | None] = oai_disseminations.c.xml
    slugs: ColumnElement[str | None] = oai_record_sets.c.slugs

    # --- filling ------------------------------------------------------------------------

    def keep(self, fragments: Sequence[CacheRow], sets: Sequence[CacheRow]) -> None:
        """Store written metadata and selection rows; give up quietly if the store is busy.

        Args:
            fragments: rows of ``oai_disseminations`` (record_id, prefix, writer_key,
                content_hash, xml).
            sets: rows of ``oai_record_sets`` (record_id, rules, content_hash, slugs).
        """
        if not self.enabled or (not fragments and not sets):
            return
        try:
            with self._impatient() as conn, conn.begin():
                if fragments:
                    self._upsert(conn, oai_disseminations, ("record_id", "prefix"), fragments)
                if sets:
                    self._upsert(conn, oai_record_sets, ("record_id",), sets)
        except OperationalError as exc:  # locked: the records are written again next time
            log.info("OAI cache not updated (%s rows): %s", len(fragments) + len(sets), exc.orig)

    @contextmanager
    def _impatient(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if self.dialect != "sqlite":
                yield conn
                return
            patience = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {WAIT_MS}")
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(patience or 0)}")
                conn.commit()

    def _upsert(self, conn: Connection, table: Table, keys: tuple[str, ...],
                rows: Sequence[CacheRow]) -> None:
        if self.dialect == "sqlite":
            # One prepared statement for the page, rows as plain tuples: SQLAlchemy's
            # per-row parameter processing cost as much as SQLite's own work.
            sql, order = _sqlite_upsert(table, keys)
            conn.exec_driver_sql(sql, [tuple(row[name] for name in order) for row in rows])
            return
        if self.dialect == "postgresql":
            statement = postgresql.insert(table)
            conn.execute(statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={c.name: statement.excluded[c.name] for c in table.c
                      if c.name not in keys}), list(rows))
            return
        key_columns = [table.c[k] for k in keys]
        wanted = [tuple_(*(literal(row[k]) for k in keys)) for row in rows]
        conn.execute(delete(table).where(tuple_(*key_columns).in_(wanted)))
        conn.execute(insert(table), list(rows))


@cache
def _sqlite_upsert(table: Table, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """``INSERT ... ON CONFLICT DO UPDATE`` for every column of ``table``, and their order."""
    names = tuple(c.name for c in table.c)
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join('?' for _ in names)}) "
           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}")
    return sql, names
