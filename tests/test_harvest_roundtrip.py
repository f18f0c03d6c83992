"""Our own OAI-PMH endpoint harvested by our own harvester: what goes out comes back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, select

from catalogue.formats.base import Parsed
from catalogue.harvesting import harvest_source
from catalogue.records import CustomField, Link, Record, from_json, replace, to_json_bytes
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records
from catalogue.veille.model import KEPT, Item
from catalogue.veille.publishing import entry_record
from catalogue.web import create_app
from catalogue.web.links import permalinks
from indexes import Searcher, SearchRequest, rebuild
from oai import identifiers
from tests.harvest_support import Sleeps, as_dc, deployment, partner, stored
from tests.oai_site import REPOSITORY, Running, serve, start_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path,
         shared_data: Path) -> Iterator[Running]:
    running = start_site(tmp_path_factory.mktemp("site"), demo_export, shared_data, page_size=100)
    yield running
    running.serving.stop()


def exposed(running: Running) -> dict[str, Record]:
    """The live records our provider exposes, by OAI identifier."""
    with running.site.engine.connect() as conn:
        rows = conn.execute(select(records.c.source, records.c.source_id, records.c.data)
                            .where(records.c.deleted.is_(False),
                                   records.c.source.in_(("crpv", "partner"))))
        return {identifiers.make(REPOSITORY, r.source, r.source_id): from_json(r.data)
                for r in rows}


def page_of(running: Running, record: Record) -> str:
    """The record's page in the served site's OPAC, as its OAI records carry it."""
    return permalinks(running.site.settings.base_url)(record.source, record.source_id)


def test_unimarc_round_trip_is_exact(tmp_path: Path, site: Running) -> None:
    _, settings, engine = deployment(tmp_path, partner("ours", site.site.url,
                                                       metadata_prefix="unimarc"))
    report = harvest_source(engine, settings, settings.source("ours"), sleep=Sleeps())
    assert report.status == "completed", report.message
    # Exact, plus the link to the record's page on our site: the partner's copy keeps it
    # as a link (856 $u), which is what it is.
    want = {i: replace(r, source="ours", source_id=i, links=(*r.links, Link(url=page_of(site, r))))
            for i, r in exposed(site).items()}
    got = stored(engine, "ours")
    assert set(got) == set(want) and len(got) > 1500
    different = [i for i in want if got[i] != want[i]]
    assert not different, (different[:3], got[different[0]], want[different[0]])
    assert report.rejected == 0 and not site.site.validator.failures


def test_oai_dc_round_trip_keeps_what_dublin_core_carries(tmp_path: Path, site: Running) -> None:
    _, settings, engine = deployment(tmp_path, partner("ours", site.site.url))
    report = harvest_source(engine, settings, settings.source("ours"), sleep=Sleeps())
    assert report.status == "completed", report.message
    want = {i: as_dc(r, "ours", i, page_of(site, r)) for i, r in exposed(site).items()}
    got = stored(engine, "ours")
    assert set(got) == set(want)
    different = [i for i in want if got[i] != want[i]]
    assert not different, (different[:3], got[different[0]], want[different[0]])


def test_pmb_xml_unimarc_round_trip(tmp_path: Path, site: Running) -> None:
    _, settings, engine = deployment(tmp_path, partner("ours", site.site.url,
                                                       metadata_prefix="pmb_xml_unimarc"))
    report = harvest_source(engine, settings, settings.source("ours"), sleep=Sleeps())
    assert report.status == "completed", report.message
    got = stored(engine, "ours")
    want = exposed(site)
    assert set(got) == set(want)
    titles = sum(got[i].title == want[i].title for i in want)
    assert titles == len(want)


def test_a_harvested_copy_served_again_links_each_page_once(tmp_path: Path, site: Running) -> None:
    """Two hops (our site -> a partner running this software -> a third): each copy
    keeps the pages before it as links and adds its own, each once; harvesting again
    changes nothing (no link grows at each harvest)."""
    _, settings, engine = deployment(tmp_path / "hop1", partner(
        "ours", site.site.url, metadata_prefix="unimarc", redistribute=True))
    assert harvest_source(engine, settings, settings.source("ours"),
                          sleep=Sleeps()).status == "completed"
    first = stored(engine, "ours")
    hop, root = serve(create_app(settings, engine=engine).wsgi_app)
    page_on_hop1 = permalinks(settings.base_url)
    try:
        for prefix in ("unimarc", "oai_dc"):
            _, then, engine2 = deployment(tmp_path / f"hop2-{prefix}", partner(
                "back", root + "/oai", metadata_prefix=prefix))
            harvests = []
            for _ in range(2):
                report = harvest_source(engine2, then, then.source("back"), sleep=Sleeps(),
                                        full=True)
                assert report.status == "completed", report.message
                harvests.append(stored(engine2, "back"))
            assert harvests[0] == harvests[1]
            copies = {_local(oai_id): r for oai_id, r in harvests[0].items()}
            assert len(copies) == len(first)
            for oai_id, record in first.items():
                urls = [lk.url for lk in copies[oai_id].links]
                # Dublin Core has no attached documents: their URLs come back as links.
                documents = [d.url for d in record.documents] if prefix == "oai_dc" else []
                assert urls == [*(lk.url for lk in record.links), *documents,
                                page_on_hop1("ours", oai_id)]
                assert len(urls) == len(set(urls))
            engine2.dispose()
    finally:
        hop.stop()
    assert stored(engine, "ours") == first


def _local(oai_id: str) -> str:
    local = identifiers.parse("catalogue.invalid", oai_id)  # hop1's default identifier
    assert local is not None and local.source == "ours"
    return local.source_id


WATCH = Item(id=7, source_id=1, source_name="Ville de Toulouse",
             url="https://www.toulouse.fr/contrat-de-ville", title="Le contrat de ville renouvelé",
             summary="Signature du nouveau contrat.", published_at=datetime(2025, 3, 4, tzinfo=UTC),
             found_at=datetime(2025, 3, 5, tzinfo=UTC), also_from=(), status=KEPT,
             themes=("Politique de la ville",), descriptors=(),
             territories=("Toulouse (31)", "Quartier du Mirail"), note="", ruled="",
             record_id="V-7")


def fill_territories(engine: Engine, _export: Path) -> None:
    """A watch entry (territories as 607) and a record with a period, served as ``crpv``."""
    entry = replace(entry_record(WATCH), source="crpv")
    period = replace(entry, source_id="P-1", title=replace(entry.title, main="Trente ans"),
                     custom_fields=(CustomField(name="dc:coverage", value="1990-2020"),))
    job = Ingest(engine, source="crpv", format="veille")
    job.add_all([Parsed(position=n, offset=0, raw=to_json_bytes(r), record=r,
                        source_id=r.source_id) for n, r in enumerate((entry, period))])
    job.finish()


def test_territories_travel_as_dc_coverage_and_come_back(tmp_path: Path, demo_export: Path,
                                                         shared_data: Path) -> None:
    (tmp_path / "site").mkdir()
    running = start_site(tmp_path / "site", demo_export, shared_data, fill=fill_territories)
    try:
        served = requests.get(running.site.url, timeout=10, params={
            "verb": "GetRecord", "metadataPrefix": "oai_dc",
            "identifier": identifiers.make(REPOSITORY, "crpv", "V-7")}).content
        for place in ("Toulouse (31)", "Quartier du Mirail", "Haute-Garonne (31)"):
            assert f"<dc:coverage>{place}</dc:coverage>".encode() in served
            assert f"<dc:subject>{place}</dc:subject>".encode() not in served
        assert b"<dc:subject>Politique de la ville</dc:subject>" in served
        _, settings, engine = deployment(tmp_path / "us", partner("ours", running.site.url))
        report = harvest_source(engine, settings, settings.source("ours"), sleep=Sleeps())
        assert report.status == "completed", report.message
        assert not running.site.validator.failures
    finally:
        running.serving.stop()
    got = stored(engine, "ours")
    entry = got[identifiers.make(REPOSITORY, "crpv", "V-7")]
    assert [d.label for d in entry.descriptors if d.tag == "607"] == [
        "Toulouse (31)", "Haute-Garonne (31)", "Quartier du Mirail"]
    assert not [c for c in entry.custom_fields if c.name == "dc:coverage"]
    period = got[identifiers.make(REPOSITORY, "crpv", "P-1")]
    assert [c.value for c in period.custom_fields if c.name == "dc:coverage"] == ["1990-2020"]
    rebuild(list(got.values()), tmp_path / "index")
    with Searcher(tmp_path / "index") as searcher:
        found = searcher.search(SearchRequest(facets=("territory",)))
        facet = found.facet("territory")
        assert facet is not None
        assert {v.value: v.count for v in facet.values} == {
            "Toulouse (31)": 2, "Quartier du Mirail": 2, "Haute-Garonne (31)": 2}
        chosen = searcher.search(SearchRequest(filters={"territory": ("Haute-Garonne (31)",)}))
        assert chosen.total == 2
