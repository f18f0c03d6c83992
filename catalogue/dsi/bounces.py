"""Addresses the mail server refuses for good: counted, then left alone until fixed.

A 5xx for the recipient (no such mailbox, domain gone) used to be retried at every run
forever, since a refused mail moves no watermark. Each permanent refusal now adds one
to the person's count of *consecutive* refusals; at ``[dsi] bounce_limit`` the person
is *bouncing*: runs skip their subscriptions (nothing is lost: their watermarks stay
put) until staff reset the count, the address is changed (the count belongs to the
address it was made for) or a mail to it is accepted. A 4xx (mailbox full, greylisting)
neither counts nor resets: it says nothing about the address.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from catalogue.store.dsi_tables import dsi_bounces, dsi_profiles, dsi_subscriptions
from catalogue.store.people_tables import persons

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Bounce:
    """A person's run of permanent refusals, for their current address."""

    person_id: int
    refusals: int
    first_at: datetime
    last_at: datetime
    detail: str

    def stopped(self, limit: int) -> bool:
        """Whether runs stop mailing this address (``limit`` 0: never)."""
        return 0 < limit <= self.refusals


def count_refusal(conn: Connection, person_id: int, email: str, now: datetime,
                  detail: str) -> None:
    """One more permanent refusal of ``email`` (a count for another address restarts)."""
    row = conn.execute(select(dsi_bounces.c.email).where(
        dsi_bounces.c.person_id == person_id)).first()
    if row is None:
        conn.execute(insert(dsi_bounces).values(person_id=person_id, email=email, refusals=1,
                                                first_at=now, last_at=now, detail=detail))
    elif row.email != email:
        conn.execute(update(dsi_bounces).where(dsi_bounces.c.person_id == person_id).values(
            email=email, refusals=1, first_at=now, last_at=now, detail=detail))
    else:
        conn.execute(update(dsi_bounces).where(dsi_bounces.c.person_id == person_id).values(
            refusals=dsi_bounces.c.refusals + 1, last_at=now, detail=detail))


def clear(conn: Connection, person_ids: Iterable[int]) -> None:
    """Forget the counts of people whose mail was accepted."""
    ids = list(person_ids)
    for i in range(0, len(ids), CHUNK):
        conn.execute(delete(dsi_bounces).where(dsi_bounces.c.person_id.in_(ids[i:i + CHUNK])))


def reset(engine: Engine, person_id: int) -> bool:
    """Staff: mail this person again from the next run; False if nothing was counted."""
    with engine.begin() as conn:
        return bool(conn.execute(delete(dsi_bounces).where(
            dsi_bounces.c.person_id == person_id)).rowcount)


def current(engine: Engine | Connection, person_ids: Iterable[int] | None = None
            ) -> dict[int, Bounce]:
    """The counts that still apply (made for the person's present address), by person."""
    stmt = (select(dsi_bounces).join(persons, persons.c.id == dsi_bounces.c.person_id)
            .where(dsi_bounces.c.email == persons.c.email))
    ids = None if person_ids is None else list(person_ids)
    chunks = [stmt] if ids is None else [
        stmt.where(dsi_bounces.c.person_id.in_(ids[i:i + CHUNK]))
        for i in range(0, len(ids), CHUNK)]

    def read(conn: Connection) -> dict[int, Bounce]:
        return {r.person_id: Bounce(r.person_id, r.refusals, r.first_at, r.last_at, r.detail)
                for s in chunks for r in conn.execute(s)}

    if isinstance(engine, Connection):
        return read(engine)
    with engine.connect() as conn:
        return read(conn)


def stopped(engine: Engine, limit: int) -> set[int]:
    """The people runs no longer mail (none when ``limit`` is 0)."""
    if limit <= 0:
        return set()
    return {p for p, b in current(engine).items() if b.stopped(limit)}


@dataclass(frozen=True, slots=True)
class Address:
    """A refused address as staff see it: whose, how often, and what it is subscribed to."""

    bounce: Bounce
    email: str
    name: str
    lists: int
    alerts: int


def addresses(engine: Engine) -> list[Address]:
    """Every address with a current count, worst first, whatever it subscribes to.

    A list's subscribers page shows its own; this is the one place that also shows the
    people who only have private alerts (no list page would name them).
    """
    counts = current(engine)
    if not counts:
        return []
    ids = sorted(counts)
    found: dict[int, tuple[str, str]] = {}
    lists: dict[int, int] = {}
    alerts: dict[int, int] = {}
    with engine.connect() as conn:
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            for row in conn.execute(select(persons.c.id, persons.c.email, persons.c.name)
                                    .where(persons.c.id.in_(chunk))):
                found[row.id] = (row.email or "", row.name)
            owned = (dsi_profiles.c.owner_id == dsi_subscriptions.c.person_id)
            for row in conn.execute(
                    select(dsi_subscriptions.c.person_id, owned.label("own"),
                           func.count().label("n"))
                    .join(dsi_profiles, dsi_profiles.c.id == dsi_subscriptions.c.profile_id)
                    .where(dsi_subscriptions.c.person_id.in_(chunk))
                    .group_by(dsi_subscriptions.c.person_id, owned)):
                (alerts if row.own else lists)[row.person_id] = int(row.n)
    rows = [Address(counts[p], *found[p], lists.get(p, 0), alerts.get(p, 0))
            for p in ids if p in found]
    return sorted(rows, key=lambda a: (-a.bounce.refusals, a.email))
