"""The whole questions/réponses cycle over real HTTP and real SMTP: ask, acknowledgement
with the promised date across a weekend and a closing day, assignment, the reminder
before the date, the answer with two catalogue references, the asker's reply reopening
it, publication, and the published entry found by a search with its asker's name
nowhere (page, index, OAI, feed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from catalogue.dsi import profiles, runs
from catalogue.dsi.schedule import Periodicity
from catalogue.lending.availability import apply_refreshes
from catalogue.lending.closures import set_closing_day
from catalogue.people import accounts
from catalogue.questions import reminders, service
from catalogue.questions.tables import question_events, questions
from tests.questions_site import LINK, QuestionSite, csrf_of, form_of, start

ASKER = "Jeanne Demandeuse"
ASKER_EMAIL = "jeanne.demandeuse@example.org"
PDF = b"%PDF-1.4\n% annuaire\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def body_of(raw: bytes) -> str:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def ask(site: QuestionSite, session: requests.Session, **changes: str) -> requests.Response:
    token = form_of(session, site.url + "/questions/poser")
    data = {"csrf_token": token, "question": "Quelles associations travaillent sur "
            "l'illettrisme dans le quartier des Tarterêts ?", "field": "illettrisme",
            "territory": "Essonne (91)", "name": ASKER, "email": ASKER_EMAIL,
            "organisation": "association", "desired": "", "site_web": ""}
    data.update(changes)
    return session.post(site.url + "/questions/poser", data=data, timeout=10,
                        allow_redirects=False)


def count(site: QuestionSite) -> int:
    with site.world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(questions)).scalar_one())


def test_whole_cycle(qsite: QuestionSite) -> None:
    site, engine = qsite, qsite.world.engine
    set_closing_day(engine, date(2026, 3, 6), "Inventaire")  # Friday
    asker = requests.Session()
    # A curated DSI list of the base's new entries, with one subscriber.
    listed = profiles.save_list(engine, site.clock(), slug="questions-reponses",
                                name="Nouvelles questions-réponses",
                                equation_params=["doctype=q"], periodicity=Periodicity("daily"))
    accounts.confirm(engine, site.world.people["alice"].id, site.clock())  # double opt-in
    profiles.subscribe(engine, site.clock(), site.world.people["alice"].id, listed.id)

    # --- ask: stored once, acknowledged with the promised date ------------------------
    sent = ask(site, asker)
    assert sent.status_code == 303, sent.text[:1000]
    assert sent.headers["Location"].startswith("/questions/suivi/")
    assert count(site) == 1
    follow = asker.get(site.url + sent.headers["Location"], timeout=10)
    assert follow.status_code == 200 and "Q-2026-00001" in follow.text
    assert site.drain() == 1
    ack = site.sink.received[-1]
    assert ack.rcpt_tos == [ASKER_EMAIL]
    assert b"Q-2026-00001" in ack.raw
    text = body_of(ack.raw)
    # Wednesday + 5 working days: Thu 5, (Fri 6 closed, weekend), Mon 9 ... Thu 12.
    assert "jeudi 12 mars 2026" in text, text
    assert "5 jours ouvrés" in text
    found = service.by_reference(engine, "Q-2026-00001")
    assert found is not None and found.promised_on == date(2026, 3, 12)

    # --- staff: queue, assignment ------------------------------------------------------
    staff = site.staff()
    queue = staff.get(site.url + "/questions/gestion/", timeout=10)
    assert queue.status_code == 200 and "Q-2026-00001" in queue.text
    page_url = f"{site.url}/questions/gestion/{found.id}"
    token = form_of(staff, page_url)
    done = staff.post(page_url + "/attribuer", timeout=10, allow_redirects=False,
                      data={"csrf_token": token, "assignee": str(site.world.librarian.id)})
    assert done.status_code == 303, done.text[:500]
    staff.post(page_url + "/note", timeout=10, data={
        "csrf_token": token, "note": "Voir avec le réseau des centres sociaux."})

    # --- reminder two working days before the date: Tuesday 10, not Monday 9 ---------
    site.clock.at = site.clock.at + timedelta(days=5)  # Monday 9
    assert reminders.remind(engine, site.world.settings, site.clock()).queued == 0
    site.clock.at = site.clock.at + timedelta(days=1)  # Tuesday 10
    assert reminders.remind(engine, site.world.settings, site.clock()).queued == 1
    assert reminders.remind(engine, site.world.settings, site.clock()).queued == 0  # once
    assert site.drain() == 1
    reminder = site.sink.received[-1]
    assert reminder.rcpt_tos == [site.world.librarian.email]
    assert b"Q-2026-00001" in reminder.raw and "12/03/2026" in str(
        BytesParser(policy=policy.default).parsebytes(reminder.raw)["Subject"])

    # --- the answer with two references picked from a search --------------------------
    picked = staff.get(page_url, params={"chercher": "délinquance"}, timeout=10)
    assert "Prévenir la délinquance des jeunes" in picked.text
    for notice in ("crpv:1", "crpv:2"):
        added = staff.post(page_url + "/references", timeout=10, allow_redirects=False,
                           data={"csrf_token": token, "notice": notice})
        assert added.status_code == 303, added.text[:500]
    answered = staff.post(page_url + "/repondre", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "answer": "L'association Lire Ensemble anime des ateliers.",
        "links": "https://www.anlci.gouv.fr/"},
        files=[("attachments", ("annuaire des associations.pdf", PDF, "application/pdf"))])
    assert answered.status_code == 303, answered.text[:500]
    assert site.drain() == 1
    mail = site.sink.received[-1]
    assert mail.rcpt_tos == [ASKER_EMAIL]
    text = body_of(mail.raw)
    assert "Politique de la ville : mode d'emploi (disponible)" in text
    assert "Prévenir la délinquance des jeunes (disponible)" in text
    assert "https://www.anlci.gouv.fr/" in text
    reply_url = next(u for u in LINK.findall(text) if "/questions/reponse/" in u)
    parsed = BytesParser(policy=policy.default).parsebytes(mail.raw)
    [attached] = list(parsed.iter_attachments())
    assert attached.get_filename() == "annuaire des associations.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == PDF
    follow_url = next(u for u in LINK.findall(text) if "/questions/suivi/" in u)
    shown = asker.get(follow_url, timeout=10)
    assert "annuaire des associations.pdf" in shown.text
    assert "Prévenir la délinquance des jeunes" in unescape(shown.text)
    piece = re.search(r'href="(/questions/suivi/[^"]+/piece/\d+)"', shown.text)
    assert piece is not None
    got = asker.get(site.url + piece.group(1), timeout=10)
    assert got.content == PDF and got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert service.get(engine, found.id).status == "answered"  # type: ignore[union-attr]

    # --- the asker's reply reopens it; the link then is spent; a forged one refused ----
    page = asker.get(reply_url, timeout=10)
    assert page.status_code == 200
    back = asker.post(reply_url, timeout=10, allow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "message": "Et pour les adultes en emploi ?"})
    assert back.status_code == 303, back.text[:500]
    assert service.get(engine, found.id).status == "in_progress"  # type: ignore[union-attr]
    assert site.drain() == 1  # the documentalist is told
    told = site.sink.received[-1]
    assert told.rcpt_tos == [site.world.librarian.email]
    assert "Et pour les adultes en emploi ?" in body_of(told.raw)
    replay = asker.post(reply_url, timeout=10, data={
        "csrf_token": csrf_of(page.text), "message": "Encore ?"})
    assert replay.status_code == 400 and "déjà servi" in replay.text
    forged = asker.get(reply_url[:-3] + "abc", timeout=10)
    assert forged.status_code == 400 and "pas valide" in forged.text
    with engine.connect() as conn:
        replies = conn.execute(select(func.count()).select_from(question_events).where(
            question_events.c.kind == "reply")).scalar_one()
    assert replies == 1

    # --- second answer, publication ---------------------------------------------------
    staff.post(page_url + "/repondre", timeout=10, data={
        "csrf_token": token, "answer": "Les ateliers savoirs de base accueillent aussi "
        "les salariés.", "links": ""})
    assert site.drain() == 1
    naming = staff.post(page_url + "/publier", timeout=10, data={
        "csrf_token": token, "title": "Associations contre l'illettrisme",
        "asked": "Mme JEANNE  demandeuse demande quelles associations...", "answered": "Voir."})
    assert naming.status_code == 422 and "nomme le demandeur" in unescape(naming.text)
    assert "/notice/questions/" not in naming.text  # nothing published
    published = staff.post(page_url + "/publier", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "title": "Associations contre l'illettrisme en Essonne",
        "asked": "Quelles associations luttent contre l'illettrisme en Essonne ?",
        "answered": "Plusieurs associations animent des ateliers savoirs de base."})
    assert published.status_code == 303, published.text[:500]
    # The index's one writer learns it: the scheduler's index job re-reads the records
    # noted since its last pass (publication notes the entry, as the desk notes a loan).
    assert apply_refreshes(engine, site.world.settings.index.dir) == 1

    # --- found by a search, its own document type; the asker's name nowhere ------------
    hits = requests.get(site.url + "/recherche", params={"q": "illettrisme Essonne"},
                        timeout=10)
    assert "/notice/questions/Q-2026-00001" in hits.text  # the title's words are <mark>ed
    typed = requests.get(site.url + "/recherche", params={"doctype": "q"}, timeout=10)
    assert "Associations contre l'illettrisme en Essonne" in unescape(typed.text)
    assert "Question-réponse" in unescape(typed.text)
    by_name = requests.get(site.url + "/recherche", params={"q": "Demandeuse"}, timeout=10)
    assert "Associations contre l'illettrisme" not in unescape(by_name.text)
    entry = requests.get(site.url + "/notice/questions/Q-2026-00001", timeout=10)
    assert entry.status_code == 200
    assert "Politique de la ville : mode d'emploi" in unescape(entry.text)
    assert "Prévenir la délinquance des jeunes" in unescape(entry.text)
    oai = requests.get(site.url + "/oai", params={"verb": "ListRecords", "metadataPrefix":
                                                  "oai_dc", "set": "centre:questions"},
                       timeout=10)
    assert b"Associations contre l'illettrisme en Essonne" in oai.content.replace(
        b"&apos;", b"'").replace(b"&#39;", b"'")
    assert b"<provenance" not in oai.content
    for prefix in ("marcxml", "unimarc", "pmb_xml_unimarc"):
        other = requests.get(site.url + "/oai", params={
            "verb": "ListRecords", "metadataPrefix": prefix, "set": "centre:questions"},
            timeout=10)
        assert b"Q-2026-00001" in other.content and b"<error" not in other.content, prefix
        for secret in (b"Demandeuse", ASKER_EMAIL.encode(), b"Jeanne"):
            assert secret not in other.content, prefix
    typed_set = requests.get(site.url + "/oai", params={
        "verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "type:q"}, timeout=10)
    assert b"Q-2026-00001" in typed_set.content
    feed = requests.get(site.url + "/recherche/atom", params={"doctype": "q"}, timeout=10)
    assert "Associations contre l'illettrisme" in unescape(feed.text)
    for body in (entry.content, oai.content, feed.content, hits.content, typed.content,
                 typed_set.content):
        for secret in (b"Demandeuse", ASKER_EMAIL.encode(), b"Jeanne"):
            assert secret not in body
    hidden = requests.get(site.url + "/recherche", params={"q": ASKER_EMAIL}, timeout=10)
    assert "Associations contre l'illettrisme" not in unescape(hidden.text)

    # --- the DSI list carries it; its asker is not named in the digest -----------------
    report = runs.run(engine, site.world.settings, site.clock() + timedelta(days=1),
                      site.app.extensions["catalogue.signer"], list_slug=listed.slug)
    assert report.sent == 1, str(report)
    digest = site.sink.received[-1]
    assert digest.rcpt_tos == ["alice@example.org"]
    assert "Associations contre l'illettrisme en Essonne" in body_of(digest.raw)
    for secret in (b"Demandeuse", ASKER_EMAIL.encode()):
        assert secret not in digest.raw
