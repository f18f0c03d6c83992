"""The run's ledger: what the SMTP server said of each digest, committed in small groups.

Only a mail the server *accepted* (250 after DATA) records its delivered records, moves
its pairs' watermarks and clears the person's bounce count; a refused one records its
outcome (and, for a 5xx, counts a refusal) and moves nothing. Outcomes are kept in
memory and written together, in one transaction, every ``[dsi] delivery_group``
accepted mails or every :data:`MAX_SECONDS` seconds, whichever comes first, and when
the run ends (even by an exception). One commit per mail cost more than the SMTP
transaction itself (about 220 delivered rows a mail, written across three B-trees).

Each group is one executemany per table; on SQLite the delivered rows go through the
driver directly (SQLAlchemy's per-row parameter processing cost as much as SQLite's
insert) on one connection kept for the run with a larger page cache (:data:`CACHE_KIB`),
since ``ix_dsi_delivered_record`` takes every row at a random place.

The crash window, exactly: a crash (process killed, power cut, the store failing) after
the server accepted a mail and before its group's commit loses the record of at most
``delivery_group`` accepted mails, and of no more than :data:`MAX_SECONDS` seconds of
acceptances; the next run sends those mails again, with whatever arrived since. It
never loses one: nothing is recorded as delivered before the server accepted it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from sqlalchemy import Connection, Engine, insert, update

from catalogue.dsi import bounces
from catalogue.people.mailer import REFUSED, Outcome
from catalogue.store.dsi_tables import dsi_delivered, dsi_deliveries, dsi_subscriptions

MAX_SECONDS = 5.0
CHUNK = 500
CACHE_KIB = 64 * 1024
_DELIVERED = ("INSERT INTO dsi_delivered (subscription_id, record_id, delivery_id) "
              "VALUES (?, ?, ?)")


@dataclass(frozen=True, slots=True)
class Entry:
    """One digest's outcome, waiting for its group's commit."""

    person_id: int
    email: str
    parts: tuple[tuple[int, tuple[int, ...]], ...]  # (subscription id, record ids sent)
    outcome: Outcome
    message_id: str

    @property
    def records(self) -> int:
        return sum(len(ids) for _, ids in self.parts)


class Ledger:
    """Buffers a run's outcomes and commits them in groups (a context manager)."""

    def __init__(self, engine: Engine, run_id: int | None, now: datetime, *, group: int,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.engine, self.run_id, self.now, self.group = engine, run_id, now, max(1, group)
        self._monotonic = monotonic
        self._entries: list[Entry] = []
        self._accepted = 0
        self._oldest: float | None = None
        self._conn: Connection | None = None
        self._cache: int | None = None
        self.commits = 0
        self.seconds = 0.0  # spent recording (the bench reports it)

    def __enter__(self) -> Ledger:
        self._conn = self.engine.connect()
        if self._conn.dialect.name == "sqlite":
            self._cache = int(self._conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
            self._conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
            self._conn.commit()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.flush()  # what the server accepted is recorded, even if the run is failing
        finally:
            if self._conn is not None:
                if self._cache is not None:  # the pooled connection goes back as it came
                    self._conn.exec_driver_sql(f"PRAGMA cache_size = {self._cache}")
                    self._conn.commit()
                self._conn.close()
                self._conn = None

    def add(self, entry: Entry) -> None:
        """Keep one outcome; commit the group when it is full or old enough."""
        self._entries.append(entry)
        if entry.outcome.sent:
            self._accepted += 1
            if self._oldest is None:
                self._oldest = self._monotonic()
        if self._accepted >= self.group or (
                self._oldest is not None and self._monotonic() - self._oldest >= MAX_SECONDS):
            self.flush()

    def flush(self) -> None:
        """Write every kept outcome in one transaction."""
        if not self._entries:
            return
        assert self._conn is not None, "use the ledger as a context manager"
        started = time.perf_counter()
        entries, self._entries = self._entries, []
        self._accepted, self._oldest = 0, None
        conn = self._conn
        with conn.begin():
            ids = conn.execute(insert(dsi_deliveries).returning(
                dsi_deliveries.c.id, sort_by_parameter_order=True), [{
                    "run_id": self.run_id, "person_id": e.person_id, "at": self.now,
                    "status": e.outcome.status, "records": e.records,
                    "message_id": e.message_id, "detail": e.outcome.detail[:1000]}
                    for e in entries]).scalars().all()
            sent = [(e, key) for e, key in zip(entries, ids, strict=True) if e.outcome.sent]
            _insert_delivered(conn, [(pair, r, key) for e, key in sent
                                     for pair, records in e.parts for r in records])
            pairs = [pair for e, _ in sent for pair, _ in e.parts]
            for i in range(0, len(pairs), CHUNK):
                conn.execute(update(dsi_subscriptions)
                             .where(dsi_subscriptions.c.id.in_(pairs[i:i + CHUNK]))
                             .values(watermark=self.now, last_sent_at=self.now))
            bounces.clear(conn, {e.person_id for e, _ in sent})
            for e in entries:
                if e.outcome.status == REFUSED:
                    bounces.count_refusal(conn, e.person_id, e.email, self.now,
                                          e.outcome.detail[:1000])
        self.commits += 1
        self.seconds += time.perf_counter() - started


def _insert_delivered(conn: Connection, rows: list[tuple[int, int, int]]) -> None:
    if not rows:
        return
    if conn.dialect.paramstyle == "qmark":
        conn.exec_driver_sql(_DELIVERED, rows)
        return
    conn.execute(insert(dsi_delivered), [
        {"subscription_id": s, "record_id": r, "delivery_id": d} for s, r, d in rows])
