"""Hand-picked records, end to end: staff pick an old record on its page, the next issue
carries it (to every subscriber, in the archive) exactly once, and a withdrawn pick
never goes out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from catalogue.dsi import archives, profiles
from catalogue.dsi.schedule import Periodicity
from catalogue.indexing import reindex
from catalogue.people import accounts
from catalogue.web import create_app
from tests.account_support import csrf_token, sign_in_with_link
from tests.dsi_support import MONDAY, days, ingest, person, received, record, run, setup

BASE = "http://catalogue.test/notice/"


def test_a_picked_old_record_goes_out_once(config_path: Path, smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    old, other = (record("Rapport ancien sur le logement", subjects=["Logement"]),
                  record("Guide ancien de la médiation", subjects=["Médiation"]))
    ingest(engine, [old, other], MONDAY - days(400))  # a year old: no equation brings them
    reindex(engine, settings.index.dir, engine_name=settings.index.engine)
    listed = profiles.save_list(engine, start, slug="jeunesse", name="Jeunesse",
                                equation_params=["q=jeunesse"], periodicity=Periodicity("weekly"))
    readers = [person(engine, f"r{n}@example.org", start) for n in range(2)]
    for who in readers:
        profiles.subscribe(engine, start, who.id, listed.id)
    clock = {"now": MONDAY + days(1)}
    app = create_app(settings, engine=engine, clock=lambda: clock["now"])
    page = f"/notice/{old.source}/{old.source_id}"

    anonymous = app.test_client()
    assert "Ajouter à une liste" not in anonymous.get(page).get_data(True)
    public = app.test_client()
    sign_in_with_link(app, public, readers[0])
    assert "Ajouter à une liste" not in public.get(page).get_data(True)
    refused = public.post("/admin/dsi/selection", data={
        "csrf_token": csrf_token(public, "/alertes"), "notice": old.global_id,
        "liste": str(listed.id)})
    assert refused.status_code == 403

    staff = accounts.create(engine, start, email="doc@example.org", role="librarian",
                            confirmed=True)
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    shown = client.get(page).get_data(True)
    assert "Ajouter à une liste" in shown and f'<option value="{listed.id}">Jeunesse' in shown
    token = csrf_token(client, page)
    for chosen in (old, other):
        answer = client.post("/admin/dsi/selection", data={
            "csrf_token": token, "notice": chosen.global_id, "liste": str(listed.id)})
        assert answer.status_code == 200 and "prochain numéro" in answer.get_data(True)
    again = client.post("/admin/dsi/selection", data={  # idempotent
        "csrf_token": token, "notice": old.global_id, "liste": str(listed.id)})
    assert again.status_code == 200
    bad = client.post("/admin/dsi/selection", data={
        "csrf_token": token, "notice": "crpv:nope", "liste": str(listed.id)})
    assert bad.status_code == 422 and "existe pas" in bad.get_data(True)
    no_csrf = client.post("/admin/dsi/selection", data={"notice": old.global_id,
                                                         "liste": str(listed.id)})
    assert no_csrf.status_code == 400

    edit = f"/admin/dsi/liste/{listed.id}"
    text = client.get(edit).get_data(True)
    assert "Rapport ancien sur le logement" in text and "dans le prochain numéro" in text
    # Withdraw the second pick: it must never go out.
    other_id = next(p.record_id for p in _picks(engine, listed.id) if p.title.startswith("Guide"))
    gone = client.post(f"{edit}/selection/{other_id}/retirer",
                       data={"csrf_token": csrf_token(client, edit)})
    assert gone.status_code == 303
    assert "Guide ancien" not in client.get(edit).get_data(True)

    ingest(engine, [record("Jeunesse et emploi", subjects=["Jeunesse"])], MONDAY + days(2))
    first = run(engine, settings, MONDAY + days(7))
    assert first.sent == 2 and first.issues == [("jeunesse", 1, 2)]
    second_week = MONDAY + days(14)
    ingest(engine, [record("Jeunesse et sport", subjects=["Jeunesse"])], MONDAY + days(10))
    second = run(engine, settings, second_week)
    assert second.sent == 2 and second.issues == [("jeunesse", 2, 1)]
    run(engine, settings, MONDAY + days(21))  # nothing new: no mail, no issue

    for who in readers:
        got = received(smtp_sink.messages_to(who.email or ""))
        assert got[("Jeunesse", BASE + f"{old.source}/{old.source_id}")] == 1
        assert ("Jeunesse", BASE + f"{other.source}/{other.source_id}") not in got
        assert sum(got.values()) == 3 and max(got.values()) == 1
    [second_issue, first_issue] = archives.issues(engine, listed.id)
    assert old.global_id in [r.global_id
                             for r in archives.issue_records(engine, first_issue.id)]
    assert old.global_id not in [r.global_id
                                 for r in archives.issue_records(engine, second_issue.id)]
    assert re.search(r"parue dans le n° 1", client.get(edit).get_data(True))


def test_a_picked_record_deleted_since_is_shown_as_such_and_never_sent(
        config_path: Path, smtp_sink: Any) -> None:
    from catalogue.dsi import picks
    from catalogue.formats.base import Parsed
    from catalogue.store.ingest import Ingest

    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    kept, weeded = (record("Rapport gardé", subjects=["Logement"]),
                    record("Rapport désherbé", subjects=["Logement"]))
    ingest(engine, [kept, weeded], MONDAY - days(400))
    listed = profiles.save_list(engine, start, slug="veille", name="Veille",
                                equation_params=["q=jeunesse"], periodicity=Periodicity("weekly"))
    profiles.subscribe(engine, start, person(engine, "r@example.org", start).id, listed.id)
    for chosen in (kept, weeded):
        picks.add(engine, start, listed.id, chosen.global_id)
    job = Ingest(engine, source=weeded.source, clock=lambda: MONDAY)  # the centre weeds it
    job.add(Parsed(position=1, offset=0, raw=b"", record=weeded, source_id=weeded.source_id,
                   deleted=True))
    job.finish()
    shown = {p.title: p.deleted for p in picks.of_list(engine, listed.id)}
    assert shown == {"Rapport gardé": False, "Rapport désherbé": True}

    staff = accounts.create(engine, start, email="doc@example.org", role="librarian",
                            confirmed=True)
    app = create_app(settings, engine=engine, clock=lambda: MONDAY)
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    text = client.get(f"/admin/dsi/liste/{listed.id}").get_data(True)
    assert text.count("dans le prochain numéro") == 1
    assert "supprimée du catalogue depuis : elle ne partira pas" in text

    assert run(engine, settings, MONDAY + days(7)).sent == 1
    got = received(smtp_sink.messages_to("r@example.org"))
    assert ("Veille", BASE + f"{kept.source}/{kept.source_id}") in got
    assert all(url != BASE + f"{weeded.source}/{weeded.source_id}" for _, url in got)


def _picks(engine: Any, profile_id: int) -> list[Any]:
    from catalogue.dsi import picks

    return picks.of_list(engine, profile_id)
