"""Periodicals on the public catalogue, on the demo union catalogue (real store, index, app).

The demo export holds periodicals (level ``s``), their issues (``{id}-bull``, 461 up)
and articles (461 and 463 up), as PMB writes them. What the pages must show is worked
out here from the stored records' raw link fields, not from the code under test.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html
from sqlalchemy import select

from catalogue.records import Record, from_json
from catalogue.store.tables import records as records_table
from tests.web_site import WebSite


def _stored(site: WebSite) -> list[Record]:
    with site.engine.connect() as conn:
        rows = conn.execute(select(records_table.c.data).where(
            records_table.c.source == "crpv", records_table.c.deleted.is_(False)))
        return [from_json(r[0]) for r in rows]


def _links(record: Record, tag: str) -> list[str]:
    return [link.target_id for link in record.serial_links if link.tag == tag]


def _doc(response: Any) -> Any:
    assert response.status_code == 200
    return html.fromstring(response.data)


def _text(node: Any) -> str:
    return " ".join(node.text_content().split())


def _serials(site: WebSite) -> list[Record]:
    return [r for r in _stored(site) if r.bib_level == "s" and not r.source_id.endswith("-bull")]


def test_a_periodical_lists_its_issues_newest_first_with_their_articles(
        web_site: WebSite) -> None:
    stored = _stored(web_site)
    serial = next(r for r in stored if r.source_id == "1")
    issues = [r for r in stored if r.source_id.endswith("-bull") and _links(r, "461") == ["1"]]
    assert len(issues) >= 2
    articles = {i.source_id: sorted(a.title.main for a in stored
                                    if _links(a, "463") == [i.source_id.removesuffix("-bull")])
                for i in issues}
    doc = _doc(web_site.client().get("/notice/crpv/1"))
    assert _text(doc.xpath("//p[@class='kicker']")[0]).startswith("Périodique")
    (section,) = doc.xpath("//section[@aria-labelledby='issues-title']")
    listed = section.xpath(".//li[@class='issue']")
    assert len(listed) == len(issues)
    hrefs = [li.xpath("./h3/a/@href")[0] for li in listed]
    assert sorted(hrefs) == sorted(f"/notice/crpv/{i.source_id}" for i in issues)
    numbers = [int(re.search(r"\d+", _text(li.xpath("./h3/a")[0]).split("(")[-1]).group())
               for li in listed]
    assert numbers == sorted(numbers, reverse=True)  # newest (highest number) first
    for li, href in zip(listed, hrefs, strict=True):
        sid = href.rsplit("/", 1)[1]
        shown = [_text(a) for a in li.xpath(".//ul[@class='articles']/li/a")]
        assert articles[sid], "every demo issue has articles"
        assert len(shown) == len(articles[sid])
        assert all(any(s.startswith(t) for s in shown) for t in articles[sid])
    assert serial.title.main in _text(doc.xpath("//h1")[0])


def test_an_article_links_to_its_issue_and_its_periodical(web_site: WebSite) -> None:
    stored = _stored(web_site)
    article = next(r for r in stored if r.bib_level == "a" and _links(r, "463"))
    issue_id = _links(article, "463")[0] + "-bull"
    serial_id = _links(article, "461")[0]
    doc = _doc(web_site.client().get(f"/notice/crpv/{article.source_id}"))
    terms = {_text(dt): dt.getnext() for dt in doc.xpath("//dl[@class='description']/dt")}
    assert terms["Périodique"].xpath("./a/@href") == [f"/notice/crpv/{serial_id}"]
    assert terms["Numéro"].xpath("./a/@href") == [f"/notice/crpv/{issue_id}"]
    assert not _text(doc.xpath("//p[@class='kicker']")[0]).startswith("Périodique")
    # The issue, in turn, links up to its periodical and is itself a periodical issue.
    issue = _doc(web_site.client().get(f"/notice/crpv/{issue_id}"))
    terms = {_text(dt): dt.getnext() for dt in issue.xpath("//dl[@class='description']/dt")}
    assert terms["Périodique"].xpath("./a/@href") == [f"/notice/crpv/{serial_id}"]
    assert _text(issue.xpath("//p[@class='kicker']")[0]).startswith("Périodique")
    assert not issue.xpath("//section[@aria-labelledby='issues-title']")
    # ... and lists its articles, this one among them.
    bull = issue_id.removesuffix("-bull")
    expected = {f"/notice/crpv/{r.source_id}" for r in stored if _links(r, "463") == [bull]}
    (contents,) = issue.xpath("//section[@aria-labelledby='contents-title']")
    assert set(contents.xpath(".//li/a/@href")) == expected
    assert f"/notice/crpv/{article.source_id}" in expected


def test_periodique_is_a_document_type_and_facet_value_of_its_own(web_site: WebSite) -> None:
    stored = _stored(web_site)
    expected = {r.global_id for r in stored if r.bib_level == "s"}
    facet = _doc(web_site.client().get("/recherche?q=revue"))
    labels = [_text(a) for a in facet.xpath("//nav[@class='facets']//a")]
    assert any(label.startswith("Périodique") for label in labels), labels
    found: set[str] = set()
    page = 1
    while True:
        doc = _doc(web_site.client().get(f"/recherche?doctype=s&page={page}"))
        hrefs = doc.xpath("//ol[@class='hits']//h3/a/@href")
        found |= {"crpv:" + h.removeprefix("/notice/crpv/") for h in hrefs
                  if h.startswith("/notice/crpv/")}
        metas = [_text(m) for m in doc.xpath("//ol[@class='hits']//p[@class='meta']")]
        assert metas and all(m.startswith("Périodique") for m in metas)
        if not doc.xpath("//a[@rel='next']") or page >= 20:
            break
        page += 1
    assert found == expected


def test_holdings_statements_and_frequency_replace_no_copy(web_site: WebSite) -> None:
    serials = _serials(web_site)
    held = [s for s in serials if any(f.tag == "950" for f in s.unmapped)]
    bare = [s for s in serials if not any(f.tag == "950" for f in s.unmapped)]
    assert held and bare
    doc = _doc(web_site.client().get(f"/notice/crpv/{held[0].source_id}"))
    (items,) = doc.xpath("//section[@aria-labelledby='items-title']")
    assert "Aucun exemplaire physique" not in _text(items)
    row = items.xpath(".//table[contains(@class, 'holdings-statements')]/tbody/tr")
    assert len(row) == 1
    field = next(f for f in held[0].unmapped if f.tag == "950")
    statement = dict(field.subfields)["b"]
    assert statement in _text(row[0]) and "PER " in _text(row[0])
    terms = {_text(dt): _text(dt.getnext()) for dt in doc.xpath("//dl[@class='description']/dt")}
    assert terms["Périodicité"] in {"mensuelle", "trimestrielle", "semestrielle", "bimestrielle"}
    other = _doc(web_site.client().get(f"/notice/crpv/{bare[0].source_id}"))
    (items,) = other.xpath("//section[@aria-labelledby='items-title']")
    assert "Aucun exemplaire physique" in _text(items)


def test_the_issues_pager_takes_any_input_without_error(web_site: WebSite) -> None:
    client = web_site.client()
    first = _doc(client.get("/notice/crpv/1"))
    for value in ("abc", "-3", "0", "99999999999", "2", "1e3", "%C3%A9"):
        doc = _doc(client.get(f"/notice/crpv/1?numeros={value}"))
        assert len(doc.xpath("//li[@class='issue']")) == len(first.xpath("//li[@class='issue']"))


def test_english_labels(web_site: WebSite) -> None:
    client = web_site.client()
    client.set_cookie("lang", "en")
    doc = _doc(client.get("/notice/crpv/1"))
    text = _text(doc.xpath("//section[@aria-labelledby='issues-title']")[0])
    assert text.startswith("Issues")
    assert _text(doc.xpath("//p[@class='kicker']")[0]).startswith("Periodical")


def test_issues_are_paged_newest_first(web_site: WebSite) -> None:
    from catalogue.opac import periodicals
    from catalogue.web.service import KEY

    searcher = web_site.app.extensions[KEY].searcher
    serial = next(r for r in _serials(web_site) if r.source_id == "1")
    whole = periodicals.issues(web_site.engine, searcher, serial)
    assert whole.pages == 1 and whole.total == len(whole.issues) >= 2
    pages = [periodicals.issues(web_site.engine, searcher, serial, page=n, per_page=1)
             for n in range(1, whole.total + 2)]
    assert all(p.pages == whole.total for p in pages)
    shown = [p.issues[0].entry.global_id for p in pages[:-1]]
    assert shown == [i.entry.global_id for i in whole.issues]  # the same order, one a page
    assert pages[-1].page == whole.total  # past the end: the last page
    years = [periodicals.issue_key(i.record) for i in whole.issues]
    assert years == sorted(years, reverse=True)
