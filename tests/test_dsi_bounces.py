"""An address the server refuses for good (550) is no longer mailed after [dsi]
bounce_limit runs in a row; staff see it and can reset it; an accepted mail or a new
address resets it too; and nothing is lost meanwhile (the watermarks stayed put)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sqlalchemy import update

from catalogue.dsi import bounces, profiles, subscribers
from catalogue.dsi.schedule import Periodicity
from catalogue.people import accounts
from catalogue.store.people_tables import persons
from catalogue.web import create_app
from tests.account_support import csrf_token, sign_in_with_link
from tests.dsi_support import MONDAY, days, ingest, person, received, record, run, setup

BAD, GOOD = "parti@example.org", "reste@example.org"


def test_permanent_refusals_stop_then_resume_without_loss(config_path: Path,
                                                          smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    assert settings.dsi.bounce_limit == 3
    start = MONDAY - days(1)
    listed = profiles.save_list(engine, start, slug="veille", name="Veille",
                                equation_params=["q=veille"], periodicity=Periodicity("daily"))
    bad, good = person(engine, BAD, start), person(engine, GOOD, start)
    for who in (bad, good):
        profiles.subscribe(engine, start, who.id, listed.id)
    smtp_sink.refuse[BAD] = 550
    titles = []

    def day(n: int, *, code: int | None = 550) -> Any:
        titles.append(f"Veille n° {n}")
        ingest(engine, [record(titles[-1], subjects=["Veille"])], MONDAY + days(n - 0.5))
        if code is None:
            smtp_sink.refuse.pop(BAD, None)
        else:
            smtp_sink.refuse[BAD] = code
        return run(engine, settings, MONDAY + days(n))

    assert day(0).refused == 1
    assert day(1).refused == 1
    assert day(2, code=450).retried == 1  # for now only: neither counts nor resets
    assert bounces.current(engine)[bad.id].refusals == 2
    third = day(3)
    assert third.refused == 1 and bounces.current(engine)[bad.id].stopped(3)
    [kept] = subscribers.export(engine, bad.id)["refusals"]  # GDPR access shows it too
    assert kept["in_a_row"] == 3 and kept["server_answer"].startswith("550")
    fourth = day(4)                       # left alone: no attempt at all
    assert fourth.bouncing == 1 and fourth.refused == 0 and fourth.sent == 1
    assert bad.id in bounces.stopped(engine, 3) and bounces.stopped(engine, 0) == set()

    # Staff see it on the list's subscribers page, with the server's answer, and reset it.
    staff = accounts.create(engine, start, email="doc@example.org", role="librarian",
                            confirmed=True)
    app = create_app(settings, engine=engine, clock=lambda: MONDAY + days(4))
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    page = f"/admin/dsi/liste/{listed.id}/abonnes"
    text = client.get(page).get_data(True)
    assert "envois suspendus" in text and "3 fois de suite" in text and "550" in text
    reset = client.post(f"{page}/{bad.id}/relancer", data={"csrf_token": csrf_token(client, page)})
    assert reset.status_code == 200 and "reprendront" in reset.get_data(True)
    assert "envois suspendus" not in reset.get_data(True)
    assert bounces.current(engine) == {}

    fifth = day(5, code=None)             # the address works again: everything arrives once
    assert fifth.sent == 2 and fifth.bouncing == 0
    for address in (BAD, GOOD):
        got = received(smtp_sink.messages_to(address))
        assert sorted(got.values()) == [1] * len(titles), address
    assert bounces.current(engine) == {}


def test_accepted_mail_or_new_address_resets(config_path: Path, smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    settings = dataclasses.replace(settings, dsi=dataclasses.replace(settings.dsi,
                                                                     bounce_limit=2))
    start = MONDAY - days(1)
    listed = profiles.save_list(engine, start, slug="veille", name="Veille",
                                equation_params=["q=veille"], periodicity=Periodicity("daily"))
    who = person(engine, BAD, start)
    profiles.subscribe(engine, start, who.id, listed.id)
    smtp_sink.refuse[BAD] = 550
    for n in range(2):
        ingest(engine, [record(f"Veille {n}", subjects=["Veille"])], MONDAY + days(n - 0.5))
        run(engine, settings, MONDAY + days(n))
    assert bounces.stopped(engine, 2) == {who.id}
    # The person gives a new address: the count was for the old one.
    with engine.begin() as conn:
        conn.execute(update(persons).where(persons.c.id == who.id)
                     .values(email="nouvelle@example.org"))
    assert bounces.stopped(engine, 2) == set()
    report = run(engine, settings, MONDAY + days(2))
    assert report.sent == 1 and report.bouncing == 0
    assert len(received(smtp_sink.messages_to("nouvelle@example.org"))) == 2
    assert bounces.current(engine) == {}  # the accepted mail cleared the old count too


def test_an_address_with_only_private_alerts_is_shown_to_staff(config_path: Path,
                                                              smtp_sink: Any) -> None:
    """No list page names a person who only has private alerts: the staff-wide page does."""
    settings, engine = setup(config_path, smtp_sink)
    settings = dataclasses.replace(settings, dsi=dataclasses.replace(settings.dsi,
                                                                     bounce_limit=2))
    start = MONDAY - days(1)
    who = person(engine, BAD, start, "Parti")
    profiles.create_alert(engine, start, who.id, name="Ma veille", params="q=veille",
                          periodicity=Periodicity("daily"))
    listed = profiles.save_list(engine, start, slug="autre", name="Autre",
                                equation_params=["q=autre"], periodicity=Periodicity("daily"))
    profiles.subscribe(engine, start, person(engine, GOOD, start).id, listed.id)
    smtp_sink.refuse[BAD] = 550
    for n in range(2):
        ingest(engine, [record(f"Veille {n}", subjects=["Veille"])], MONDAY + days(n - 0.5))
        assert run(engine, settings, MONDAY + days(n)).refused == 1
    assert bounces.stopped(engine, 2) == {who.id}
    [shown] = bounces.addresses(engine)
    assert (shown.email, shown.name, shown.lists, shown.alerts) == (BAD, "Parti", 0, 1)

    staff = accounts.create(engine, start, email="doc@example.org", role="librarian",
                            confirmed=True)
    app = create_app(dataclasses.replace(settings), engine=engine, clock=lambda: MONDAY)
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    assert "adresses-en-echec" in client.get("/admin/dsi/").get_data(True)
    page = "/admin/dsi/adresses-en-echec"
    text = client.get(page).get_data(True)
    assert BAD in text and "0 liste(s), 1 alerte(s)" in text and "envois suspendus" in text
    assert GOOD not in text
    reset = client.post(f"{page}/{who.id}/relancer", data={"csrf_token": csrf_token(client, page)})
    assert reset.status_code == 200 and "reprendront" in reset.get_data(True)
    assert "Aucune adresse refusée." in reset.get_data(True)
    assert bounces.current(engine) == {}
    assert app.test_client().get(page).status_code in (302, 303, 401, 403)  # staff only
