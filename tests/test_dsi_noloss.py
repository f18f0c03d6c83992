"""No loss, no duplicate: whatever the SMTP server does, and whenever imports land.

Subscribers of two daily lists and of private alerts go through runs with the server
down, recipients refused for now (450) and for good (550, then lifted), connections
dropped after DATA, and imports landing between runs and *during* one (stamped before
the run's clock reading, committed while it sends). Afterwards, checked against the
store, every subscriber has received every matching new record exactly once.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalogue.dsi import profiles, runs
from catalogue.dsi.schedule import Periodicity
from catalogue.people.mailer import Mailer, Outcome
from catalogue.store.tables import records
from tests.dsi_support import MONDAY, days, ingest, person, received, record, run, setup

TOPICS = {"delinquance": "Délinquance", "parentalite": "Parentalité", "jeunesse": "Jeunesse"}
DAILY = Periodicity("daily")


@pytest.mark.parametrize("margin", [60, 0])
def test_every_matching_record_exactly_once(config_path: Path, smtp_sink: Any,
                                            margin: int) -> None:
    settings, engine = setup(config_path, smtp_sink)
    settings = dataclasses.replace(settings, dsi=dataclasses.replace(settings.dsi,
                                                                     margin_minutes=margin))
    t0 = MONDAY - days(1)
    lists = {
        "delinquance": profiles.save_list(engine, t0, slug="delinquance", name="Délinquance",
                                          equation_params=["q=délinquance"], periodicity=DAILY),
        "parentalite": profiles.save_list(engine, t0, slug="parentalite", name="Parentalité",
                                          equation_params=["descriptor=Parentalité"],
                                          periodicity=DAILY),
    }
    people = [person(engine, f"p{n}@example.org", t0, f"Abonné·e n°{n}") for n in range(12)]
    # who subscribes to what: (person index, list key or "alert")
    wanted: dict[str, set[str]] = {}
    for n, who in enumerate(people):
        keys = {"delinquance"} if n % 3 == 0 else {"parentalite"} if n % 3 == 1 else \
            {"delinquance", "parentalite"}
        for key in keys:
            profiles.subscribe(engine, t0, who.id, lists[key].id)
        if n % 2 == 0:
            profiles.create_alert(engine, t0, who.id, name="Jeunesse", params="q=jeunesse",
                                  periodicity=DAILY)
            keys = keys | {"jeunesse"}
        wanted[who.email or ""] = keys
    names = {"delinquance": "Délinquance", "parentalite": "Parentalité", "jeunesse": "Jeunesse"}
    batch = iter(range(1000))

    def land(when: datetime, n: int = 4) -> None:
        recs = []
        for _ in range(n):
            i = next(batch)
            topic = list(TOPICS)[i % 3]
            recs.append(record(f"Document {i} sur {TOPICS[topic].lower()}",
                               subjects=[TOPICS[topic]]))
        ingest(engine, recs, when)

    class ImportingMailer(Mailer):
        """Lands an import, stamped before the run's clock, after the third message."""

        sends = 0
        stamp: datetime = MONDAY

        def send(self, msg: Any) -> Outcome:
            ImportingMailer.sends += 1
            if ImportingMailer.sends == 3:
                land(ImportingMailer.stamp - days(0.0001), 3)
            return super().send(msg)

    day = MONDAY
    land(day - days(0.5))
    smtp_sink.stop()                                   # Monday: the server is down
    report = run(engine, settings, day)
    assert report.sent == 0 and report.retried == report.digests > 0
    smtp_sink.start()
    smtp_sink.refuse["p1@example.org"] = 450            # a mailbox full for now
    smtp_sink.refuse["p2@example.org"] = 550            # an address refused for good
    land(day + days(0.2))
    report = run(engine, settings, day + days(0.25))    # the same Monday, later: a retry
    assert report.retried == 1 and report.refused == 1 and report.sent > 0
    day += days(1)                                      # Tuesday: connection drops, an import mid-run
    land(day - days(0.5))
    smtp_sink.drop_next = 3
    ImportingMailer.stamp = day
    report = runs.run(engine, settings, day, _signer(settings), mailer=ImportingMailer)
    assert smtp_sink.dropped == 3
    day += days(1)                                      # Wednesday: the refusals are lifted
    smtp_sink.refuse.clear()
    land(day - days(0.3))
    run(engine, settings, day)
    day += days(1)                                      # Thursday: nothing new at all
    before = len(smtp_sink.received)
    run(engine, settings, day)
    day += days(1)
    land(day - days(0.1), 6)
    run(engine, settings, day)
    day += days(1)
    run(engine, settings, day)
    assert len(smtp_sink.received) > before

    with engine.connect() as conn:
        rows = conn.execute(select(records.c.source, records.c.source_id, records.c.title)).all()
    assert len(rows) == next(batch)
    base = "http://catalogue.test/notice/"
    lost: set[tuple[str, str]] = set()
    for who in people:
        got = received(smtp_sink.messages_to(who.email or ""))
        expected: Counter[tuple[str, str]] = Counter()
        for row in rows:
            topic = next(k for k, v in TOPICS.items() if v.lower() in row.title)
            if topic in wanted[who.email or ""]:
                expected[(names[topic], f"{base}{row.source}/{row.source_id}")] += 1
        if margin:
            assert got == expected, who.email
        else:  # without the margin, the import that landed mid-run is lost: the margin matters
            assert set(got) <= set(expected) and max(got.values()) == 1
            lost |= set(expected) - set(got)
    assert bool(lost) == (margin == 0)


def _signer(settings: Any) -> Any:
    from tests.dsi_support import signer

    return signer(settings)
