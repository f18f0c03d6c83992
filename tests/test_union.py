"""The union catalogue: the same manifestation held by several centres is one cluster."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from catalogue import union
from catalogue.formats.base import Parsed
from catalogue.records import Agent, Identifier, Item, Publication, Record, Title
from catalogue.store import database
from catalogue.store.ingest import Ingest
from tests.stores import store_url


def book(source: str, sid: str, title: str, *, isbn: str = "", author: str = "Dubet",
         year: str = "2019", publisher: str = "Seuil", items: tuple[Item, ...] = (),
         issn: str = "", bib_level: str = "m") -> Record:
    return Record(
        source=source, source_id=sid, title=Title(main=title), bib_level=bib_level,
        agents=(Agent(name=author, rest="François"),) if author else (),
        publications=(Publication(publishers=(publisher,) if publisher else (), dates=(year,)),),
        identifiers=tuple([Identifier("isbn", isbn)] if isbn else [])
        + tuple([Identifier("issn", issn)] if issn else []),
        items=items,
    )


def store(engine: Engine, *recs: Record, deleted: tuple[str, ...] = ()) -> None:
    by_source: dict[str, list[Parsed]] = {}
    for n, r in enumerate(recs):
        by_source.setdefault(r.source, []).append(
            Parsed(position=n, offset=0, raw=b"x", record=r, source_id=r.source_id))
    for sid in deleted:
        source, _, ident = sid.partition(":")
        by_source.setdefault(source, []).append(Parsed(
            position=0, offset=0, raw=b"x", source_id=ident, deleted=True,
            record=Record(source=source, source_id=ident, title=Title(main=""))))
    for source, parsed in by_source.items():
        ingest = Ingest(engine, source=source)
        ingest.add_all(parsed)
        ingest.finish()


def rid(engine: Engine, source: str, sid: str) -> int:
    from catalogue.store import queries
    found = queries.get_record(engine, source, sid)
    assert found is not None
    return found.id


def members(engine: Engine, source: str, sid: str) -> set[str]:
    return {f"{h.source}:{h.source_id}" for h in union.holdings(engine, rid(engine, source, sid))}


def test_keys() -> None:
    assert union.isbn13("2-02-010276-5") == union.isbn13("978-2-02-010276-6") == "9782020102766"
    assert union.isbn13("2-02-010276-4") is None and union.isbn13("978-2-02-010276-0") is None  # wrong check digit
    assert union.issn("0395-2037") == "03952037" and union.issn("0395-2038") is None
    assert union.normalise("L'Éducation  populaire, aujourd'hui !") == "education populaire aujourd hui"
    assert union.match_keys(book("a", "1", "Rapport annuel", author="", publisher="")) == ()
    assert union.match_keys(book("a", "1", "Rapport annuel", isbn="2-02-010276-5")) == (
        "isbn:9782020102766",)
    serial = book("a", "1", "Revue", issn="0395-2037", bib_level="s", author="")
    assert union.match_keys(serial) == ("issn:03952037",)


def test_clusters_across_centres_with_holdings(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "u"))
    store(
        engine,
        book("crpv", "1", "La Galère", isbn="2-02-010276-5",
             items=(Item(barcode="A1", loanable=True), Item(barcode="A2", loanable=False))),
        book("lyon", "oai:lyon:9", "La galère : jeunes en survie", isbn="978-2-02-010276-6"),
        book("lille", "oai:lille:3", "Galère (La)", isbn="9782020102766",
             items=(Item(barcode="L1", loanable=True),)),
        # no ISBN: matched on title + author + year + publisher
        book("crpv", "2", "Sociologie de l'expérience", year="1994"),
        book("lyon", "oai:lyon:10", "Sociologie de l’expérience.", year="[1994]"),
        # same title only: never merged
        book("crpv", "3", "Rapport annuel", author="", publisher="ONPV", year="2020"),
        book("lille", "oai:lille:4", "Rapport annuel", author="", publisher="CGET", year="2020"),
        book("lyon", "oai:lyon:11", "Rapport annuel", author="", publisher="", year="2020"),
    )
    assert union.refresh(engine) == 8
    assert members(engine, "crpv", "1") == {"crpv:1", "lyon:oai:lyon:9", "lille:oai:lille:3"}
    assert members(engine, "lyon", "oai:lyon:10") == {"crpv:2", "lyon:oai:lyon:10"}
    for source, sid in (("crpv", "3"), ("lille", "oai:lille:4"), ("lyon", "oai:lyon:11")):
        assert members(engine, source, sid) == {f"{source}:{sid}"}
    held = {h.source: h for h in union.holdings(engine, rid(engine, "lille", "oai:lille:3"))}
    assert (held["crpv"].items, held["crpv"].loanable) == (2, 1)
    assert held["crpv"].availability == "1 of 2 item(s) loanable"
    assert held["lyon"].availability == "no item information"
    assert union.cluster_of(engine, rid(engine, "lille", "oai:lille:3")) == rid(engine, "crpv", "1")

    # Incremental: nothing changed, nothing recomputed.
    assert union.refresh(engine) == 0
    # Lyon corrects its ISBN (another edition): it leaves the cluster, the others stay.
    store(engine, book("lyon", "oai:lyon:9", "La galère", isbn="978-2-213-02127-0"))
    assert union.refresh(engine) == 1
    assert members(engine, "crpv", "1") == {"crpv:1", "lille:oai:lille:3"}
    assert members(engine, "lyon", "oai:lyon:9") == {"lyon:oai:lyon:9"}
    # A deletion leaves its cluster too.
    store(engine, deleted=("lille:oai:lille:3",))
    assert union.refresh(engine, "lille") == 1
    assert members(engine, "crpv", "1") == {"crpv:1"}
    # The first member gone, the cluster is relabelled by the smallest remaining id.
    store(engine, book("lille", "oai:lille:3", "La Galère", isbn="2020102765"))
    union.refresh(engine)
    assert members(engine, "crpv", "1") == {"crpv:1", "lille:oai:lille:3"}


def _clustering(engine: Engine) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    """The stored match keys and clusters, named by source:source_id (ids differ per store)."""
    from sqlalchemy import select

    from catalogue.store.harvest_tables import record_clusters, record_keys
    from catalogue.store.tables import records
    with engine.connect() as conn:
        names = {r.id: f"{r.source}:{r.source_id}"
                 for r in conn.execute(select(records.c.id, records.c.source, records.c.source_id))}
        keys = {(names[r.record_id], r.key) for r in conn.execute(select(record_keys))}
        groups: dict[int, set[str]] = {}
        for r in conn.execute(select(record_clusters)):
            groups.setdefault(r.cluster_id, set()).add(names[r.record_id])
    return keys, {frozenset(g) for g in groups.values()}


def test_keys_computed_beside_the_mapping_cluster_like_keys_read_back(tmp_path: Path) -> None:
    """A harvest's worker computes match keys; clustering with them equals re-reading."""
    recs = [
        book("crpv", "1", "Sociologie de l'expérience", isbn="2-02-010276-5"),
        book("lille", "oai:lille:3", "Sociologie de l'expérience", isbn="978-2-02-010276-6"),
        book("lyon", "9", "La galère : jeunes en survie", year="1987", publisher="Fayard"),
        book("crpv", "2", "La Galère, jeunes en survie", year="1987", publisher="Fayard"),
        book("lyon", "10", "Rapport annuel", author="", publisher=""),
    ]
    plain = database.open_store(store_url(tmp_path, "plain"))
    store(plain, *recs)
    union.refresh(plain)

    precomputed = database.open_store(store_url(tmp_path, "pre"))
    known: dict[str, tuple[str, ...]] = {}
    for source in ("crpv", "lille", "lyon"):
        ingest = Ingest(precomputed, source=source)
        ingest.add_all(Parsed(position=n, offset=0, raw=b"x", record=r, source_id=r.source_id,
                              match_keys=union.match_keys(r))
                       for n, r in enumerate(recs) if r.source == source)
        ingest.finish()
        known |= ingest.match_keys
    assert len(known) == 5
    assert union.refresh(precomputed, known=known) == 5
    assert _clustering(precomputed) == _clustering(plain)
    assert {frozenset({"crpv:1", "lille:oai:lille:3"}), frozenset({"lyon:9", "crpv:2"})} <= \
        _clustering(plain)[1]

    # The precomputed keys are really what is used (not silently recomputed).
    lonely = database.open_store(store_url(tmp_path, "lonely"))
    store(lonely, recs[4])
    digest = next(iter(_hashes(lonely)))
    union.refresh(lonely, known={digest: ("work:marker",)})
    assert _clustering(lonely)[0] == {("lyon:10", "work:marker")}


