"""OAI-PMH sets stay cheap on a large catalogue: the queries behind ListSets, set counts
and centre pages, their answers and their SQLite plans.

ListSets reads the distinct document types and territories of the exposed records by a
loose index scan (a recursive CTE), and list counts and ``centre:<slug>`` pages use the
(source, datestamp, id) index (migration 0020). Their answers are checked against a
brute-force reading of the same store (every record and territory row read in Python),
with a document type and a territory that only an unexposed source holds; the plans
(SQLite) must read no table whole: a full scan is what made ListSets take 5 s and a
first page 0.5-1.4 s on 100,000 records (``bench/oai_sets.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from catalogue.records import Record, replace
from catalogue.settings import Source
from catalogue.store import database
from catalogue.store.oai_repository import SqlRepository
from catalogue.store.tables import records
from catalogue.store.territory_tables import record_territories
from oai.repository import Selector
from tests.stores import sqlite_only, store_url
from tests.test_oai_territories import CHANGED, FILLED, catalogue, write

SOURCES = [Source(slug="crpv", name="Centre"),
           Source(slug="partner", name="Partenaire", redistribute=True),
           Source(slug="closed", name="Fermé")]


def typed(recs: list[Record], doc_type: str, every: int) -> list[Record]:
    return [replace(r, doc_type=doc_type) if n % every == 0 else r
            for n, r in enumerate(recs)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = database.open_store(store_url(tmp_path_factory.mktemp("set-plans"), "plans"))
    made = catalogue()
    made["crpv"] = typed(made["crpv"], "g", 4)  # vidéos
    made["closed"] = typed(made["closed"], "k", 1)  # images fixes: never exposed
    for source, recs in made.items():
        write(engine, source, recs, FILLED)
    yield engine
    engine.dispose()


def brute_force(engine: Engine, exposed: set[str]) -> tuple[set[str], set[str], dict[str, int]]:
    """(document types, territory keys, set spec -> size) of the exposed records, read
    row by row."""
    with engine.connect() as conn:
        rows = {r.id: (r.source, r.doc_type) for r in conn.execute(
            select(records.c.id, records.c.source, records.c.doc_type))}
        places = list(conn.execute(select(record_territories)))
    shown = {i: row for i, row in rows.items() if row[0] in exposed}
    sizes: dict[str, int] = {}
    for source, _ in shown.values():
        sizes[f"centre:{source}"] = sizes.get(f"centre:{source}", 0) + 1
    for record_id, key in places:
        if record_id in shown:
            sizes[f"territoire:{key}"] = sizes.get(f"territoire:{key}", 0) + 1
    return ({t for _, t in shown.values()},
            {key for i, key in places if i in shown}, sizes)


def test_list_sets_and_counts_agree_with_a_reading_of_every_row(store: Engine) -> None:
    repo = SqlRepository(store, SOURCES, "crpv")
    types, places, sizes = brute_force(store, {"crpv", "partner"})
    assert "k" not in types and "com-38185" not in places  # the closed source's alone
    specs = [info.spec for info in repo.sets()]
    assert sorted(s.split(":")[1] for s in specs if s.startswith("type:")) == sorted(types)
    assert {s.split(":")[1] for s in specs if s.startswith("territoire:")} == places
    assert {"type:g", "territoire:com-69266", "territoire:reg-76"} <= set(specs)
    for spec, size in sizes.items():
        assert repo.count(Selector(spec, None, CHANGED)) == size, spec
        walked, after = [], None
        while page := repo.page(Selector(spec, None, CHANGED, after), 4):
            walked += page
            after = (page[-1].datestamp, page[-1].position)
        assert len(walked) == size == len({e.position for e in walked}), spec
    assert repo.count(Selector(None, None, CHANGED)) == sum(
        n for spec, n in sizes.items() if spec.startswith("centre:"))
    assert repo.count(Selector("territoire:com-38185", None, CHANGED)) == 0
    assert repo.count(Selector("centre:crpv", FILLED, FILLED)) == 0  # the window still holds


@sqlite_only("EXPLAIN QUERY PLAN")
def test_no_set_query_reads_a_table_whole(store: Engine) -> None:
    repo = SqlRepository(store, SOURCES, "crpv")
    seen: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(store, "before_cursor_execute", remember)
    repo.sets()
    for spec in ("territoire:dep-69", "centre:partner", None):
        repo.count(Selector(spec, None, CHANGED))
    repo.page(Selector("centre:partner", None, CHANGED), 3)
    event.remove(store, "before_cursor_execute", remember)
    assert len(seen) >= 6
    with store.connect() as conn:
        for statement, parameters in seen:
            plan = " | ".join(row[3] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
            assert "SCAN records" not in plan, (statement, plan)
            assert "SCAN record_territories" not in plan, (statement, plan)
            assert "TEMP B-TREE" not in plan, (statement, plan)


def test_the_plans_test_reads_the_store_it_claims(tmp_path: Path) -> None:
    """The store of this module has the indexes the plans rely on (migration 0020)."""
    from sqlalchemy import inspect

    engine = database.open_store(store_url(tmp_path, "indexes"))
    names = {ix["name"] for ix in inspect(engine).get_indexes("records")}
    engine.dispose()
    assert {"ix_records_type_source", "ix_records_source_datestamp"} <= names


@sqlite_only("EXPLAIN QUERY PLAN")
def test_a_small_territory_pages_from_its_own_rows_a_big_one_walks(store: Engine) -> None:
    """Pages of 3 in 49 records: the list wins below isqrt(3 * 49) = 12 records, so
    Toulouse's 11 are read from the territory index and sorted, the Rhône's 24 walked."""
    repo = SqlRepository(store, SOURCES, "crpv")
    seen: dict[str, tuple[str, Any]] = {}

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "ORDER BY" in statement:
            seen[spec] = (statement, parameters)

    event.listen(store, "before_cursor_execute", remember)
    for spec in ("territoire:dep-31", "territoire:dep-69"):
        assert len(repo.page(Selector(spec, None, CHANGED), 3)) == 3
    event.remove(store, "before_cursor_execute", remember)
    with store.connect() as conn:
        plans = {spec: " | ".join(row[3] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
            for spec, (statement, parameters) in seen.items()}
    assert "ix_record_territories_territory" in plans["territoire:dep-31"], plans
    assert "ix_records_datestamp" not in plans["territoire:dep-31"], plans
    assert "ix_records_datestamp" in plans["territoire:dep-69"], plans
    assert "TEMP B-TREE" not in plans["territoire:dep-69"], plans
