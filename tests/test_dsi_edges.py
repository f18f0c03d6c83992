"""Bad input and edge cases of runs; the command line and the scheduler job."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from sqlalchemy import select, update

from catalogue import scheduler
from catalogue.cli import main
from catalogue.dsi import profiles, subscribers
from catalogue.dsi.equations import EquationError, parse
from catalogue.dsi.profiles import ProfileError
from catalogue.dsi.schedule import Periodicity
from catalogue.store.dsi_tables import dsi_deliveries, dsi_equations, dsi_profiles
from tests.dsi_support import MONDAY, days, ingest, person, record, run, setup, text_part

PARIS = ZoneInfo("Europe/Paris")


def test_periodicities() -> None:
    monday = datetime(2026, 3, 2, 6, tzinfo=UTC)
    weekly = Periodicity("weekly", weekday=0)
    assert weekly.is_due(monday - days(6), monday, PARIS)
    assert not weekly.is_due(monday - days(0.1), monday + days(3), PARIS)
    assert weekly.is_due(monday - days(6), monday + days(1), PARIS)  # Tuesday catches up
    monthly = Periodicity("monthly", month_day=31)
    feb = datetime(2026, 2, 28, 6, tzinfo=UTC)
    assert monthly.is_due(feb - days(3), feb, PARIS)  # the 31st is the month's last day
    assert not monthly.is_due(feb, feb + days(1), PARIS)
    every = Periodicity("every", every_days=3)
    assert not every.is_due(monday, monday + days(2), PARIS)
    assert every.is_due(monday, monday + days(3), PARIS)


def test_equations_that_no_longer_parse() -> None:
    assert parse("http://x/recherche?q=jeunesse&doctype=a&page=2").params() == "q=jeunesse&doctype=a"
    with pytest.raises(EquationError, match="ne peut plus être interprétée"):
        parse("q=jeunesse&theme=ancien")
    with pytest.raises(EquationError):
        parse("q=" + "x" * 3000)


def test_broken_equation_skips_its_profile_only(config_path: Path, smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    who = person(engine, "a@example.org", start)
    good = profiles.save_list(engine, start, slug="bonne", name="Bonne",
                              equation_params=["q=jeunesse"])
    bad = profiles.save_list(engine, start, slug="cassee", name="Cassée",
                             equation_params=["q=jeunesse"])
    with engine.begin() as conn:  # a facet renamed since the equation was saved
        conn.execute(update(dsi_equations).where(dsi_equations.c.profile_id == bad.id)
                     .values(params="q=jeunesse&ancienfacette=x"))
    for p in (good, bad):
        profiles.subscribe(engine, start, who.id, p.id)
    ingest(engine, [record("Jeunesse")], MONDAY - days(1))
    report = run(engine, settings, MONDAY)
    assert report.sent == 1 and any("ancienfacette" in p for p in report.problems)
    [msg] = smtp_sink.messages_to("a@example.org")
    assert "== Bonne" in text_part(msg) and "Cassée" not in text_part(msg)
    assert "ancienfacette" in (profiles.get(engine, bad.id) or good).problem
    with engine.begin() as conn:  # repaired: it catches up on what it missed
        conn.execute(update(dsi_equations).where(dsi_equations.c.profile_id == bad.id)
                     .values(params="q=jeunesse"))
    run(engine, settings, MONDAY + days(7))
    last = smtp_sink.messages_to("a@example.org")[-1]
    assert "== Cassée" in text_part(last) and (profiles.get(engine, bad.id) or good).problem == ""


def test_header_injection_and_no_empty_mail(config_path: Path, smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    with pytest.raises(ProfileError):
        profiles.save_list(engine, start, slug="x", name="Liste\r\nBcc: victim@example.org")
    with pytest.raises(ProfileError):
        profiles.create_alert(engine, start, 1, name="A\nBcc: v@example.org", params="q=a")
    who = person(engine, "a@example.org", start)
    listed = profiles.save_list(engine, start, slug="x", name="Liste", equation_params=["q=a"])
    profiles.subscribe(engine, start, who.id, listed.id)
    empty = profiles.save_list(engine, start, slug="vide", name="Sans abonnés",
                               equation_params=["q=jeunesse"])
    assert run(engine, settings, MONDAY).digests == 0  # nothing new: no mail at all
    assert smtp_sink.received == []
    with engine.begin() as conn:  # a name written behind the form's back
        conn.execute(update(dsi_profiles).where(dsi_profiles.c.id == listed.id)
                     .values(name="Liste\r\nBcc: victim@example.org"))
    ingest(engine, [record("Un document a lire", subjects=["a"])], MONDAY + days(1))
    report = run(engine, settings, MONDAY + days(7))
    assert report.refused == 1 and smtp_sink.received == []
    with engine.connect() as conn:
        assert conn.execute(select(dsi_deliveries.c.status)).scalars().all() == ["refused"]
    assert empty.id  # a list without subscribers sends nothing either


def test_csv_import_reports_bad_lines(config_path: Path) -> None:
    settings, engine = setup(config_path)
    listed = profiles.save_list(engine, MONDAY, slug="x", name="Liste")
    person(engine, "deja@example.org", MONDAY)
    text = ("email;name;language\n"
            "nouvelle@example.org;Zoé Ñúñez;en\n"
            "pas-une-adresse;X;fr\n"
            "DEJA@example.org;;fr\n"
            "injection@example.org;\"Eve\r\nBcc: v@example.org\";fr\n")
    report = subscribers.import_csv(engine, MONDAY, text, listed.id)
    assert (report.created, report.subscribed) == (1, 2)
    assert [n for n, _ in report.problems] == [3, 5]
    assert {s.email for s in profiles.subscribers(engine, listed.id)} == {
        "nouvelle@example.org", "deja@example.org"}


def test_cli_dry_run_and_scheduler_job(config_path: Path) -> None:
    settings, engine = setup(config_path)
    who = person(engine, "a@example.org", datetime(2020, 1, 1, tzinfo=UTC))
    listed = profiles.save_list(engine, datetime(2020, 1, 1, tzinfo=UTC), slug="tout",
                                name="Tout", equation_params=["doctype=a"],
                                periodicity=Periodicity("daily"))
    profiles.subscribe(engine, datetime(2020, 1, 1, tzinfo=UTC), who.id, listed.id)
    ingest(engine, [record("Un document")], datetime(2020, 1, 2, tzinfo=UTC))
    result = CliRunner().invoke(main, ["--config", str(config_path), "dsi", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would send to a@example.org: 1 records" in result.output
    assert "dsi (dry run)" in result.output
    listing = CliRunner().invoke(main, ["--config", str(config_path), "dsi", "lists"])
    assert "tout" in listing.output and "1 subscribers" in listing.output
    profiles.close_list(engine, datetime(2020, 1, 3, tzinfo=UTC), listed.id)
    listing = CliRunner().invoke(main, ["--config", str(config_path), "dsi", "lists"])
    assert "[closed 2020-01-03]" in listing.output
    closed = CliRunner().invoke(main, ["--config", str(config_path), "dsi", "run", "--list",
                                       "tout"])
    assert closed.exit_code == 2 and "no active list 'tout'" in closed.output
    sched = BackgroundScheduler()
    scheduler.add_dsi_job(sched, settings, engine)
    assert [j.id for j in sched.get_jobs()] == ["dsi:run"]
    off = dataclasses.replace(settings, dsi=dataclasses.replace(settings.dsi, enabled=False))
    sched2 = BackgroundScheduler()
    scheduler.add_dsi_job(sched2, off, engine)
    assert sched2.get_jobs() == []


def test_dsi_run_as_of_a_moment_and_its_exit_status(config_path: Path, smtp_sink: Any) -> None:
    """`dsi run` exited 0 with the SMTP server down ("0 sent, 2 to retry"): cron could
    not see it. Now: 0 when every digest went, 3 when some remain to retry; --now runs
    as of a given moment."""
    settings, engine = setup(config_path)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    who = person(engine, "a@example.org", start)
    listed = profiles.save_list(engine, start, slug="tout", name="Tout",
                                equation_params=["doctype=a"], periodicity=Periodicity("daily"))
    profiles.subscribe(engine, start, who.id, listed.id)
    ingest(engine, [record("Un document")], datetime(2020, 1, 2, tzinfo=UTC))

    def dsi_run(now: str, port: int) -> Any:
        return CliRunner().invoke(main, ["--config", str(config_path), "dsi", "run",
                                         "--now", now], env={"CATALOGUE_SMTP_PORT": str(port)})

    smtp_sink.stop()  # the server is down
    down = dsi_run("2020-01-03", smtp_sink.port)
    assert down.exit_code == 3 and "1 to retry" in down.output, down.output
    smtp_sink.start()
    up = dsi_run("2020-01-03T09:00", smtp_sink.port)
    assert up.exit_code == 0 and "1 sent" in up.output, up.output
    assert len(smtp_sink.messages_to("a@example.org")) == 1
    bad = CliRunner().invoke(main, ["--config", str(config_path), "dsi", "run", "--now",
                                    "2020-02-30"])
    assert bad.exit_code == 2 and "--now '2020-02-30' is not a date" in bad.output


def test_a_new_subscriber_gets_nothing_published_before_they_subscribed(
        config_path: Path, smtp_sink: Any) -> None:
    """The 60-minute margin reached back past a brand-new subscription: someone who joined
    at 05:07 got the records imported at 05:04-05:05, already in the list's issue 1."""
    from datetime import timedelta
    settings, engine = setup(config_path, smtp_sink)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    listed = profiles.save_list(engine, start, slug="tout", name="Tout",
                                equation_params=["doctype=a"], periodicity=Periodicity("daily"))
    old = person(engine, "ancien@example.org", start)
    profiles.subscribe(engine, start, old.id, listed.id)
    joined = datetime(2020, 1, 2, 5, 7, tzinfo=UTC)
    ingest(engine, [record("Avant l'inscription")], joined - timedelta(minutes=3))
    new = person(engine, "nouveau@example.org", joined)
    profiles.subscribe(engine, joined, new.id, listed.id)
    ingest(engine, [record("Après l'inscription")], joined + timedelta(minutes=30))
    report = run(engine, settings, datetime(2020, 1, 3, 7, tzinfo=UTC))
    assert report.sent == 2, report
    [to_old] = smtp_sink.messages_to("ancien@example.org")
    [to_new] = smtp_sink.messages_to("nouveau@example.org")
    assert "Avant l'inscription" in text_part(to_old)
    assert "Après l'inscription" in text_part(to_new)
    assert "Avant l'inscription" not in text_part(to_new)


