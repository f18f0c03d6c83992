"""The asker's mails speak the language the question was asked in; staff's stay French."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from catalogue.questions import service
from catalogue.questions.wording import ENGLISH
from tests.questions_site import QuestionSite, form_of, start


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def _ask(site: QuestionSite, session: requests.Session, email: str, name: str) -> None:
    token = form_of(session, site.url + "/questions/poser")
    sent = session.post(site.url + "/questions/poser", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "question": "Which associations run literacy workshops?",
        "field": "illettrisme", "territory": "", "name": name, "email": email,
        "organisation": "association", "desired": "", "site_web": ""})
    assert sent.status_code == 303, sent.text[:800]


def _plain(raw: bytes) -> str:
    """The plain part as sent (quoted-printable undone by hand: what a client shows)."""
    import quopri
    _head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    return quopri.decodestring(body).decode("utf-8", "replace")


def test_an_english_asker_gets_english_mails(qsite: QuestionSite) -> None:
    site, engine = qsite, qsite.world.engine
    english = requests.Session()
    english.cookies.set("lang", "en", domain="127.0.0.1")
    _ask(site, english, "ana@example.org", "Ana Reader")
    _ask(site, requests.Session(), "jeanne@example.org", "Jeanne Lectrice")
    assert site.drain() == 2
    to_ana = [r for r in site.sink.received if r.rcpt_tos == ["ana@example.org"]]
    to_jeanne = [r for r in site.sink.received if r.rcpt_tos == ["jeanne@example.org"]]
    assert len(to_ana) == 1 and len(to_jeanne) == 1
    assert re.search(rb"^Subject: Your question Q-\d{4}-\d{5}: acknowledgement\r$",
                     to_ana[0].raw, re.M), to_ana[0].raw[:600]
    text = _plain(to_ana[0].raw)
    assert "Hello Ana Reader," in text and "working days" in text
    assert re.search(r"by (Monday|Tuesday|Wednesday|Thursday|Friday), \w+ \d+, \d{4}", text)
    assert "Field: Fighting illiteracy" in text
    for french in ("Bonjour", "Nous avons", "ouvrés", "Domaine", "Suivre"):
        assert french not in text, french
    assert to_jeanne[0].message["Subject"].endswith(" : accusé de réception")
    assert "Bonjour Jeanne" in _plain(to_jeanne[0].raw)

    found = next(q for q in service.queue(engine) if q.asker_email == "ana@example.org")
    assert found.language == "en"
    staff = site.staff()  # a documentalist answers from a French interface
    page_url = f"{site.url}/questions/gestion/{found.id}"
    token = form_of(staff, page_url)
    done = staff.post(page_url + "/repondre", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "answer": "The town library runs them.", "links": ""})
    assert done.status_code == 303, done.text[:500]
    assert site.drain() == 1
    answer = site.sink.received[-1]
    assert answer.rcpt_tos == ["ana@example.org"]
    assert f"Answer to your question {found.reference}" == answer.message["Subject"]
    text = _plain(answer.raw)
    assert "Here is our answer" in text and "The town library runs them." in text
    assert "To reply or to clarify your request: http" in text
    assert "Bonjour" not in text and "Voici" not in text


def test_an_english_form_refuses_in_english(qsite: QuestionSite) -> None:
    """The English form said "Écrivez votre question.", "Cette adresse électronique n'est
    pas valide."... next to English labels: each refusal is said in the form's language,
    and the French form keeps its French."""
    from lxml import html

    site = qsite
    bad = {"question": "x" * 5001, "field": "astrology", "territory": "", "name": "",
           "email": "not-an-address", "organisation": "", "desired": "2026-02-30",
           "site_web": ""}
    said = {}
    for lang in ("en", "fr"):
        session = requests.Session()
        session.cookies.set("lang", lang, domain="127.0.0.1")
        token = form_of(session, site.url + "/questions/poser")
        answer = session.post(site.url + "/questions/poser", timeout=10,
                              data={"csrf_token": token, **bad})
        assert answer.status_code == 422
        doc = html.fromstring(answer.content)
        said[lang] = {e.get("id"): e.text_content() for e in doc.xpath("//span[@class='error']")}
    assert said["en"] == {
        "question-error": "Your question is too long (5001 characters; 5000 at most).",
        "field-error": "Choose a field.", "name-error": "Give your name.",
        "email-error": "This email address is not valid.",
        "organisation-error": "Choose the type of your organisation.",
        "desired-error": "This date does not exist."}
    assert said["fr"]["question-error"] == ("Votre question est trop longue (5001 caractères ; "
                                            "5000 au plus).")
    assert said["fr"]["email-error"] == "Cette adresse électronique n'est pas valide."


def test_every_label_the_mails_name_has_its_english() -> None:
    """A field of activity or an availability added later without its English would
    leave a French word in an English mail."""
    from catalogue.questions.mails import AVAILABILITY
    from catalogue.questions.model import FIELDS
    for french in (*FIELDS.values(), *AVAILABILITY.values()):
        assert french in ENGLISH, french
