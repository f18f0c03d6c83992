"""The staff import page while and after the scheduler's job runs, for real: an upload
seen "importing" on the page while its run waits for the store (whose write lock the
test holds, as any other writer would), a pass killed midway or a store that cannot be
opened (the upload failed with its reason, its file kept, the next pass not stuck), and
finished uploads pruned after ``[import] upload_keep_days``."""

from __future__ import annotations

import html
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from catalogue.demo.generator import write_export
from catalogue.uploads.job import INTERRUPTED, import_uploads, queue_of
from catalogue.uploads.queue import FAILED, RUNNING
from tests.imports_site import NOW, ImportSite
from tests.imports_site import isite as isite
from tests.stores import sqlite_only


def _export(folder: Path, name: str, count: int, seed: int) -> bytes:
    path = folder / name
    write_export(path, count=count, seed=seed)
    return path.read_bytes()


def _row(site: ImportSite, session: requests.Session, name: str, lang: str = "fr") -> str:
    page = session.get(site.url + "/admin/imports/", timeout=60, cookies={"lang": lang}).text
    found = re.search(rf'<tr id="envoi-[^"]+">(?:(?!</tr>).)*?{re.escape(name)}.*?</tr>',
                      page, re.S)
    assert found, page[-3000:]
    return html.unescape(found.group(0))


