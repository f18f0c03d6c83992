"""OAI-PMH sets by territory (``territoire:<key>``), harvested over HTTP by sickle.

A small catalogue whose records name places in UNIMARC 607 is served by the real app on
127.0.0.1; every response is validated against the official OAI-PMH schema. A record
filed under a commune must be in the sets of the commune, its EPCI, its département and
its region, each harvested to its end page by page; ListSets names only the territories
holding exposed records; a change of territory moves the datestamp. The expected keys
are the official codes written out here, not computed by the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, event, inspect, select

from catalogue.formats.base import Parsed
from catalogue.records import Descriptor, Record, Title
from catalogue.store import database
from catalogue.store.ingest import Ingest
from catalogue.store.oai_repository import SqlRepository
from catalogue.store.tables import metadata, records
from catalogue.store.territory_tables import record_territories
from oai.repository import Selector
from tests.oai_site import NS, Running, Site, error_code, fetch, harvest, local_id, start_site
from tests.stores import on_postgres, sqlite_only, store_url

#: When the catalogue was filled; a change comes a day later.
FILLED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANGED = FILLED + timedelta(days=1)

#: 607 label -> the territory keys a record filed under it belongs to (official codes:
#: COG for communes, départements and regions, SIREN for EPCI).
VILLEURBANNE = {"com-69266", "epci-200046977", "dep-69", "reg-84"}
LYON_1ER = {"com-69381", "com-69123", "epci-200046977", "dep-69", "reg-84"}
TOULOUSE = {"com-31555", "epci-243100518", "dep-31", "reg-76"}
RHONE = {"dep-69", "reg-84"}
GRENOBLE = {"com-38185", "epci-200040715", "dep-38", "reg-84"}
PLACES: dict[str, set[str]] = {
    "Villeurbanne (69)": VILLEURBANNE, "Lyon 1er Arrondissement (69)": LYON_1ER,
    "Toulouse (31)": TOULOUSE, "Rhône (69)": RHONE, "Grenoble (38)": GRENOBLE,
    "Saint-Denis": set(),  # a bare name several communes bear: its place is not guessed
    "Quartier des Minguettes": set(),  # a QPV: free text
}
#: (source, how many records, their 607 labels).
CATALOGUE: list[tuple[str, int, tuple[str, ...]]] = [
    ("crpv", 12, ("Villeurbanne (69)",)),
    ("crpv", 5, ("Lyon 1er Arrondissement (69)",)),
    ("crpv", 8, ("Toulouse (31)",)),
    ("crpv", 3, ("Villeurbanne (69)", "Toulouse (31)")),
    ("crpv", 3, ("Saint-Denis",)),
    ("crpv", 2, ("Quartier des Minguettes",)),
    ("crpv", 6, ()),
    ("partner", 4, ("Rhône (69)",)),
    ("closed", 3, ("Grenoble (38)",)),  # not redistributed: never exposed
]
NAMES = {
    "territoire": "Territoires",
    "territoire:reg-76": "Occitanie", "territoire:reg-84": "Auvergne-Rhône-Alpes",
    "territoire:dep-31": "Haute-Garonne (31)", "territoire:dep-69": "Rhône (69)",
    "territoire:epci-200046977": "Métropole de Lyon (69)",
    "territoire:epci-243100518": "Toulouse Métropole (31)",
    "territoire:com-31555": "Toulouse (31)", "territoire:com-69123": "Lyon (69)",
    "territoire:com-69266": "Villeurbanne (69)",
    "territoire:com-69381": "Lyon 1er Arrondissement (69)",
}


def record(source: str, n: int, places: tuple[str, ...]) -> Record:
    descriptors = (Descriptor("Politique de la ville"),
                   *(Descriptor(label, tag="607") for label in places))
    return Record(source=source, source_id=f"{source}-{n}", title=Title(f"Notice {n}"),
                  descriptors=descriptors)


def write(engine: Engine, source: str, recs: list[Record], when: datetime,
          full: bool = False) -> None:
    job = Ingest(engine, source=source, format="unimarc", batch_size=7, full=full,
                 clock=lambda: when)
    for n, rec in enumerate(recs):
        job.add(Parsed(position=n, offset=0, raw=rec.source_id.encode(), record=rec,
                       source_id=rec.source_id))
    job.finish()


def catalogue() -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for source, count, places in CATALOGUE:
        made = out.setdefault(source, [])
        for _ in range(count):
            made.append(record(source, len(made), places))
    return out


def fill(engine: Engine, _export: Path) -> None:
    for source, recs in catalogue().items():
        write(engine, source, recs, FILLED)
    # A tombstone: the last Villeurbanne record is deleted by a full re-import.
    crpv = catalogue()["crpv"]
    write(engine, "crpv", [r for r in crpv if r.source_id != "crpv-11"], FILLED, full=True)


def expected_members() -> dict[str, dict[tuple[str, str], bool]]:
    """Set spec -> (source, source_id) -> deleted, from the table above."""
    out: dict[str, dict[tuple[str, str], bool]] = {}
    for source, recs in catalogue().items():
        if source == "closed":
            continue
        for rec in recs:
            keys = set().union(*(PLACES[d.label] for d in rec.descriptors if d.tag == "607"))
            for key in keys:
                out.setdefault(f"territoire:{key}", {})[(source, rec.source_id)] = \
                    rec.source_id == "crpv-11"
            if keys:
                out.setdefault("territoire", {})[(source, rec.source_id)] = \
                    rec.source_id == "crpv-11"
    return out


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("oai-territories")
    run = start_site(folder, folder / "unused.mrc", shared_data, page_size=5, fill=fill)
    yield run
    run.serving.stop()
    run.site.engine.dispose()
    assert run.site.validator.checked > 0
    assert run.site.validator.failures == []
    assert all(status.startswith("200") for status in run.site.middleware.statuses)


@pytest.fixture(scope="module")
def site(running: Running) -> Site:
    return running.site


def test_list_sets_names_only_the_territories_holding_exposed_records(site: Site) -> None:
    _, doc = fetch(site, {"verb": "ListSets"})
    listed = [(s.findtext("o:setSpec", namespaces=NS), s.findtext("o:setName", namespaces=NS))
              for s in doc.iterfind(".//o:set", NS)]
    ours = [(spec, name) for spec, name in listed if (spec or "").startswith("territoire")]
    # The parent first, then regions, départements, EPCI, communes, each by code;
    # Grenoble's (only in a partner that forbids redistribution) are not there.
    assert ours == list(NAMES.items())
    assert ("centre", "Centres de ressources") in listed  # the other sets are still there


def test_sickle_harvests_each_territory_set_to_its_end(site: Site) -> None:
    from sickle import Sickle

    sickle = Sickle(site.url, max_retries=0, timeout=60)
    expected = expected_members()
    assert set(expected) == set(NAMES)
    assert len(expected["territoire:reg-84"]) == 12 + 5 + 3 + 4  # pages of 5: five of them
    for n, spec in enumerate(sorted(expected)):
        seen: dict[tuple[str, str], bool] = {}
        listing = sickle.ListIdentifiers(metadataPrefix="oai_dc", set=spec) if n % 2 else \
            (r.header for r in sickle.ListRecords(metadataPrefix="oai_dc", set=spec))
        for header in listing:
            key = local_id(header.identifier)
            assert key not in seen, (spec, key)
            seen[key] = header.deleted
            assert spec in header.setSpecs or spec == "territoire"
        assert seen == expected[spec], spec


def test_headers_carry_exactly_the_record_territories(site: Site) -> None:
    items, tokens = harvest(site, "ListIdentifiers", metadataPrefix="oai_dc")
    assert len(tokens) > 1
    by_record: dict[tuple[str, str], set[str]] = {}
    for header in items:
        key = local_id(header.findtext("o:identifier", namespaces=NS) or "")
        specs = {s.text or "" for s in header.iterfind("o:setSpec", NS)}
        assert f"centre:{key[0]}" in specs
        by_record[key] = {s.removeprefix("territoire:") for s in specs
                          if s.startswith("territoire:")}
    for source, recs in catalogue().items():
        for rec in recs:
            if source == "closed":
                assert (source, rec.source_id) not in by_record
                continue
            want = set().union(*(PLACES[d.label] for d in rec.descriptors if d.tag == "607"))
            assert by_record[(source, rec.source_id)] == want, rec.source_id


def test_a_set_lists_page_by_page_with_its_size(site: Site) -> None:
    items, tokens = harvest(site, "ListRecords", metadataPrefix="oai_dc",
                            set="territoire:dep-69")
    assert len(items) == 12 + 5 + 3 + 4
    assert [t.get("cursor") for t in tokens] == ["0", "5", "10", "15", "20"]
    assert {t.get("completeListSize") for t in tokens} == {"24"}
    assert not (tokens[-1].text or "").strip()
    deleted = [i for i in items if i.find("o:header", NS).get("status") == "deleted"]
    assert len(deleted) == 1 and i_have_no_metadata(deleted[0])


def i_have_no_metadata(item: Any) -> bool:
    return item.find("o:metadata", NS) is None


@pytest.mark.parametrize("spec", ["territoire:dep-99", "territoire:com-00000",
                                  "territoire:nowhere", "territoire:dep-",
                                  "territoire:dep-38", "territoire:com-38185"])
def test_unknown_empty_or_unexposed_territories_match_nothing(site: Site, spec: str) -> None:
    _, doc = fetch(site, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": spec})
    assert error_code(doc) == "noRecordsMatch"


def test_a_malformed_territory_spec_is_a_bad_argument(site: Site) -> None:
    _, doc = fetch(site, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                          "set": "territoire:dep 69"})
    assert error_code(doc) == "badArgument"


def test_changing_territory_moves_the_datestamp_and_the_sets(site: Site) -> None:
    """Runs last in this module: it changes the catalogue."""
    def stamp(source_id: str) -> datetime:
        with site.engine.connect() as conn:
            return conn.execute(select(records.c.datestamp).where(
                records.c.source == "crpv", records.c.source_id == source_id)).scalar_one()

    before = stamp("crpv-0")
    # An identical re-import changes nothing, not even the datestamp.
    write(site.engine, "crpv", [record("crpv", 0, ("Villeurbanne (69)",))], CHANGED)
    assert stamp("crpv-0") == before
    write(site.engine, "crpv", [record("crpv", 0, ("Toulouse (31)",))], CHANGED)
    assert stamp("crpv-0") == CHANGED
    since = {"metadataPrefix": "oai_dc", "from": CHANGED.strftime("%Y-%m-%dT%H:%M:%SZ")}
    items, _ = harvest(site, "ListIdentifiers", set="territoire:com-31555", **since)
    assert [local_id(h.findtext("o:identifier", namespaces=NS) or "") for h in items] \
        == [("crpv", "crpv-0")]
    assert {s.text for s in items[0].iterfind("o:setSpec", NS)} >= {
        "territoire:reg-76", "territoire:dep-31", "territoire:epci-243100518",
        "territoire:com-31555"}
    _, doc = fetch(site, {"verb": "ListIdentifiers", "set": "territoire:com-69266", **since})
    assert error_code(doc) == "noRecordsMatch"  # it left Villeurbanne (the OAI way: silently)
    full, _ = harvest(site, "ListIdentifiers", metadataPrefix="oai_dc",
                      set="territoire:com-69266")
    assert ("crpv", "crpv-0") not in {
        local_id(h.findtext("o:identifier", namespaces=NS) or "") for h in full}


@sqlite_only("the query plan is SQLite's")
def test_a_set_page_walks_the_datestamp_index(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "plan"))
    for source, recs in catalogue().items():
        write(engine, source, recs, FILLED)
    from catalogue.settings import Source

    repo = SqlRepository(engine, [Source(slug="crpv", name="Centre")], "crpv")
    seen: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "record_territories" in statement and "ORDER BY" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    selector = Selector("territoire:dep-69", None, CHANGED, (FILLED, 3))
    page = repo.page(selector, 5)
    event.remove(engine, "before_cursor_execute", remember)
    assert [e.source_id for e in page] and all(e.position > 3 for e in page)
    assert len(seen) == 1
    statement, parameters = seen[0]
    with engine.connect() as conn:
        plan = " | ".join(row[3] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_records_datestamp" in plan, plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    assert "sqlite_autoindex_record_territories_1" in plan, plan  # its primary key
    engine.dispose()


def test_the_migration_creates_the_table_and_fills_it_from_the_records(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "mig"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "record_territories" in repr(d)] == []
    for source, recs in catalogue().items():
        write(engine, source, recs, FILLED)

    def rows() -> set[tuple[str, str]]:
        with engine.connect() as conn:
            return {(sid, key) for sid, key in conn.execute(
                select(records.c.source_id, record_territories.c.territory).select_from(
                    record_territories.join(records,
                                            records.c.id == record_territories.c.record_id)))}

    written = rows()
    want = {(rec.source_id, key) for recs in catalogue().values() for rec in recs
            for d in rec.descriptors if d.tag == "607" for key in PLACES[d.label]}
    assert written == want
    command.downgrade(database.alembic_config(engine), "0018_veille")
    assert "record_territories" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        stamps = dict(conn.execute(select(records.c.id, records.c.datestamp)).all())
    command.upgrade(database.alembic_config(engine), "head")
    assert rows() == want  # the backfill, from the records' JSON
    with engine.connect() as conn:
        assert dict(conn.execute(select(records.c.id, records.c.datestamp)).all()) == stamps
        if not on_postgres():
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    # Deleting a record (not a tombstone: the row) takes its territories with it.
    with engine.begin() as conn:
        conn.execute(delete(records).where(records.c.source == "partner"))
    assert not {sid for sid, _ in rows() if sid.startswith("partner")}
    engine.dispose()


MINIMAL = """
[catalogue]
name = "Centre de test"
base_url = "http://127.0.0.1"
data_dir = "var"

