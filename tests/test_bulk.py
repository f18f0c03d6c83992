"""catalogue.store.bulk: many rows inserted at once store exactly what ``insert`` stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select

from catalogue.store import database
from catalogue.store.bulk import insert_rows
from catalogue.store.ingest import RECORD_COLUMNS
from catalogue.store.tables import records, sources
from tests.stores import store_url

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = database.open_store(store_url(tmp_path, "store"))
    with eng.begin() as conn:
        conn.execute(insert(sources).values(slug="s", name="S", kind="oai", created_at=T0))
    yield eng
    eng.dispose()


def _rows() -> list[tuple[object, ...]]:
    """Rows sharing some values (the same datetime object), not others: a new object
    equal to the last, a different moment, another offset, a microsecond, both booleans."""
    paris = T0.astimezone(datetime.now(UTC).astimezone().tzinfo)
    stamps = [T0, T0, datetime(2026, 3, 1, 9, 30, tzinfo=UTC), T0 + timedelta(hours=1),
              paris, T0 + timedelta(microseconds=7), T0]
    return [("s", f"id{n}", "oai_dc", "utf-8", b"<r>\x00\xff</r>", f'{{"n":{n}}}', f"h{n}",
             f"Titre {n}", "a", stamp, T0 if n % 2 else stamp, bool(n % 3 == 1), n or None)
            for n, stamp in enumerate(stamps)]


def _stored(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        columns = [records.c[name] for name in RECORD_COLUMNS]
        return [tuple(row) for row in conn.execute(select(*columns).order_by(records.c.source_id))]


def test_insert_rows_stores_what_an_ordinary_insert_stores(engine: Engine) -> None:
    rows = _rows()
    with engine.begin() as conn:
        conn.execute(insert(records), [dict(zip(RECORD_COLUMNS, row, strict=True)) for row in rows])
    expected = _stored(engine)
    with engine.begin() as conn:
        conn.execute(delete(records))
        insert_rows(conn, records, RECORD_COLUMNS, rows)
    assert _stored(engine) == expected
    assert [row[9] for row in expected][:4] == [T0, T0, T0, T0 + timedelta(hours=1)]


def test_insert_rows_of_nothing_writes_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, records, RECORD_COLUMNS, [])
    assert _stored(engine) == []


def test_a_column_left_out_is_refused_rather_than_defaulted_row_by_row(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("only the SQLite path compiles the statement itself")
    columns = tuple(name for name in RECORD_COLUMNS if name != "title")
    row = tuple(value for name, value in zip(RECORD_COLUMNS, _rows()[0], strict=True)
                if name != "title")
    with engine.begin() as conn, pytest.raises(ValueError, match="every column"):
        insert_rows(conn, records, columns, [row])
