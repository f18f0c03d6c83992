"""The six verbs against the demo catalogue, over real HTTP, every response schema-valid."""

from __future__ import annotations

import dataclasses
import gzip
import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from catalogue.records import from_json
from catalogue.store.oai_repository import fold
from catalogue.store.tables import records
from oai import identifiers
from tests.oai_site import (
    NS,
    ODD_IDS,
    REPOSITORY,
    Site,
    error_code,
    fetch,
    harvest,
    header_of,
    local_id,
    store_state,
)

pytestmark = pytest.mark.shared


def ident(source: str, source_id: str) -> str:
    return identifiers.make(REPOSITORY, source, source_id)


def test_identify_says_what_harvesters_need(oai_site: Site) -> None:
    _, doc = fetch(oai_site, {"verb": "Identify"})
    node = doc.find("o:Identify", NS)
    assert node is not None
    text = {child.tag.split("}")[1]: child.text for child in node}
    assert text["repositoryName"] == "Catalogue de test"
    assert text["baseURL"] == oai_site.url
    assert text["protocolVersion"] == "2.0"
    assert text["deletedRecord"] == "persistent"
    assert text["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    assert [e.text for e in node.findall("o:adminEmail", NS)] == ["doc@crpv.example.fr"]
    assert [e.text for e in node.findall("o:compression", NS)] == ["gzip", "deflate"]
    with oai_site.engine.connect() as conn:
        earliest = conn.execute(select(records.c.datestamp).where(
            records.c.source.in_(("crpv", "partner"))).order_by(records.c.datestamp)).first()
    assert earliest is not None
    assert text["earliestDatestamp"] == earliest[0].strftime("%Y-%m-%dT%H:%M:%SZ")
    desc = node.find("o:description/id:oai-identifier", NS)
    assert desc is not None
    assert desc.findtext("id:repositoryIdentifier", namespaces=NS) == REPOSITORY
    assert desc.findtext("id:sampleIdentifier", namespaces=NS) == ident("crpv", "1234")
    assert doc.find("o:request", NS).attrib == {"verb": "Identify"}  # type: ignore[union-attr]


def test_list_metadata_formats_for_the_repository_and_for_an_item(oai_site: Site) -> None:
    _, doc = fetch(oai_site, {"verb": "ListMetadataFormats"})
    prefixes = [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)]
    assert prefixes == ["oai_dc", "marcxml", "unimarc", "pmb_xml_unimarc"]
    some = next(iter(store_state(oai_site.engine)))
    _, doc = fetch(oai_site, {"verb": "ListMetadataFormats", "identifier": ident(*some)})
    assert [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)] == prefixes
    for missing in (ident("crpv", "no-such-record"), ident("closed", "1801")):
        _, doc = fetch(oai_site, {"verb": "ListMetadataFormats", "identifier": missing})
        assert error_code(doc) == "idDoesNotExist"


def test_list_sets_names_centres_types_and_selections(oai_site: Site) -> None:
    _, doc = fetch(oai_site, {"verb": "ListSets"})
    specs = [e.text for e in doc.iterfind(".//o:setSpec", NS)]
    assert {"centre", "centre:crpv", "centre:partner", "type", "selection",
            "selection:prevention", "selection:jeunesse"} <= set(specs)
    assert "centre:closed" not in specs
    assert any(s.startswith("type:") for s in specs)
    described = doc.find(".//o:set[o:setSpec='selection:prevention']/o:setDescription", NS)
    assert described is not None and "prévention" in etree_text(described)


def etree_text(element: object) -> str:
    from lxml import etree

    return etree.tostring(element, encoding="unicode")  # type: ignore[arg-type]


