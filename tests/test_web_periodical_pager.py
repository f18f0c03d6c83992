"""A periodical with many issues, over HTTP: its record page pages the issues (``?numeros=N``),
newest first, every issue on exactly one page, and the pager's links lead to those pages.

The demo's periodicals have two issues each, so the pager was only tested by calling the
service; here one periodical gets 95 issues (copies of a demo issue with their own number
and year), served by the real app.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pymarc
import pytest
from lxml import html
from sqlalchemy import Engine

from catalogue import demo
from catalogue.opac.periodicals import ISSUES_PER_PAGE
from tests.web_site import WebSite, _import, start_site

ISSUES = 95


def _records() -> list[pymarc.Record]:
    """Periodical 1 of the demo and 95 issues of it, one a year from 1901."""
    serial = issue = None
    for record in demo.generate(count=400, seed=1):
        ident = record["001"].data
        if ident == "1":
            serial = record
        elif issue is None and ident.endswith("-bull") and any(
                sf == "id:1" for f in record.get_fields("461") for sf in f.get_subfields("9")):
            issue = record
    assert serial is not None and issue is not None
    out = [serial]
    for n in range(1, ISSUES + 1):
        copy = pymarc.Record(to_unicode=False)
        copy.force_utf8 = True
        copy.leader = issue.leader
        for field in issue.get_fields():
            if field.tag == "001":
                copy.add_field(pymarc.Field(tag="001", data=f"{9000 + n}-bull"))
            elif field.tag == "200":
                copy.add_field(pymarc.Field(tag="200", indicators=pymarc.Indicators("1", " "),
                                            subfields=[pymarc.Subfield("a", f"Numéro {n}"),
                                                       pymarc.Subfield("h", f"n° {n}")]))
            elif field.tag in ("210", "214"):
                copy.add_field(pymarc.Field(tag=field.tag, indicators=field.indicators,
                                            subfields=[pymarc.Subfield("h", f"{1900 + n}")]))
            elif field.tag not in ("995", "996", "897"):
                copy.add_field(field)
        out.append(copy)
    return out


def _fill(engine: Engine, export: Path) -> None:
    data = io.BytesIO()
    for record in _records():
        data.write(record.as_marc())
    _import(engine, "crpv", data.getvalue())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path) -> Iterator[WebSite]:
    site = start_site(tmp_path_factory.mktemp("pager"), demo_export, fill=_fill)
    yield site
    site.serving.stop()
    site.engine.dispose()


def _issues(doc: html.HtmlElement) -> list[str]:
    return [" ".join(t.split()) for t in doc.xpath("//li[@class='issue']/h3/a/text()")]


def _pager(doc: html.HtmlElement) -> list[str]:
    return [" ".join(li.text_content().split()) for li in doc.xpath("//nav[@class='pager']//li")]


def test_issues_are_paged_newest_first_over_http(site: WebSite) -> None:
    client = site.client()
    first = html.fromstring(client.get("/notice/crpv/1").data)
    assert f"{ISSUES} numéros catalogués" in first.text_content()
    pages = -(-ISSUES // ISSUES_PER_PAGE)
    assert pages == 10
    seen: list[str] = []
    for n in range(1, pages + 1):
        page = client.get(f"/notice/crpv/1?numeros={n}")
        assert page.status_code == 200
        doc = html.fromstring(page.data)
        (current,) = doc.xpath("//nav[@class='pager']//a[@aria-current='page']")
        assert current.text_content().strip() == str(n)
        assert current.get("href") == f"?numeros={n}#issues-title"
        seen.extend(_issues(doc))
    assert seen == [f"Numéro {n} (n° {n})" for n in range(ISSUES, 0, -1)]
    # Past the end: the last page, not an error nor an empty list.
    last = html.fromstring(client.get("/notice/crpv/1?numeros=99").data)
    assert _issues(last) == [f"Numéro {n} (n° {n})" for n in range(5, 0, -1)]


def test_the_pager_shows_the_ends_and_the_pages_around(site: WebSite) -> None:
    client = site.client()
    assert _pager(html.fromstring(client.get("/notice/crpv/1").data)) == [
        "1", "2", "3", "…", "10"]
    assert _pager(html.fromstring(client.get("/notice/crpv/1?numeros=6").data)) == [
        "1", "…", "4", "5", "6", "7", "8", "…", "10"]
    assert _pager(html.fromstring(client.get("/notice/crpv/1?numeros=10").data)) == [
        "1", "…", "8", "9", "10"]


def test_an_issue_links_back_to_its_periodical(site: WebSite) -> None:
    doc = html.fromstring(site.client().get("/notice/crpv/9007-bull").data)
    assert doc.xpath("//a[@href='/notice/crpv/1']")
