"""``catalogue circulation``: reminders (dry run and real, through aiosmtpd), rules, closing
days, borrowers CSV; and the scheduler's morning job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from catalogue import scheduler
from catalogue.cli import main
from catalogue.people import accounts
from tests.circulation_support import MONDAY, build, write_config


def run(config: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_reminders_rules_closed_and_borrowers(tmp_path: Path, smtp_sink: Any) -> None:
    world = build(write_config(tmp_path, smtp_port=smtp_sink.port))
    config = tmp_path / "config.toml"
    # Loans made long ago are overdue today, whatever today is.
    world.desk.check_out("C-BOB", "B3", MONDAY.replace(year=2020), None)
    dry = run(config, "circulation", "reminders", "--dry-run")
    assert dry.exit_code == 0 and "level 3  Bob Durand <bob@example.org>  B3" in dry.output
    assert smtp_sink.received == []
    real = run(config, "circulation", "reminders")
    assert "1 emailed" in real.output and len(smtp_sink.received) == 1
    assert "0 emailed" in run(config, "circulation", "reminders").output

    rules = run(config, "circulation", "rules", "--set", "pv", "aa", "--loan-days", "30")
    assert rules.exit_code == 0 and "pv           aa         30" in rules.output
    assert "(config.toml default)" in rules.output
    bad = CliRunner().invoke(main, ["--config", str(config), "circulation", "rules", "--set",
                                    "pv", "aa", "--loan-days", "0"])
    assert bad.exit_code == 2 and "loan_days" in bad.output

    closed = run(config, "circulation", "closed", "--add", "2099-12-25", "--label", "Noël")
    assert "2099-12-25  Noël" in closed.output

    csv_file = tmp_path / "lecteurs.csv"
    csv_file.write_text("card;name;email;category;expires_on\n"
                        "C-NEW;Nina Neuve;nina@example.org;pv;31/12/2027\n"
                        "C-BOB;Bob Durand;;student;2028-06-30\n"
                        ";Sans carte;;pv;\n"
                        "C-X;Mauvaise catégorie;;zzz;\n", encoding="utf-8")
    done = CliRunner().invoke(main, ["--config", str(config), "circulation",
                                     "borrowers", str(csv_file)])
    assert "borrowers: 1 created, 1 updated, 2 rejected" in done.output
    assert "line 4: Numéro de carte manquant." in done.stderr
    assert "line 5: Catégorie inconnue : zzz." in done.stderr
    nina = accounts.by_card(world.engine, "C-NEW")
    assert nina is not None and nina.category == "pv" and str(nina.expires_on) == "2027-12-31"
    world.engine.dispose()


def test_the_scheduler_has_a_morning_job(tmp_path: Path) -> None:
    settings = write_config(tmp_path)
    sched = BackgroundScheduler()
    scheduler.add_circulation_job(sched, settings, None)  # type: ignore[arg-type]
    job = next(j for j in sched.get_jobs() if j.id == "circulation:morning")
    assert "hour='7', minute='0'" in str(job.trigger)
    assert str(job.trigger.timezone) == "Europe/Paris"


def test_reminders_as_of_a_day_and_exit_3_when_mails_wait(tmp_path: Path,
                                                           smtp_sink: Any) -> None:
    world = build(write_config(tmp_path, smtp_port=smtp_sink.port))
    config = tmp_path / "config.toml"
    world.desk.check_out("C-BOB", "B3", MONDAY, None)  # due in some weeks from MONDAY
    early = run(config, "circulation", "reminders", "--dry-run", "--now",
                MONDAY.date().isoformat())
    assert early.exit_code == 0 and "0 reminder(s) due" in early.output
    late = (MONDAY.replace(year=MONDAY.year + 1)).date().isoformat()
    smtp_sink.stop()
    down = run(config, "circulation", "reminders", "--now", late)
    assert down.exit_code == 3 and "1 to retry tomorrow" in down.output, down.output
    smtp_sink.start()