def test_get_record_in_every_format(oai_site: Site) -> None:
    with oai_site.engine.connect() as conn:
        row = conn.execute(select(records.c.source_id, records.c.data).where(
            records.c.source == "crpv", records.c.deleted.is_(False),
            records.c.data.like('%"items":%')).limit(1)).one()
    record = from_json(row.data)
    for prefix, path in (("oai_dc", "oai_dc:dc"), ("marcxml", "marc:record"),
                         ("unimarc", "marc:record"), ("pmb_xml_unimarc", "pmb:notice")):
        _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": prefix,
                                  "identifier": ident("crpv", row.source_id)})
        payload = doc.find(f"o:GetRecord/o:record/o:metadata/{path}", NS)
        assert payload is not None, prefix
        assert doc.find("o:GetRecord/o:record/o:about", NS) is None
    # unimarc carries the record as imported, items (995) included.
    _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": "unimarc",
                              "identifier": ident("crpv", row.source_id)})
    assert doc.findtext(".//marc:controlfield[@tag='001']", namespaces=NS) == record.source_id
    barcodes = {e.text for e in doc.iterfind(".//marc:datafield[@tag='995']/marc:subfield[@code='f']", NS)}
    assert barcodes == {i.barcode for i in record.items if i.barcode}
    title = doc.findtext(".//marc:datafield[@tag='200']/marc:subfield[@code='a']", namespaces=NS)
    assert title == record.title.main


def test_partner_records_carry_provenance_and_closed_ones_do_not_exist(oai_site: Site) -> None:
    partner_id = next(sid for (src, sid), gone in store_state(oai_site.engine).items()
                      if src == "partner" and not gone)
    _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": "oai_dc",
                              "identifier": ident("partner", partner_id)})
    origin = doc.find("o:GetRecord/o:record/o:about/prov:provenance/prov:originDescription", NS)
    assert origin is not None
    assert origin.findtext("prov:baseURL", namespaces=NS) == "https://partner.example.org/oai"
    assert origin.findtext("prov:identifier", namespaces=NS) == partner_id
    assert origin.get("harvestDate") and origin.findtext("prov:datestamp", namespaces=NS)
    closed = ident("closed", "1900")
    _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": closed})
    assert error_code(doc) == "idDoesNotExist"


def test_deleted_records_are_headers_without_metadata(oai_site: Site) -> None:
    gone = [key for key, deleted in store_state(oai_site.engine).items() if deleted]
    assert len(gone) == 25
    _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": "marcxml",
                              "identifier": ident(*gone[0])})
    header = doc.find("o:GetRecord/o:record/o:header", NS)
    assert header is not None and header.get("status") == "deleted"
    assert doc.find("o:GetRecord/o:record/o:metadata", NS) is None


@pytest.mark.parametrize("source_id", ODD_IDS)
def test_identifiers_with_odd_characters_round_trip(oai_site: Site, source_id: str) -> None:
    identifier = ident("crpv", source_id)
    assert identifier.isascii() and " " not in identifier
    _, doc = fetch(oai_site, {"verb": "GetRecord", "metadataPrefix": "oai_dc",
                              "identifier": identifier})
    assert doc.findtext(".//o:header/o:identifier", namespaces=NS) == identifier
    assert local_id(identifier) == ("crpv", source_id)


def test_list_identifiers_pages_through_exactly_the_exposed_records(oai_site: Site) -> None:
    headers, tokens = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc")
    seen = Counter(local_id(h.findtext("o:identifier", namespaces=NS) or "") for h in headers)
    assert max(seen.values()) == 1
    expected = store_state(oai_site.engine)
    assert set(seen) == set(expected)
    deleted = {local_id(h.findtext("o:identifier", namespaces=NS) or "") for h in headers
               if h.get("status") == "deleted"}
    assert deleted == {k for k, gone in expected.items() if gone}
    # Tokens: cursor advances by the page size, the size is announced, the last is empty.
    assert [int(t.get("cursor") or -1) for t in tokens] == [50 * n for n in range(len(tokens))]
    assert {t.get("completeListSize") for t in tokens} == {str(len(expected))}
    assert not (tokens[-1].text or "").strip() and tokens[-1].get("expirationDate") is None
    for token in tokens[:-1]:
        expires = datetime.fromisoformat(token.get("expirationDate") or "")
        assert expires >= datetime.now(UTC) + timedelta(hours=23, minutes=59)
    stamps = [h.findtext("o:datestamp", namespaces=NS) or "" for h in headers]
    assert stamps == sorted(stamps)


