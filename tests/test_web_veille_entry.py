"""QA pass on a published watch entry as served over HTTP in both languages: its page
has no "No copy" badge nor an empty "Copies" section (there is nothing to borrow) and
labels the link to the source in the reader's language, not in the French stored with
the record; its Atom feeds per territory are valid Atom and each titled after what it
follows (a feed reader lists them by title)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import feedparser
import pytest
import requests

from catalogue import indexing
from catalogue.lending.availability import apply_refreshes
from catalogue.veille import fetching, publishing, sources, triage
from tests.questions_site import QuestionSite, start
from tests.veille_feeds import FeedServer, Route, rss2

TITLE = "Toulouse : un conseil local de sécurité au Mirail"


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def publish_one(site: QuestionSite) -> str:
    """One item of a feed kept and published; the address it links to."""
    engine, settings = site.world.engine, site.world.settings
    with FeedServer() as server:
        server.routes["/p.xml"] = Route(rss2([{"title": TITLE, "link": "/clspd",
                                               "description": "Réunion du CLSPD."}]))
        sources.declare(engine, site.clock(), name="Préfecture 31", url=server.url + "/p.xml",
                        territories="toulouse")
        [report] = fetching.fetch_due(engine, settings, site.clock(), sleep=lambda s: None)
        assert report.new == 1
        [item], _ = triage.inbox(engine)
        assert triage.decide(engine, settings, [item.id], "keep", None, site.clock()) == 1
        return f"{server.url}/clspd"


def test_a_watch_entry_page_speaks_of_its_source_not_of_copies(qsite: QuestionSite) -> None:
    site = qsite
    link = f'href="{publish_one(site)}"'
    french = requests.get(site.url + "/notice/veille/V-1", timeout=10)
    english = requests.get(site.url + "/notice/veille/V-1", timeout=10, cookies={"lang": "en"})
    for page in (french, english):
        assert page.status_code == 200 and TITLE in unescape(page.text)
        assert link in page.text
        assert 'id="items-title"' not in page.text
    assert '<html lang="fr">' in french.text
    assert "Lire sur le site : Préfecture 31" in unescape(french.text)
    assert "Aucun exemplaire" not in unescape(french.text)
    assert '<html lang="en">' in english.text
    assert "Read on the source's site: Préfecture 31" in unescape(english.text)
    assert "Lire sur le site" not in unescape(english.text)
    assert "No physical copy" not in english.text and "No copy" not in english.text
    assert '<p class="kicker">Watch · Watch</p>' in english.text  # not "Watch · Veille"
    assert '<p class="kicker">Veille · Veille</p>' in french.text


def test_the_feeds_per_territory_are_valid_atom_named_after_what_they_follow(
        qsite: QuestionSite) -> None:
    site, settings = qsite, qsite.world.settings
    publish_one(site)
    apply_refreshes(site.world.engine, settings.index.dir)
    indexing.update_index(site.world.engine, settings.index.dir,
                          since=site.clock() - timedelta(days=400),
                          engine_name=settings.index.engine)
    titles = {}
    for place in ("Toulouse (31)", "Haute-Garonne (31)"):
        for lang in ("fr", "en"):
            raw = requests.get(site.url + "/recherche/atom", timeout=10, cookies={"lang": lang},
                               params={"doctype": "v", "territory": place})
            assert raw.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
            feed = feedparser.parse(raw.content)
            assert not feed.bozo and feed.version == "atom10", feed.get("bozo_exception")
            assert [e.title for e in feed.entries] == [TITLE]
            assert feed.entries[0].link == site.url + "/notice/veille/V-1"
            titles[place, lang] = feed.feed.title
    assert titles["Toulouse (31)", "fr"].endswith(" : nouveautés (Veille ; Toulouse (31))")
    assert titles["Haute-Garonne (31)", "en"].endswith(
        ": new titles (Watch ; Haute-Garonne (31))")
    assert len(set(titles.values())) == 4


def test_a_retired_watch_entry_is_gone_with_its_title_and_link(qsite: QuestionSite) -> None:
    """Past ``keep_months`` the entry's page, which DSI archives and feed readers still
    link to, answers 410 Gone, saying why, with the title, the source's link and the
    current watch; the staff's note is not repeated. Any other id stays 404."""
    site, engine, settings = qsite, qsite.world.engine, qsite.world.settings
    link = publish_one(site)
    [item] = triage.by_ids(engine, [1])
    triage.describe(engine, settings, item.id, title=item.title, descriptors="",
                    territories="Toulouse (31)", themes="", note="Note interne : relancer la mairie",
                    person_id=None, now=site.clock())
    assert requests.get(site.url + "/notice/veille/V-1", timeout=10).status_code == 200
    assert publishing.expire(engine, settings, site.clock() + timedelta(days=400)) == 1
    french = requests.get(site.url + "/notice/veille/V-1", timeout=10)
    english = requests.get(site.url + "/notice/veille/V-1", timeout=10, cookies={"lang": "en"})
    for page in (french, english):
        assert page.status_code == 410
        assert page.headers["Content-Type"].startswith("text/html")
        assert f"<cite>{TITLE}</cite>" in unescape(page.text)
        assert f'<a href="{link}" rel="noopener">' in page.text
        assert '<a href="/veille">' in page.text
        assert '<meta name="robots" content="noindex">' in page.text
        assert "relancer la mairie" not in unescape(page.text)
        assert "Traceback" not in page.text
    found_on = item.found_at.strftime("%d/%m/%Y")
    text = " ".join(unescape(french.text).split())
    assert "<h1>Élément de veille retiré</h1>" in text
    assert ("Cet élément de la veille a été retiré du catalogue après sa durée de "
            "conservation (12 mois).") in text
    assert f"Repéré le {found_on} (Préfecture 31)." in text
    assert "Lire sur le site : Préfecture 31" in text and "Voir la veille en cours" in text
    assert "Code d'erreur : 410" in text
    text = " ".join(unescape(english.text).split())
    assert "<h1>Watch item retired</h1>" in text
    assert ("This watch item was retired from the catalogue after its retention period "
            "(12 months).") in text
    assert "Read on the source's site: Préfecture 31" in text and "See the current watch" in text
    assert "Élément de veille" not in text
    # The print view of the same entry is gone too.
    assert requests.get(site.url + "/imprimer/veille/V-1", timeout=10).status_code == 410
    # A record that never existed stays 404, in the veille's source or any other.
    for path in ("/notice/veille/V-2", "/notice/veille/V-01", "/notice/veille/1",
                 "/notice/crpv/V-1", "/notice/veille/" + "V-1" * 30):
        missing = requests.get(site.url + path, timeout=10)
        assert missing.status_code == 404, path
        assert TITLE not in unescape(missing.text)


def test_a_watch_entry_withdrawn_by_staff_stays_404(qsite: QuestionSite) -> None:
    """Discarded after it was published (a documentalist's withdrawal, not a retention
    period), the entry's page is a plain 404."""
    site, engine, settings = qsite, qsite.world.engine, qsite.world.settings
    publish_one(site)
    assert triage.decide(engine, settings, [1], "discard", None, site.clock()) == 1
    page = requests.get(site.url + "/notice/veille/V-1", timeout=10)
    assert page.status_code == 404 and TITLE not in unescape(page.text)
