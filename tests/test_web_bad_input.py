"""Bad input never breaks a page: no 500, no traceback, nothing reflected unescaped.

Every case goes through the HTML results page, the Atom feed, the JSON API and, where it
makes sense, the export and record URLs, over the real app and the real index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from lxml import html

from tests.web_site import WebSite

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOADS = [SCRIPT, ATTRIBUTE, "' OR '1'='1' --", "{{7*7}}", "${7*7}", "%00\x00nul",
            "javascript:alert(1)", "\u202eevil", "a\r\nSet-Cookie: x=1"]

QUERIES = [
    "", " ", "*", "**", "-", '"', '"prévention', 'jeunes"', "((", "(jeunes", "jeunes)",
    ")(", "()", "OR", "AND OR NOT", "titre:", "inconnu:jeunes", "foo:bar:baz", ":", "isbn:",
    "annee:3000-1000", "annee:abcd", "a" * 5000, "jeunes " * 1000, "é" * 3000, "🙂" * 100,
    "\x00\x01\x02", "%", "%%", "\\", "polit* OR *", "a*", "-jeunes", "NOT", "sujet:(",
    *PAYLOADS,
]


def check(response: object, *, raw: str | None = None, json_body: bool = False) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert status < 500, (status, body[:500])
    assert "Traceback" not in body and 'File "' not in body
    # JSON escapes only quotes and controls (and is not markup); HTML must escape < and >.
    if raw and len(raw) > 5 and any(ch in raw for ch in "<>") and not json_body:
        assert raw not in body
        html.fromstring(body)  # still a well-formed document


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q[:20]))
def test_query_text(web_site: WebSite, query: str) -> None:
    client = web_site.client()
    encoded = quote(query, safe="")
    check(client.get(f"/recherche?q={encoded}"), raw=query)
    check(client.get(f"/recherche/atom?q={encoded}"))
    response = client.get(f"/api/search?q={encoded}")
    check(response, json_body=True)
    json.loads(response.data)


def _same_site(location: str, payload: str) -> None:
    """A redirect stays on the site, the payload at most a query value handed back (the
    advanced search passes a bad year on, for the results to say so beside its field)."""
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and parts.path.startswith("/")
    assert not parts.path.startswith("//") and payload not in parts.path
    assert payload not in "".join(key for key, _ in parse_qsl(parts.query, True))


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda q: repr(q[:12]))
def test_facet_sort_and_page_parameters(web_site: WebSite, payload: str) -> None:
    client = web_site.client()
    value = quote(payload, safe="")
    for url in (f"/recherche?q=jeunes&doctype={value}", f"/recherche?descriptor={value}",
                f"/recherche?{value}={value}", f"/recherche?q=x&sort={value}",
                f"/recherche?q=x&page={value}", f"/recherche?source={value}&source=crpv",
                f"/recherche/avancee?titre={value}&auteur={value}&isbn={value}&annee_de={value}",
                f"/export?format={value}&id={value}", f"/export?format=ris&id=crpv:10&id={value}",
                f"/notice/{value}/{value}", f"/notice/crpv/{value}",
                f"/api/records/crpv/{value}", f"/api/search?doctype={value}&page_size={value}"):
        response = client.get(url)
        check(response, raw=payload, json_body=url.startswith("/api"))
        if response.status_code in (301, 302, 303):
            _same_site(response.headers["Location"], payload)
    if "\x00" in payload:  # refused at the edge, on every store (PostgreSQL has no NUL)
        assert client.get(f"/recherche?q=jeunes&descriptor={value}").status_code == 400
        assert client.get(f"/notice/crpv/{value}").status_code == 404
        return
    # A filter chip shows the value, escaped, and can be removed.
    doc = html.fromstring(client.get(f"/recherche?q=jeunes&descriptor={value}").data)
    chip = doc.xpath('//a[@class="chip"]')[0]
    assert payload.replace("\x00", " ").split()[0] in chip.text_content()


@pytest.mark.parametrize("page", ["-1", "0", "1000000000", "10" * 30, "abc", "1.5", "１",
                                  "²", "", "+3", " 2"])
def test_page_numbers(web_site: WebSite, page: str) -> None:
    response = web_site.client().get(f"/recherche?q=politique&page={quote(page)}")
    check(response)
    assert response.status_code == 200
    doc = html.fromstring(response.data)
    assert doc.xpath('//ol[@class="hits"]/li')  # clamped to a real page
    data = web_site.client().get(f"/api/search?q=politique&page={quote(page)}").get_json()
    assert 1 <= data["page"] <= data["pages"] and data["results"]


def test_unknown_record_ids_are_french_404s(web_site: WebSite) -> None:
    client = web_site.client()
    for path in ("/notice/crpv/999999", "/notice/nowhere/1", "/notice/crpv/..%2F..%2Fetc%2Fpasswd",
                 "/notice/crpv/" + "x" * 3000, "/notice/crpv/%E9%ZZ"):
        response = client.get(path)
        assert response.status_code in (400, 404), path
        check(response)
        assert "Page introuvable" in response.get_data(as_text=True) or response.status_code == 400


def test_methods_and_sizes(web_site: WebSite) -> None:
    client = web_site.client()
    check(client.post("/recherche", data={"q": "x"}))
    assert client.post("/recherche").status_code == 405
    assert client.delete("/notice/crpv/10").status_code == 405
    big = client.get("/recherche", query_string={"q": "x", "doctype": ["a"] * 500})
    check(big)
    many = client.get("/recherche", query_string={f"f{n}": "x" for n in range(2000)})
    check(many)


def test_errors_never_leak_a_traceback(web_site: WebSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception in a view is a French 500 page, logged, not shown."""
    from catalogue.opac.service import Opac

    def explode(*args: object, **kwargs: object) -> object:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Opac, "latest", explode)
    response = web_site.client().get("/")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Erreur interne" in body and "secret internal detail" not in body
    assert "Traceback" not in body