def test_sets_select_what_they_say(oai_site: Site) -> None:
    expected = store_state(oai_site.engine)
    headers, _ = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc", set="centre:partner")
    got = {local_id(h.findtext("o:identifier", namespaces=NS) or "") for h in headers}
    assert got == {k for k in expected if k[0] == "partner"}
    with oai_site.engine.connect() as conn:
        rows = conn.execute(select(records.c.source, records.c.source_id, records.c.doc_type,
                                   records.c.data).where(records.c.source.in_(("crpv", "partner"))))
        data = {(r.source, r.source_id): (r.doc_type, from_json(r.data)) for r in rows}
    headers, _ = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc", set="type:a")
    got = {local_id(h.findtext("o:identifier", namespaces=NS) or "") for h in headers}
    assert got == {k for k, (doc_type, _) in data.items() if doc_type == "a"}
    terms = ("prevention", "delinquance")
    wanted = {k for k, (_, rec) in data.items()
              if any(t in fold(text) for t in terms
                     for text in (*(d.label for d in rec.descriptors), *rec.keywords))}
    assert wanted
    records_, _ = harvest(oai_site, "ListRecords", metadataPrefix="oai_dc",
                          set="selection:prevention")
    got = {local_id(header_of(r).findtext("o:identifier", namespaces=NS) or "") for r in records_}
    assert got == wanted
    for item in records_:
        assert "selection:prevention" in [e.text for e in header_of(item).iterfind("o:setSpec", NS)]
    parent, _ = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc", set="centre")
    assert len(parent) == len(expected)


def test_from_and_until_select_by_datestamp(oai_site: Site) -> None:
    headers, _ = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc")
    stamps = sorted({h.findtext("o:datestamp", namespaces=NS) or "" for h in headers})
    middle = stamps[len(stamps) // 2]
    later, _ = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": middle})
    earlier, _ = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc", until=middle)
    assert all((h.findtext("o:datestamp", namespaces=NS) or "") >= middle for h in later)
    assert all((h.findtext("o:datestamp", namespaces=NS) or "") <= middle for h in earlier)
    on_middle = sum(1 for h in headers if h.findtext("o:datestamp", namespaces=NS) == middle)
    assert len(later) + len(earlier) == len(headers) + on_middle
    day = middle[:10]
    same_day, _ = harvest(oai_site, "ListIdentifiers", metadataPrefix="oai_dc",
                          **{"from": day, "until": day})
    assert len(same_day) == sum(1 for h in headers
                                if (h.findtext("o:datestamp", namespaces=NS) or "")[:10] == day)


def test_post_is_the_same_request_as_get(oai_site: Site) -> None:
    some = next(iter(store_state(oai_site.engine)))
    params = {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": ident(*some)}
    get, _ = fetch(oai_site, params)
    post, _ = fetch(oai_site, params, method="POST")
    assert get.content.split(b"</responseDate>")[1] == post.content.split(b"</responseDate>")[1]


@pytest.mark.parametrize("coding", ["gzip", "deflate", "identity"])
def test_compression_follows_accept_encoding(oai_site: Site, coding: str) -> None:
    response = requests.get(oai_site.url, params={"verb": "ListRecords", "metadataPrefix": "oai_dc"},
                            headers={"Accept-Encoding": coding}, stream=True, timeout=30)
    raw = response.raw.read()
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding", "identity") == coding
    assert "Accept-Encoding" in response.headers["Vary"]
    body = gzip.decompress(raw) if coding == "gzip" else zlib.decompress(raw) if coding == "deflate" else raw
    assert body.startswith(b"<?xml") and b"<ListRecords>" in body


def test_include_items_false_leaves_items_out(oai_site: Site) -> None:
    # The protocol core on the same store, configured without items.
    from lxml import etree

    from catalogue.web.oai_provider import config_of, repository_of
    from oai.protocol import handle

    with oai_site.engine.connect() as conn:
        sid = conn.execute(select(records.c.source_id).where(
            records.c.source == "crpv", records.c.deleted.is_(False),
            records.c.data.like('%"items":%')).limit(1)).scalar_one()
    repo = repository_of(oai_site.settings, oai_site.engine)
    params = {"verb": ["GetRecord"], "metadataPrefix": ["unimarc"], "identifier": [ident("crpv", sid)]}
    config = config_of(oai_site.settings)
    with_items = etree.fromstring(handle(params, repo, datetime.now(UTC), config))
    without = etree.fromstring(handle(params, repo, datetime.now(UTC),
                                      dataclasses.replace(config, include_items=False)))
    assert with_items.find(".//marc:datafield[@tag='995']", NS) is not None
    assert without.find(".//marc:datafield[@tag='995']", NS) is None
    assert without.find(".//marc:datafield[@tag='200']", NS) is not None
    oai_site.validator.check(etree.tostring(without), "include_items=false")