def test_issues_and_digests_list_a_work_held_by_two_centres_once(
        config_path: Path, smtp_sink: Any) -> None:
    """Issue 1 of a list had 475 records for 437 works: a book held by two centres twice."""
    from catalogue import union
    from catalogue.records import Identifier, Record, Title
    settings, engine = setup(config_path, smtp_sink)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    listed = profiles.save_list(engine, start, slug="tout", name="Tout",
                                equation_params=["q=quartiers"], periodicity=Periodicity("daily"))
    who = person(engine, "a@example.org", start)
    profiles.subscribe(engine, start, who.id, listed.id)

    def book(source: str, sid: str) -> Record:
        return Record(source=source, source_id=sid, title=Title("Les quartiers prioritaires"),
                      identifiers=(Identifier(scheme="isbn", value="9782707154545"),))

    when = datetime(2020, 1, 2, tzinfo=UTC)
    ingest(engine, [book("partner", "p-7")], when, source="partner")
    ingest(engine, [book("crpv", "c-1"), record("Quartiers et jeunesse")], when)
    union.refresh(engine, "partner")
    union.refresh(engine, "crpv")
    report = run(engine, settings, datetime(2020, 1, 3, 7, tzinfo=UTC))
    assert report.issues == [("tout", 1, 2)], report.issues  # two works, not three records
    [mail] = smtp_sink.messages_to("a@example.org")
    text = text_part(mail)
    assert text.count("Les quartiers prioritaires") == 1 and "/notice/crpv/c-1" in text
    assert "(2 nouveaux documents)" in text


