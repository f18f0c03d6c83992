"""The OAI dissemination cache on a real store: never stale, same bytes, never in the way."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine, func, select, text

from catalogue.formats import dublincore, unimarc
from catalogue.records import Agent, CustomField, Item, Record, Title, replace
from catalogue.settings import Selection, Settings, load
from catalogue.store import database
from catalogue.store.dissemination_tables import oai_disseminations, oai_record_sets
from catalogue.store.ingest import Ingest
from catalogue.store.oai_repository import SqlRepository
from catalogue.web.oai_provider import config_of, repository_of
from oai import formats
from oai.config import OaiConfig
from oai.protocol import handle
from oai.repository import Dissemination, Selector
from tests.oai_site import NS, split_export, validation_schema
from tests.stores import sqlite_only, store_url

CONFIG = """
[catalogue]
base_url = "http://127.0.0.1:5000"
data_dir = "var"
[store]
url = "{store}"
[[sources]]
slug = "crpv"
name = "CRPV"
[[sources]]
slug = "partner"
name = "Partenaire"
kind = "oai"
redistribute = true
url = "https://partner.example.org/oai"
[oai]
repository_identifier = "crpv.example.fr"
page_size = 100
[[oai.sets]]
slug = "jeunesse"
name = "Jeunesse"
terms = ["mot-clé-témoin"]
fields = ["keywords"]
"""
PREFIXES = ("oai_dc", "marcxml", "unimarc", "pmb_xml_unimarc")


class SteppingClock:
    """A clock moving one minute per reading (the one allowed seam)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[tuple[Settings, Engine, SteppingClock]]:
    (tmp_path / "config.toml").write_text(CONFIG.replace("{store}", store_url(tmp_path, "c")),
                                          encoding="utf-8")
    settings = load(tmp_path / "config.toml", env={"CATALOGUE_SECRET_KEY": "k"})
    engine = database.open_store(settings.store_url)
    yield settings, engine, SteppingClock()
    engine.dispose()


def demo_records(export: Path, count: int) -> list[Record]:
    chunks = split_export(export.read_bytes())[:count]
    parsed = unimarc.read(io.BytesIO(b"".join(chunks)), "crpv")
    return [p.record for p in parsed if p.record is not None]


def ingest(engine: Engine, clock: SteppingClock, records: list[Record], source: str = "crpv",
           full: bool = False) -> None:
    run = Ingest(engine, source=source, format="unimarc", batch_size=50, clock=clock, full=full)
    data = b"".join(unimarc.to_iso2709(r) for r in records)
    run.add_all(unimarc.read(io.BytesIO(data), source))
    run.finish()


def ask(repo: SqlRepository, config: OaiConfig, now: datetime, **params: str) -> bytes:
    return handle({k: [v] for k, v in params.items()}, repo, now, config)


def cached(engine: Engine, prefix: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(oai_disseminations)
                                .where(oai_disseminations.c.prefix == prefix)).scalar_one())