def _hashes(engine: Engine) -> set[str]:
    from sqlalchemy import select

    from catalogue.store.tables import records
    with engine.connect() as conn:
        return {r.content_hash for r in conn.execute(select(records.c.content_hash))}


def test_the_mapping_worker_sends_json_and_match_keys() -> None:
    """What a worker process sends back: each record's JSON and keys, none for a deletion."""
    from lxml import etree

    from catalogue.formats import dublincore
    from catalogue.records import to_json_bytes
    from harvesters.oai_pages import map_body, unpack

    rec = book("x", "1", "La galère : jeunes en survie", year="1987", publisher="Fayard")
    dc = etree.tostring(dublincore.to_element(rec), encoding="unicode")
    body = ('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/'
            'OAI/2.0/"><responseDate>2025-01-01T00:00:00Z</responseDate><request>http://x/oai'
            '</request><ListRecords><record><header><identifier>oai:p:1</identifier><datestamp>'
            '2025-01-01</datestamp></header><metadata>' + dc + '</metadata></record><record>'
            '<header status="deleted"><identifier>oai:p:2</identifier><datestamp>2025-01-01'
            '</datestamp></header></record></ListRecords></OAI-PMH>').encode()
    live, gone = unpack(map_body(body, "dc", "p", 1, 1, derive=union.match_keys))
    record = live[1].record
    assert record is not None and record.source_id == "oai:p:1"
    assert live[1].encoded == to_json_bytes(record)
    assert live[1].match_keys == union.match_keys(record) != ()
    assert gone[1].deleted and gone[1].match_keys is None
    # Without a derive function nothing is computed (the clustering reads records back).
    assert unpack(map_body(body, "dc", "p", 1, 1))[0][1].match_keys is None


