"""Every record our OAI-PMH provider serves carries its page in our OPAC (the permalink).

Read from the raw XML as served over HTTP by the real app (every response also checked
against the official schemas by the test server), in the four formats: the last
``dc:identifier`` of oai_dc, one 856 $u in tag order in MARC21 slim, UNIMARC slim and PMB
XML. The URL opens the record's page, whose canonical link is that same URL. The
dissemination cache never serves another base URL's links.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree
from sqlalchemy import Engine, select

from catalogue.formats import unimarc
from catalogue.records import Link, Record, Title
from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records
from catalogue.web import create_app
from catalogue.web.links import permalinks
from oai import formats, identifiers
from tests.oai_site import (
    NS,
    ODD_IDS,
    REPOSITORY,
    Serving,
    Site,
    fetch,
    harvest,
    header_of,
    local_id,
    pyoai_compatible,
    serve,
    split_export,
    validation_schema,
)
from tests.stores import store_url

pytestmark = pytest.mark.shared

PREFIXES = ("oai_dc", "marcxml", "unimarc", "pmb_xml_unimarc")
CANONICAL = etree.XPath("//link[@rel='canonical']/@href")


Field = tuple[str, str, list[tuple[str, str]]]


def fields_of(record: etree._Element, prefix: str) -> list[Field]:
    """The data fields of a MARC slim or PMB XML record: (tag, indicators, subfields)."""
    if prefix == "pmb_xml_unimarc":
        return [(f.get("c") or "", f.get("ind") or "",
                 [(s.get("c") or "", s.text or "") for s in f.iterfind("pmb:s", NS)])
                for f in record.iterfind("pmb:f", NS) if f.find("pmb:s", NS) is not None]
    return [(f.get("tag") or "", (f.get("ind1") or "") + (f.get("ind2") or ""),
             [(s.get("code") or "", s.text or "") for s in f.iterfind("marc:subfield", NS)])
            for f in record.iterfind("marc:datafield", NS)]


def links_of(record: etree._Element, prefix: str) -> list[str]:
    """The URLs a partner's harvester reads as the record's links, in document order:
    http(s) ``dc:identifier`` (VuFind), 856 $u (Koha, PMB)."""
    if prefix == "oai_dc":
        found = [e.text or "" for e in record.iterfind("dc:identifier", NS)]
        return [text for text in found if text.startswith(("http://", "https://"))]
    return [v for tag, _, subfields in fields_of(record, prefix) if tag == "856"
            for code, v in subfields if code == "u"]


def check_placement(record: etree._Element, prefix: str, url: str) -> None:
    """``url`` is there once, where the issue puts it: the last dc:identifier; an 856
    with $u only (first indicator 4, HTTP), after every field of a lower tag and before
    every field of a higher one."""
    assert links_of(record, prefix).count(url) == 1, (prefix, url, links_of(record, prefix))
    if prefix == "oai_dc":
        assert [e.text for e in record.iterfind("dc:identifier", NS)][-1] == url
        return
    fields = fields_of(record, prefix)
    place = next(n for n, (tag, _, subfields) in enumerate(fields)
                 if tag == "856" and ("u", url) in subfields)
    _, indicators, subfields = fields[place]
    assert subfields == [("u", url)] and indicators.startswith("4")
    tags = [tag for tag, _, _ in fields]
    assert all(t <= "856" for t in tags[:place]) and all(t > "856" for t in tags[place + 1:])


def payload(record: etree._Element) -> etree._Element:
    metadata = record.find("o:metadata", NS)
    assert metadata is not None and len(metadata) == 1
    return metadata[0]


def canonical(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n")


def live(site: Site, source: str) -> list[str]:
    with site.engine.connect() as conn:
        return list(conn.execute(select(records.c.source_id).where(
            records.c.source == source, records.c.deleted.is_(False))
            .order_by(records.c.id)).scalars())


def test_every_format_carries_the_record_page(oai_site: Site) -> None:
    page_of = permalinks(oai_site.settings.base_url)
    for prefix in PREFIXES:
        listed, _ = harvest(oai_site, "ListRecords", metadataPrefix=prefix, set="centre:partner")
        assert len(listed) == len(live(oai_site, "partner")) > 100
        by_id = {}
        for item in listed:
            source, sid = local_id(header_of(item).findtext("o:identifier", namespaces=NS) or "")
            url = page_of(source, sid)
            assert url.startswith(oai_site.settings.base_url + "/notice/partner/")
            check_placement(payload(item), prefix, url)
            by_id[(source, sid)] = payload(item)
        # GetRecord serves the same bytes as ListRecords (one writer, one cache row).
        for key in list(by_id)[:5]:
            _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": prefix,
                                      "identifier": identifiers.make(REPOSITORY, *key)})
            got = doc.find("o:GetRecord/o:record", NS)
            assert got is not None and canonical(payload(got)) == canonical(by_id[key])
        # Ids with spaces, slashes, '%', '#', '?', quotes: quoted as the record page's.
        for sid in ODD_IDS:
            _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": prefix,
                                      "identifier": identifiers.make(REPOSITORY, "crpv", sid)})
            got = doc.find("o:GetRecord/o:record", NS)
            assert got is not None
            check_placement(payload(got), prefix, page_of("crpv", sid))
    assert oai_site.validator.failures == []


def test_the_link_opens_the_record_page_whose_permalink_it_is(oai_site: Site) -> None:
    wanted = [("crpv", sid) for sid in ODD_IDS] + [("partner", live(oai_site, "partner")[0])]
    for source, sid in wanted:
        _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                  "identifier": identifiers.make(REPOSITORY, source, sid)})
        url = [e.text or "" for e in doc.iterfind(".//dc:identifier", NS)][-1]
        page = requests.get(url, timeout=60)
        assert page.status_code == 200, (url, page.status_code)
        assert CANONICAL(etree.fromstring(page.content, etree.HTMLParser())) == [url]


def test_deleted_records_are_headers_only(oai_site: Site) -> None:
    listed, _ = harvest(oai_site, "ListRecords", metadataPrefix="marcxml", set="centre:crpv")
    deleted = [r for r in listed if header_of(r).get("status") == "deleted"]
    assert len(deleted) == 25
    assert all(r.find("o:metadata", NS) is None for r in deleted)


def test_pyoai_client_sees_the_identifier(oai_site: Site) -> None:
    from oaipmh.client import Client
    from oaipmh.metadata import MetadataRegistry, oai_dc_reader

    pyoai_compatible()
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    client = Client(oai_site.url, registry)
    page_of = permalinks(oai_site.settings.base_url)
    seen = 0
    for header, metadata, _ in client.listRecords(metadataPrefix="oai_dc", set="centre:partner"):
        url = page_of(*local_id(header.identifier()))
        assert metadata.getField("identifier")[-1] == url
        assert metadata.getField("identifier").count(url) == 1
        seen += 1
    assert seen == len(live(oai_site, "partner"))
    identifier = identifiers.make(REPOSITORY, "crpv", ODD_IDS[0])
    _, metadata, _ = client.getRecord(identifier=identifier, metadataPrefix="oai_dc")
    assert metadata.getField("identifier")[-1] == page_of("crpv", ODD_IDS[0])


# --- the cache and the base URL ------------------------------------------------------

CONFIG = """
[catalogue]
base_url = "{base_url}"
data_dir = "var"
[store]
url = "{store}"
[[sources]]
slug = "crpv"
name = "CRPV"
[oai]
repository_identifier = "crpv.example.fr"
page_size = 10
"""


def settings_for(folder: Path, base_url: str, store: str) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(CONFIG.format(base_url=base_url, store=store),
                                        encoding="utf-8")
    return load(folder / "config.toml", env={"CATALOGUE_SECRET_KEY": "k"})


class Clock:
    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(minutes=1)


@pytest.fixture()
def small_store(tmp_path: Path, demo_export: Path) -> Iterator[tuple[str, Engine]]:
    url = store_url(tmp_path, "bases")
    engine = database.open_store(url)
    run = Ingest(engine, source="crpv", format="unimarc", batch_size=50)
    run.add_all(unimarc.read(io.BytesIO(b"".join(split_export(demo_export.read_bytes())[:25])),
                             "crpv"))
    run.finish()
    yield url, engine
    engine.dispose()


def served(root: str, prefix: str, schema: etree.XMLSchema) -> dict[str, etree._Element]:
    """identifier -> metadata element of a whole ListRecords over HTTP, schema-checked."""
    out: dict[str, etree._Element] = {}
    params: dict[str, Any] = {"verb": "ListRecords", "metadataPrefix": prefix}
    while True:
        response = requests.get(root + "/oai", params=params, timeout=60)
        doc = etree.fromstring(response.content)
        assert schema.validate(doc), schema.error_log.last_error
        for item in doc.iterfind("o:ListRecords/o:record", NS):
            out[header_of(item).findtext("o:identifier", namespaces=NS) or ""] = payload(item)
        token = doc.findtext("o:ListRecords/o:resumptionToken", namespaces=NS)
        if not token:
            return out
        params = {"verb": "ListRecords", "resumptionToken": token}


def test_a_new_base_url_is_served_at_once_not_the_cached_one(
        tmp_path: Path, small_store: tuple[str, Engine], shared_data: Path) -> None:
    url, engine = small_store
    schema = validation_schema(shared_data, tmp_path)
    bases = {"a": "https://centre-a.example.org/catalogue", "b": "https://centre-b.example.org"}
    servers: list[Serving] = []
    roots = {}
    for name, base in bases.items():
        settings = settings_for(tmp_path / name, base, url)
        serving, roots[name] = serve(create_app(settings, engine=engine, clock=Clock()).wsgi_app)
        servers.append(serving)
    try:
        for prefix in PREFIXES:
            # a (cold, then warm from the cache), b on the same store and cache, a again.
            for name in ("a", "a", "b", "a"):
                got = served(roots[name], prefix, schema)
                assert len(got) == 25
                for identifier, element in got.items():
                    source, sid = local_id(identifier)
                    want = permalinks(bases[name])(source, sid)
                    assert want.startswith(bases[name] + "/notice/crpv/")
                    check_placement(element, prefix, want)
                    other = "b" if name == "a" else "a"
                    assert not any(u.startswith(bases[other]) for u in links_of(element, prefix))
    finally:
        for serving in servers:
            serving.stop()


def test_a_link_to_its_own_page_is_not_written_twice(tmp_path: Path) -> None:
    page = "https://centre.example.org/notice/crpv/12"
    record = Record(source="crpv", source_id="12", title=_title("Rapport"), links=(
        Link(url=page, note="Notice"), Link(url="https://example.org/texte.pdf")))
    for prefix in PREFIXES:
        out = etree.fromstring(formats.serialise(formats.FORMATS[prefix], record, page))
        assert links_of(out, prefix) == ["https://example.org/texte.pdf", page]
        check_placement(out, prefix, page)
    assert formats.without_link(record, page).links == (Link(url="https://example.org/texte.pdf"),)


def _title(main: str) -> Title:
    return Title(main=main)


def test_the_key_names_the_base_url() -> None:
    dc = formats.FORMATS["oai_dc"]
    one = formats.dissemination(dc, True, permalinks("https://a.example.org"))
    assert one.key == formats.dissemination(dc, True, permalinks("https://a.example.org")).key
    assert one.key != formats.dissemination(dc, True, permalinks("https://b.example.org")).key
    assert one.key != formats.dissemination(dc, True).key
    record = Record(source="crpv", source_id="a b", title=_title("T"))
    assert b"<dc:identifier>https://a.example.org/notice/crpv/a%20b</dc:identifier>" in one.write(
        record)
