"""A harvest process killed between pages, then run again: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from catalogue.harvesting import harvest_reports, harvest_source
from catalogue.store.harvest_tables import harvest_runs
from catalogue.store.tables import import_problems, records
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records
from tests.harvest_support import REPO, Sleeps, as_dc, deployment, partner, stored


def _held_repository() -> tuple[PartnerRepository, threading.Event, Any]:
    """60 partner records, and a fault that holds the fourth page until released."""
    repo = PartnerRepository()
    for record in demo_records(60):
        repo.put(record, past=True)
    release = threading.Event()

    def hold_fourth_page(n: int, params: dict[str, str]) -> object:
        if "cursor%3D21" in params.get("resumptionToken", "").replace("=", "%3D"):
            release.wait(60)
            return 503, {"Retry-After": "1"}, b"gone"
        return None

    return repo, release, hold_fourth_page


def _harvest_until_three_pages(config: Path, engine: Any) -> subprocess.Popen[bytes]:
    """`catalogue harvest p1` in a child process, returned once three pages are stored."""
    child = subprocess.Popen(
        [sys.executable, "-m", "catalogue.cli", "--config", str(config), "harvest", "p1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 60
    pages = 0
    while time.monotonic() < deadline and pages < 3:
        time.sleep(0.05)
        with engine.connect() as conn:
            pages = conn.execute(select(func.max(harvest_runs.c.pages))).scalar() or 0
    if pages != 3:
        child.kill()
        raise AssertionError(child.stderr.read() if child.stderr else "timeout")
    return child


def test_killed_between_pages_resumes_from_checkpoint(tmp_path: Path) -> None:
    repo, release, hold_fourth_page = _held_repository()
    with PyoaiServer(repo, page_size=7) as server:
        server.fault = hold_fourth_page
        config, settings, engine = deployment(tmp_path, partner("p1", server.url))
        child = _harvest_until_three_pages(config, engine)
        try:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        finally:
            release.set()
            if child.poll() is None:
                child.kill()
        assert child.returncode == -signal.SIGKILL
        assert len(stored(engine, "p1")) == 21  # the three committed pages are kept

        server.fault = None
        before = len(server.requests)
        report = harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())
        assert report.status == "completed", report.message
        assert "resumed the unfinished harvest run 1" in report.message
        first_list = next(r for r in server.requests[before:] if r.get("verb") == "ListRecords")
        third_page_last = sorted(e.datestamp for e in repo.entries.values())[20]
        assert first_list["from"] == third_page_last.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert report.added == 39 and report.unchanged == 1  # the overlap is re-read, not re-added

    want = {i: as_dc(r, "p1", i) for i, r in repo.live().items()}
    assert stored(engine, "p1") == want
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar() == 60
        assert not conn.execute(select(import_problems.c.message)
                                .where(import_problems.c.message.like("%more than once%"))).first()
    runs = harvest_reports(engine, "p1")
    assert [r.status for r in runs] == ["completed", "interrupted"]
    # the watermark is the start of the killed run (the chain's first), not of the resume
    with engine.connect() as conn:
        starts = conn.execute(select(harvest_runs.c.server_start).order_by(harvest_runs.c.id)).all()
    assert starts[0][0] == starts[1][0]


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_harvest_takes_its_worker_processes_with_it(tmp_path: Path) -> None:
    repo, release, hold_fourth_page = _held_repository()
    with PyoaiServer(repo, page_size=7) as server:
        server.fault = hold_fourth_page
        config, settings, engine = deployment(tmp_path, partner("p1", server.url), workers=1)
        child = _harvest_until_three_pages(config, engine)
        try:
            started = _children(child.pid)
            assert started, "the harvest with workers = 1 should run a mapping worker"
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        finally:
            release.set()
            if child.poll() is None:
                child.kill()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for pid in started):
            time.sleep(0.1)
        assert not [pid for pid in started if _alive(pid)]
    engine.dispose()
