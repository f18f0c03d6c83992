"""A territorial watch at every level, over real HTTP on the configured engine: a watch
item filed under "Villeurbanne" and a published question-réponse about the 1st
arrondissement of Lyon are found by the search, the facet and the Atom feed of "Rhône
(69)", "Métropole de Lyon (69)" and "Auvergne-Rhône-Alpes", and a DSI list filtered on
the metropolis mails both (raw SMTP bytes); Toulouse's item stays out of all of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from lxml import etree

from catalogue import indexing
from catalogue.dsi import profiles, runs
from catalogue.dsi.schedule import Periodicity
from catalogue.lending.availability import apply_refreshes
from catalogue.people import accounts
from catalogue.questions import service
from catalogue.veille import fetching, sources, triage
from tests.questions_site import QuestionSite, form_of, start
from tests.test_veille_web import body_of, reindex
from tests.veille_feeds import FeedServer, Route, rss2

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = [
    {"title": "Villeurbanne signe son contrat de ville", "link": "/actualites/villeurbanne"},
    {"title": "Toulouse ouvre une maison de la médiation", "link": "/actualites/toulouse"},
]
QUESTION = "Quels ateliers sociolinguistiques dans le 1er arrondissement de Lyon ?"
ANSWERED_TITLE = "Ateliers sociolinguistiques à Lyon"
LEVELS = ("Rhône (69)", "Métropole de Lyon (69)", "Auvergne-Rhône-Alpes")


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def watch(site: QuestionSite) -> None:
    """Two watch items fetched from a real feed, filed under a commune each."""
    engine, settings = site.world.engine, site.world.settings
    with FeedServer() as server:
        server.routes["/mairies.xml"] = Route(rss2(FEED))
        sources.declare(engine, site.clock(), name="Mairies", url=server.url + "/mairies.xml")
        reports = fetching.fetch_due(engine, settings, site.clock(), sleep=lambda s: None)
    assert [(r.status, r.new) for r in reports] == [("ok", 2)]
    found = {i.title: i for i in triage.inbox(engine)[0]}
    for item, place in zip(FEED, ("villeurbanne", "Toulouse"), strict=True):
        triage.describe(engine, settings, found[item["title"]].id, title=item["title"],
                        descriptors="", territories=place, themes="Politique de la ville",
                        note="", person_id=None, now=site.clock())


def ask_and_publish(site: QuestionSite) -> None:
    """A question about an arrondissement, answered and published by staff over HTTP."""
    asker = requests.Session()
    sent = asker.post(site.url + "/questions/poser", timeout=10, allow_redirects=False, data={
        "csrf_token": form_of(asker, site.url + "/questions/poser"), "question": QUESTION,
        "field": "politique-ville", "territory": "Lyon 1er Arrondissement",
        "name": "Paul Asker", "email": "paul.asker@example.org",
        "organisation": "collectivite", "desired": ""})
    assert sent.status_code == 303, sent.text[:500]
    asked = service.by_reference(site.world.engine, "Q-2026-00001")
    assert asked is not None and asked.territory == "Lyon 1er Arrondissement (69)"
    staff = site.staff()
    page_url = f"{site.url}/questions/gestion/{asked.id}"
    token = form_of(staff, page_url)
    answered = staff.post(page_url + "/repondre", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "answer": "Le centre social du quartier en anime deux.",
        "links": ""})
    assert answered.status_code == 303, answered.text[:500]
    published = staff.post(page_url + "/publier", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "title": ANSWERED_TITLE, "asked": QUESTION,
        "answered": "Le centre social du quartier en anime deux."})
    assert published.status_code == 303, published.text[:500]


def titles_of_feed(raw: bytes) -> list[str]:
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    return [e.findtext(f"{ATOM}title") or "" for e in root.iter(f"{ATOM}entry")]


def test_every_level_finds_what_lies_inside(qsite: QuestionSite) -> None:
    site = qsite
    watch(site)
    ask_and_publish(site)
    # Publication notes the entries; the availability pass alone indexes them, filed
    # under their wider territories as the index job would file them.
    assert apply_refreshes(site.world.engine, site.world.settings.index.dir) == 3
    early = requests.get(site.url + "/recherche", params={"territory": "Auvergne-Rhône-Alpes"},
                         timeout=10).text
    assert ANSWERED_TITLE in unescape(early) and FEED[0]["title"] in unescape(early)
    reindex(site)
    villeurbanne, toulouse = FEED[0]["title"], FEED[1]["title"]
    for level in LEVELS:
        page = requests.get(site.url + "/recherche", params={"territory": level}, timeout=10)
        assert page.status_code == 200
        text = unescape(page.text)
        assert villeurbanne in text and ANSWERED_TITLE in text, level
        assert toulouse not in text, level
        feed = requests.get(site.url + "/recherche/atom", params={"territory": level},
                            timeout=10)
        assert feed.headers["Content-Type"].startswith("application/atom+xml")
        assert sorted(titles_of_feed(feed.content)) == sorted([villeurbanne, ANSWERED_TITLE])
    # The facet: each level counts what lies anywhere inside it; the region of Toulouse
    # counts Toulouse only.
    listing = unescape(requests.get(site.url + "/recherche", params={"doctype": ["v", "q"]},
                                    timeout=10).text)
    counted = dict(re.findall(r'<span class="label">([^<]*)</span>\s*<span class="n">(\d+)<',
                              listing))
    assert {k: counted.get(k) for k in (*LEVELS, "Lyon (69)", "Villeurbanne (69)",
                                        "Occitanie", "Haute-Garonne (31)")} == {
        "Rhône (69)": "2", "Métropole de Lyon (69)": "2", "Auvergne-Rhône-Alpes": "2",
        "Lyon (69)": "1", "Villeurbanne (69)": "1", "Occitanie": "1", "Haute-Garonne (31)": "1"}

    # The public watch page offers a feed per territory, at every level.
    public = requests.get(site.url + "/veille", timeout=10).text
    for level in ("Auvergne-Rh%C3%B4ne-Alpes", "M%C3%A9tropole+de+Lyon+(69)", "Occitanie"):
        assert f'href="/recherche/atom?doctype=v&amp;territory={level}"' in public, level

    # `catalogue reindex` (a fresh generation) files them alike.
    indexing.reindex(site.world.engine, site.world.settings.index.dir,
                     engine_name=site.world.settings.index.engine)
    rebuilt = requests.get(site.url + "/recherche/atom", params={"territory": LEVELS[2]},
                           timeout=10)
    assert sorted(titles_of_feed(rebuilt.content)) == sorted([villeurbanne, ANSWERED_TITLE])

    # A DSI list on the metropolis mails the watch item and the question-réponse.
    engine, settings = site.world.engine, site.world.settings
    alice = site.world.people["alice"]
    accounts.confirm(engine, alice.id, site.clock())
    listed = profiles.save_list(engine, site.clock() - timedelta(hours=1), slug="metropole",
                                name="Veille sur la Métropole de Lyon",
                                equation_params=[urlencode({"territory": LEVELS[1]})],
                                periodicity=Periodicity("daily"))
    profiles.subscribe(engine, site.clock(), alice.id, listed.id)
    report = runs.run(engine, settings, site.clock() + timedelta(days=1),
                      site.app.extensions["catalogue.signer"])
    assert report.sent == 1, str(report)
    digest = site.sink.received[-1]
    assert digest.rcpt_tos == ["alice@example.org"]
    body = body_of(digest.raw)
    assert villeurbanne in body and ANSWERED_TITLE in body and toulouse not in body