def _hold_the_store(site: ImportSite) -> sqlite3.Connection:
    """Take SQLite's write lock, as a long write by another process would."""
    path = make_url(site.settings.store_url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None, timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    return holder


@sqlite_only("holds the store file's write lock")
def test_an_upload_is_seen_importing_while_its_job_runs(isite: ImportSite,
                                                        tmp_path: Path) -> None:
    site = isite
    staff = site.http()
    data = _export(tmp_path, "lot.mrc", 12, 5)
    assert site.send(staff, "lot.mrc", data).status_code == 303
    assert "en attente" in _row(site, staff, "lot.mrc")
    holder = _hold_the_store(site)
    seen: list[str] = []

    def finished() -> bool:
        row = _row(site, staff, "lot.mrc")
        if not seen and "import en cours" in row:
            # The run has begun and waits for the store: the page says so, in both
            # languages, with no report yet and nothing stored.
            seen.extend([row, _row(site, staff, "lot.mrc", "en")])
            assert site.count("crpv") == 0
            holder.rollback()
        return "Import n°" in row or "échoué" in row

    try:
        site.run_scheduler_until(finished, timeout=60)
    finally:
        holder.close()
    assert seen, "the upload was never seen importing"
    assert "Import n°" not in seen[0] and "importé" not in seen[0]
    assert "importing" in seen[1]
    row = _row(site, staff, "lot.mrc")
    assert "importé" in row and "12 ajoutées" in row
    assert site.count("crpv") == 12


@sqlite_only("holds the store file's write lock")
def test_a_pass_killed_midway_fails_its_upload_and_the_next_pass_goes_on(
        isite: ImportSite, tmp_path: Path) -> None:
    site = isite
    staff = site.http()
    first = _export(tmp_path, "premier.mrc", 8, 6)
    assert site.send(staff, "premier.mrc", first).status_code == 303
    queue = queue_of(site.settings)
    (upload,) = queue.recent()
    holder = _hold_the_store(site)
    # The scheduler's job in its own process, stopped for good while it imports.
    job = subprocess.Popen(
        [sys.executable, "-c", "import sys\n"
         "from catalogue.settings import load\n"
         "from catalogue.store import database\n"
         "from catalogue.uploads.job import import_uploads\n"
         "s = load(sys.argv[1], env={})\n"
         "import_uploads(database.open_store(s.store_url), s)\n",
         str(tmp_path / "config.toml")], cwd=tmp_path)
    working = queue.folder("crpv") / "processing" / upload.stored_name
    try:
        deadline = time.monotonic() + 25
        while not (working.exists() and (queue.get(upload.id) or upload).status == RUNNING):
            assert time.monotonic() < deadline and job.poll() is None, "the job never began"
            time.sleep(0.1)
        assert "import en cours" in _row(site, staff, "premier.mrc")
    finally:
        job.kill()
        job.wait(timeout=30)
        holder.rollback()
        holder.close()
    assert job.returncode == -9
    # Before any pass: still "running" in the queue, but its source's lock is free, so
    # the page says interrupted (catalogue.stale_runs), in both languages; nothing written.
    dead_fr, dead_en = _row(site, staff, "premier.mrc"), _row(site, staff, "premier.mrc", "en")
    assert "<strong>import interrompu</strong>" in dead_fr and "en cours" not in dead_fr
    assert "l’import s’est arrêté avant la fin" in dead_fr
    assert "<strong>import interrupted</strong>" in dead_en
    assert "the import stopped before its end" in dead_en
    assert (queue.get(upload.id) or upload).status == RUNNING

    second = _export(tmp_path, "second.mrc", 5, 7)
    assert site.send(staff, "second.mrc", second).status_code == 303
    lines = import_uploads(site.engine, site.settings)
    assert lines[0] == f"upload crpv: premier.mrc failed ({INTERRUPTED})"
    assert re.fullmatch(r"upload crpv: second\.mrc done \(import run \d+\)", lines[1]), lines
    failed = queue.get(upload.id)
    assert failed is not None and failed.status == FAILED and failed.message == INTERRUPTED
    row = _row(site, staff, "premier.mrc")
    assert "échoué" in row and "l’import s’est arrêté avant la fin" in row
    assert "importé" in _row(site, staff, "second.mrc")
    # Nothing lost: the file is kept whole in failed/ with its report; nothing stuck.
    kept = list((queue.folder("crpv") / "failed").glob(f"*-{upload.stored_name}"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
    report = kept[0].with_name(kept[0].name + ".report.txt").read_text(encoding="utf-8")
    assert "NOT imported" in report and INTERRUPTED in report
    assert list(working.parent.iterdir()) == []
    assert site.count("crpv") == 5
    # Sent again, it goes in.
    assert site.send(staff, "premier.mrc", first).status_code == 303
    assert import_uploads(site.engine, site.settings)[0].startswith(
        "upload crpv: premier.mrc done")
    assert site.count("crpv") == 8  # the demo exports number their records from 1


def test_a_store_that_cannot_be_opened_fails_the_upload_saying_why(
        isite: ImportSite, tmp_path: Path) -> None:
    site = isite
    staff = site.http()
    data = _export(tmp_path, "lot.mrc", 6, 8)
    assert site.send(staff, "lot.mrc", data).status_code == 303
    gone = create_engine(f"sqlite:///{tmp_path / 'démonté' / 'catalogue.db'}")
    try:
        assert import_uploads(gone, site.settings) == ["upload crpv: lot.mrc failed"]
    finally:
        gone.dispose()
    (upload,) = queue_of(site.settings).recent()
    assert upload.status == FAILED and "OperationalError" in upload.message
    assert "unable to open database file" in upload.message
    row = _row(site, staff, "lot.mrc")
    assert "échoué" in row and "unable to open database file" in row
    kept = list((queue_of(site.settings).folder("crpv") / "failed").glob("*-" + upload.stored_name))
    assert len(kept) == 1 and kept[0].read_bytes() == data
    # The store back, the next pass is not stuck on it.
    assert site.send(staff, "autre.mrc", _export(tmp_path, "autre.mrc", 4, 9)).status_code == 303
    lines = import_uploads(site.engine, site.settings)
    assert len(lines) == 1 and lines[0].startswith("upload crpv: autre.mrc done")
    assert site.count("crpv") == 4


def test_finished_uploads_are_pruned_after_upload_keep_days(isite: ImportSite,
                                                            tmp_path: Path) -> None:
    site = isite
    staff = site.http()
    assert site.settings.uploads.upload_keep_days == 90
    queue = queue_of(site.settings)
    crpv = queue.folder("crpv")
    assert site.send(staff, "ancien.mrc", _export(tmp_path, "a.mrc", 3, 10)).status_code == 303
    assert site.send(staff, "refus.xml", b"<?xml version='1.0'?><collection "
                     b"xmlns='http://www.loc.gov/MARC21/slim'><record><leader>bad</leader>"
                     b"</record></collection>").status_code == 303
    day = NOW + timedelta(days=1)
    lines = import_uploads(site.engine, site.settings, clock=lambda: day)
    assert len(lines) == 2, lines
    # Sent later, still waiting (no scheduler): never pruned, however old the others.
    assert site.send(staff, "en attente.mrc", _export(tmp_path, "w.mrc", 2, 11)).status_code == 303
    finished = [u for u in queue.recent() if u.status != "queued"]
    assert sorted(u.status for u in finished) == ["done", "failed"]
    done_files = sorted(p.name for p in (crpv / "done").iterdir())
    failed_files = sorted(p.name for p in (crpv / "failed").iterdir())
    assert len(done_files) == 2 and len(failed_files) == 2  # each file and its report
    hand = crpv / "done" / "20260101T000000Z-deposé-à-la-main.mrc"
    hand.write_bytes(b"kept")

    # 90 days after they finished: still there (this pass imports the waiting one).
    lines = import_uploads(site.engine, site.settings, clock=lambda: day + timedelta(days=90))
    assert len(lines) == 1 and "en attente.mrc done" in lines[0]
    assert len(queue.recent()) == 3 and len(list((crpv / "done").iterdir())) == 5
    # A second later the first two are gone: file, report and line; the last one, which
    # finished at the previous pass, stays for 90 days more.
    later = day + timedelta(days=90, seconds=1)
    assert import_uploads(site.engine, site.settings, clock=lambda: later) == []
    left = queue.recent()
    assert [u.filename for u in left] == ["en attente.mrc"]
    kept = sorted(p.name for p in (crpv / "done").iterdir())
    assert len(kept) == 3 and hand.name in kept
    assert all(left[0].id in name for name in kept if name != hand.name)
    assert list((crpv / "failed").iterdir()) == []
    assert sorted(os.listdir(queue.meta)) == [f"{left[0].id}.json"]
    page = html.unescape(staff.get(site.url + "/admin/imports/", timeout=60).text)
    assert "ancien.mrc" not in page and "refus.xml" not in page and "en attente.mrc" in page
    # The records imported stay: pruning forgets the upload, not what it brought.
    assert site.count("crpv") == 3  # the demo exports number their records from 1
