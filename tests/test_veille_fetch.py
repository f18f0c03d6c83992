"""Fetching watch sources from a real HTTP server on 127.0.0.1: RSS 2.0, Atom 1.0 and
RSS 1.0 with French accents, HTML in descriptions, relative links and missing dates;
conditional GET answered 304; de-duplication across sources; rules; pacing; backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from catalogue.veille import fetching, keys, sources, triage
from catalogue.veille.model import DISCARD, DISCARDED, NEW, THEME
from tests.veille_feeds import FeedServer, Route, atom1, rss1, rss2
from tests.veille_support import TUESDAY, Sleeps, items, setup

PREFECTURE = [
    {"title": "Délinquance : bilan 2025 à Toulouse", "link": "/actualites/bilan-2025",
     "description": "<p>Le <b>préfet</b> présente le bilan de la <a href='/x'>sécurité</a> "
                    "&amp; de la prévention.</p><script>alert(1)</script>",
     "guid": "pref-1", "date": "Mon, 02 Mar 2026 10:00:00 +0100"},
    {"title": "Conseil local de sécurité et de prévention de la délinquance de Colomiers",
     "link": "http://prefecture.test/actualites/clspd-colomiers"},  # no date
]


def test_three_feed_formats_then_304(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path)
    with FeedServer() as server:
        server.routes["/rss"] = Route(rss2(PREFECTURE), etag='"v1"',
                                      last_modified="Mon, 02 Mar 2026 09:00:00 GMT")
        server.routes["/atom"] = Route(atom1([
            {"title": "Circulaire relative aux quartiers prioritaires", "link": "circ/2026-12",
             "guid": "urn:x-test:circ-12", "date": "2026-03-02T12:00:00Z",
             "description": "&lt;em&gt;Nouvelle&lt;/em&gt; géographie prioritaire"}],
            base=server.url + "/interieur/"), content_type="application/atom+xml")
        server.routes["/rdf"] = Route(rss1([
            {"title": "Étude : l'illettrisme en Occitanie", "link": "http://observatoire.test/e/1",
             "description": "Une étude régionale", "date": "2026-02-27"}]),
            content_type="application/rdf+xml")
        for path, name in (("/rss", "Préfecture 31"), ("/atom", "Intérieur"),
                           ("/rdf", "Observatoire")):
            sources.declare(engine, TUESDAY, name=name, url=server.url + path,
                            themes="Prévention de la délinquance" if path == "/rss" else "",
                            territories="haute-garonne" if path == "/rss" else "")
        reports = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
        assert [(r.status, r.new) for r in reports] == [("ok", 2), ("ok", 1), ("ok", 1)]
        stored = {r.title: r for r in items(engine)}
        bilan = stored["Délinquance : bilan 2025 à Toulouse"]
        assert bilan.url == server.url + "/actualites/bilan-2025"  # resolved against the feed
        assert bilan.summary == "Le préfet présente le bilan de la sécurité & de la prévention."
        assert bilan.published_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert bilan.themes == "Prévention de la délinquance"
        assert bilan.territories == "Haute-Garonne (31)"  # resolved from "haute-garonne"
        undated = stored["Conseil local de sécurité et de prévention de la délinquance de Colomiers"]
        assert undated.published_at is None and undated.status == NEW
        circ = stored["Circulaire relative aux quartiers prioritaires"]
        assert circ.url == server.url + "/interieur/circ/2026-12"  # xml:base
        assert circ.summary == "Nouvelle géographie prioritaire"
        assert stored["Étude : l'illettrisme en Occitanie"].published_at is not None
        first = server.headers_of("/rss")[0]
        assert "User-Agent: catalogue-cohesion-veille/0.1 (Centre de ressources Politique de " \
               "la ville; +http://catalogue.test)" in first
        assert "Accept-Encoding: gzip, deflate" in first and "If-None-Match" not in first

        # Six hours later each is due again: the RSS answers 304 to its validators.
        later = TUESDAY + timedelta(hours=6)
        again = fetching.fetch_due(engine, settings, later, sleep=Sleeps())
        assert [r.status for r in again][0] == "unchanged"
        second = server.headers_of("/rss")[1]
        assert 'If-None-Match: "v1"' in second
        assert "If-Modified-Since: Mon, 02 Mar 2026 09:00:00 GMT" in second
        assert len(items(engine)) == 4  # nothing stored twice
        rss = sources.get(engine, 1)
        assert rss is not None and rss.last_status == "unchanged" and rss.failures == 0
        assert fetching.fetch_due(engine, settings, later + timedelta(minutes=5)) == []  # not due


def test_one_item_whatever_the_sources_that_carry_it(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path)
    with FeedServer() as server:
        server.routes["/ministere"] = Route(rss2([
            {"title": "Appel à projets « Quartiers d'été » 2026",
             "link": "http://ANCT.test/aap/quartiers-ete/?utm_source=rss&b=2&a=1",
             "guid": "anct-qe-2026", "date": "Tue, 03 Mar 2026 07:00:00 GMT"},
            {"title": "Rapport annuel", "link": "http://anct.test/rapport",
             "date": "Tue, 03 Mar 2026 07:00:00 GMT"},
            # the same title on the same day in one source: two items (two decrees)
            {"title": "Arrêté préfectoral", "link": "http://anct.test/arrete-1",
             "date": "Tue, 03 Mar 2026 07:00:00 GMT"},
            {"title": "Arrêté préfectoral", "link": "http://anct.test/arrete-2",
             "date": "Tue, 03 Mar 2026 08:00:00 GMT"}]))
        server.routes["/relais"] = Route(rss2([
            # the same URL, normalised; the same title and day under another URL; a GUID
            {"title": "AAP Quartiers d'été", "link": "http://anct.test/aap/quartiers-ete?a=1&b=2#x"},
            {"title": "Rapport  annuel", "link": "http://relais.test/copie-rapport",
             "date": "Tue, 03 Mar 2026 18:00:00 GMT"},
            {"title": "Autre titre", "link": "http://relais.test/autre", "guid": "anct-qe-2026"},
            {"title": "Vraiment nouveau", "link": "http://relais.test/nouveau"}]))
        sources.declare(engine, TUESDAY, name="ANCT", url=server.url + "/ministere")
        sources.declare(engine, TUESDAY, name="Relais régional", url=server.url + "/relais")
        reports = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
    assert [(r.new, r.copies) for r in reports] == [(4, 0), (1, 3)]
    stored = items(engine)
    assert [r.title for r in stored] == ["Appel à projets « Quartiers d'été » 2026",
                                         "Rapport annuel", "Arrêté préfectoral",
                                         "Arrêté préfectoral", "Vraiment nouveau"]
    assert stored[0].also_from == "Relais régional" and stored[1].also_from == "Relais régional"
    assert keys.url_key("HTTP://Anct.test:80/a/?utm_medium=x&z=1#f") == "http://anct.test/a?z=1"


def test_rules_presort_and_hosts_are_paced(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path)
    with FeedServer() as server:
        server.routes["/a"] = Route(rss2([
            {"title": "Recrutement : offre d'emploi de chargé de mission", "link": "http://a.test/1"},
            {"title": "Décret relatif à la lutte contre l'illettrisme", "link": "http://a.test/2"}]))
        server.routes["/b"] = Route(rss2([{"title": "Journée d'étude", "link": "http://b.test/1"}]))
        first = sources.declare(engine, TUESDAY, name="JO", url=server.url + "/a")
        second = sources.declare(engine, TUESDAY, name="Agenda", url=server.url + "/b")
        triage.add_rule(engine, source_id=None, word="offre d'emploi", action=DISCARD, theme="")
        triage.add_rule(engine, source_id=None, word="illettrisme", action=THEME,
                        theme="Lutte contre l'illettrisme")
        triage.add_rule(engine, source_id=second.id, word="", action=THEME, theme="Agenda")
        sleeps = Sleeps()
        fetching.fetch_due(engine, settings, TUESDAY, sleep=sleeps)
    assert first.id != second.id
    stored = {r.title: r for r in items(engine)}
    assert stored["Recrutement : offre d'emploi de chargé de mission"].status == DISCARDED
    assert "offre d'emploi" in stored["Recrutement : offre d'emploi de chargé de mission"].ruled
    assert stored["Décret relatif à la lutte contre l'illettrisme"].themes == \
        "Lutte contre l'illettrisme"
    assert stored["Journée d'étude"].themes == "Agenda"
    # Both sources are on 127.0.0.1: the second waited for the host's delay.
    assert len(sleeps) == 1 and 0 < sleeps[0] <= settings.veille.host_delay_seconds


def test_a_failing_source_backs_off_and_is_flagged(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path)
    with FeedServer() as server:
        server.routes["/down"] = Route(b"", status=503, headers={"Retry-After": "7200"})
        source = sources.declare(engine, TUESDAY, name="En panne", url=server.url + "/down",
                                 every_hours=1)
        moment = TUESDAY
        delays = []
        for _ in range(4):
            [report] = fetching.fetch_due(engine, settings, moment, only=source.id)
            assert report.status == "error" and "HTTP 503" in report.message
            now_source = sources.get(engine, source.id)
            assert now_source is not None and now_source.next_fetch_at is not None
            delays.append(now_source.next_fetch_at - moment)
            moment = now_source.next_fetch_at
        assert delays[0] == timedelta(hours=2)  # Retry-After beats one hour
        assert delays[1] < delays[2] < delays[3] <= timedelta(days=2)  # doubling, capped
        failing = sources.get(engine, source.id)
        assert failing is not None and failing.failures == 4
        assert failing.failing_since == TUESDAY  # since the first failure of the run
        assert failing.failing_for(TUESDAY + timedelta(days=2), settings.veille.failing_days)
        assert not failing.failing_for(moment, settings.veille.failing_days)
        server.routes["/down"] = Route(rss2([{"title": "De retour", "link": "http://x.test/1"}]))
        [report] = fetching.fetch_due(engine, settings, moment, only=source.id)
    assert report.status == "ok" and report.new == 1
    back = sources.get(engine, source.id)
    assert back is not None and back.failing_since is None and back.failures == 0


def test_sitemaps_and_pages_listing_links(tmp_path: Path) -> None:
    settings, engine = setup(tmp_path)
    with FeedServer() as server:
        server.routes["/sitemap.xml"] = Route(
            b'<?xml version="1.0" encoding="UTF-8"?><urlset '
            b'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>http://cget.test/publications/rapport-annuel-onpv-2025</loc>"
            b"<lastmod>2026-03-01</lastmod></url>"
            b"<url><loc>/publications/guide-des-conseils-citoyens.pdf</loc></url>"
            b"<url><loc>javascript:alert(1)</loc></url></urlset>",
            content_type="application/xml")
        server.routes["/actualites.html"] = Route(
            "<html><body><nav><a href='/'>Accueil</a><a href='/contact'>Contact</a></nav>"
            "<ul><li><a href='/actu/arrete-2026-03'>Arrêté préfectoral portant création "
            "d'une zone de sécurité prioritaire</a></li>"
            "<li><a href='https://ailleurs.test/x'>Un lien vers un autre site, assez long</a></li>"
            "<li><a href='/actu/arrete-2026-03#haut'>Arrêté préfectoral portant création "
            "d'une zone de sécurité prioritaire</a></li></ul></body></html>".encode(),
            content_type="text/html; charset=utf-8")
        sources.declare(engine, TUESDAY, name="CGET", url=server.url + "/sitemap.xml",
                        kind="sitemap")
        sources.declare(engine, TUESDAY, name="Préfecture (page)",
                        url=server.url + "/actualites.html", kind="page")
        reports = fetching.fetch_due(engine, settings, TUESDAY, sleep=Sleeps())
    assert [(r.status, r.new) for r in reports] == [("ok", 2), ("ok", 1)]
    stored = items(engine)
    assert [(r.title, r.url) for r in stored] == [
        ("Rapport annuel onpv 2025", "http://cget.test/publications/rapport-annuel-onpv-2025"),
        ("Guide des conseils citoyens", server.url + "/publications/guide-des-conseils-citoyens.pdf"),
        ("Arrêté préfectoral portant création d'une zone de sécurité prioritaire",
         server.url + "/actu/arrete-2026-03")]
    assert stored[0].published_at == datetime(2026, 3, 1, tzinfo=UTC)
