"""The ledger's crash window: accepted mails are recorded in groups of [dsi]
delivery_group; a run failing mid-batch still records what the server accepted; a crash
before a group's commit resends at most that group, and loses nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalogue.dsi import deliveries, profiles, runs
from catalogue.dsi.schedule import Periodicity
from catalogue.people.mailer import Mailer, Outcome
from catalogue.store.dsi_tables import dsi_deliveries
from tests.dsi_support import MONDAY, days, ingest, person, received, record, run, setup, signer

PEOPLE = 7


def _scene(config_path: Path, smtp_sink: Any, group: int) -> tuple[Any, Any, list[str]]:
    settings, engine = setup(config_path, smtp_sink)
    settings = dataclasses.replace(settings, dsi=dataclasses.replace(
        settings.dsi, delivery_group=group))
    start = MONDAY - days(1)
    listed = profiles.save_list(engine, start, slug="veille", name="Veille",
                                equation_params=["q=veille"], periodicity=Periodicity("daily"))
    emails = []
    for n in range(PEOPLE):
        who = person(engine, f"p{n}@example.org", start)
        profiles.subscribe(engine, start, who.id, listed.id)
        emails.append(who.email or "")
    ingest(engine, [record(f"Veille {n}", subjects=["Veille"]) for n in range(3)],
           MONDAY - days(0.5))
    return settings, engine, emails


def _mails(smtp_sink: Any, emails: list[str]) -> list[int]:
    return [len(smtp_sink.messages_to(e)) for e in emails]


def test_outcomes_are_committed_in_groups(config_path: Path, smtp_sink: Any) -> None:
    settings, engine, emails = _scene(config_path, smtp_sink, 3)
    report = run(engine, settings, MONDAY)
    assert report.sent == PEOPLE and report.commits == 3  # 3 + 3 + the last one
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(dsi_deliveries)).scalar() == PEOPLE
    assert run(engine, settings, MONDAY + days(1)).digests == 0
    assert _mails(smtp_sink, emails) == [1] * PEOPLE


def test_a_failing_run_records_what_was_accepted(config_path: Path, smtp_sink: Any) -> None:
    settings, engine, emails = _scene(config_path, smtp_sink, 50)

    class Failing(Mailer):
        sends = 0

        def send(self, msg: Any) -> Outcome:
            Failing.sends += 1
            if Failing.sends == 5:
                raise RuntimeError("the run fails after four accepted mails")
            return super().send(msg)

    with pytest.raises(RuntimeError):
        runs.run(engine, settings, MONDAY, signer(settings), mailer=Failing)
    assert sum(_mails(smtp_sink, emails)) == 4
    report = run(engine, settings, MONDAY + days(0.1))
    assert report.sent == PEOPLE - 4
    assert _mails(smtp_sink, emails) == [1] * PEOPLE  # none twice, none lost


def test_a_crash_before_a_group_commit_resends_at_most_that_group(
        config_path: Path, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, engine, emails = _scene(config_path, smtp_sink, 3)
    real = deliveries.Ledger.flush
    flushes = {"n": 0}

    def crashing(self: deliveries.Ledger) -> None:
        flushes["n"] += 1
        if flushes["n"] == 1:
            real(self)
            return
        # The process dies before the second group's commit: nothing more is written
        # (not even by the ledger's exit, which a killed process never reaches).
        self._entries.clear()
        if flushes["n"] == 2:
            raise SystemExit("crash")

    monkeypatch.setattr(deliveries.Ledger, "flush", crashing)
    with pytest.raises(SystemExit):
        run(engine, settings, MONDAY)
    monkeypatch.setattr(deliveries.Ledger, "flush", real)
    assert sum(_mails(smtp_sink, emails)) == 6  # accepted: 3 recorded, 3 not
    run(engine, settings, MONDAY + days(0.1))
    counts = _mails(smtp_sink, emails)
    assert min(counts) == 1 and counts.count(2) == 3  # the unrecorded group, and only it
    for email in emails:  # every record arrived; the duplicates are whole mails, not losses
        assert len(received(smtp_sink.messages_to(email))) == 3
