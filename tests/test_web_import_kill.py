"""An import killed outright (SIGKILL) midway: shown interrupted, closed by the next one.

A real ``catalogue import`` child process reads a generated PMB export in small batches
and is killed once some batches are committed (read from the store, not guessed from a
sleep). Its run row stays ``running``: the report pages, served over real HTTP, show it
interrupted in French and English with the counts it committed while its source's lock
is free (and running while the lock is held), the next import of the source closes the
row for good and brings in the rest, and importing the file once more adds nothing.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from catalogue.demo import write_export
from catalogue.folder_imports import process_folder
from catalogue.source_lock import lock_path, source_lock
from catalogue.store.harvest_tables import harvest_runs
from catalogue.store.ingest import STOPPED, Ingest
from catalogue.store.tables import import_runs, records, sources
from tests.imports_site import NOW, ImportSite, start

REPO = Path(__file__).resolve().parents[1]
TOTAL = 3000
BATCH = 100


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[ImportSite]:
    running = start(tmp_path)
    config = tmp_path / "config.toml"
    # Small batches: the child commits often, so it can be caught between two of them.
    config.write_text(config.read_text(encoding="utf-8")
                      .replace("[import]\n", f"[import]\nbatch_size = {BATCH}\n"),
                      encoding="utf-8")
    yield running
    running.stop()


def _import(site: ImportSite, export: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "catalogue.cli", "--config",
         str(site.settings.data_dir.parent / "config.toml"), "import", str(export),
         "--source", "crpv"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _run_row(site: ImportSite, run_id: int) -> dict[str, object]:
    with site.engine.connect() as conn:
        row = conn.execute(select(import_runs).where(import_runs.c.id == run_id)).one()
    return dict(row._mapping)


def _kill_midway(site: ImportSite, export: Path) -> tuple[int, int]:
    """Start the import, SIGKILL it once 3 batches are committed; its run id and count."""
    child = _import(site, export)
    try:
        deadline = time.monotonic() + 120
        run: dict[str, object] | None = None
        while time.monotonic() < deadline and child.poll() is None:
            with site.engine.connect() as conn:
                found = conn.execute(select(import_runs.c.id, import_runs.c.read)
                                     .where(import_runs.c.status == "running")).first()
            if found is not None and found.read >= 3 * BATCH:
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    with site.engine.connect() as conn:
        run = dict(conn.execute(select(import_runs)).one()._mapping)
    assert run["status"] == "running"  # what the dead process left
    committed = site.count("crpv")
    assert run["read"] == committed and 3 * BATCH <= committed < TOTAL
    return int(str(run["id"])), committed


def _cell_status(page: str, run_id: int) -> str:
    """The status cell of import ``run_id`` in the runs page's table, as served."""
    link = f'/admin/moissons/import/{run_id}"'
    row = page[page.index(link):]
    row = row[:row.index("</tr>")]
    return row.split("</td>")[4].rsplit("<td>", 1)[1]