def test_a_reimported_change_is_served_in_every_format_and_set(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    settings, engine, clock = store
    records = demo_records(demo_export, 30)
    ingest(engine, clock, records)
    repo, config = repository_of(settings, engine), config_of(settings)
    now = clock()
    cold = {p: ask(repo, config, now, verb="ListRecords", metadataPrefix=p) for p in PREFIXES}
    assert all(cached(engine, p) == len(records) for p in PREFIXES)
    # Served from the cache, a response is the very same document.
    for prefix in PREFIXES:
        assert ask(repo, config, now, verb="ListRecords", metadataPrefix=prefix) == cold[prefix]

    target = next(r for r in records if r.items)
    changed = replace(target, title=Title("Titre entièrement refait"), keywords=("Mot-cle-TÉMOIN",),
                      items=(replace(target.items[0], call_number="COTE-NOUVELLE"),
                             *target.items[1:]))
    assert "témoin" not in cold["oai_dc"].decode().lower()
    ingest(engine, clock, [changed])
    identifier = f"oai:crpv.example.fr:crpv:{target.source_id}"
    now = clock()
    for prefix in PREFIXES:
        listed = ask(repo, config, now, verb="ListRecords", metadataPrefix=prefix)
        one = ask(repo, config, now, verb="GetRecord", metadataPrefix=prefix,
                  identifier=identifier)
        for body in (listed, one):
            assert "Titre entièrement refait".encode() in body, prefix
            if prefix in ("unimarc", "pmb_xml_unimarc"):
                assert b"COTE-NOUVELLE" in body, prefix
        assert cached(engine, prefix) == len(records)  # the old row replaced, not added to
    in_set = etree.fromstring(ask(repo, config, now, verb="ListIdentifiers",
                                  metadataPrefix="oai_dc", set="selection:jeunesse"))
    assert [e.text for e in in_set.iterfind(".//o:header/o:identifier", NS)] == [identifier]
    header = etree.fromstring(ask(repo, config, now, verb="GetRecord", metadataPrefix="oai_dc",
                                  identifier=identifier)).find(".//o:header", NS)
    assert header is not None
    assert "selection:jeunesse" in [s.text for s in header.iterfind("o:setSpec", NS)]


def test_cold_and_warm_responses_are_valid(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path, shared_data: Path,
        tmp_path: Path) -> None:
    settings, engine, clock = store
    records = demo_records(demo_export, 12)
    odd = replace(records[0], title=Title("A & B <C> \"D\" ]]> E"), keywords=("Mot-clé-témoin",))
    ingest(engine, clock, [odd, *records[1:8]])
    ingest(engine, clock, [odd, *records[1:6]], full=True)  # two tombstones
    ingest(engine, clock, records[8:], source="partner")  # re-exposed, with provenance
    schema = validation_schema(shared_data, tmp_path)
    repo, config = repository_of(settings, engine), config_of(settings)
    identifier = f"oai:crpv.example.fr:crpv:{odd.source_id}"
    for prefix in PREFIXES:
        for state in ("cold", "warm"):
            now = clock()
            for body in (ask(repo, config, now, verb="ListRecords", metadataPrefix=prefix),
                         ask(repo, config, now, verb="ListIdentifiers", metadataPrefix=prefix),
                         ask(repo, config, now, verb="GetRecord", metadataPrefix=prefix,
                             identifier=identifier)):
                doc = etree.fromstring(body)
                assert schema.validate(doc), (prefix, state, schema.error_log.last_error)
            listed = etree.fromstring(ask(repo, config, now, verb="ListRecords",
                                          metadataPrefix=prefix))
            assert len(listed.findall(".//o:header[@status='deleted']", NS)) == 2
            assert len(listed.findall(".//o:record/o:about", NS)) == 4
            assert len(listed.findall(".//o:record/o:metadata", NS)) == 10


def test_metadata_is_kept_per_writer_key(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    settings, engine, clock = store
    ingest(engine, clock, demo_records(demo_export, 5))
    repo = repository_of(settings, engine)
    everything = Selector(None, None, clock() + timedelta(days=1))

    def served(key: str, output: bytes) -> set[bytes | None]:
        return {e.metadata for e in repo.page(everything, 10,
                                              Dissemination("oai_dc", key, lambda _: output))}

    assert served("mapping-1", b"<a>1</a>") == {b"<a>1</a>"}
    assert served("mapping-1", b"<a>2</a>") == {b"<a>1</a>"}  # kept: not written again
    assert served("mapping-2", b"<a>2</a>") == {b"<a>2</a>"}  # a new writer writes again
    dc = formats.FORMATS["oai_dc"]
    assert formats.dissemination(dc, True).key != formats.dissemination(dc, False).key
    assert formats.dissemination(dc, True).key == formats.dissemination(dc, True).key


def test_a_changed_selection_changes_setspecs(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    settings, engine, clock = store
    records = demo_records(demo_export, 10)
    ingest(engine, clock, [replace(r, keywords=("Mot-cle-TÉMOIN",)) if n < 3 else r
                           for n, r in enumerate(records)])
    everything = Selector(None, None, clock() + timedelta(days=1))

    def members(terms: tuple[str, ...]) -> int:
        selection = Selection("jeunesse", "Jeunesse", terms, ("keywords",))
        repo = SqlRepository(engine, settings.sources, "crpv", [selection])
        return sum("selection:jeunesse" in e.sets for e in repo.page(everything, 20))

    assert members(("mot-clé-témoin",)) == 3
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(oai_record_sets)).scalar_one() == 10
    assert members(("nothing-matches-this",)) == 0
    assert members(("mot-clé-témoin",)) == 3


def test_dc_text_writer_is_lxml_serialisation() -> None:
    record = Record(
        source="crpv", source_id="1",
        title=Title("A & B < C > D \"quoted\" 'single'", parallel=("ligne\rsuivante",)),
        agents=(Agent(name="Cafe\u0301", rest="Zoé"),),
        abstracts=("first line\n  second line ]]> end",),
        keywords=("x\x01y",),
        custom_fields=(CustomField(name="dc:rights", value="© <CRPV>"),),
    )
    expected = etree.tostring(dublincore.to_element(record), encoding="UTF-8",
                              xml_declaration=False)
    assert formats.dc_bytes(record) == expected
    etree.fromstring(formats.dc_bytes(record))


@sqlite_only("an import holding SQLite's write lock")
def test_a_busy_store_still_answers_and_keeps_later(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    settings, engine, clock = store
    ingest(engine, clock, demo_records(demo_export, 8))
    repo, config = repository_of(settings, engine), config_of(settings)
    writer = sqlite3.connect(str(engine.url.database), timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # an import holding the write lock
    try:
        started = time.monotonic()
        body = ask(repo, config, clock(), verb="ListRecords", metadataPrefix="oai_dc")
        assert time.monotonic() - started < 5
    finally:
        writer.rollback()
        writer.close()
    assert len(etree.fromstring(body).findall(".//o:record", NS)) == 8
    assert cached(engine, "oai_dc") == 0
    again = ask(repo, config, clock(), verb="ListRecords", metadataPrefix="oai_dc")
    assert len(etree.fromstring(again).findall(".//o:record", NS)) == 8
    assert cached(engine, "oai_dc") == 8


def test_items_left_out_are_a_different_dissemination(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    settings, engine, clock = store
    record = next(r for r in demo_records(demo_export, 50) if r.items)
    record = replace(record, items=(Item(barcode="B-42", call_number="COTE-42"),))
    ingest(engine, clock, [record])
    repo, config = repository_of(settings, engine), config_of(settings)
    now = clock()
    with_items = ask(repo, config, now, verb="ListRecords", metadataPrefix="unimarc")
    without = ask(repo, dataclasses.replace(config, include_items=False), now,
                  verb="ListRecords", metadataPrefix="unimarc")
    assert b"COTE-42" in with_items and b"COTE-42" not in without
    assert ask(repo, config, now, verb="ListRecords", metadataPrefix="unimarc") == with_items


def test_a_store_without_the_tables_gets_them(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    """Stores stamped at 0006 while it was an empty placeholder never run it again."""
    settings, engine, clock = store
    ingest(engine, clock, demo_records(demo_export, 3))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE oai_disseminations"))
        conn.execute(text("DROP TABLE oai_record_sets"))
    repo, config = repository_of(settings, engine), config_of(settings)
    assert repo.cache.enabled
    body = ask(repo, config, clock(), verb="ListRecords", metadataPrefix="oai_dc")
    assert len(etree.fromstring(body).findall(".//o:record", NS)) == 3
    assert cached(engine, "oai_dc") == 3


def test_selection_sql_and_headers_fold_alike(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    """A set's SQL (``oai_fold`` on SQLite, ``catalogue_fold`` on PostgreSQL) and the
    setSpecs computed in Python fold every letter alike: the headers used ``casefold``
    ("STRASSE" in "Straße"), PostgreSQL's function did not, so ListIdentifiers with the
    set and the records' own setSpecs disagreed on PostgreSQL."""
    settings, engine, clock = store
    words = ("Straße", "STRASSE", "ΟΔΥΣΣΕΥΣ", "NGUYỄN", "ﬁnances", "Ǆemal", "İstanbul")
    records = demo_records(demo_export, len(words))
    ingest(engine, clock, [replace(r, keywords=(w,)) for r, w in zip(records, words, strict=True)])
    everything = Selector(None, None, clock() + timedelta(days=1))
    for term in ("strasse", "straße", "οδυσσευσ", "nguyen", "finances", "dzemal", "istanbul"):
        selection = Selection("mot", "Mot", (term,), ("keywords",))
        repo = SqlRepository(engine, settings.sources, "crpv", [selection])
        by_headers = {e.source_id for e in repo.page(everything, 20) if "selection:mot" in e.sets}
        by_sql = {e.source_id for e in repo.page(
            Selector("selection:mot", None, clock() + timedelta(days=1)), 20)}
        assert by_headers == by_sql, term
        assert by_sql or term == "straße", term


def test_selection_sql_reads_every_field_as_python_does(
        store: tuple[Settings, Engine, SteppingClock], demo_export: Path) -> None:
    """A selection's SQL over each field alone, and over all five together, selects what
    :func:`catalogue.store.oai_repository.selected` does: on PostgreSQL the fields other
    than the title are read from one ``jsonb`` of the record (a lateral UNION of their
    values), on SQLite one ``json_each`` per field."""
    from catalogue.records import Descriptor, Indexing
    from catalogue.store.oai_repository import selected

    settings, engine, clock = store
    base = demo_records(demo_export, 6)
    made = [
        replace(base[0], keywords=("Quartiers prioritaires",)),
        replace(base[1], abstracts=("Un bilan des QUARTIERS en difficulté.",)),
        replace(base[2], descriptors=(Descriptor(tag="606", label="Quartier ancien"),)),
        replace(base[3], indexing=(Indexing(code="QUART-01", label="Habitat"),)),
        replace(base[4], indexing=(Indexing(code="X9", label="Vie de quartier"),)),
        replace(base[5], title=Title(main="Nos quartiers d'été")),
    ]
    ingest(engine, clock, made)
    stored = {r.source_id: r for r in made}
    fields = ("keywords", "abstracts", "descriptors", "indexing", "title")
    for chosen in [*((f,) for f in fields), fields]:
        selection = Selection("mot", "Mot", ("quart", "ÉTÉ"), chosen)
        repo = SqlRepository(engine, settings.sources, "crpv", [selection])
        by_sql = {e.source_id for e in repo.page(
            Selector("selection:mot", None, clock() + timedelta(days=1)), 20)}
        wanted = {i for i, record in stored.items() if selected(record, selection)}
        assert by_sql == wanted and wanted, chosen
    assert len(wanted) == 6
