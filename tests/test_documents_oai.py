"""The OAI provider announces public documents (oai_dc dc:identifier, 856 in marcxml), never
restricted ones, and an attachment moves the record's datestamp for incremental harvests."""

from __future__ import annotations

import re

import requests
from lxml import etree

from tests.documents_site import DocumentsSite

STAFF = "doc@crpv.example.fr"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "marc": "http://www.loc.gov/MARC21/slim"}


def _get(site: DocumentsSite, prefix: str, local: str = "crpv:1") -> etree._Element:
    answer = requests.get(site.url + "/oai", timeout=10, params={
        "verb": "GetRecord", "identifier": f"oai:crpv.example.fr:{local}",
        "metadataPrefix": prefix})
    assert answer.status_code == 200
    return etree.fromstring(answer.content)


def test_public_documents_are_announced(docsite: DocumentsSite) -> None:
    site = docsite
    before = _get(site, "oai_dc").findtext(".//oai:header/oai:datestamp", namespaces=NS)
    staff = site.http(STAFF)
    public = site.upload(staff, "synthèse.pdf", b"%PDF-1.4 public", level="public")
    hidden = site.upload(staff, "interne.txt", b"note", level="staff")
    public_id = re.search(r"/document/(\d+)$", public.headers["Location"]).group(1)  # type: ignore[union-attr]
    hidden_id = re.search(r"/document/(\d+)$", hidden.headers["Location"]).group(1)  # type: ignore[union-attr]
    url = f"{site.url}/document/{public_id}/fichier"

    dc = _get(site, "oai_dc")
    identifiers = dc.xpath(".//dc:identifier/text()", namespaces=NS)
    assert url in identifiers
    assert not any(f"/document/{hidden_id}/" in i for i in identifiers)
    after = dc.findtext(".//oai:header/oai:datestamp", namespaces=NS)
    assert after and before and after > before

    marc = _get(site, "marcxml")
    fields = marc.xpath(".//marc:datafield[@tag='856']", namespaces=NS)
    found = [{sf.get("code"): sf.text for sf in f.findall("marc:subfield", NS)} for f in fields]
    assert {"u": url, "q": "application/pdf", "z": "synthèse.pdf"} in found

    # Made staff-only, it is no longer announced (and the datestamp moves again).
    token = site.token(staff, f"/document/{public_id}")
    staff.post(f"{site.url}/document/{public_id}/acces", timeout=10,
               data={"csrf_token": token, "access": "staff"})
    again = _get(site, "oai_dc")
    assert url not in again.xpath(".//dc:identifier/text()", namespaces=NS)
    assert requests.get(url, timeout=10).status_code == 403
