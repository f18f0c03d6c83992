"""A title made of stop words, searched in the OPAC: ``titre:nous`` finds only the titles
holding "nous", and the record titled exactly "Nous" comes first, then the one whose
main title is "Nous", then the titles holding the word, then what only mentions it
elsewhere: the results page as served over HTTP by the real app (on the test engine:
``CATALOGUE_TEST_ENGINE=tantivy`` runs this on tantivy).

The records are catalogued in the reverse of that order: ranked newest first, as before,
the page would list them the other way round.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from lxml import html

from tests.web_site import WebSite

#: (source id, main title, subtitle, abstract, keyword), catalogued in this order.
RECORDS = [
    ("nt", "Rapport annuel", "", "Ce que nous avons appris.", ""),
    ("sj", "Jeunesse", "", "", "Entre nous"),
    ("na", "Nous autres", "", "", ""),
    ("ms", "Nous", "récits de quartier", "", ""),
    ("ex", "Nous", "", "", ""),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    from catalogue.records import Publication, Record, Title
    from tests.web_site import records_site

    records = [Record(source="crpv", source_id=sid,
                      title=Title(main, subtitle=(subtitle,) if subtitle else ()),
                      abstracts=(note,) if note else (), keywords=(kw,) if kw else (),
                      publications=(Publication(dates=("2020",)),), languages=("fre",))
               for sid, main, subtitle, note, kw in RECORDS]
    yield from records_site(tmp_path_factory.mktemp("stop-words-rank"), records)


def served(site: WebSite, query: str) -> bytes:
    """The results page's HTML exactly as served for ``?q=<query>``."""
    url = f"{site.url}/recherche?{urlencode({'q': query})}"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/html")
        body: bytes = response.read()
    return body


def titles(body: bytes) -> list[str]:
    page = html.fromstring(body)
    return [" ".join(t.text_content().split())
            for t in page.xpath("//section[@class='results']//h3")]


@pytest.mark.parametrize(("query", "ranked", "rest"), [
    ("titre:nous", ["Nous", "Nous : récits de quartier", "Nous autres"], []),
    # the two that only mention "nous" arrived in the same second: in either order
    ("Nous", ["Nous", "Nous : récits de quartier", "Nous autres"],
     ["Jeunesse", "Rapport annuel"]),
])
def test_titles_in_order_as_served(site: WebSite, query: str, ranked: list[str],
                                   rest: list[str]) -> None:
    body = served(site, query)
    shown = titles(body)
    assert shown[:len(ranked)] == ranked and sorted(shown[len(ranked):]) == rest
    count = " ".join(html.fromstring(body).xpath("string(//p[@class='count'])").split())
    assert count.startswith(f"{len(shown)} notice"), count
    # the order is in the bytes on the wire, not only in the parsed tree
    text = body.decode("utf-8")
    positions = [text.index(f'name="id" value="crpv:{sid}"') for sid in _ids(ranked)]
    assert positions == sorted(positions)


def _ids(expected: list[str]) -> list[str]:
    shown = {(main + (f" : {sub}" if sub else "")): sid for sid, main, sub, _, _ in RECORDS}
    return [shown[title] for title in expected]


def test_a_real_word_beside_them_ranks_by_relevance_as_before(site: WebSite) -> None:
    # "quartier" is a real word: "nous" counts for nothing, one record holds "quartier"
    assert titles(served(site, "nous quartier")) == ["Nous : récits de quartier"]
    assert re.search(rb"<mark>", served(site, "nous quartier"))
