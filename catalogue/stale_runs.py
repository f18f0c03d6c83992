"""Runs a dead process left "running", as the report pages show them.

A harvest or import killed outright (SIGKILL, out of memory, power cut) cannot close its
run row: it stays ``running`` until the next harvest or import of its source closes it
as interrupted (it then holds the source's lock, so nobody else writes the source; see
``Ingest(holds_lock=True)`` and ``catalogue.harvesting._start_run``). Until then the
rule is the same, read instead of written: a run still ``running`` while its source's
lock is free was left by a dead process, so the pages show it interrupted, with the
counts of what it committed. A page never writes the store (the web app only reads it),
so the row itself waits for the source's next run.

The staff import page's uploads follow the same rule: an upload still "importing" while
its source's lock is free was being imported by a scheduler that died; the next upload
pass files it as failed (catalogue.uploads.job), the page says so before.

Only sources of config.toml are judged so: every writer of theirs takes the lock. The
runs of the catalogue's own sources (questions, veille) are written without it, within
one request, and are shown as stored.

The lock is per machine (:mod:`catalogue.source_lock`): the web app must share
``data_dir`` with the importers, as it does when they read the same config.toml. A web
worker on another machine than the scheduler (a PostgreSQL deployment) would see every
lock free and is not supported by this rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from catalogue.harvesting import HarvestReport
from catalogue.source_lock import held
from catalogue.store.ingest import STOPPED
from catalogue.store.queries import ImportSummary, SourceSummary
from catalogue.uploads.job import INTERRUPTED
from catalogue.uploads.queue import RUNNING, Upload

#: How the staff import page shows an upload whose import a dead process left.
UPLOAD_INTERRUPTED = "interrupted"

_Run = TypeVar("_Run", ImportSummary, HarvestReport)


class Liveness:
    """Which sources are being written right now, each lock looked at once per page."""

    def __init__(self, data_dir: Path, sources: Iterable[str]) -> None:
        self.data_dir = data_dir
        self.judged = frozenset(sources)
        self.seen: dict[str, bool] = {}

    def dead(self, source: str, status: str) -> bool:
        """Whether a run of ``source`` in ``status`` was left by a process that died."""
        # "running" is both a run row's and an upload's (uploads.queue.RUNNING) state.
        if status not in ("running", RUNNING) or source not in self.judged:
            return False
        if source not in self.seen:
            self.seen[source] = held(self.data_dir, source)
        return not self.seen[source]

    def runs(self, runs: list[_Run]) -> list[_Run]:
        """``runs`` with those a dead process left shown interrupted, saying why."""
        return [dataclasses.replace(run, status="interrupted", message=STOPPED)
                if self.dead(run.source, run.status) else run for run in runs]

    def sources(self, summaries: list[SourceSummary]) -> list[SourceSummary]:
        """The sources' summaries, a last import a dead process left shown interrupted."""
        return [dataclasses.replace(s, last_status="interrupted")
                if self.dead(s.slug, s.last_status) else s for s in summaries]

    def uploads(self, uploads: list[Upload]) -> list[Upload]:
        """The staff page's uploads, one a dead import left "importing" shown interrupted."""
        return [dataclasses.replace(u, status=UPLOAD_INTERRUPTED, message=INTERRUPTED)
                if self.dead(u.source, u.status) else u for u in uploads]
