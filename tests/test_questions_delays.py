"""Working days on the desk's calendar, the ``[questions]`` settings, the migration."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalogue.lending.closures import set_closing_day
from catalogue.lending.settings import CirculationSettings
from catalogue.questions import delays, tables  # noqa: F401 - the tables' metadata
from catalogue.settings import SettingsError, load
from catalogue.store import database
from catalogue.store.tables import metadata
from tests.stores import store_url

DESK = CirculationSettings(closed_weekdays=(7,))  # the desk opens on Saturdays: we do not


def test_working_days_skip_weekends_and_closing_days(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "d"))
    set_closing_day(engine, date(2026, 3, 6), "Inventaire")
    set_closing_day(engine, date(2026, 4, 6), "Lundi de Pâques")
    with engine.connect() as conn:
        wednesday = date(2026, 3, 4)
        assert delays.add_working_days(conn, wednesday, 1, DESK) == date(2026, 3, 5)
        assert delays.add_working_days(conn, wednesday, 2, DESK) == date(2026, 3, 9)
        assert delays.add_working_days(conn, wednesday, 5, DESK) == date(2026, 3, 12)
        assert delays.add_working_days(conn, wednesday, 0, DESK) == wednesday
        # Asked on a Saturday: Monday is the first working day.
        assert delays.add_working_days(conn, date(2026, 3, 7), 1, DESK) == date(2026, 3, 9)
        # Across Easter Monday (a declared closing day) and the weekend before it.
        assert delays.add_working_days(conn, date(2026, 4, 2), 2, DESK) == date(2026, 4, 7)
        assert delays.subtract_working_days(conn, date(2026, 3, 12), 2, DESK) == date(2026, 3, 10)
        assert delays.subtract_working_days(conn, date(2026, 3, 9), 1, DESK) == date(2026, 3, 5)
        assert delays.working_days_between(conn, wednesday, date(2026, 3, 12), DESK) == 5
        assert delays.working_days_between(conn, date(2026, 3, 12), wednesday, DESK) == 0


BASE = """
[catalogue]
name = "Test"
[store]
url = "sqlite:///var/t.db"
"""


@pytest.mark.parametrize(("table", "words"), [
    ("delay_days = 0", "between 1 and 120"),
    ("delay_days = \"dix\"", "delay_days"),
    ("keep_months = 1000", "between 1 and 120"),
    ("reminder_days = -1", "between 0 and 60"),
    ("delai = 3", "delai"),
])
def test_questions_settings_are_checked(tmp_path: Path, table: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE + "[questions]\n" + table + "\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=words):
        load(path, env={})


def test_questions_settings_defaults_and_values(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE, encoding="utf-8")
    assert load(path, env={}).questions.delay_days == 10
    path.write_text(BASE + "[questions]\ndelay_days = 15\nkeep_months = 36\n", encoding="utf-8")
    found = load(path, env={}).questions
    assert (found.delay_days, found.keep_months, found.reminder_days) == (15, 36, 2)


def test_the_repository_config_toml_loads() -> None:
    found = load(Path(__file__).resolve().parents[1] / "config.toml", env={}).questions
    assert found.delay_days == 10 and found.keep_months == 24


def test_migration_matches_the_tables_and_goes_down_and_up(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "m"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "question" in repr(d)] == []
    command.downgrade(database.alembic_config(engine), "0012_index_refresh")
    assert not [t for t in inspect(engine).get_table_names() if t.startswith("question")]
    command.upgrade(database.alembic_config(engine), "head")
    assert {"questions", "question_events", "question_references"} <= set(
        inspect(engine).get_table_names())


def test_the_scheduler_has_a_questions_morning_job(tmp_path: Path) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from catalogue import scheduler
    from tests.circulation_support import write_config

    sched = BackgroundScheduler()
    scheduler.add_questions_job(sched, write_config(tmp_path), None)  # type: ignore[arg-type]
    [job] = sched.get_jobs()
    assert job.id == "questions:morning" and "hour='7', minute='5'" in str(job.trigger)
    assert str(job.trigger.timezone) == "Europe/Paris"
