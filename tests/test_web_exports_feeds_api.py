"""Exports (RIS, BibTeX, UNIMARC, MARCXML, Dublin Core), the Atom feed of a search, the
OpenSearch description and the JSON API, read back with real parsers and schemas."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from catalogue.formats import unimarc
from indexes import SearchRequest
from tests.test_ris_bibtex import balanced, parse_ris, values
from tests.web_site import WebSite

IDS = ["crpv:10", "crpv:31", "partner:1825"]
ATOM = {"a": "http://www.w3.org/2005/Atom", "os": "http://a9.com/-/spec/opensearch/1.1/"}


def export(site: WebSite, fmt: str, ids: list[str]) -> bytes:
    response = site.client().get("/export", query_string={"format": fmt, "id": ids})
    assert response.status_code == 200, response.data[:300]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    return bytes(response.data)


def test_ris_export(web_site: WebSite) -> None:
    refs = parse_ris(export(web_site, "ris", IDS).decode("utf-8"))
    assert [values(r, "AN")[0] for r in refs] == IDS  # the order asked for
    response = web_site.client().get("/export?format=ris&id=crpv:10")
    assert response.headers["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert 'filename="notice-crpv-10.ris"' in response.headers["Content-Disposition"]


def test_exports_read_by_reference_managers_parsers(web_site: WebSite) -> None:
    """The served RIS and BibTeX of an article, a book with two authors and a periodical,
    read by rispy and bibtexparser (what Zotero-like tools do): accents, every author,
    subjects, ISBN, and the issue number without its "n°" (Zotero printed "no. n° 357")."""
    import bibtexparser
    import rispy

    ids = ["crpv:31", "crpv:22", "crpv:1"]
    refs = rispy.loads(export(web_site, "ris", ids).decode("utf-8"))
    article, book, periodical = refs
    assert article["type_of_reference"] == "JOUR"
    assert article["secondary_title"] == "Cahiers de la cohésion urbaine"
    assert article["number"] == "357" and (article["start_page"], article["end_page"]) == (
        "3", "9")
    assert article["authors"] == ["Vidal, Mohamed", "Dubois, Clément", "Roux, Émilie"]
    assert book["authors"] == ["Hébert, Hervé", "Prévost, Hervé"]
    assert "Protection de l'enfance" in book["keywords"] and book["issn"] == "9782138102405"
    assert periodical["type_of_reference"] == "JFULL" and periodical["issn"] == "1576-9186"
    library = bibtexparser.parse_string(export(web_site, "bibtex", ids).decode("utf-8"))
    assert not library.failed_blocks
    entries = {e.key: {f.key: f.value for f in e.fields} for e in library.entries}
    assert entries["vidal2025_crpv31"]["number"] == "357"
    assert entries["vidal2025_crpv31"]["pages"] == "3--9"
    assert entries["hebert2014_crpv22"]["author"] == "Hébert, Hervé and Prévost, Hervé"
    assert entries["hebert2014_crpv22"]["isbn"] == "9782138102405"


def test_marc21_says_a_publication_statement_once(web_site: WebSite) -> None:
    """PMB exports the publication statement as a 210 and again as a 214 of function
    publication: the MARCXML export, and the OAI-PMH marcxml format partners harvest, gave
    two identical 260s to every such record."""
    import pymarc

    for data in (export(web_site, "marcxml", ["crpv:10", "crpv:22"]),
                 web_site.client().get("/oai?verb=GetRecord&metadataPrefix=marcxml&identifier="
                                       "oai:crpv.example.fr:crpv:10").data):
        xml = etree.fromstring(data)
        for node in xml.iter("{http://www.loc.gov/MARC21/slim}record"):
            record = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(node)))[0]
            assert [str(f) for f in record.get_fields("260")] in (
                ["=260  \\\\$aParis$bLa Documentation française$c2011"],
                ["=260  \\\\$aParis$bPUF$c2014"]), record


def test_bibtex_export(web_site: WebSite) -> None:
    text = export(web_site, "bibtex", IDS).decode("utf-8")
    assert len(re.findall(r"^@\w+\{", text, re.M)) == 3 and balanced(text)


def test_unimarc_export_reads_back(web_site: WebSite) -> None:
    data = export(web_site, "unimarc", IDS)
    parsed = [p.record for p in unimarc.read(io.BytesIO(data), "x")]
    assert [r.source_id for r in parsed if r] == ["10", "31", "1825"]


def test_marcxml_export_is_valid_marc21_slim(web_site: WebSite, shared_data: Path) -> None:
    doc = etree.fromstring(export(web_site, "marcxml", IDS))
    schema = etree.XMLSchema(etree.parse(str(shared_data / "schemas" / "MARC21slim.xsd")))
    assert schema.validate(doc), schema.error_log.last_error
    assert len(doc) == 3


def test_dublin_core_export(web_site: WebSite) -> None:
    one = etree.fromstring(export(web_site, "dc", ["crpv:10"]))
    assert one.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    many = etree.fromstring(export(web_site, "dc", IDS))
    assert many.tag == "records" and len(many) == 3


@pytest.mark.parametrize("query, status", [
    ("format=ris", 400), ("format=nope&id=crpv:10", 400), ("format=ris&id=crpv:none", 404),
    ("format=ris&id=", 400), ("id=crpv:10", 200),
])
def test_export_refusals(web_site: WebSite, query: str, status: int) -> None:
    response = web_site.client().get("/export?" + query)
    assert response.status_code == status
    if status == 400:
        assert b"Traceback" not in response.data and "text/html" in response.content_type


def test_exporting_nothing_ticked_stays_on_the_results(web_site: WebSite) -> None:
    """"Exporter" on a results page with no box ticked led to a bare "Requête incorrecte"
    page whose only way on was the home page: the reader now stays on the results, told
    why, as "Ajouter les notices cochées" does."""
    import requests
    from lxml import html

    session = requests.Session()
    results = web_site.url + "/recherche?q=jeunes&doctype=a&page=2"
    doc = html.fromstring(session.get(results, timeout=30).content)
    form = doc.xpath("//form[@class='selection']")[0]
    fields = {e.get("name"): e.get("value") for e in form.xpath(".//select | .//input")
              if e.get("type") != "checkbox"}
    answer = session.get(web_site.url + form.get("action"), params=fields, timeout=30,
                         headers={"Referer": results}, allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/recherche?q=jeunes&doctype=a&page=2"
    back = html.fromstring(session.get(web_site.url + answer.headers["Location"],
                                       timeout=30).content)
    assert back.xpath("string(//div[@class='flash'])").strip() == (
        "Cochez d'abord les notices à exporter.")
    # Elsewhere (a bookmark, another site's link) the French 400 page stays.
    bare = session.get(web_site.url + "/export?format=ris", timeout=30,
                       headers={"Referer": "https://ailleurs.example/recherche"})
    assert bare.status_code == 400 and "cochez les notices" in bare.text


def test_export_selection_is_bounded(web_site: WebSite) -> None:
    ids = [f"crpv:{n}" for n in range(1, 60)]  # max_export is 50 in the test site
    response = web_site.client().get("/export", query_string={"format": "ris", "id": ids})
    assert response.status_code == 400
    assert "50 au plus" in response.get_data(as_text=True)


def test_atom_feed_of_a_search(web_site: WebSite) -> None:
    response = web_site.client().get("/recherche/atom?q=jeunes&doctype=a")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = etree.fromstring(response.data)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = feed.findall("a:entry", ATOM)
    assert len(entries) == web_site.settings.web.feed_size
    total = int(feed.findtext("os:totalResults", namespaces=ATOM) or 0)
    page = web_site.client().get("/api/search?q=jeunes&doctype=a").get_json()
    assert total == page["total"]
    self_link = feed.find("a:link[@rel='self']", ATOM).get("href")
    assert parse_qs(urlsplit(self_link).query) == {"q": ["jeunes"], "doctype": ["a"]}
    for entry in entries:
        assert entry.findtext("a:id", namespaces=ATOM).startswith(web_site.url + "/notice/")
        assert entry.findtext("a:title", namespaces=ATOM)
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                        entry.findtext("a:updated", namespaces=ATOM))
        assert entry.find("a:author/a:name", ATOM) is not None
    newest = web_site.app.extensions["catalogue.opac"].searcher.search(SearchRequest(
        query="jeunes", filters={"doctype": ("a",)}, sort="newest", page_size=20))
    assert [e.find("a:link", ATOM).get("href") for e in entries] == [
        web_site.url + "/notice/" + h.global_id.replace(":", "/", 1) for h in newest.hits]
    empty = etree.fromstring(web_site.client().get("/recherche/atom?q=zzzxxqq").data)
    assert empty.findall("a:entry", ATOM) == [] and empty.find("a:author", ATOM) is not None


def test_opensearch_description(web_site: WebSite) -> None:
    response = web_site.client().get("/opensearch.xml")
    assert response.headers["Content-Type"].startswith("application/opensearchdescription+xml")
    doc = etree.fromstring(response.data)
    urls = {u.get("type"): u.get("template") for u in doc.findall("os:Url", ATOM)}
    assert urls["text/html"].startswith(web_site.url + "/recherche?q={searchTerms}")
    assert "{searchTerms}" in urls["application/atom+xml"]
    assert "{searchTerms}" in urls["application/json"]
    home = web_site.client().get("/").data
    assert b'type="application/opensearchdescription+xml"' in home


def test_json_search(web_site: WebSite) -> None:
    data = web_site.client().get("/api/search?q=politique&doctype=a&page=2&page_size=10").get_json()
    assert data["api_version"] == 1
    assert (data["query"], data["filters"], data["page"], data["page_size"]) == (
        "politique", {"doctype": ["a"]}, 2, 10)
    assert data["sort"] == "relevance" and data["total"] > 20
    assert len(data["results"]) == 10 and data["results"][0]["position"] == 11
    first = data["results"][0]
    assert {"id", "url", "api_url", "title", "title_html", "snippet_html", "authors", "year",
            "doc_type", "doc_type_label", "holdings"} <= set(first)
    assert first["holdings"][0]["source_name"]
    facets = data["facets"]
    assert facets["doctype"]["values"][0] == {
        "value": "a", "label": "Texte imprimé", "count": data["total"], "selected": True}
    assert set(data["links"]) >= {"self", "html", "atom", "next", "prev"}
    follow = web_site.client().get(urlsplit(data["links"]["next"]).path + "?"
                                   + urlsplit(data["links"]["next"]).query).get_json()
    assert follow["page"] == 3 and follow["page_size"] == 10
    response = web_site.client().get("/api/search?q=x")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_json_record(web_site: WebSite) -> None:
    data = web_site.client().get("/api/records/crpv/10").get_json()
    assert data["id"] == "crpv:10" and data["url"] == web_site.url + "/notice/crpv/10"
    assert data["availability"] == "available"
    assert data["items"][0]["call_number"] == "303.625 BER"
    assert data["record"]["title"]["main"].startswith("La mise en œuvre")
    assert data["holdings"][0]["id"] == "crpv:10"
    assert all(s["id"] != "crpv:10" for s in data["similar"])
    missing = web_site.client().get("/api/records/crpv/none")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["title"] == "Page introuvable"
    assert web_site.client().get("/api").get_json()["api_version"] == 1
