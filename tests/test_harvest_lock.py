"""One harvest of a source at a time, whoever starts it: the command, the scheduler, a thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from catalogue import scheduler
from catalogue.cli import main
from catalogue.folder_imports import process_folder
from catalogue.harvesting import harvest_reports, harvest_source
from catalogue.source_lock import SourceBusy, source_lock
from catalogue.store.harvest_tables import harvest_runs
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records
from tests.harvest_support import REPO, Sleeps, deployment, partner, stored


@pytest.fixture()
def repo() -> PartnerRepository:
    repository = PartnerRepository()
    for record in demo_records(30):
        repository.put(record, past=True)
    return repository


def hold_second_page(release: threading.Event, reached: threading.Event):  # type: ignore[no-untyped-def]
    def fault(n: int, params: dict[str, str]) -> object:
        if "resumptionToken" in params and not release.is_set():
            reached.set()
            release.wait(60)
            return 503, {"Retry-After": "0"}, b"busy"
        return None
    return fault


def test_second_process_is_refused_and_a_killed_holder_blocks_nothing(
        tmp_path: Path, repo: PartnerRepository) -> None:
    release, reached = threading.Event(), threading.Event()
    with PyoaiServer(repo, page_size=7) as server:
        server.fault = hold_second_page(release, reached)  # type: ignore[assignment]
        config, settings, engine = deployment(tmp_path, partner("p1", server.url,
                                                                schedule="0 2 * * *"))
        holder = subprocess.Popen(
            [sys.executable, "-m", "catalogue.cli", "--config", str(config), "harvest", "p1"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            assert reached.wait(60), holder.stderr.read() if holder.poll() is not None else "timeout"
            # The command, from this (other) process: refused, exit status 2, nothing recorded.
            result = CliRunner().invoke(main, ["--config", str(config), "harvest", "p1"])
            assert result.exit_code == 2
            assert "error: p1: already running (harvest by pid " in result.stderr
            assert f"pid {holder.pid} " in result.stderr
            # The scheduler's job: skipped with the same reason, the index left alone.
            line = scheduler.run_source(settings, engine, "p1", tmp_path / "index")
            assert line.startswith("skipped p1: already running") and "index" not in line
            with engine.connect() as conn:
                runs = conn.execute(select(harvest_runs.c.status)).scalars().all()
            assert runs == ["running"]  # the holder's run was not marked interrupted

            holder.send_signal(signal.SIGKILL)  # a crash: the kernel drops its lock
            holder.wait(10)
        finally:
            release.set()
            if holder.poll() is None:
                holder.kill()
        server.fault = None
        report = harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())
        assert report.status == "completed", report.message
        assert "resumed the unfinished harvest run 1" in report.message
    assert len(stored(engine, "p1")) == 30
    assert [r.status for r in harvest_reports(engine, "p1")] == ["completed", "interrupted"]


def test_two_threads_one_harvests_the_other_is_refused(tmp_path: Path,
                                                       repo: PartnerRepository) -> None:
    release, reached = threading.Event(), threading.Event()
    with PyoaiServer(repo, page_size=7) as server:
        server.fault = hold_second_page(release, reached)  # type: ignore[assignment]
        _, settings, engine = deployment(tmp_path, partner("p1", server.url))
        outcome: dict[str, object] = {}

        def first() -> None:
            outcome["first"] = harvest_source(engine, settings, settings.source("p1"),
                                              sleep=Sleeps())

        thread = threading.Thread(target=first)
        thread.start()
        try:
            assert reached.wait(30)
            with pytest.raises(SourceBusy, match="p1: already running"):
                harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())
        finally:
            release.set()
            thread.join(60)
    report = outcome["first"]
    assert getattr(report, "status", None) == "completed"
    assert len(stored(engine, "p1")) == 30
    # released: the next one runs
    harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())


def test_drop_folder_waits_for_a_harvest_of_the_same_source(tmp_path: Path) -> None:
    _, settings, engine = deployment(tmp_path, "", 'folder = "drop"')
    (tmp_path / "drop").mkdir()
    source = settings.source("crpv")
    with source_lock(settings.data_dir, "crpv", "import"), \
            pytest.raises(SourceBusy, match=r"crpv: already running \(import by pid"):
        process_folder(engine, settings, source, now=lambda: time.time() + 3600)
    assert process_folder(engine, settings, source) == []  # released on leaving the block


def test_import_of_a_source_being_written_is_refused(tmp_path: Path, demo_export: Path) -> None:
    config, settings, engine = deployment(tmp_path, "", 'folder = "drop"')
    with source_lock(settings.data_dir, "crpv", "drop-folder import"):
        result = CliRunner().invoke(main, ["--config", str(config), "import", str(demo_export),
                                           "--source", "crpv", "--full"])
    assert result.exit_code == 2
    assert "error: crpv: already running (drop-folder import by pid" in result.stderr
    assert stored(engine, "crpv") == {}
    result = CliRunner().invoke(main, ["--config", str(config), "import", str(demo_export),
                                       "--source", "crpv"])
    assert result.exit_code == 0, result.output
    assert len(stored(engine, "crpv")) == 2000
