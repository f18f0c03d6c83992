"""QA pass on the veille's odd addresses and concurrent passes: a malformed link in a page
or a sitemap (one ``http://[`` that ``urljoin`` chokes on) is skipped, not fatal to the
whole pass; a source address that cannot be fetched is refused at declaration in French,
never with a traceback; two passes at once (scheduler and command) fetch a source once;
a pre-sorting rule's word of punctuation only (which matched every item) is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from catalogue.veille import fetching, sources, triage
from catalogue.veille.model import DISCARD, NEW, VeilleError
from catalogue.veille.tables import veille_rules
from tests.veille_feeds import FeedServer, Route, rss2
from tests.veille_support import TUESDAY, Sleeps, items, setup

HEADLINE = "Politique de la ville : la nouvelle géographie prioritaire"
PAGE = (b"<html><body><ul>"
        b'<li><a href="http://[oops/x">Un lien dont l\'adresse est malform\xc3\xa9e</a></li>'
        b'<li><a href="/actualites/qpv">Quartiers prioritaires : la nouvelle carte</a></li>'
        b"</ul></body></html>")
SITEMAP = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           b"<url><loc>http://[oops/x</loc></url>"
           b"<url><loc>/actualites/contrat-de-ville</loc></url></urlset>")


@pytest.mark.parametrize(("kind", "path", "route", "kept"), [
    ("page", "/page", Route(PAGE, content_type="text/html; charset=utf-8"),
     "Quartiers prioritaires : la nouvelle carte"),
    ("sitemap", "/sitemap.xml", Route(SITEMAP, content_type="application/xml"),
     "Contrat de ville"),
], ids=["page", "sitemap"])
def test_a_malformed_link_is_skipped_and_the_pass_goes_on(
        tmp_path: Path, kind: str, path: str, route: Route, kept: str) -> None:
    settings, engine = setup(tmp_path)
    with FeedServer() as server:
        server.routes[path] = route
        server.routes["/friendly"] = Route(rss2([{"title": HEADLINE,
                                                  "link": "http://anct.test/qpv"}]))
        odd = sources.declare(engine, TUESDAY, name="A odd", url=server.url + path, kind=kind)
        sources.declare(engine, TUESDAY, name="B friendly", url=server.url + "/friendly")
        reports = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
    assert [(r.status, r.new) for r in reports] == [("ok", 1), ("ok", 1)]
    assert sorted(r.title for r in items(engine)) == sorted([kept, HEADLINE])
    assert all("[" not in r.url for r in items(engine))
    stored = sources.get(engine, odd.id)
    assert stored is not None and stored.last_status == "ok"


@pytest.mark.parametrize("url", [
    "http://[::1", "http://[zz]/feed", "http://example.org:99999/feed",
    "http://exa mple.org/feed", "http://example.org/fe\ted", "http://example.org/\x7f",
    "ftp://example.org/feed", "file:///etc/passwd", "javascript:alert(1)", "http:///feed",
    "https://example.org/" + "a" * 10_000,
])
def test_an_unusable_address_is_refused_in_french(tmp_path: Path, url: str) -> None:
    _, engine = setup(tmp_path)
    with pytest.raises(VeilleError) as refused:
        sources.declare(engine, TUESDAY, name="Odd", url=url)
    assert refused.value.field == "url" and "http:// ou https://" in refused.value.message
    assert sources.listed(engine) == []


@pytest.mark.parametrize("url", [
    "http://[::1]:8080/feed.xml", "https://bücher.example/flux", "http://127.0.0.1/rss"])
def test_ipv6_literals_and_idn_hosts_are_accepted(tmp_path: Path, url: str) -> None:
    _, engine = setup(tmp_path)
    assert sources.declare(engine, TUESDAY, name="Odd", url=url).url == url


def test_two_passes_at_once_fetch_a_source_once(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path)
    body = rss2([{"title": HEADLINE, "link": "http://anct.test/qpv"}])

    def slowly() -> Iterator[bytes]:  # both passes are in flight at once
        yield body[:50]
        time.sleep(1.5)
        yield body[50:]

    results: list[Any] = []

    def one_pass(only: int | None) -> None:
        try:
            results.extend(fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps(),
                                              only=only))
        except Exception as exc:  # what the scheduler's thread would have died of
            results.append(exc)

    with FeedServer() as server:
        server.routes["/slow.xml"] = Route(b"", stream=slowly)
        source = sources.declare(engine, TUESDAY, name="Lente", url=server.url + "/slow.xml")
        # the scheduler's pass, then "catalogue veille fetch --source" while it reads
        passes = [threading.Thread(target=one_pass, args=(only,)) for only in (None, source.id)]
        for thread in passes:
            thread.start()
            time.sleep(0.5)
        for thread in passes:
            thread.join(30)
        asked = server.headers_of("/slow.xml")
    assert sorted(r.status for r in results) == ["busy", "ok"], results
    assert len(asked) == 1
    assert [r.title for r in items(engine)] == [HEADLINE]
    stored = sources.get(engine, source.id)
    assert stored is not None and stored.last_status == "ok" and stored.failures == 0
    assert stored.next_fetch_at is not None and stored.next_fetch_at > TUESDAY.replace(
        tzinfo=stored.next_fetch_at.tzinfo)
    busy = next(r for r in results if r.status == "busy")
    assert busy.line().startswith("Lente: busy - Base occupée ou relevé simultané")


@pytest.mark.parametrize("word", ["—", "?!", "« »", "'", "..."])
def test_a_rule_word_of_punctuation_only_is_refused_and_matches_nothing(
        tmp_path: Path, word: str) -> None:
    settings, engine = setup(tmp_path)
    with pytest.raises(VeilleError) as refused:
        triage.add_rule(engine, source_id=None, word=word, action=DISCARD, theme="")
    assert refused.value.field == "word" and "une lettre ou un chiffre" in refused.value.message
    with engine.begin() as conn:  # one stored before the refusal existed
        conn.execute(insert(veille_rules).values(source_id=None, word=word, action=DISCARD,
                                                 theme=""))
    with FeedServer() as server:
        server.routes["/f"] = Route(rss2([{"title": HEADLINE, "link": "http://anct.test/q"}]))
        sources.declare(engine, TUESDAY, name="Amicale", url=server.url + "/f")
        [report] = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
    assert (report.new, report.discarded) == (1, 0)
    assert [r.status for r in items(engine)] == [NEW]


def test_a_feed_item_with_a_malformed_link_does_not_point_at_the_feed(tmp_path: Path) -> None:
    """feedparser resolves ``http://[oops`` to the feed's own address: such an item has no
    link of its own (its permalink GUID stands in, else it is left out)."""
    settings, engine = setup(tmp_path)
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>Sans lien valable</title><link>http://[oops/a</link></item>"
            b"<item><title>Avec un GUID</title><link>http://[x</link>"
            b"<guid>http://anct.test/g2</guid></item>"
            b"<item><title>Normal</title><link>http://anct.test/b</link></item>"
            b"</channel></rss>")
    with FeedServer() as server:
        server.routes["/f.xml"] = Route(body)
        sources.declare(engine, TUESDAY, name="Mal liée", url=server.url + "/f.xml")
        [report] = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
        feed_url = server.url + "/f.xml"
    assert report.status == "ok" and report.new == 2
    assert [(r.title, r.url) for r in items(engine)] == [
        ("Avec un GUID", "http://anct.test/g2"), ("Normal", "http://anct.test/b")]
    assert all(r.url != feed_url for r in items(engine))
