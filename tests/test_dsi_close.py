"""Closing a curated list: no more issues or mails, nobody unsubscribed, archives and feed
still public; a list with issues cannot be deleted, one without can; reopening starts
afresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from catalogue.dsi import archives, profiles
from catalogue.dsi.schedule import Periodicity
from catalogue.people import accounts
from catalogue.web import create_app
from tests.account_support import csrf_token, sign_in_with_link
from tests.dsi_support import MONDAY, days, ingest, person, received, record, run, setup


def test_close_keeps_archives_and_subscribers(config_path: Path, smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(1)
    listed = profiles.save_list(engine, start, slug="veille", name="Veille",
                                equation_params=["q=veille"], periodicity=Periodicity("daily"))
    empty = profiles.save_list(engine, start, slug="brouillon", name="Brouillon",
                               equation_params=["q=brouillon"])
    reader = person(engine, "lecteur@example.org", start)
    profiles.subscribe(engine, start, reader.id, listed.id)
    ingest(engine, [record("Veille 1", subjects=["Veille"])], MONDAY - days(0.5))
    assert run(engine, settings, MONDAY).issues == [("veille", 1, 1)]

    clock = {"now": MONDAY + days(0.5)}
    app = create_app(settings, engine=engine, clock=lambda: clock["now"])
    staff = accounts.create(engine, start, email="doc@example.org", role="librarian",
                            confirmed=True)
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    edit = f"/admin/dsi/liste/{listed.id}"
    refused = client.post(f"{edit}/supprimer", data={"csrf_token": csrf_token(client, edit)})
    assert refused.status_code == 409 and "fermez-la plutôt" in refused.get_data(True)
    assert profiles.get(engine, listed.id) is not None
    closed = client.post(f"{edit}/fermer", data={"csrf_token": csrf_token(client, edit)})
    assert closed.status_code == 303
    assert "fermée le" in client.get("/admin/dsi/").get_data(True)
    gone = client.post(f"/admin/dsi/liste/{empty.id}/supprimer",
                       data={"csrf_token": csrf_token(client, f"/admin/dsi/liste/{empty.id}")})
    assert gone.status_code == 303 and profiles.get(engine, empty.id) is None

    ingest(engine, [record("Veille 2", subjects=["Veille"])], MONDAY + days(0.7))
    report = run(engine, settings, MONDAY + days(1))
    assert report.due == 0 and report.issues == [] and report.sent == 0
    assert len(smtp_sink.messages_to(reader.email or "")) == 1
    assert [s.profile.id for s in profiles.subscriptions_of(engine, reader.id)] == [listed.id]

    visitor = app.test_client()
    assert "Veille" in visitor.get("/listes").get_data(True)  # under the closed lists
    page = visitor.get("/listes/veille")
    assert page.status_code == 200 and "fermée depuis le" in page.get_data(True)
    assert "alertes/inscription" not in page.get_data(True).split("<main")[-1]
    assert visitor.get("/listes/veille/numero/1").status_code == 200
    assert visitor.get("/listes/veille/atom").status_code == 200
    own = app.test_client()
    sign_in_with_link(app, own, reader)
    assert "Cette liste est fermée" in own.get("/alertes").get_data(True)
    other = person(engine, "autre@example.org", start)
    joiner = app.test_client()
    sign_in_with_link(app, joiner, other)
    join = joiner.post(f"/alertes/abonner/{listed.id}",
                       data={"csrf_token": csrf_token(joiner, "/alertes")})
    assert join.status_code == 404

    # Reopening starts from that day: what arrived while closed is not mailed.
    clock["now"] = MONDAY + days(2)
    reopened = client.post(f"{edit}/rouvrir", data={"csrf_token": csrf_token(client, edit)})
    assert reopened.status_code == 303
    ingest(engine, [record("Veille 3", subjects=["Veille"])], MONDAY + days(2.5))
    report = run(engine, settings, MONDAY + days(3))
    assert report.sent == 1 and report.issues == [("veille", 2, 1)]
    got = received(smtp_sink.messages_to(reader.email or ""))
    assert len(got) == 2 and max(got.values()) == 1
    assert [r.title.main for r in archives.issue_records(
        engine, archives.issues(engine, listed.id, 1)[0].id)] == ["Veille 3"]
