"""``catalogue scheduler``: jobs from config.toml, one writer at a time."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from catalogue import scheduler
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records
from tests.harvest_support import deployment, partner, stored


def test_jobs_from_config_run_one_at_a_time(tmp_path: Path) -> None:
    partners = "\n".join([
        partner("p1", "http://127.0.0.1:9/oai", schedule="30 2 * * *"),
        partner("p2", "http://127.0.0.1:9/oai", schedule="0 3 * * 1-5"),
        partner("p3", "http://127.0.0.1:9/oai"),  # no schedule: harvested by hand only
    ])
    _, settings, _ = deployment(tmp_path, partners, 'folder = "drop"\nschedule = "*/15 * * * *"')
    running, peak, ran = [0], [0], []
    lock = threading.Lock()

    def job(slug: str) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
            ran.append(slug)

    sched = scheduler.build(settings, job, BackgroundScheduler())
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"source:crpv", "source:p1", "source:p2"}
    assert str(jobs["source:p1"].trigger) == "cron[month='*', day='*', day_of_week='*', hour='2', minute='30']"
    assert str(jobs["source:p1"].trigger.timezone) == "Europe/Paris"
    sched.start(paused=True)
    try:
        for j in sched.get_jobs():
            assert j.coalesce and j.max_instances == 1
            j.modify(next_run_time=datetime.now(UTC))
        sched.resume()
        deadline = time.monotonic() + 10
        while len(ran) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sched.shutdown(wait=True)
    assert sorted(ran) == ["crpv", "p1", "p2"]
    assert peak[0] == 1


def test_scheduled_job_harvests_the_source(tmp_path: Path) -> None:
    repo = PartnerRepository()
    for record in demo_records(9):
        repo.put(record, past=True)
    with PyoaiServer(repo, page_size=4) as server:
        _, settings, engine = deployment(tmp_path, partner("p1", server.url, schedule="0 1 * * *"))
        index_dir = tmp_path / "index"
        index_dir.mkdir()
        line = scheduler.run_source(settings, engine, "p1", index_dir)
    assert line.startswith("harvest p1: completed, pages 3, added 9")
    assert line.endswith("index: 9 updated, 0 removed")
    assert len(stored(engine, "p1")) == 9
