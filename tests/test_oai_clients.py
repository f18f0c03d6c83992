"""Real harvesters (sickle, pyoai's client) take the whole demo catalogue over HTTP.

Every format in full, and every set, must give exactly the store's exposed records:
each once, deleted ones as deleted, partner records with their provenance.
"""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from catalogue.records import from_json
from catalogue.store.oai_repository import fold
from catalogue.store.tables import records
from tests.oai_site import NS, Site, fetch, local_id, pyoai_compatible

pytestmark = pytest.mark.shared

PAYLOADS = {"oai_dc": "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc",
            "marcxml": "{http://www.loc.gov/MARC21/slim}record",
            "unimarc": "{http://www.loc.gov/MARC21/slim}record",
            "pmb_xml_unimarc": "{http://www.pmbservices.fr}notice"}
SELECTIONS = {"prevention": (("descriptors", "keywords"), ("prévention", "DELINQUANCE")),
              "jeunesse": (("descriptors", "keywords", "title"), ("jeunesse",))}


def members(site: Site) -> dict[str, dict[tuple[str, str], bool]]:
    """Every set (from ListSets) -> its expected (source, source_id) -> deleted, from the store."""
    with site.engine.connect() as conn:
        rows = conn.execute(select(records.c.source, records.c.source_id, records.c.doc_type,
                                   records.c.deleted, records.c.title, records.c.data)
                            .where(records.c.source.in_(("crpv", "partner")))).all()
    _, doc = fetch(site, {"verb": "ListSets"})
    out: dict[str, dict[tuple[str, str], bool]] = {}
    for spec in (s.text or "" for s in doc.iterfind(".//o:setSpec", NS)):
        kind, _, value = spec.partition(":")
        chosen = {}
        for row in rows:
            if kind == "centre":
                inside = not value or row.source == value
            elif kind == "type":
                inside = not value or row.doc_type == value
            else:
                inside = any(_selected(row, *SELECTIONS[name])
                             for name in ([value] if value else SELECTIONS))
            if inside:
                chosen[(row.source, row.source_id)] = bool(row.deleted)
        out[spec] = chosen
    out[""] = {(r.source, r.source_id): bool(r.deleted) for r in rows}
    return out


def _selected(row: Any, fields: tuple[str, ...], terms: tuple[str, ...]) -> bool:
    rec = from_json(row.data)
    texts = []
    if "descriptors" in fields:
        texts += [d.label for d in rec.descriptors]
    if "keywords" in fields:
        texts += list(rec.keywords)
    if "title" in fields:
        texts.append(row.title)
    return any(fold(t) in fold(text) for t in terms for text in texts)


@pytest.fixture(scope="module")
def expected(oai_site: Site) -> dict[str, dict[tuple[str, str], bool]]:
    return members(oai_site)


def test_sickle_harvests_every_format_and_set(oai_site: Site,
                                              expected: dict[str, dict[tuple[str, str], bool]]) -> None:
    from sickle import Sickle

    sickle = Sickle(oai_site.url, max_retries=0, timeout=60)
    assert sickle.Identify().granularity == "YYYY-MM-DDThh:mm:ssZ"
    for prefix, payload in PAYLOADS.items():
        seen: dict[tuple[str, str], bool] = {}
        for record in sickle.ListRecords(metadataPrefix=prefix):
            key = local_id(record.header.identifier)
            assert key not in seen
            seen[key] = record.header.deleted
            metadata = record.xml.find("o:metadata", NS)
            if record.header.deleted:
                assert metadata is None
            else:
                assert metadata is not None and metadata[0].tag == payload
                about = record.xml.find("o:about", NS)
                assert (about is not None) == (key[0] == "partner")
        assert seen == expected[""], prefix
    for n, spec in enumerate(s for s in expected if s):
        seen = {}
        prefix = list(PAYLOADS)[n % len(PAYLOADS)]
        for header in sickle.ListIdentifiers(metadataPrefix=prefix, set=spec):
            key = local_id(header.identifier)
            assert key not in seen
            seen[key] = header.deleted
            assert any(s == spec or s.startswith(spec + ":") for s in header.setSpecs)
        assert seen == expected[spec], spec


def test_pyoai_client_harvests_every_format_and_set(
        oai_site: Site, expected: dict[str, dict[tuple[str, str], bool]]) -> None:
    from oaipmh.client import Client
    from oaipmh.metadata import MetadataRegistry, oai_dc_reader

    pyoai_compatible()
    registry = MetadataRegistry()
    registry.registerReader("oai_dc", oai_dc_reader)
    for prefix in ("marcxml", "unimarc", "pmb_xml_unimarc"):
        registry.registerReader(prefix, lambda element: element)
    client = Client(oai_site.url, registry)  # pyoai POSTs its requests
    identify = client.identify()
    assert identify.repositoryName() == "Catalogue de test"
    client.updateGranularity()
    assert {p for p, _, _ in client.listMetadataFormats()} == set(PAYLOADS)
    for prefix, payload in PAYLOADS.items():
        seen: dict[tuple[str, str], bool] = {}
        for header, metadata, _about in client.listRecords(metadataPrefix=prefix):
            key = local_id(header.identifier())
            assert key not in seen
            seen[key] = header.isDeleted()
            if not header.isDeleted():
                if prefix == "oai_dc":
                    assert metadata.getField("title")
                else:
                    assert isinstance(metadata, etree._Element) and metadata[0].tag == payload
        assert seen == expected[""], prefix
    sets = [spec for spec, _name, _desc in client.listSets()]
    assert set(sets) == set(expected) - {""}
    for spec in sets:
        seen = {}
        for header in client.listIdentifiers(metadataPrefix="oai_dc", set=spec):
            key = local_id(header.identifier())
            assert key not in seen
            seen[key] = header.isDeleted()
        assert seen == expected[spec], spec