# --- hostile records: what a partner's catalogue could send us ------------------------------


def _hostile_fill(engine: Any, export: Path) -> None:
    from catalogue.formats import unimarc
    from catalogue.records import (
        Agent,
        AttachedDocument,
        Descriptor,
        Item,
        Link,
        Publication,
        Record,
        Title,
    )
    from tests.web_site import _import

    record = Record(
        source="partner", source_id="evil-1",
        title=Title(main=f"Titre {SCRIPT} piégé", subtitle=(ATTRIBUTE,)),
        agents=(Agent(name=f"Auteur {SCRIPT}", rest='"quote'),),
        publications=(Publication(publishers=(ATTRIBUTE,), dates=("2020",)),),
        abstracts=(f"Résumé {SCRIPT} avec jeunes {ATTRIBUTE}",),
        descriptors=(Descriptor(label=f"Sujet {SCRIPT}"),),
        keywords=(f'mot "clé" {ATTRIBUTE}',),
        documents=(AttachedDocument(url="javascript:alert(1)", name=f"Doc {SCRIPT}"),
                   AttachedDocument(url="https://ok.example/doc.pdf", name="PDF")),
        links=(Link(url="data:text/html,<script>alert(1)</script>", note="lien"),),
        items=(Item(barcode="B1", call_number=f"C {SCRIPT}", location=ATTRIBUTE,
                    status_label=SCRIPT),),
    )
    _import(engine, "partner", unimarc.to_iso2709(record))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path) -> Iterator[Any]:
    from tests.web_site import start_site

    site = start_site(tmp_path_factory.mktemp("hostile"), demo_export, fill=_hostile_fill)
    yield site
    site.serving.stop()
    site.engine.dispose()


def test_hostile_record_content_is_escaped_everywhere(hostile_site: Any) -> None:
    client = hostile_site.client()
    pages = {
        "home": client.get("/"),
        "results": client.get("/recherche?q=jeunes"),
        "browse": client.get("/recherche"),
        "record": client.get("/notice/partner/evil-1"),
        "feed": client.get("/recherche/atom"),
        "ris": client.get("/export?format=ris&id=partner:evil-1"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        if name in ("home", "results", "browse", "record"):
            assert SCRIPT not in body and ATTRIBUTE not in body, name
            assert "&lt;script&gt;" in body, name
    assert "/notice/partner/evil-1" in pages["results"].get_data(as_text=True)
    assert "<mark>jeunes</mark>" in pages["results"].get_data(as_text=True)
    record = html.fromstring(pages["record"].data)
    hrefs = record.xpath("//a/@href")
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    assert "https://ok.example/doc.pdf" in hrefs
    # The one inline script is JSON-LD, data for reference managers, never run: the
    # hostile title is in it as text, its "<" written \u003c so nothing can close it.
    assert record.xpath("//script[not(@src) and not(@type='application/ld+json')]") == []
    (data,) = record.xpath("//script[@type='application/ld+json']")
    assert "<" not in data.text and SCRIPT in json.loads(data.text)["name"]
    from lxml import etree

    feed = etree.fromstring(pages["feed"].data)  # well-formed whatever the titles hold
    assert feed.tag.endswith("feed")
