"""The desk and the borrower's pages through the real app: flow, bad input, security,
live availability, and two librarians racing for one copy over real HTTP."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalogue.lending.availability import apply_refreshes
from catalogue.store.circulation_tables import loans
from tests.account_support import sign_in_with_link, sign_in_with_password
from tests.circulation_support import PASSWORD
from tests.desk_site import DeskSite, csrf


def librarian(site: DeskSite) -> Any:
    client = site.client()
    assert sign_in_with_password(client, site.world.librarian.email, PASSWORD).status_code == 303
    return client


def index_files(index: Path) -> dict[str, int]:
    """Every file of the index with its modification time, in nanoseconds."""
    return {str(p.relative_to(index)): p.stat().st_mtime_ns for p in index.rglob("*")
            if p.is_file()}


def open_loans(site: DeskSite) -> int:
    with site.world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(loans)
                                .where(loans.c.returned_at.is_(None))).scalar_one())


def lend(client: Any, card: str, code: str, token: str | None = None) -> Any:
    token = token or csrf(client, f"/guichet/emprunteur?carte={card}")
    return client.post("/guichet/pret", data={"csrf_token": token, "carte": card, "code": code})


def test_check_out_check_in_with_a_reservation_and_renew(site: DeskSite) -> None:
    client = librarian(site)
    page = client.get("/guichet/emprunteur?carte=C-ALICE").get_data(as_text=True)
    assert "Alice Martin" in page and 'name="code"' in page and "autofocus" in page
    index = site.world.settings.index.dir
    before = index_files(index)
    done = lend(client, "C-ALICE", "B3")
    assert done.status_code == 303
    assert index_files(index) == before  # the web request did not write the index
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Prêt enregistré : B3" in shown and "retour le 23/03/2026" in shown
    # The public record page follows at once (it reads the store)...
    record = client.get("/notice/crpv/2").get_data(as_text=True)
    assert "En prêt" in record and "jusqu'au 23/03/2026" in record
    # ...the search facets once the scheduler's index job (the one writer) has run.
    assert apply_refreshes(site.world.engine, index) == 1
    assert apply_refreshes(site.world.engine, index) == 0  # each change applied once
    results = client.get("/recherche?q=délinquance&availability=on_loan").get_data(as_text=True)
    assert "1 notice pour" in results and "/notice/crpv/2" in results
    site.world.desk.reserve(site.world.people["bob"].id, "crpv:2", site.clock(), None)
    back = client.post("/guichet/retour", data={"csrf_token": csrf(client, "/guichet/"), "code": "B3"})
    text = back.get_data(as_text=True)
    assert back.status_code == 200 and "Réservé pour Bob Durand" in text
    assert "Réservé" in client.get("/notice/crpv/2").get_data(as_text=True)
    loan = lend(client, "C-ALICE", "L1")
    assert loan.status_code == 303
    with site.world.engine.connect() as conn:
        loan_id, due = conn.execute(select(loans.c.id, loans.c.due_on)
                                    .where(loans.c.open_item_id.is_not(None))).one()
    token = csrf(client, "/guichet/emprunteur?carte=C-ALICE")
    form = {"csrf_token": token, "carte": "C-ALICE", "pret": str(loan_id),
            "echeance": due.isoformat()}
    client.post("/guichet/prolonger", data=form)
    client.post("/guichet/prolonger", data=form)  # submitted twice
    shown = client.get("/guichet/emprunteur?carte=C-ALICE").get_data(as_text=True)
    assert "Prêt prolongé : L1, retour le 06/04/2026" in shown
    assert "déjà été prolongé" in shown
    with site.world.engine.connect() as conn:
        assert conn.execute(select(loans.c.renewals).where(loans.c.id == loan_id)).scalar() == 1


@pytest.mark.parametrize(("card", "code", "status", "message"), [
    ("C-ALICE", "NOPE", 422, "Aucun exemplaire ne porte le code-barres NOPE."),
    ("C-ALICE", "C-BOB", 422, "C-BOB est une carte d&#39;emprunteur, pas un exemplaire"),
    ("C-ALICE", "S1", 422, "consultation sur place uniquement"),
    ("C-DAN", "L1", 422, "est suspendue"),
    ("L1", "L2", 422, "L1 est le code-barres d&#39;un exemplaire"),
])
def test_bad_input_is_refused_with_a_message_and_no_loan(site: DeskSite, card: str, code: str,
                                                         status: int, message: str) -> None:
    client = librarian(site)
    token = csrf(client, "/guichet/")
    answer = client.post("/guichet/pret", data={"csrf_token": token, "carte": card, "code": code})
    assert answer.status_code == status and message in answer.get_data(as_text=True)
    assert open_loans(site) == 0


def test_double_submission_csrf_and_expired_session(site: DeskSite) -> None:
    client = librarian(site)
    token = csrf(client, "/guichet/emprunteur?carte=C-ALICE")
    assert lend(client, "C-ALICE", "L1", token).status_code == 303
    again = lend(client, "C-ALICE", "L1", token)
    assert again.status_code == 303 and open_loans(site) == 1
    assert "déjà prêté à Alice Martin" in client.get(again.headers["Location"]).get_data(as_text=True)
    missing = client.post("/guichet/pret", data={"carte": "C-ALICE", "code": "L2"})
    assert missing.status_code == 400 and open_loans(site) == 1
    expired = site.client()  # the same form posted after the session is gone
    answer = expired.post("/guichet/pret", data={"csrf_token": token, "carte": "C-ALICE",
                                                 "code": "L2"})
    assert answer.status_code in (302, 400) and open_loans(site) == 1
    if answer.status_code == 302:
        assert "/connexion" in answer.headers["Location"]


def test_desk_and_admin_pages_refuse_anonymous_and_subscribers(site: DeskSite) -> None:
    pages = ["/guichet/", "/guichet/emprunteur?carte=C-ALICE", "/guichet/retards",
             "/guichet/lettres", "/guichet/exemplaires", "/guichet/journal", "/guichet/regles"]
    anonymous = site.client()
    for path in pages:
        answer = anonymous.get(path)
        assert answer.status_code == 302 and "/connexion" in answer.headers["Location"], path
    assert anonymous.get("/compte/prets").status_code == 302
    subscriber = site.client()
    sign_in_with_link(site.app, subscriber, site.world.people["alice"])
    for path in pages:
        assert subscriber.get(path).status_code == 403, path
    token = csrf(subscriber, "/compte/prets")
    assert subscriber.post("/guichet/pret", data={"csrf_token": token, "carte": "C-ALICE",
                                                  "code": "L1"}).status_code == 403
    staff = librarian(site)
    assert staff.get("/guichet/regles").status_code == 403  # administrators only
    admin = site.client()
    sign_in_with_password(admin, site.world.admin.email, PASSWORD)
    assert admin.get("/guichet/regles").status_code == 200
    assert open_loans(site) == 0


def test_a_borrower_sees_and_renews_only_their_own_loans(site: DeskSite) -> None:
    desk, now = site.world.desk, site.clock()
    mine = desk.check_out("C-ALICE", "L1", now, None)
    theirs = desk.check_out("C-BOB", "B3", now, None)
    resa_bob = None
    desk.check_out("C-FAY", "L2", now, None)
    resa_bob = desk.reserve(site.world.people["bob"].id, "crpv:1", now, None)
    alice = site.client()
    sign_in_with_link(site.app, alice, site.world.people["alice"])
    page = alice.get("/compte/prets").get_data(as_text=True)
    assert "Politique de la ville" in page and "Prévenir la délinquance" not in page
    token = csrf(alice, "/compte/prets")
    alice.post(f"/compte/prets/{theirs.id}/prolonger", data={"csrf_token": token,
                                                            "echeance": theirs.due_on.isoformat()})
    assert "Prêt introuvable." in alice.get("/compte/prets").get_data(as_text=True)
    alice.post(f"/compte/reservations/{resa_bob.id}/annuler", data={"csrf_token": token})
    assert "Réservation introuvable" in alice.get("/compte/prets").get_data(as_text=True)
    with site.world.engine.connect() as conn:
        assert conn.execute(select(loans.c.renewals).where(loans.c.id == theirs.id)).scalar() == 0
    from catalogue.lending.reservations import of_person

    assert [r.id for r in of_person(site.world.engine, site.world.people["bob"].id)] == [resa_bob.id]
    alice.post(f"/compte/prets/{mine.id}/prolonger", data={"csrf_token": token,
                                                          "echeance": mine.due_on.isoformat()})
    # Her own loan, but Bob waits for this record: refused, said in French.
    assert "réservé par un autre emprunteur" in alice.get("/compte/prets").get_data(as_text=True)
    assert "Mes prêts et réservations" in alice.get("/compte").get_data(as_text=True)


def race(site: DeskSite, rounds: int = 6) -> None:
    """Two librarians, two real HTTP sessions, the same copy, the same instant."""
    first = site.http(site.world.librarian.email)
    second = site.http(site.world.admin.email)
    tokens = []
    for session, card in ((first, "C-ALICE"), (second, "C-FAY")):
        page = session.get(f"{site.url}/guichet/emprunteur?carte={card}", timeout=10)
        from tests.desk_site import CSRF

        found = CSRF.search(page.text)
        assert found
        tokens.append(found.group(1))
    for n in range(rounds):
        barrier = threading.Barrier(2)
        answers: dict[str, Any] = {}

        def go(session: Any, token: str, card: str, barrier: threading.Barrier = barrier,
               answers: dict[str, Any] = answers) -> None:
            barrier.wait()
            answers[card] = session.post(f"{site.url}/guichet/pret", timeout=60,
                                         allow_redirects=False,
                                         data={"csrf_token": token, "carte": card, "code": "L1"})

        threads = [threading.Thread(target=go, args=(first, tokens[0], "C-ALICE")),
                   threading.Thread(target=go, args=(second, tokens[1], "C-FAY"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(a.status_code for a in answers.values())
        assert codes == [303, 422], (n, codes)
        loser = next(a for a in answers.values() if a.status_code == 422)
        assert ("déjà en prêt" in loser.text or "vient d&#39;être prêté" in loser.text), loser.text
        assert open_loans(site) == 1
        site.world.desk.check_in("L1", site.clock(), None)
    with site.world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(loans)).scalar_one() == rounds


def test_two_librarians_race_for_one_copy(site: DeskSite) -> None:
    """On the session's store: SQLite, and PostgreSQL in `make test`'s second pass (a
    fresh database each run, dropped after it, so a second run starts clean)."""
    race(site)


def test_the_api_reads_a_copy_on_loan_as_the_record_page_does(site: DeskSite) -> None:
    """The API said "available" for a copy on loan while the page said on loan."""
    import requests
    site.world.desk.check_out("C-ALICE", "B3", site.clock(), None)
    answer = requests.get(site.url + "/api/records/crpv/2", timeout=10)
    assert answer.status_code == 200
    [copy] = [i for i in answer.json()["items"] if i["barcode"] == "B3"]
    assert copy["availability"] == "on_loan" and copy["due_on"] == "2026-03-23"
    page = requests.get(site.url + "/notice/crpv/2", timeout=10).text
    assert "En prêt" in page and "jusqu'au 23/03/2026" in page


def test_the_desk_journal_says_which_clock_its_times_are_in(site: DeskSite) -> None:
    """The header said "Quand (UTC)" over Paris times."""
    client = librarian(site)
    assert lend(client, "C-ALICE", "B3").status_code == 303
    page = client.get("/guichet/journal").get_data(as_text=True)
    assert "Quand (heure de Europe/Paris)" in page and "(UTC)" not in page
    assert "02/03/2026 10:00" in page  # 09:00 UTC is 10:00 in Paris in March


def test_the_index_job_waits_out_a_busy_index_and_loses_no_change(site: DeskSite) -> None:
    """The availability refresh is the scheduler's job: a harvest's update holding the
    index makes it wait for the next run, the desk's notes kept."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from catalogue import scheduler
    from indexes import IndexLocked, IndexWriter
    engine, index = site.world.engine, site.world.settings.index.dir
    site.world.desk.check_out("C-ALICE", "B3", site.clock(), None)
    # A harvest's index update, say, holds the index.
    with IndexWriter(index, lock_timeout=1), pytest.raises(IndexLocked):
        apply_refreshes(engine, index, lock_timeout=0.2)
    assert apply_refreshes(engine, index) == 1
    sched = BackgroundScheduler()
    scheduler.add_availability_job(sched, site.world.settings, engine)
    [job] = sched.get_jobs()
    assert job.id == "index:availability" and job.executor == scheduler.INDEX_EXECUTOR
    assert job.trigger.interval.total_seconds() == site.world.settings.index.availability_seconds