def test_one_isbn_on_two_different_books_does_not_merge_them(tmp_path: Path) -> None:
    """An ISBN typed wrong, or reused, names two books: their titles keep them apart,
    while the same book under a title variant still joins its cluster."""
    assert union.titles_agree("La Galère", "Galère (La)")
    assert union.titles_agree("La galère : jeunes en survie", "La Galère")
    assert union.titles_agree("Sociologie de l'expérience", "")
    assert union.titles_agree("Jeunes en survie : la galère", "La galère des jeunes en survie")
    assert not union.titles_agree("Guide pratique de la médiation numérique",
                                  "Au cœur de la vidéoprotection : guide méthodologique")
    engine = database.open_store(store_url(tmp_path, "u"))
    store(
        engine,
        book("crpv", "1", "Au cœur de la vidéoprotection", isbn="978-2-35371-382-0"),
        book("lyon", "7", "Guide pratique de la médiation numérique", isbn="9782353713820"),
        book("lille", "3", "Au coeur de la vidéoprotection : guide méthodologique",
             isbn="978-2-35371-382-0"),
        book("lille", "4", "La médiation numérique, guide pratique", isbn="978-2-35371-382-0"),
    )
    union.refresh(engine)
    assert members(engine, "crpv", "1") == {"crpv:1", "lille:3"}
    assert members(engine, "lyon", "7") == {"lyon:7", "lille:4"}
    # Lyon corrects its title: it is the same book after all, one cluster of three.
    store(engine, book("lyon", "7", "Au cœur de la vidéoprotection", isbn="9782353713820"))
    union.refresh(engine)
    assert members(engine, "crpv", "1") == {"crpv:1", "lille:3", "lyon:7"}
    assert members(engine, "lille", "4") == {"lille:4"}


def test_migration_0008_and_reindex_remake_old_clusters(tmp_path: Path) -> None:
    """A store clustered before titles were checked: the migration marks its clusters
    stale and `catalogue reindex` re-makes them (the records stay shown meanwhile)."""
    from alembic import command
    from click.testing import CliRunner
    from sqlalchemy import update

    from catalogue.cli import main
    from catalogue.store.harvest_tables import record_clusters

    config = tmp_path / "config.toml"
    url = store_url(tmp_path, "t")
    config.write_text('[catalogue]\nname = "T"\ndata_dir = "var"\n'
                      f'[store]\nurl = "{url}"\n'
                      '[import]\ndefault_source = "crpv"\n'
                      '[[sources]]\nslug = "crpv"\nname = "C"\n'
                      '[[sources]]\nslug = "lyon"\nname = "L"\n', encoding="utf-8")
    (tmp_path / "var").mkdir()
    engine = database.open_store(url)
    store(engine,
          book("crpv", "1", "Au cœur de la vidéoprotection", isbn="978-2-35371-382-0"),
          book("lyon", "7", "Guide pratique de la médiation numérique", isbn="9782353713820"))
    union.refresh(engine)
    first, second = rid(engine, "crpv", "1"), rid(engine, "lyon", "7")
    with engine.begin() as conn:  # as the earlier version clustered them: one work
        conn.execute(update(record_clusters).values(cluster_id=first))
    assert members(engine, "lyon", "7") == {"crpv:1", "lyon:7"}
    command.downgrade(database.alembic_config(engine), "0007_dsi_bounces")
    command.upgrade(database.alembic_config(engine), "head")
    assert members(engine, "lyon", "7") == {"crpv:1", "lyon:7"}  # still shown, not yet re-made
    result = CliRunner().invoke(main, ["--config", str(config), "reindex"])
    assert result.exit_code == 0, result.output
    assert "2 record(s) re-clustered" in result.output
    assert union.cluster_of(engine, second) == second
    assert members(engine, "lyon", "7") == {"lyon:7"}
    engine.dispose()
