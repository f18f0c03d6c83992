"""Inserting many rows at once, as cheaply as the backend allows.

A harvest writes every record, its union keys and its cluster row: tens of thousands of
rows whose values SQLAlchemy would otherwise turn into parameters row by row and column
by column, which cost about as much as SQLite's own work. On SQLite the statement is
compiled once and the rows go to the driver's ``executemany`` as plain tuples; only the
columns whose type converts values (datetimes, booleans) are converted, by the type's
own bind processor, so what is stored is exactly what an ordinary ``insert`` stores.
Other backends take the ordinary path, where the dialect's own batching (PostgreSQL's
``insertmanyvalues``) does better than a driver's ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any]
_NOTHING = object()


@lru_cache(maxsize=64)
def _compiled(dialect: Dialect, table: Table,
              columns: tuple[str, ...]) -> tuple[str, tuple[tuple[int, Processor], ...]]:
    """The INSERT of ``columns`` for ``dialect`` and the (index, converter) of the columns
    whose values need converting."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if tuple(compiled.positiontup or ()) != columns:
        # A column left out would take its default from SQLAlchemy, row by row.
        raise ValueError(f"insert into {table.name}: give every column with a default, "
                         f"in table order ({compiled.positiontup} != {columns})")
    converters = []
    for n, name in enumerate(columns):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((n, processor))
    return compiled.string, tuple(converters)


def insert_rows(conn: Connection, table: Table, columns: tuple[str, ...],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples of values for ``columns``, in table order) into ``table``."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    sql, converters = _compiled(conn.dialect, table, columns)
    if converters:
        # Rows mostly share these values (a run's datestamp, ``deleted``): each is
        # converted again only when it is not the same object as in the row before.
        last: list[tuple[Any, Any]] = [(_NOTHING, None)] * len(converters)
        converted = []
        for row in rows:
            values = list(row)
            for k, (n, processor) in enumerate(converters):
                value = values[n]
                before, result = last[k]
                if value is not before:
                    result = processor(value)
                    last[k] = (value, result)
                values[n] = result
            converted.append(tuple(values))
        rows = converted
    conn.exec_driver_sql(sql, list(rows))