def test_a_killed_import_is_shown_interrupted_then_closed_by_the_next(
        site: ImportSite, tmp_path: Path) -> None:
    export = tmp_path / "export.mrc"
    assert write_export(export, TOTAL) == TOTAL
    run_id, committed = _kill_midway(site, export)
    staff = site.http()

    # The lock is free: the dead run is shown interrupted, in both languages, its counts kept.
    fr = staff.get(site.url + "/admin/moissons/", cookies={"lang": "fr"}, timeout=60)
    en = staff.get(site.url + "/admin/moissons/", cookies={"lang": "en"}, timeout=60)
    assert fr.status_code == en.status_code == 200
    assert _cell_status(fr.text, run_id) == "<strong>interrompue</strong>"
    assert _cell_status(en.text, run_id) == "<strong>interrupted</strong>"
    assert f'<td class="num">{committed}</td>' in fr.text
    assert ", <strong>interrompue</strong></td>" in fr.text  # the source's last import
    report = site.url + f"/admin/moissons/import/{run_id}"
    fr_run = staff.get(report, cookies={"lang": "fr"}, timeout=60).text
    en_run = staff.get(report, cookies={"lang": "en"}, timeout=60).text
    assert "<dd><strong>interrompue</strong></dd>" in fr_run
    assert "le processus s’est arrêté en cours d’exécution" in fr_run
    assert "<dd><strong>interrupted</strong></dd>" in en_run
    assert "the process stopped mid-run" in en_run
    assert f"<dd>{committed}</dd>" in fr_run and f"<dd>{committed}</dd>" in en_run
    # ... and the page wrote nothing: the row waits for the source's next import.
    assert _run_row(site, run_id)["status"] == "running"
    listed = subprocess.run(
        [sys.executable, "-m", "catalogue.cli", "--config",
         str(site.settings.data_dir.parent / "config.toml"), "sources"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    crpv = next(line for line in listed.stdout.splitlines() if line.startswith("crpv "))
    assert crpv.endswith("Z (interrupted)") and f" {committed} " in crpv

    # While a process holds the source's lock, the same row is a live import.
    with source_lock(site.settings.data_dir, "crpv", "import"):
        held = staff.get(site.url + "/admin/moissons/", cookies={"lang": "fr"}, timeout=60)
        assert _cell_status(held.text, run_id) == "en cours"
        held_en = staff.get(report, cookies={"lang": "en"}, timeout=60).text
        assert "<dd>running</dd>" in held_en and "stopped mid-run" not in held_en

    # The next import of the source finishes, closes the dead run, and adds only the rest.
    again = _import(site, export)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    assert f"added {TOTAL - committed}, updated 0, unchanged {committed}" in out.decode()
    killed = _run_row(site, run_id)
    assert killed["status"] == "interrupted" and killed["message"] == STOPPED
    assert killed["read"] == killed["added"] == committed
    assert site.count("crpv") == TOTAL
    with site.engine.connect() as conn:
        ids = conn.execute(select(func.count(), func.count(records.c.source_id.distinct()))
                           .where(records.c.source == "crpv")).one()
    assert tuple(ids) == (TOTAL, TOTAL)

    # Once more: nothing added twice.
    third = _import(site, export)
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err.decode()
    assert f"added 0, updated 0, unchanged {TOTAL}" in out.decode()
    assert site.count("crpv") == TOTAL
    page = staff.get(site.url + "/admin/moissons/", cookies={"lang": "fr"}, timeout=60).text
    assert _cell_status(page, run_id) == "<strong>interrompue</strong>"
    assert page.count("<td>terminée</td>") == 2


def test_a_drop_folder_pass_closes_a_run_a_dead_process_left(
        site: ImportSite, tmp_path: Path) -> None:
    # A run opened and never closed, as a killed process leaves it (the lock is free).
    left = Ingest(site.engine, source="crpv", path="killed.mrc", format="unimarc")
    folder = site.settings.source("crpv").folder
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    write_export(folder / "export.mrc", 20)
    os.utime(folder / "export.mrc", (0, 0))  # settled long ago
    done = process_folder(site.engine, site.settings, site.settings.source("crpv"))
    assert [d.ok for d in done] == [True]
    dead = _run_row(site, left.report.run_id)
    assert (dead["status"], dead["message"]) == ("interrupted", STOPPED)
    with site.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(import_runs)
                            .where(import_runs.c.status == "running")).scalar() == 0


def test_a_look_at_the_lock_never_makes_an_import_fail(site: ImportSite) -> None:
    """A report page's probe holds the lock for an instant: a writer then waits, not fails."""
    path = lock_path(site.settings.data_dir, "crpv")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    probing, release = threading.Event(), threading.Event()

    def probe() -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # what stale_runs' look does, held longer
            probing.set()
            release.wait(5)
        finally:
            os.close(fd)

    looker = threading.Thread(target=probe)
    looker.start()
    try:
        assert probing.wait(5)
        threading.Timer(0.05, release.set).start()
        with source_lock(site.settings.data_dir, "crpv", "import"):
            assert release.is_set()  # it waited for the look to end
    finally:
        release.set()
        looker.join(5)


def test_a_harvest_a_dead_process_left_is_shown_interrupted(site: ImportSite) -> None:
    """The same rule on the harvest table: what a killed `catalogue harvest lyon` leaves."""
    with site.engine.begin() as conn:
        conn.execute(insert(sources).values(slug="lyon", name="Centre de Lyon", kind="oai",
                                            created_at=NOW))
        run_id = conn.execute(insert(harvest_runs).values(
            source="lyon", kind="oai", started_at=NOW, status="running", pages=4, added=80,
        )).inserted_primary_key[0]
    staff = site.http()
    report = site.url + f"/admin/moissons/moisson/{run_id}"
    fr = staff.get(report, cookies={"lang": "fr"}, timeout=60).text
    en = staff.get(report, cookies={"lang": "en"}, timeout=60).text
    assert "<dd><strong>interrompue</strong></dd>" in fr and "<dd>80</dd>" in fr
    assert "le processus s’est arrêté en cours d’exécution" in fr
    assert "<dd><strong>interrupted</strong></dd>" in en and "stopped mid-run" in en
    listing = staff.get(site.url + "/admin/moissons/", cookies={"lang": "fr"}, timeout=60).text
    assert listing.count("<td><strong>interrompue</strong></td>") == 1
    with source_lock(site.settings.data_dir, "lyon", "harvest"):
        live = staff.get(report, cookies={"lang": "fr"}, timeout=60).text
        assert "<dd>en cours</dd>" in live and "arrêté" not in live
    with site.engine.connect() as conn:
        stored = conn.execute(select(harvest_runs.c.status)).scalar_one()
    assert stored == "running"  # the pages only read
