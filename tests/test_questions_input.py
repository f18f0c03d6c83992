"""Bad input on the questions/réponses pages, over real HTTP: a French message next to
the field, nothing stored twice, never a 500. Also the anti-abuse (CSRF, honeypot, rate
limit), the staff pages' refusals, the figures and their CSV, the asker's personal data.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from catalogue.people import accounts
from catalogue.questions import privacy, service
from catalogue.questions.tables import questions
from catalogue.store.people_tables import outbox
from tests.circulation_support import PASSWORD
from tests.questions_site import QuestionSite, form_of, start


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


GOOD = {"question": "Combien d'habitants compte le quartier prioritaire du Val Fourré ?",
        "field": "politique-ville", "territory": "Yvelines (78)", "name": "Paul Asker",
        "email": "paul.asker@example.org", "organisation": "collectivite", "desired": ""}


def post(site: QuestionSite, session: requests.Session | None = None,
         **changes: str) -> requests.Response:
    session = session or requests.Session()
    data = {"csrf_token": form_of(session, site.url + "/questions/poser"), **GOOD, **changes}
    return session.post(site.url + "/questions/poser", data=data, timeout=10,
                        allow_redirects=False)


def stored(site: QuestionSite) -> int:
    with site.world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(questions)).scalar_one())


def queued(site: QuestionSite) -> int:
    with site.world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def message_of(html: str, field: str) -> str:
    found = re.search(rf'<span id="{field}-error" class="error">([^<]+)</span>', html)
    assert found, html[:3000]
    assert f'aria-describedby="{field}-error"' in html
    return found.group(1)


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"question": ""}, "question", "Écrivez votre question"),
    ({"question": "   \n\t "}, "question", "Écrivez votre question"),
    ({"question": "x" * 100_000}, "question", "trop longue"),
    ({"email": "pas-une-adresse"}, "email", "n&#39;est pas valide"),
    ({"email": "a@b.fr\r\nBcc: x@y.fr"}, "email", "n&#39;est pas valide"),
    ({"name": ""}, "name", "Indiquez votre nom"),
    ({"name": "Paul\r\nBcc: x@y.fr"}, "name", "retour à la ligne"),
    ({"desired": "2026-03-03"}, "desired", "passée"),
    ({"desired": "2026-02-30"}, "desired", "n&#39;existe pas"),
    ({"desired": "9" * 5000}, "desired", "format"),
    ({"desired": "31/02/2026"}, "desired", "n&#39;existe pas"),
    ({"desired": "20/03/26"}, "desired", "format"),
    ({"desired": "2099-01-01"}, "desired", "deux ans"),
    ({"field": "astrologie"}, "field", "Choisissez un domaine"),
    ({"organisation": ""}, "organisation", "type de votre structure"),
    ({"territory": "T" * 300}, "territory", "trop long"),
])
def test_bad_input_says_why_next_to_the_field(qsite: QuestionSite, changes: dict[str, str],
                                              field: str, words: str) -> None:
    answer = post(qsite, **changes)
    assert answer.status_code == 422, answer.text[:500]
    assert words in message_of(answer.text, field)
    assert stored(qsite) == 0 and queued(qsite) == 0


@pytest.mark.parametrize(("typed", "day"), [("20/03/2026", "2026-03-20"),
                                             ("5/4/2026", "2026-04-05"),
                                             (" 2026-03-20 ", "2026-03-20")])
def test_the_desired_date_is_read_as_the_message_asks_for_it(qsite: QuestionSite, typed: str,
                                                             day: str) -> None:
    """A browser without a date picker sends the field as typed: '20/03/2026' was refused
    with "Indiquez une date au format JJ/MM/AAAA", the very format it was in."""
    answer = post(qsite, desired=typed)
    assert answer.status_code == 303, message_of(answer.text, "desired")
    with qsite.world.engine.connect() as conn:
        assert str(conn.execute(select(questions.c.desired_on)).scalar_one()) == day


def test_csrf_honeypot_and_rate_limit(qsite: QuestionSite) -> None:
    bare = requests.post(qsite.url + "/questions/poser", data=GOOD, timeout=10)
    assert bare.status_code == 400 and stored(qsite) == 0
    robot = post(qsite, site_web="http://spam.example")
    assert robot.status_code == 200 and stored(qsite) == 0 and queued(qsite) == 0
    for n in range(3):
        assert post(qsite, question=f"Question numéro {n} ?").status_code == 303
    assert stored(qsite) == 3
    refused = post(qsite)
    assert refused.status_code == 429
    assert message_of(refused.text, "email")
    assert stored(qsite) == 3 and queued(qsite) == 3
    # Another address from the same client: counted per client too (6 an hour).
    for n in range(3):
        assert post(qsite, email=f"autre{n}@example.org").status_code == 303
    assert post(qsite, email="encore@example.org").status_code == 429
    assert stored(qsite) == 6


def test_links_forged_or_unknown_are_refused(qsite: QuestionSite) -> None:
    sent = post(qsite)
    follow = qsite.url + sent.headers["Location"].split("?")[0]
    assert requests.get(follow, timeout=10).status_code == 200
    for bad in (follow[:-2] + "xx", qsite.url + "/questions/suivi/" + "A" * 5000,
                qsite.url + "/questions/reponse/nimportequoi", qsite.url + "/questions/suivi/%00"):
        page = requests.get(bad, timeout=10)
        assert page.status_code in (400, 404), (bad[:80], page.status_code)
        assert page.status_code != 500
    # A follow-up link is no reply link (purpose-bound signatures).
    token = follow.rsplit("/", 1)[1]
    assert requests.get(qsite.url + "/questions/reponse/" + token, timeout=10).status_code == 400


def test_staff_pages_refuse_bad_input(qsite: QuestionSite) -> None:
    assert requests.get(qsite.url + "/questions/gestion/", timeout=10,
                        allow_redirects=False).status_code in (302, 303)
    post(qsite)
    found = service.by_reference(qsite.world.engine, "Q-2026-00001")
    assert found is not None
    staff = qsite.staff()
    url = f"{qsite.url}/questions/gestion/{found.id}"
    token = form_of(staff, url)
    for path, data, field in (
            ("/attribuer", {"assignee": "abc"}, "assignee"),
            ("/attribuer", {"assignee": "99999999"}, "assignee"),
            ("/attribuer", {"assignee": str(qsite.world.people["alice"].id)}, "assignee"),
            ("/etat", {"status": "perdu"}, "status"),
            ("/note", {"note": ""}, "note"),
            ("/note", {"note": "n" * 100_001}, "note"),
            ("/references", {"notice": "nulle:part"}, "reference"),
            ("/references", {"notice": "x" * 5000}, "reference"),
            ("/repondre", {"answer": "", "links": ""}, "answer"),
            ("/repondre", {"answer": "Voir ce lien.", "links": "javascript:alert(1)"}, "links"),
            ("/publier", {"title": "T", "asked": "Q", "answered": "R"}, "title")):
        page = staff.post(url + path, data={"csrf_token": token, **data}, timeout=10)
        assert page.status_code == 422, (path, data, page.status_code, page.text[:300])
        assert message_of(page.text, field)
    for files in ([("attachments", ("virus.exe", b"MZ", "application/octet-stream"))],
                  [("attachments", ("vide.pdf", b"", "application/pdf"))],
                  [("attachments", (f"f{n}.txt", b"x", "text/plain")) for n in range(6)],
                  [("attachments", ("gros.pdf", b"x" * 950_000, "application/pdf"))]):
        page = staff.post(url + "/repondre", timeout=10, files=files, data={
            "csrf_token": token, "answer": "Voir la pièce jointe.", "links": ""})
        assert page.status_code == 422, (files[0][1][0], page.status_code)
        assert message_of(page.text, "attachments")
    too_big = staff.post(url + "/repondre", timeout=10, data={"csrf_token": token},
                         files=[("attachments", ("enorme.pdf", b"x" * 2_000_000, "x/y"))])
    assert too_big.status_code == 413
    assert staff.get(f"{qsite.url}/questions/gestion/99999999999", timeout=10).status_code == 404
    assert staff.get(f"{url}/piece/1", timeout=10).status_code == 404
    assert staff.get(url, params={"chercher": "(" * 300}, timeout=10).status_code == 200
    assert service.get(qsite.world.engine, found.id).status == "new"  # type: ignore[union-attr]


def test_figures_and_csv(qsite: QuestionSite) -> None:
    engine, settings = qsite.world.engine, qsite.world.settings
    post(qsite)
    post(qsite, email="autre@example.org", field="illettrisme", organisation="association")
    first = service.by_reference(engine, "Q-2026-00001")
    assert first is not None
    qsite.clock.at += timedelta(days=2)  # Friday 6: 2 working days later, within the delay
    service.answer(engine, settings, qsite.app.extensions["catalogue.signer"], first.id,
                   "Environ 25 000 habitants.", "", qsite.clock(), qsite.world.librarian.id)
    staff = qsite.staff()
    page = staff.get(qsite.url + "/questions/gestion/chiffres", timeout=10)
    assert page.status_code == 200 and "100 %" in page.text
    raw = staff.get(qsite.url + "/questions/gestion/chiffres.csv", timeout=10)
    assert raw.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig")), delimiter=";"))
    assert ["mois", "2026-03", "2"] in rows
    assert ["domaine", "Politique de la ville", "1"] in rows
    assert ["structure", "Association", "1"] in rows
    assert ["total", "répondues dans le délai promis", "1"] in rows
    assert ["délai", "délai médian (jours ouvrés)", "2"] in rows


def test_my_questions_export_and_forgetting(qsite: QuestionSite) -> None:
    engine, settings = qsite.world.engine, qsite.world.settings
    alice = qsite.world.people["alice"]
    accounts.set_password(engine, alice.id, PASSWORD, qsite.clock())
    session = requests.Session()
    token = form_of(session, qsite.url + "/connexion")
    signed = session.post(qsite.url + "/connexion", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "email": alice.email, "password": PASSWORD, "suivant": "/compte"})
    assert signed.status_code in (302, 303)
    form = session.get(qsite.url + "/questions/poser", timeout=10)
    assert 'value="alice@example.org"' in form.text  # the form knows who is signed in
    assert post(qsite, session, email="alice@example.org", name="Alice Martin"
                ).status_code == 303
    mine = session.get(qsite.url + "/compte/questions", timeout=10)
    assert "Q-2026-00001" in mine.text
    assert session.get(qsite.url + "/questions/gestion/", timeout=10).status_code == 403
    data = json.loads(session.get(qsite.url + "/alertes/mes-donnees", timeout=10).content)
    assert data["questions"][0]["reference"] == "Q-2026-00001"
    assert data["questions"][0]["email"] == "alice@example.org"
    found = service.by_reference(engine, "Q-2026-00001")
    assert found is not None
    service.answer(engine, settings, qsite.app.extensions["catalogue.signer"], found.id,
                   "Réponse.", "", qsite.clock(), qsite.world.librarian.id)
    assert privacy.forget(engine, settings, qsite.clock() + timedelta(days=300)) == 0
    assert privacy.forget(engine, settings, qsite.clock() + timedelta(days=31 * 12 + 1)) == 1
    gone = service.get(engine, found.id)
    assert gone is not None and gone.anonymised
    assert (gone.asker_name, gone.asker_email, gone.question, gone.person_id) == ("", "", "",
                                                                                 None)
    assert "Q-2026-00001" not in session.get(qsite.url + "/compte/questions",
                                             timeout=10).text


def test_erasing_the_account_anonymises_the_questions(qsite: QuestionSite) -> None:
    engine = qsite.world.engine
    bob = qsite.world.people["bob"]
    accounts.set_password(engine, bob.id, PASSWORD, qsite.clock())
    session = requests.Session()
    token = form_of(session, qsite.url + "/connexion")
    session.post(qsite.url + "/connexion", timeout=10, data={
        "csrf_token": token, "email": bob.email, "password": PASSWORD, "suivant": "/compte"})
    assert post(qsite, session, email="bob@example.org", name="Bob Durand").status_code == 303
    manage = form_of(session, qsite.url + "/alertes")
    gone = session.post(qsite.url + "/alertes/supprimer-mon-compte", timeout=10,
                        data={"csrf_token": manage, "confirmer": "oui"})
    assert gone.status_code == 200, gone.text[:300]
    found = service.by_reference(engine, "Q-2026-00001")
    assert found is not None and found.anonymised
    assert "Bob" not in found.asker_name and found.asker_email == ""


def test_a_question_sent_twice_is_stored_once_and_overdue_is_listed(
        qsite: QuestionSite) -> None:
    session = requests.Session()
    first, again = post(qsite, session), post(qsite, session)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert stored(qsite) == 1 and queued(qsite) == 1
    staff = qsite.staff()
    assert "En retard" not in staff.get(qsite.url + "/questions/gestion/", timeout=10).text
    qsite.clock.at += timedelta(days=9)  # Friday 13 March: promised Wednesday 11
    queue = staff.get(qsite.url + "/questions/gestion/", timeout=10).text
    assert "En retard (1)" in queue and "Q-2026-00001" in queue
