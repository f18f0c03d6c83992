"""A reader who types a title made of stop words ("Vous et nous", "Nous") in the OPAC
gets the records holding those words, not the whole catalogue: the results page, the
JSON API and the Atom feed as served over HTTP by the real app (on the test engine:
``CATALOGUE_TEST_ENGINE=tantivy`` runs this on tantivy)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from lxml import etree, html

from tests.web_site import WebSite

ATOM = {"a": "http://www.w3.org/2005/Atom", "os": "http://a9.com/-/spec/opensearch/1.1/"}
TITLES = {"vn": "Vous et nous", "el": "Elles", "na": "Nous autres",
          "pv": "Politique de la ville", "lq": "Le quartier", "ju": "Jeunesse urbaine"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    from catalogue.records import Publication, Record, Title
    from tests.web_site import records_site

    records = [Record(source="crpv", source_id=sid, title=Title(title),
                      publications=(Publication(dates=("2020",)),), languages=("fre",))
               for sid, title in TITLES.items()]
    yield from records_site(tmp_path_factory.mktemp("stop-words"), records)


def get(site: WebSite, path: str, **params: str) -> tuple[int, str, bytes]:
    """Status, content type and body of a GET over the socket."""
    url = f"{site.url}{path}?{urlencode(params)}" if params else site.url + path
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


def results(site: WebSite, query: str) -> tuple[str, list[str]]:
    """The count line and the hits' titles of the results page as served."""
    status, kind, body = get(site, "/recherche", q=query)
    assert status == 200 and kind.startswith("text/html")
    page = html.fromstring(body)
    count = " ".join(page.xpath("string(//p[@class='count'])").split())
    titles = [" ".join(t.text_content().split())
              for t in page.xpath("//section[@class='results']//h3")]
    return count, titles


@pytest.mark.parametrize(("query", "titles"), [
    ("Vous et nous", ["Vous et nous"]),
    ("« Nous »", ["Nous autres", "Vous et nous"]),
    ("nous", ["Nous autres", "Vous et nous"]),
    ("Elles", ["Elles"]),
    ("le", ["Le quartier"]),
    ("politique de la ville", ["Politique de la ville"]),
])
def test_results_page_counts_the_records_holding_the_words(site: WebSite, query: str,
                                                           titles: list[str]) -> None:
    count, shown = results(site, query)
    noun = "notice" if len(titles) == 1 else "notices"
    assert count.startswith(f"{len(titles)} {noun} pour « {query} »"), count
    assert sorted(shown) == titles


def test_browsing_without_a_query_lists_everything(site: WebSite) -> None:
    count, shown = results(site, "")
    assert count.startswith(f"{len(TITLES)} notices"), count
    assert sorted(shown) == sorted(TITLES.values())


def test_api_and_feed_follow_the_same_rule(site: WebSite) -> None:
    status, kind, body = get(site, "/api/search", q="vous et nous")
    data: dict[str, Any] = json.loads(body)
    assert status == 200 and kind.startswith("application/json")
    assert data["total"] == 1 and [r["title"] for r in data["results"]] == ["Vous et nous"]
    assert data["suggestion"] is None and data["degraded"] is False
    status, kind, body = get(site, "/recherche/atom", q="nous")
    assert kind == "application/atom+xml; charset=utf-8"
    feed = etree.fromstring(body)
    assert int(feed.findtext("os:totalResults", namespaces=ATOM) or 0) == 2
    assert sorted(e.findtext("a:title", namespaces=ATOM) for e in
                  feed.findall("a:entry", ATOM)) == ["Nous autres", "Vous et nous"]
