"""The lending rules: due dates, limits and every refusal, with its French message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from catalogue.lending import closures, reminders
from catalogue.lending import items as desk_items
from catalogue.lending.refusals import Refusal
from catalogue.lending.rules import LoanRule, delete_rule, list_rules, rule_for, save_rule
from catalogue.toml_table import SettingsError
from tests.circulation_support import MONDAY, World, build, days, write_config


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    w = build(write_config(tmp_path))
    yield w
    w.engine.dispose()


def refused(fn: object, *args: object, **kwargs: object) -> Refusal:
    with pytest.raises(Refusal) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.message and caught.value.message[0].isupper()
    return caught.value


def test_due_date_from_the_default_rule_and_the_audit_log(world: World) -> None:
    loan = world.desk.check_out("C-ALICE", "L1", MONDAY, world.librarian.id)
    assert loan.due_on == date(2026, 3, 23)  # 21 days, a Monday: open
    assert loan.borrower == "Alice Martin" and loan.barcode == "L1"
    from catalogue.lending.audit import recent

    event = recent(world.engine)[0]
    assert (event.action, event.actor, event.barcode, event.borrower) == (
        "checkout", "Léa Biblio", "L1", "Alice Martin")


def test_specific_rules_win_over_wider_ones(world: World) -> None:
    with world.engine.connect() as conn:
        s = world.settings.circulation
        assert rule_for(conn, s, "student", "ga").category == "student"  # (cat, *) before (*, type)
        assert rule_for(conn, s, "pv", "ga").loan_days == 7
        assert rule_for(conn, s, "pv", "aa").id is None  # the configured default
    dvd = world.desk.check_out("C-ALICE", "D1", MONDAY, None)
    assert dvd.due_on == date(2026, 3, 9)
    partner = world.desk.check_out("C-FAY", "L1", MONDAY, None)
    assert partner.due_on == date(2026, 4, 13)


def test_closing_days_push_the_due_date(world: World) -> None:
    closures.set_closing_day(world.engine, date(2026, 3, 23), "Inventaire")
    closures.set_closing_day(world.engine, date(2026, 3, 24), "Inventaire")
    loan = world.desk.check_out("C-ALICE", "L1", MONDAY, None)
    assert loan.due_on == date(2026, 3, 25)
    # A Sunday (closed_weekdays = [7]) is pushed to Monday: 2026-03-01 + 21 = Sunday 22.
    sunday_start = MONDAY - days(1)
    loan2 = world.desk.check_out("C-ALICE", "L2", sunday_start, None)
    assert loan2.due_on == date(2026, 3, 23) + days(2)  # Monday 23 and Tuesday 24 are closed too
    assert [d.label for d in closures.list_closing_days(world.engine)] == ["Inventaire"] * 2


@pytest.mark.parametrize(("card", "code"), [("C-DAN", "suspended"), ("C-EVE", "expired"),
                                            ("C-NOBODY", "unknown_card"), ("", "empty"),
                                            ("L2", "item_as_card")])
def test_borrowers_who_may_not_borrow(world: World, card: str, code: str) -> None:
    refusal = refused(world.desk.check_out, card, "L1", MONDAY, None)
    assert refusal.code == code and refusal.field == "card"


@pytest.mark.parametrize(("barcode", "code", "words"), [
    ("S1", "on_site", "consultation sur place"),
    ("C1", "on_site", "consultation sur place"),
    ("R1", "unavailable", "indisponible"),
    ("ZZZ", "unknown_item", "Aucun exemplaire"),
    ("C-BOB", "card_as_item", "carte d'emprunteur"),
    ("P1", "unknown_item", "Aucun exemplaire"),  # a partner's item is not lent here
])
def test_items_that_may_not_go_home(world: World, barcode: str, code: str, words: str) -> None:
    refusal = refused(world.desk.check_out, "C-ALICE", barcode, MONDAY, None)
    assert refusal.code == code and words in refusal.message and refusal.field == "barcode"


def test_desk_states_refuse_the_loan_and_survive_a_reimport(world: World) -> None:
    desk_items.set_state(world.engine, world.settings.circulation, "L2", "lost", MONDAY,
                         world.librarian.id, "signalé par l'accueil")
    refusal = refused(world.desk.check_out, "C-ALICE", "L2", MONDAY, None)
    assert refusal.code == "item_state" and "Perdu" in refusal.message
    from tests.circulation_support import catalogue_records, import_records

    import_records(world.engine, catalogue_records())
    assert refused(world.desk.check_out, "C-ALICE", "L2", MONDAY, None).code == "item_state"


def test_max_loans_within_the_rule_scope(world: World) -> None:
    world.desk.check_out("C-BOB", "L1", MONDAY, None)
    world.desk.check_out("C-BOB", "B3", MONDAY, None)
    refusal = refused(world.desk.check_out, "C-BOB", "J1", MONDAY, None)
    assert refusal.code == "max_loans" and "(2, catégorie student" in refusal.message


def test_already_on_loan_to_someone_else_and_a_repeat(world: World) -> None:
    world.desk.check_out("C-ALICE", "L1", MONDAY, None)
    assert refused(world.desk.check_out, "C-FAY", "L1", MONDAY, None).code == "on_loan"
    repeat = refused(world.desk.check_out, "C-ALICE", "L1", MONDAY, None)
    assert repeat.code == "already_yours" and repeat.repeat


def test_renewals_then_exhausted_and_refused_when_reserved(world: World) -> None:
    loan = world.desk.check_out("C-ALICE", "B3", MONDAY, None)
    renewed = world.desk.renew(loan.id, MONDAY + days(3), None, expected_due=loan.due_on)
    assert renewed.due_on == date(2026, 4, 6) and renewed.renewals == 1  # +14 days
    again = refused(world.desk.renew, loan.id, MONDAY + days(4), None, expected_due=loan.due_on)
    assert again.code == "already_renewed"  # the same form submitted twice
    exhausted = refused(world.desk.renew, loan.id, MONDAY + days(4), None)
    assert exhausted.code == "renewals_exhausted" and "1 autorisée" in exhausted.message
    dvd = world.desk.check_out("C-ALICE", "D1", MONDAY, None)
    assert refused(world.desk.renew, dvd.id, MONDAY, None).code == "renewals_exhausted"
    other = world.desk.check_out("C-FAY", "L1", MONDAY, None)
    world.desk.check_out("C-ALICE", "L2", MONDAY, None)
    world.desk.reserve(world.people["bob"].id, "crpv:1", MONDAY, None)
    refusal = refused(world.desk.renew, other.id, MONDAY, None)
    assert refusal.code == "reserved" and "réservé par un autre emprunteur" in refusal.message


def test_late_loans_and_other_borrowers_loans_cannot_be_renewed(world: World) -> None:
    loan = world.desk.check_out("C-ALICE", "L1", MONDAY, None)
    assert refused(world.desk.renew, loan.id, MONDAY + days(30), None).code == "late"
    sneaky = refused(world.desk.renew, loan.id, MONDAY, None, borrower_id=world.people["bob"].id)
    assert sneaky.code == "unknown_loan"


def test_reservation_queue_hold_on_return_and_fulfilment(world: World) -> None:
    alice, bob, fay = (world.people[n] for n in ("alice", "bob", "fay"))
    assert refused(world.desk.reserve, bob.id, "crpv:2", MONDAY, None).code == "available"
    world.desk.check_out("C-ALICE", "B3", MONDAY, None)
    assert refused(world.desk.reserve, alice.id, "crpv:2", MONDAY, None).code == "already_borrowed"
    first = world.desk.reserve(bob.id, "crpv:2", MONDAY, None)
    world.desk.reserve(fay.id, "crpv:2", MONDAY + days(1), None)
    assert refused(world.desk.reserve, bob.id, "crpv:2", MONDAY, None).code == "already_reserved"
    back = world.desk.check_in("B3", MONDAY + days(2), world.librarian.id)
    assert back.hold is not None and back.hold.id == first.id and back.hold.borrower == "Bob Durand"
    assert back.hold.held_until == date(2026, 3, 9)  # Wednesday 4 + 5 days: Monday, open
    taken = refused(world.desk.check_out, "C-FAY", "B3", MONDAY + days(2), None)
    assert taken.code == "reserved" and "Bob Durand" in taken.message
    world.desk.check_out("C-BOB", "B3", MONDAY + days(3), None)  # fulfils Bob's reservation
    from catalogue.lending.reservations import of_person, queue

    assert of_person(world.engine, bob.id) == []
    assert [r.borrower for r in queue(world.engine, first.record_id)] == ["Fay Noir"]


def test_cancel_passes_the_copy_on_and_holds_expire(world: World) -> None:
    bob, fay = world.people["bob"], world.people["fay"]
    world.desk.check_out("C-ALICE", "B3", MONDAY, None)
    first = world.desk.reserve(bob.id, "crpv:2", MONDAY, None)
    world.desk.reserve(fay.id, "crpv:2", MONDAY, None)
    world.desk.check_in("B3", MONDAY, None)
    nxt = world.desk.cancel(first.id, MONDAY, None, borrower_id=bob.id)
    assert nxt is not None and nxt.borrower == "Fay Noir"
    assert refused(world.desk.cancel, nxt.id, MONDAY, None, borrower_id=bob.id).code == (
        "unknown_reservation")  # not Bob's
    assert world.desk.expire_holds(MONDAY + days(20)) == 1
    assert refused(world.desk.check_in, "B3", MONDAY, None).code == "not_on_loan"


def test_limits_on_reservations_and_on_site_records(world: World) -> None:
    bob = world.people["bob"]
    world.desk.check_out("C-ALICE", "B3", MONDAY, None)
    world.desk.check_out("C-ALICE", "D1", MONDAY, None)
    world.desk.reserve(bob.id, "crpv:2", MONDAY, None)
    assert refused(world.desk.reserve, bob.id, "crpv:3", MONDAY, None).code == "max_reservations"
    assert refused(world.desk.reserve, bob.id, "crpv:4", MONDAY, None).code == "on_site"
    assert refused(world.desk.reserve, world.people["dan"].id, "crpv:2", MONDAY, None).code == (
        "suspended")


def test_rules_are_edited_and_checked(world: World) -> None:
    assert len(list_rules(world.engine)) == 3
    saved = save_rule(world.engine, LoanRule("pv", "aa", 28, 8, 2, 14, 4))
    assert world.desk.check_out("C-ALICE", "L1", MONDAY, None).due_on == date(2026, 3, 30)
    assert refused(save_rule, world.engine, LoanRule("pv", "aa", 0, 8, 2, 14, 4)).field == "loan_days"
    assert saved.id is not None
    delete_rule(world.engine, saved.id)
    assert len(list_rules(world.engine)) == 3


def test_reminder_levels_from_the_delays() -> None:
    assert [reminders.level_for(d, (7, 21, 42)) for d in (0, 6, 7, 20, 21, 42, 99)] == [
        0, 0, 1, 1, 2, 3, 3]


def test_circulation_settings_are_checked(tmp_path: Path) -> None:
    settings = write_config(tmp_path)
    assert settings.circulation.sources == ("crpv",)
    assert settings.circulation.closed_weekdays == (7,)
    bad = (tmp_path / "config.toml").read_text().replace("reminder_days = [7, 21, 42]",
                                                         "reminder_days = [21, 7, 42]")
    (tmp_path / "config.toml").write_text(bad)
    from catalogue.settings import load

    with pytest.raises(SettingsError, match="circulation.reminder_days"):
        load(tmp_path / "config.toml", env={})


def _demo_combinations() -> list[tuple[str, tuple[str, str, int, str]]]:
    from catalogue.demo.vocabulary import ITEM_TYPES, STATUSES

    types = sorted({code for code, *_ in ITEM_TYPES.values()} | {"uu"})
    return [(t, s) for t in types for s in STATUSES]


@pytest.mark.parametrize(("item_type", "status"), _demo_combinations(),
                         ids=lambda v: v if isinstance(v, str) else v[1])
def test_every_item_type_and_status_of_the_demo_data(world: World, item_type: str,
                                                     status: tuple[str, str, int, str]) -> None:
    """The demo export's 995$r codes x PMB statuses (label, 995$o, id, 996 pret_flag)."""
    from tests.circulation_support import book, import_records, item

    label, code, _, flag = status
    import_records(world.engine, [book("demo", "Notice de démonstration",
                                       item("DEMO1", item_type, code, label, flag == "1"))])
    if code in ("d", "n"):
        loan = world.desk.check_out("C-ALICE", "DEMO1", MONDAY, None)
        assert loan.due_on == (date(2026, 3, 9) if item_type == "ga" else date(2026, 3, 23))
    else:
        expected = "on_site" if code == "c" else "unavailable"
        assert refused(world.desk.check_out, "C-ALICE", "DEMO1", MONDAY, None).code == expected
