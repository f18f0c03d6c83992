"""QA pass on a published watch entry's public page, as served over HTTP in both
languages: no "No copy" badge nor an empty "Copies" section (there is nothing to borrow),
and the link to the source labelled in the reader's language, not in the French stored
with the record."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import requests

from catalogue.veille import fetching, sources, triage
from tests.questions_site import QuestionSite, start
from tests.veille_feeds import FeedServer, Route, rss2

TITLE = "Toulouse : un conseil local de sécurité au Mirail"


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def test_a_watch_entry_page_speaks_of_its_source_not_of_copies(qsite: QuestionSite) -> None:
    site, engine, settings = qsite, qsite.world.engine, qsite.world.settings
    with FeedServer() as server:
        server.routes["/p.xml"] = Route(rss2([{"title": TITLE, "link": "/clspd",
                                               "description": "Réunion du CLSPD."}]))
        sources.declare(engine, site.clock(), name="Préfecture 31", url=server.url + "/p.xml")
        [report] = fetching.fetch_due(engine, settings, site.clock(), sleep=lambda s: None)
        assert report.new == 1
        [item], _ = triage.inbox(engine)
        assert triage.decide(engine, settings, [item.id], "keep", None, site.clock()) == 1
        link = f'href="{server.url}/clspd"'
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
