"""``[circulation] suspend_at_third_reminder``: off by default (the third reminder only
reminds); on, the level-3 reminder suspends the borrower once, says so, is audited, and the
desk refuses them until a librarian lifts the suspension on their screen."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from catalogue.lending import audit
from catalogue.lending.refusals import Refusal
from catalogue.lending.reminders import send_reminders
from catalogue.people import accounts
from catalogue.settings import load
from tests.account_support import sign_in_with_password
from tests.circulation_support import MONDAY, PASSWORD, World, build, days, write_config
from tests.desk_site import csrf


@pytest.fixture()
def world(tmp_path: Path, smtp_sink: Any) -> Iterator[World]:
    w = build(write_config(tmp_path, smtp_port=smtp_sink.port))
    yield w
    w.engine.dispose()


def remind_until_level_3(world: World, settings: Any) -> None:
    loan = world.desk.check_out("C-ALICE", "L1", MONDAY, None)
    due = MONDAY + (loan.due_on - date(2026, 3, 2))
    for late in (7, 21, 42, 43):
        send_reminders(world.engine, settings, due + days(late))


def test_off_by_default_the_third_reminder_suspends_nobody(world: World, smtp_sink: Any) -> None:
    assert world.settings.circulation.suspend_at_third_reminder is False
    remind_until_level_3(world, world.settings)
    assert len(smtp_sink.messages_to("alice@example.org")) == 3
    alice = accounts.get(world.engine, world.people["alice"].id)
    assert alice is not None and not alice.suspended
    body = smtp_sink.messages_to("alice@example.org")[-1].get_body(("plain",)).get_content()
    assert "Votre carte est suspendue" not in body


def test_on_the_third_reminder_suspends_once_and_a_librarian_lifts_it(
        world: World, smtp_sink: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[circulation]\n", "[circulation]\nsuspend_at_third_reminder = true\n"), encoding="utf-8")
    settings = load(config, env={"CATALOGUE_SECRET_KEY": "secret de test du guichet"})
    assert settings.circulation.suspend_at_third_reminder is True
    settings = dataclasses.replace(settings, mail=world.settings.mail)
    remind_until_level_3(world, settings)
    mails = smtp_sink.messages_to("alice@example.org")
    assert [m["X-Catalogue-Reminder"] for m in mails] == ["1", "2", "3"]
    assert "Votre carte est suspendue" not in mails[1].get_body(("plain",)).get_content()
    assert "Votre carte est suspendue" in mails[2].get_body(("plain",)).get_content()
    alice_id = world.people["alice"].id
    alice = accounts.get(world.engine, alice_id)
    assert alice is not None and alice.suspended
    events = [e for e in audit.recent(world.engine) if e.action == "suspend"]
    assert len(events) == 1 and "troisième rappel" in events[0].detail
    with pytest.raises(Refusal, match="suspendue"):
        world.desk.check_out("C-ALICE", "L2", MONDAY + days(60), None)
    # The librarian lifts it on the borrower's screen.
    from catalogue.web import create_app

    app = create_app(settings, engine=world.engine, clock=lambda: MONDAY + days(60))
    client = app.test_client()
    sign_in_with_password(client, world.librarian.email or "", PASSWORD)
    token = csrf(client, "/guichet/emprunteur?carte=C-ALICE")
    page = client.get("/guichet/emprunteur?carte=C-ALICE").get_data(as_text=True)
    assert "Lever la suspension" in page
    done = client.post("/guichet/emprunteur/suspension",
                       data={"csrf_token": token, "carte": "C-ALICE", "suspendre": "non"})
    assert done.status_code == 303
    assert "Suspension levée." in client.get(done.headers["Location"]).get_data(as_text=True)
    alice = accounts.get(world.engine, alice_id)
    assert alice is not None and not alice.suspended
    assert world.desk.check_out("C-ALICE", "L2", MONDAY + days(60), None).barcode == "L2"
    lifted = [e for e in audit.recent(world.engine) if e.action == "suspend"]
    assert lifted[0].detail == "suspension levée" and lifted[0].actor == "Léa Biblio"
