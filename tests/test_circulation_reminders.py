"""Overdue reminders through a real SMTP server (aiosmtpd), printed letters, holds by mail,
and re-imports that keep circulation state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalogue.lending import items as desk_items
from catalogue.lending.reminders import letters_to_print, mark_printed, send_reminders
from catalogue.people import outbox
from catalogue.store.circulation_tables import reminders
from catalogue.store.tables import items
from tests.circulation_support import (
    MONDAY,
    World,
    book,
    build,
    catalogue_records,
    days,
    import_records,
    item,
    write_config,
)


@pytest.fixture()
def world(tmp_path: Path, smtp_sink: Any) -> Iterator[World]:
    w = build(write_config(tmp_path, smtp_port=smtp_sink.port))
    yield w
    w.engine.dispose()


def levels_sent(sink: Any, address: str) -> list[str]:
    return [m["X-Catalogue-Reminder"] for m in sink.messages_to(address)]


def test_three_levels_each_exactly_once(world: World, smtp_sink: Any) -> None:
    loan = world.desk.check_out("C-ALICE", "L1", MONDAY, None)  # due Monday 23 March
    world.desk.check_out("C-ALICE", "L2", MONDAY, None)
    due = MONDAY + (loan.due_on - date(2026, 3, 2))
    for late in range(0, 60):  # every morning for two months, run twice each day
        for _ in range(2):
            send_reminders(world.engine, world.settings, due + days(late))
    assert levels_sent(smtp_sink, "alice@example.org") == ["1", "2", "3"]
    first = smtp_sink.messages_to("alice@example.org")[0]
    assert first["Subject"] == "Rappel : document(s) à rendre"
    body = first.get_body(("plain",)).get_content()
    assert "Politique de la ville" in body and "L1" in body and "L2" in body
    assert "7 jour(s) de retard" in body
    with world.engine.connect() as conn:
        rows = conn.execute(select(reminders.c.level, reminders.c.channel)).all()
    assert sorted(rows) == [(1, "email")] * 2 + [(2, "email")] * 2 + [(3, "email")] * 2


def test_a_down_server_delays_a_reminder_without_losing_or_doubling_it(
        world: World, smtp_sink: Any) -> None:
    loan = world.desk.check_out("C-BOB", "B3", MONDAY, None)
    late = MONDAY + (loan.due_on - date(2026, 3, 2)) + days(8)
    smtp_sink.stop()
    report = send_reminders(world.engine, world.settings, late)
    assert report.retried == 1 and report.emailed == 0
    smtp_sink.start()
    assert send_reminders(world.engine, world.settings, late + days(1)).emailed == 1
    assert send_reminders(world.engine, world.settings, late + days(2)).emailed == 0
    assert levels_sent(smtp_sink, "bob@example.org") == ["1"]


def test_dry_run_sends_nothing(world: World, smtp_sink: Any) -> None:
    world.desk.check_out("C-BOB", "B3", MONDAY, None)
    report = send_reminders(world.engine, world.settings, MONDAY + days(40), dry_run=True)
    assert [(p.level, p.name) for p in report.planned] == [(2, "Bob Durand")]
    assert smtp_sink.received == []


def test_borrowers_without_email_and_refused_addresses_get_letters(
        world: World, smtp_sink: Any) -> None:
    world.desk.check_out("C-CAROL", "L1", MONDAY, None)
    world.desk.check_out("C-FAY", "B3", MONDAY, None)  # partner rule: 42 days
    smtp_sink.refuse["fay@example.org"] = 550
    report = send_reminders(world.engine, world.settings, MONDAY + days(50))
    assert (report.letters, report.emailed) == (2, 0)
    letters = letters_to_print(world.engine, date(2026, 4, 21))
    assert sorted(p.letter.name for p in letters) == ["Carol Petit", "Fay Noir"]
    carol = next(p for p in letters if p.letter.name == "Carol Petit")
    assert carol.letter.level == 2 and "Lilas" in carol.letter.address
    assert mark_printed(world.engine, [i for p in letters for i in p.reminder_ids], MONDAY) == 2
    assert letters_to_print(world.engine, date(2026, 4, 21)) == []


def test_a_returned_reserved_copy_notifies_the_borrower_by_mail(
        world: World, smtp_sink: Any) -> None:
    world.desk.check_out("C-ALICE", "B3", MONDAY, None)
    world.desk.reserve(world.people["bob"].id, "crpv:2", MONDAY, None)
    world.desk.check_in("B3", MONDAY + days(1), None)
    assert outbox.drain(world.engine, world.settings.mail, MONDAY + days(1)).sent == 1
    mail = smtp_sink.messages_to("bob@example.org")[0]
    assert mail["Subject"] == "Votre réservation est disponible"
    assert "jusqu'au 08/03/2026" not in mail.get_body(("plain",)).get_content()  # Sunday: closed
    assert "jusqu'au 09/03/2026" in mail.get_body(("plain",)).get_content()


def test_reimport_keeps_loans_and_flags_items_gone_from_the_export(world: World) -> None:
    loan = world.desk.check_out("C-ALICE", "L1", MONDAY, None)
    added = desk_items.add(world.engine, world.settings.circulation, "crpv:1", "HAND1", MONDAY,
                           world.librarian.id, call_number="301 POL")
    records = catalogue_records()
    records[0] = book("1", "Politique de la ville : mode d'emploi (2e éd.)", item("L2"))
    records[1] = book("2", "Prévenir la délinquance des jeunes")  # B3 gone, never lent: deleted
    import_records(world.engine, records, now=MONDAY + days(1))
    with world.engine.connect() as conn:
        barcodes = set(conn.execute(select(items.c.barcode)).scalars())
    assert {"L1", "L2", "HAND1"} <= barcodes and "B3" not in barcodes
    flagged = desk_items.flagged(world.engine)
    assert [f.barcode for f in flagged] == ["L1"] and flagged[0].missing_since is not None
    assert flagged[0].title.endswith("(2e éd.)")
    back = world.desk.check_in("L1", MONDAY + days(2), None)
    assert back.loan is not None and back.loan.id == loan.id
    import_records(world.engine, catalogue_records(), now=MONDAY + days(3))  # L1 is back
    assert desk_items.flagged(world.engine) == []
    assert world.desk.check_out("C-ALICE", added.barcode, MONDAY, None).barcode == "HAND1"