[store]
url = "{store}"

[[sources]]
slug = "crpv"
name = "Centre de ressources politique de la ville"
"""


def test_refresh_moves_only_the_records_whose_sets_changed(tmp_path: Path) -> None:
    """``catalogue territories refresh`` after the bundled territories changed (simulated:
    a record placed by an older hierarchy, in its commune only)."""
    from click.testing import CliRunner

    from catalogue.cli import main
    from catalogue.settings import load

    config = tmp_path / "config.toml"
    config.write_text(MINIMAL.format(store=store_url(tmp_path, "refresh")), encoding="utf-8")
    engine = database.open_store(load(config, env={}).store_url)
    write(engine, "crpv", catalogue()["crpv"], FILLED)
    rt = record_territories
    with engine.begin() as conn:
        first = conn.execute(select(records.c.id).where(records.c.source_id == "crpv-0")
                             ).scalar_one()
        conn.execute(delete(rt).where(rt.c.record_id == first, rt.c.territory != "com-69266"))

    def run() -> str:
        result = CliRunner().invoke(main, ["--config", str(config), "territories", "refresh"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "1 record(s) changed territory sets" in run()
    with engine.connect() as conn:
        stamps = dict(conn.execute(select(records.c.source_id, records.c.datestamp)).all())
        keys = set(conn.execute(select(rt.c.territory).where(rt.c.record_id == first)).scalars())
    assert keys == VILLEURBANNE
    assert stamps.pop("crpv-0") > FILLED
    assert set(stamps.values()) == {FILLED}
    assert "0 record(s) changed territory sets" in run()
    engine.dispose()
