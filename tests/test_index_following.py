"""The index following a harvest while it runs (:mod:`catalogue.index_following`).

Real harvests from pyoai's server over 127.0.0.1 into a temporary store, real indexes of
both engines, the follower a real spawned process. The server holds the harvest's last
page back until it sees the first pages in the index, so that the index can only have
them from the follower; nothing is mocked but the follower's start delay.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from catalogue import index_following, scheduler
from indexes import IndexMissing, Searcher
from tests.harvest_servers import Fault, PartnerRepository, PyoaiServer, demo_records
from tests.harvest_support import deployment, partner, stored

RECORDS = 12
PAGE = 4
WAIT_SECONDS = 60.0


def _documents(index_dir: Path) -> int:
    """Documents in the index in service (0 while there is none)."""
    try:
        with Searcher(index_dir) as searcher:
            return searcher.document_count()
    except IndexMissing:
        return 0


class GatedServer(PyoaiServer):
    """Answers the last page only once the index holds the first ones (or gives up), or
    once ``before_last`` has run."""

    def __init__(self, repository: PartnerRepository, index_dir: Path,
                 kill_follower: bool = False) -> None:
        super().__init__(repository, page_size=PAGE)
        self.index_dir = index_dir
        self.kill_follower = kill_follower
        self.seen_before_last: int | None = None
        self.killed: list[int] = []
        self.resumptions = 0

    def respond(self, params: dict[str, str]) -> Fault:
        if "resumptionToken" in params:
            self.resumptions += 1
            if self.resumptions == RECORDS // PAGE - 1:  # the last page
                self._before_last()
        return super().respond(params)

    def _before_last(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        if self.kill_follower:
            while time.monotonic() < deadline and not self.killed:
                for child in multiprocessing.active_children():
                    if child.name == "index follower" and child.pid is not None:
                        os.kill(child.pid, signal.SIGKILL)
                        self.killed.append(child.pid)
                time.sleep(0.05)
            return
        while time.monotonic() < deadline:
            count = _documents(self.index_dir)
            if count >= PAGE:
                self.seen_before_last = count
                return
            time.sleep(0.1)


def _harvest(tmp_path: Path, engine_name: str, kill: bool = False) -> tuple[str, GatedServer,
                                                                            Path, object]:
    repo = PartnerRepository()
    for record in demo_records(RECORDS):
        repo.put(record, past=True)
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    with GatedServer(repo, index_dir, kill_follower=kill) as server:
        _, settings, engine = deployment(tmp_path, partner("p1", server.url,
                                                           schedule="0 1 * * *"))
        settings = dataclasses.replace(
            settings, index=dataclasses.replace(settings.index, engine=engine_name))
        line = scheduler.run_source(settings, engine, "p1", index_dir)
    return line, server, index_dir, engine


@pytest.fixture()
def follow_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The follower starts at once instead of after :data:`FOLLOW_AFTER` seconds."""
    monkeypatch.setattr(index_following, "FOLLOW_AFTER", 0.0)


@pytest.mark.usefixtures("follow_at_once")
def test_the_index_follows_a_harvest_while_it_runs(tmp_path: Path) -> None:
    engine_name = "tantivy"
    line, server, index_dir, engine = _harvest(tmp_path, engine_name)
    # The last page was held back until the index had the first ones: only the follower
    # can have put them there, the update after the harvest had not started.
    assert server.seen_before_last is not None, "the index never followed the harvest"
    assert PAGE <= server.seen_before_last < RECORDS
    assert line.startswith(f"harvest p1: completed, pages {RECORDS // PAGE}, added {RECORDS}")
    # The job's line counts what the follower indexed and what the update after did.
    assert line.endswith(f"index: {RECORDS} updated, 0 removed")
    assert _documents(index_dir) == RECORDS
    assert len(stored(engine, "p1")) == RECORDS  # type: ignore[arg-type]
    with Searcher(index_dir) as searcher:
        assert searcher.engine() == engine_name
    assert not [c for c in multiprocessing.active_children() if c.name == "index follower"]


@pytest.mark.usefixtures("follow_at_once")
def test_a_killed_follower_loses_nothing(tmp_path: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="catalogue.index_following"):
        line, server, index_dir, engine = _harvest(tmp_path, "tantivy", kill=True)
    assert server.killed, "the follower was not running during the harvest"
    assert line.startswith(f"harvest p1: completed, pages {RECORDS // PAGE}, added {RECORDS}")
    assert _documents(index_dir) == RECORDS
    assert "the index follower ended with status -9" in caplog.text


def test_a_short_job_ends_the_waiting_follower_without_an_index(tmp_path: Path) -> None:
    _, settings, _ = deployment(tmp_path, partner("p1", "http://127.0.0.1:9/oai"))
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    started = time.monotonic()
    with index_following.following(settings.store_url, index_dir, after=30.0) as followed:
        pass
    assert time.monotonic() - started < 20  # it did not wait out its delay
    assert followed == [index_following.Followed(0, 0, 0)]
    assert not any(index_dir.iterdir())  # no pass: no generation written


def test_no_follower_without_an_index_or_with_whoosh(tmp_path: Path) -> None:
    _, settings, _ = deployment(tmp_path, partner("p1", "http://127.0.0.1:9/oai"))
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    assert settings.index.engine == "whoosh"
    with index_following.following_harvest(settings, index_dir) as followed:
        assert not [c for c in multiprocessing.active_children() if c.name == "index follower"]
    assert followed == []
    settings = dataclasses.replace(
        settings, index=dataclasses.replace(settings.index, engine="tantivy"))
    with index_following.following_harvest(settings, tmp_path / "absent") as followed:
        assert not [c for c in multiprocessing.active_children() if c.name == "index follower"]
    assert followed == []
    with index_following.following_harvest(settings, None) as followed:
        pass
    assert followed == []
