"""Hostile sources: malformed XML, a 200 MB body, a gzip bomb, a redirect loop, a feed that
never ends sending (fast, and as a trickle), entity expansion. Each is reported on its
own source, a friendly source of the same pass still gets its items, and the process's
memory stays bounded (its peak RSS grows by far less than the bodies offered)."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from catalogue.veille import fetching, sources
from tests.veille_feeds import FeedServer, Route, endless, gzip_bomb, rss2, sized, trickle
from tests.veille_support import TUESDAY, Sleeps, items, setup

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://lol.test/1</link></item></channel></rss>"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


@pytest.mark.parametrize(("route", "message"), [
    (Route(b"<rss version='2.0'><channel><item><title>a</titl></item", status=200),
     "Flux illisible"),
    (Route(b"", stream=lambda: sized(200)), "trop volumineux"),
    (Route(gzip_bomb(200), headers={"Content-Encoding": "gzip"}), "trop volumineux"),
    (Route(b"", status=302, headers={"Location": "/hostile"}), "Trop de redirections"),
    (Route(b"", stream=endless), "trop volumineux"),
    (Route(BILLION_LAUGHS), "entités XML"),
    (Route(b"<html><body>Pas un flux</body></html>", content_type="text/html"),
     "illisible"),
], ids=["malformed", "200MB", "gzip-bomb", "redirect-loop", "never-ends", "billion-laughs",
        "not-a-feed"])
def test_a_hostile_source_is_reported_and_harms_nothing(tmp_path: Path, route: Route,
                                                        message: str) -> None:
    settings, engine = setup(tmp_path, max_kilobytes=1024, max_seconds=20)
    before = peak_rss_mb()
    started = time.monotonic()
    with FeedServer() as server:
        server.routes["/hostile"] = route
        server.routes["/friendly"] = Route(rss2([
            {"title": "Politique de la ville : la nouvelle géographie prioritaire",
             "link": "http://anct.test/qpv"}]))
        hostile = sources.declare(engine, TUESDAY, name="Hostile", url=server.url + "/hostile")
        sources.declare(engine, TUESDAY, name="Amicale", url=server.url + "/friendly")
        reports = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
    assert time.monotonic() - started < 30
    assert peak_rss_mb() - before < 80  # bodies of 200 MB and more were offered
    bad, good = reports
    assert bad.status == "error" and message in bad.message, bad.message
    assert good.status == "ok" and good.new == 1
    stored = sources.get(engine, hostile.id)
    assert stored is not None and stored.last_status == "error" and message in stored.last_message
    assert stored.failures == 1 and stored.failing_since is not None
    assert [r.title for r in items(engine)] == [
        "Politique de la ville : la nouvelle géographie prioritaire"]


def test_a_trickling_feed_is_cut_at_max_seconds(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path, max_seconds=2, timeout_seconds=5)
    with FeedServer() as server:
        server.routes["/slow"] = Route(b"", stream=trickle)
        source = sources.declare(engine, TUESDAY, name="Lente", url=server.url + "/slow")
        started = time.monotonic()
        [report] = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
        elapsed = time.monotonic() - started
    assert report.status == "error" and "plus de 2 s" in report.message
    assert 1.5 < elapsed < 6
    assert sources.get(engine, source.id).last_status == "error"  # type: ignore[union-attr]


def test_a_salvageable_feed_is_read_and_flagged(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path)
    body = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            b"<item><title>Contrat de ville 2024-2030 &eacute;valu\xc3\xa9</title>"
            b"<link>http://a.test/cv</link></item></channel></rss>")
    with FeedServer() as server:
        server.routes["/html-entities"] = Route(body)
        source = sources.declare(engine, TUESDAY, name="Approximative",
                                 url=server.url + "/html-entities")
        [report] = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
    assert report.status == "ok" and report.new == 1
    assert "mal formé" in report.message
    assert items(engine)[0].title == "Contrat de ville 2024-2030 évalué"
    assert "mal formé" in sources.get(engine, source.id).last_message  # type: ignore[union-attr]