def test_a_work_sent_once_is_not_sent_again_through_a_later_twin(
        config_path: Path, smtp_sink: Any) -> None:
    """A partner catalogues a book the centre's subscribers already received: the twin is a
    new record but not a new document, in the alerts as in the list's next issue."""
    from catalogue import union
    from catalogue.records import Identifier, Record, Title
    settings, engine = setup(config_path, smtp_sink)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    listed = profiles.save_list(engine, start, slug="tout", name="Tout",
                                equation_params=["q=quartiers"], periodicity=Periodicity("daily"))
    who = person(engine, "a@example.org", start)
    profiles.subscribe(engine, start, who.id, listed.id)

    def book(source: str, sid: str) -> Record:
        return Record(source=source, source_id=sid, title=Title("Les quartiers prioritaires"),
                      identifiers=(Identifier(scheme="isbn", value="9782707154545"),))

    ingest(engine, [book("crpv", "c-1")], datetime(2020, 1, 2, tzinfo=UTC))
    union.refresh(engine, "crpv")
    first = run(engine, settings, datetime(2020, 1, 3, 7, tzinfo=UTC))
    assert first.issues == [("tout", 1, 1)] and first.sent == 1, first
    ingest(engine, [book("partner", "p-7"), record("Quartiers et jeunesse")],
           datetime(2020, 1, 3, 12, tzinfo=UTC), source="partner")
    union.refresh(engine, "partner")
    second = run(engine, settings, datetime(2020, 1, 4, 7, tzinfo=UTC))
    assert second.issues == [("tout", 2, 1)], second.issues  # only the new work
    mails = smtp_sink.messages_to("a@example.org")
    assert len(mails) == 2
    text = text_part(mails[1])
    assert "Quartiers et jeunesse" in text
    assert "Les quartiers prioritaires" not in text, text
