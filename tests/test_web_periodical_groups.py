"""Periodicals whose issues were not exported as records (real store, index, app).

PMB exports an article with a 461 to its periodical and a 463 to its issue; when the
issue's own record is not in the export, the periodical's page still lists the article,
under the issue numbering its 463 (``$v``, ``$e``, ``$d``) or 461 (``$v``) gives. A
periodical's own 462 (its issues) and 464 (its articles) list what the catalogue lacks.
A real PMB XML export (Kentika records converted by PMB's own code) carries an article
whose 463 names its periodical by title and ISSN only: a periodical of the same source
with that ISSN lists it. Expectations are read from the fields written here or from the
raw real file, not from the code under test.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree, html
from sqlalchemy import Engine

from catalogue import union
from catalogue.formats import pmbxml, unimarc
from catalogue.records import MarcField
from catalogue.store.ingest import Ingest
from tests.web_site import WebSite, start_site

REAL = "unimarc/pmb-xml-generated/kentika_fixed.pmbxml.utf-8.xml"
PROCESSING = MarcField(tag="100", subfields=(("a", "20240101u        u  u0frey5003    ba"),))


def _iso(sid: str, level: str, hier: str, *fields: MarcField) -> bytes:
    leader = f"00000na{level}{hier} 22     1 450 "
    return unimarc.fields_to_iso2709(leader, [MarcField(tag="001", data=sid), PROCESSING,
                                              *fields], "utf-8")


def _title(text: str) -> MarcField:
    return MarcField(tag="200", indicators="1 ", subfields=(("a", text),))


def _link(tag: str, *pairs: tuple[str, str]) -> MarcField:
    return MarcField(tag=tag, subfields=pairs)


PERIO = ("t", "Revue urbaine"), ("9", "id:100"), ("9", "lnk:perio")
ISSUE_12 = (("t", " "), ("v", "n° 12"), ("d", "2020-03-01"), ("e", "mars 2020"),
            ("9", "id:7"), ("9", "lnk:bull"))
ISSUE_13 = (("t", " "), ("v", "n° 13"), ("d", "2020-06-01"), ("e", "juin 2020"),
            ("9", "id:8"), ("9", "lnk:bull"))

EXPORT = b"".join([
    _iso("100", "s", "1", MarcField(tag="011", subfields=(("a", "1234-5679"),)),
         _title("Revue urbaine"), _link("462", *ISSUE_12), _link("462", *ISSUE_13),
         _link("464", ("t", "Premier article"), ("t", " "), ("d", "2020-03-01"),
               ("e", "mars 2020"), ("v", "n° 12"), ("9", "id:201"), ("9", "page:5"),
               ("9", "lnk:art")),
         _link("464", ("t", "Un article jamais exporté"), ("t", " "), ("d", "2020-06-01"),
               ("e", "juin 2020"), ("v", "n° 13"), ("9", "id:299"), ("9", "page:12"),
               ("9", "lnk:art"))),
    _iso("201", "a", "2", _title("Premier article"), _link("461", *PERIO),
         _link("463", *ISSUE_12, ("9", "page:5"))),
    _iso("202", "a", "2", _title("Second article"), _link("461", *PERIO),
         _link("463", *ISSUE_12, ("9", "page:9"))),
    _iso("203", "a", "2", _title("Article du numéro 14"),
         _link("461", *PERIO, ("v", "n° 14"))),
    _iso("300", "s", "1", MarcField(tag="011", subfields=(("a", "0338-0610"),)),
         _title("Diagonal")),
    # A report with its printer (210 $e $g $h) and RDA-era 214 statements (indicator 2).
    _iso("400", "m", "0", _title("Rapport annuel"),
         MarcField(tag="214", indicators=" 0", subfields=(("a", "Lyon"), ("c", "Atelier"),
                                                          ("d", "2019"))),
         MarcField(tag="210", indicators="  ", subfields=(
             ("a", "Paris"), ("c", "CGET"), ("d", "2020"), ("e", "Lonrai"),
             ("g", "Normandie roto impr."), ("h", "impr. 2021"))),
         MarcField(tag="214", indicators=" 4", subfields=(("d", "©2018"),))),
])


def _fill(real: Path) -> Any:
    def fill(engine: Engine, export: Path) -> None:
        ingest = Ingest(engine, source="crpv", format="unimarc", batch_size=100)
        ingest.add_all(unimarc.read(io.BytesIO(EXPORT), "crpv"))
        with real.open("rb") as fh:
            ingest.add_all(pmbxml.read(fh, "crpv"))
        ingest.finish()
        union.refresh(engine, "crpv")
    return fill


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[WebSite]:
    running = start_site(tmp_path_factory.mktemp("groups"), shared_data / REAL,
                         fill=_fill(shared_data / REAL))
    yield running
    running.serving.stop()
    running.engine.dispose()


def _groups(site: WebSite, path: str) -> list[tuple[str, list[str]]]:
    response = site.client().get(path)
    assert response.status_code == 200
    doc = html.fromstring(response.data)
    (section,) = doc.xpath("//section[@aria-labelledby='issues-title']")
    assert "Aucun numéro de ce périodique" not in section.text_content()
    return [(" ".join(li.xpath("./h4")[0].text_content().split()),
             [" ".join(a.text_content().split()) for a in li.xpath(".//ul[@class='articles']/li")])
            for li in section.xpath(".//li[@class='issue-group']")]


def test_articles_of_issues_without_records_are_grouped_by_their_numbering(
        site: WebSite) -> None:
    groups = _groups(site, "/notice/crpv/100")
    assert [name for name, _ in groups] == ["n° 13, juin 2020", "n° 12, mars 2020", "n° 14"]
    named = dict(groups)
    assert named["n° 12, mars 2020"] == ["Premier article", "Second article"]  # page order
    assert named["n° 13, juin 2020"] == ["Un article jamais exporté 12"]  # 464 only: text
    assert named["n° 14"] == ["Article du numéro 14"]
    doc = html.fromstring(site.client().get("/notice/crpv/100").data)
    links = doc.xpath("//li[@class='issue-group']//a/@href")
    assert sorted(links) == ["/notice/crpv/201", "/notice/crpv/202", "/notice/crpv/203"]
    assert not doc.xpath("//li[@class='issue-group']//li[@class='not-catalogued']//a")


def test_an_article_says_where_it_appeared_with_the_printed_date(site: WebSite) -> None:
    doc = html.fromstring(site.client().get("/notice/crpv/201").data)
    terms = {" ".join(dt.text_content().split()): dt.getnext()
             for dt in doc.xpath("//dl[@class='description']/dt")}
    assert terms["Périodique"].xpath("./a/@href") == ["/notice/crpv/100"]
    assert "n° 12, mars 2020, 5" in " ".join(terms["Publié dans"].text_content().split())


def test_a_real_pmb_article_known_by_issn_only_is_listed_by_its_periodical(
        site: WebSite, shared_data: Path) -> None:
    tree = etree.parse(str(shared_data / REAL))
    article = next(n for n in tree.iter("notice") if n.findtext("bl") == "a")
    (link,) = [f for f in article.iter("f") if f.get("c") == "463"]
    assert link.findtext("s[@c='x']") == "0338-0610"
    title = next(f for f in article.iter("f") if f.get("c") == "200").findtext("s[@c='a']")
    groups = _groups(site, "/notice/crpv/300")
    assert len(groups) == 1 and groups[0][0] == "Numéro non précisé"
    assert [unicodedata.normalize("NFC", t) for t in groups[0][1]] == [
        unicodedata.normalize("NFC", " ".join(title.split()))]


@pytest.mark.parametrize(("lang", "expected"), [
    ("fr", [("Publication", "Paris : CGET, 2020"),
            ("Impression", "Lonrai : Normandie roto impr., impr. 2021"),
            ("Production", "Lyon : Atelier, 2019"), ("Copyright", "©2018")]),
    ("en", [("Publication", "Paris : CGET, 2020"),
            ("Printing", "Lonrai : Normandie roto impr., impr. 2021"),
            ("Production", "Lyon : Atelier, 2019"), ("Copyright", "©2018")]),
])
def test_the_record_page_names_each_publication_statement(
        site: WebSite, lang: str, expected: list[tuple[str, str]]) -> None:
    client = site.client()
    client.set_cookie("lang", lang)
    doc = html.fromstring(client.get("/notice/crpv/400").data)
    pairs = [(" ".join(dt.text_content().split()), " ".join(dt.getnext().text_content().split()))
             for dt in doc.xpath("//dl[@class='description']/dt")]
    labels = {label for label, _ in expected}
    assert [p for p in pairs if p[0] in labels] == expected
    printed = html.fromstring(client.get("/imprimer/crpv/400").data)
    shown = [(" ".join(dt.text_content().split()), " ".join(dt.getnext().text_content().split()))
             for dt in printed.xpath("//dt")]
    assert [p for p in shown if p[0] in labels] == expected
