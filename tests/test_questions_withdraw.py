"""Withdrawing a published questions/réponses entry: gone from the OPAC, the index and
OAI (a deleted header), the question and its exchange kept, publishable again."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import requests

from catalogue.lending.availability import apply_refreshes
from catalogue.questions import service
from tests.questions_site import QuestionSite, csrf_of, form_of, start


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def test_a_published_entry_withdrawn_and_published_again(qsite: QuestionSite) -> None:
    site, engine = qsite, qsite.world.engine
    asker = requests.Session()
    token = form_of(asker, site.url + "/questions/poser")
    asked = asker.post(site.url + "/questions/poser", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "question": "Qui anime des ateliers d'écriture à Grigny ?",
        "field": "illettrisme", "territory": "Essonne (91)", "name": "Paul Retrait",
        "email": "paul.retrait@example.org", "organisation": "association", "desired": "",
        "site_web": ""})
    assert asked.status_code == 303, asked.text[:800]
    [found] = service.queue(engine)
    staff = site.staff()
    page_url = f"{site.url}/questions/gestion/{found.id}"
    token = form_of(staff, page_url)
    answered = staff.post(page_url + "/repondre", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "answer": "La médiathèque anime des ateliers d'écriture.",
        "links": ""})
    assert answered.status_code == 303, answered.text[:500]
    entry = {"csrf_token": token, "title": "Ateliers d'écriture en Essonne",
             "asked": "Qui anime des ateliers d'écriture en Essonne ?",
             "answered": "La médiathèque anime des ateliers d'écriture."}
    nothing = staff.post(page_url + "/retirer", timeout=10, data={"csrf_token": token})
    assert nothing.status_code == 422 and "pas publiée" in unescape(nothing.text)
    published = staff.post(page_url + "/publier", timeout=10, allow_redirects=False, data=entry)
    assert published.status_code == 303, published.text[:500]
    assert apply_refreshes(engine, site.world.settings.index.dir) == 1
    reference = found.reference
    record_url = f"{site.url}/notice/questions/{reference}"
    assert requests.get(record_url, timeout=10).status_code == 200
    hits = requests.get(site.url + "/recherche", params={"q": "ateliers écriture Essonne"},
                        timeout=10)
    assert f"/notice/questions/{reference}" in hits.text

    page = staff.get(page_url, timeout=10)
    assert "Retirer de la base Questions-réponses" in unescape(page.text)
    withdrawn = staff.post(page_url + "/retirer", timeout=10, allow_redirects=False,
                           data={"csrf_token": csrf_of(page.text)})
    assert withdrawn.status_code == 303, withdrawn.text[:500]
    assert apply_refreshes(engine, site.world.settings.index.dir) == 1
    assert requests.get(record_url, timeout=10).status_code == 404
    hits = requests.get(site.url + "/recherche", params={"q": "ateliers écriture Essonne"},
                        timeout=10)
    assert f"/notice/questions/{reference}" not in hits.text
    oai = requests.get(site.url + "/oai", params={
        "verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "centre:questions"},
        timeout=10)
    assert b'status="deleted"' in oai.content and reference.encode() in oai.content
    kept = service.get(engine, found.id)
    assert kept is not None and kept.status == "answered" and not kept.published_id
    assert "withdrawn" in [e.kind for e in service.events(engine, found.id)]
    page = staff.get(page_url, timeout=10)
    assert "Retirer de la base" not in unescape(page.text).split("<h2>Historique")[0]
    assert "Retrait de la base publique" in unescape(page.text)

    entry["csrf_token"] = csrf_of(page.text)
    again = staff.post(page_url + "/publier", timeout=10, allow_redirects=False, data=entry)
    assert again.status_code == 303, again.text[:500]
    assert apply_refreshes(engine, site.world.settings.index.dir) == 1
    assert requests.get(record_url, timeout=10).status_code == 200
