"""The ``[veille]`` table: defaults, bounds, unknown keys refused; and migration
0018_veille creating exactly the veille tables of the metadata, down and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from catalogue.settings import SettingsError, load
from catalogue.store import database
from catalogue.store.tables import metadata
from catalogue.veille import tables  # noqa: F401
from catalogue.veille.settings import VeilleSettings
from tests.stores import store_url

BASE = '[catalogue]\nname = "Centre"\n'
TABLES = {"veille_sources", "veille_items", "veille_rules"}


def settings_of(tmp_path: Path, text: str) -> VeilleSettings:
    path = tmp_path / "config.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return load(path, env={}).veille


def test_defaults_and_values(tmp_path: Path) -> None:
    assert settings_of(tmp_path, "") == VeilleSettings()
    read = settings_of(tmp_path, "[veille]\nkeep_months = 3\nfailing_days = 5\n"
                                 "max_kilobytes = 2048\nhost_delay_seconds = 0\n")
    assert (read.keep_months, read.failing_days, read.max_kilobytes,
            read.host_delay_seconds) == (3, 5, 2048, 0)


@pytest.mark.parametrize(("text", "words"), [
    ("keep_months = 0", "veille.keep_months' must be between 1 and 240"),
    ("max_kilobytes = 1", "veille.max_kilobytes' must be between"),
    ("failing_days = \"3\"", "must be an integer"),
    ("timeout_secondes = 3", "unknown key 'veille.timeout_secondes' (did you mean "
                             "'veille.timeout_seconds'?)"),
])
def test_bad_values_are_refused(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(SettingsError, match=None) as caught:
        settings_of(tmp_path, f"[veille]\n{text}\n")
    assert words in str(caught.value)


def test_the_repository_config_reads(tmp_path: Path) -> None:
    shipped = load(Path(__file__).parent.parent / "config.toml", env={}).veille
    assert shipped.keep_months == 12 and shipped.max_kilobytes == 5120


def test_migration_matches_metadata(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "m"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "veille" in repr(d)] == []
    command.downgrade(database.alembic_config(engine), "0017_selections")
    assert not TABLES & set(inspect(engine).get_table_names())
    command.upgrade(database.alembic_config(engine), "head")
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_the_scheduler_job_fetches_due_sources(tmp_path: Path) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from catalogue import scheduler
    from catalogue.clock import utcnow
    from catalogue.veille import sources
    from tests.veille_feeds import FeedServer, Route, rss2
    from tests.veille_support import items, setup

    settings, engine = setup(tmp_path, host_delay_seconds=0)
    sched = BackgroundScheduler()
    scheduler.add_veille_job(sched, settings, engine)
    [job] = sched.get_jobs()
    assert job.id == "veille:fetch" and "interval[0:30:00]" in str(job.trigger)
    with FeedServer() as server:
        server.routes["/f"] = Route(rss2([{"title": "Décret n° 2026-1", "link": "http://jo.test/1"}]))
        sources.declare(engine, utcnow(), name="JO", url=server.url + "/f")
        job.func()  # what the scheduler runs every check_minutes
    assert [r.title for r in items(engine)] == ["Décret n° 2026-1"]


def test_the_veille_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from catalogue.cli import main
    from catalogue.clock import utcnow
    from catalogue.veille import sources
    from tests.veille_feeds import FeedServer, Route, rss2
    from tests.veille_support import setup

    settings, engine = setup(tmp_path)
    config = str(settings.path)
    with FeedServer() as server:
        server.routes["/f"] = Route(rss2([{"title": "Arrêté du 2 mars", "link": "http://jo.test/2"}]))
        server.routes["/bad"] = Route(b"<rss", status=200)
        sources.declare(engine, utcnow(), name="JO", url=server.url + "/f")
        sources.declare(engine, utcnow(), name="Cassée", url=server.url + "/bad")
        fetched = CliRunner().invoke(main, ["--config", config, "veille", "fetch"])
        assert fetched.exit_code == 3, fetched.output  # a source failed: said by the status
        assert "JO: ok, 1 new" in fetched.output and "Cassée: error - " in fetched.output
        again = CliRunner().invoke(main, ["--config", config, "veille", "fetch", "--source", "1"])
        assert again.exit_code == 0, again.output  # the good one alone: all done
        unknown = CliRunner().invoke(main, ["--config", config, "veille", "fetch", "--source", "9"])
        assert unknown.exit_code != 0 and "no watch source 9" in unknown.output
    listed = CliRunner().invoke(main, ["--config", config, "veille", "sources"])
    assert "1\tJO\tfeed\tok" in listed.output and "2\tCassée\tfeed\terror" in listed.output
    retired = CliRunner().invoke(main, ["--config", config, "veille", "expire"])
    assert retired.exit_code == 0 and "0 entries retired" in retired.output
