"""The archive of a curated list: every issue kept, numbered, browsable, and in an Atom feed.

An *issue* is what a list published at one run: its records new since its previous
issue (by the list's own watermark, ``last_issue_at``), none of them in an earlier
issue. It exists whether or not anyone subscribes, as PMB's ``dsi_archive``; a run
with nothing new publishes no issue (no empty number).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, insert, select, update

from catalogue.records import Record, from_json
from catalogue.store.dsi_tables import dsi_issue_records, dsi_issues, dsi_profiles
from catalogue.store.opac import siblings
from catalogue.store.tables import records

CHUNK = 500
#: Sources whose tombstoned records stay in the issues that carried them: watch entries
#: are retired after ``[veille] keep_months`` by design, yet an issue is a record of what
#: was sent (withdrawn catalogue records are still left out).
KEPT_WHEN_RETIRED = ("veille",)


@dataclass(frozen=True, slots=True)
class Issue:
    """One published issue of a list."""

    id: int
    profile_id: int
    number: int
    published_at: datetime
    count: int


def already_published(conn: Connection, profile_id: int, record_ids: Iterable[int]) -> set[int]:
    """Those of ``record_ids`` whose work an earlier issue of the list already carried
    (through that record or through another centre's record of the same work)."""
    works = siblings(conn, record_ids)
    members = sorted({m for group in works.values() for m in group})
    carried: set[int] = set()
    for i in range(0, len(members), CHUNK):
        carried |= {r.record_id for r in conn.execute(
            select(dsi_issue_records.c.record_id).join(dsi_issues).where(
                dsi_issues.c.profile_id == profile_id,
                dsi_issue_records.c.record_id.in_(members[i:i + CHUNK])))}
    return {rid for rid, group in works.items() if group & carried}


def publish(engine: Engine, profile_id: int, record_ids: Sequence[int], now: datetime) -> Issue | None:
    """Record the list's issue of this run (None when nothing is new) and move its watermark."""
    with engine.begin() as conn:
        seen = already_published(conn, profile_id, record_ids)
        fresh = [r for r in dict.fromkeys(record_ids) if r not in seen]
        conn.execute(update(dsi_profiles).where(dsi_profiles.c.id == profile_id)
                     .values(last_issue_at=now))
        if not fresh:
            return None
        number = (conn.execute(select(func.max(dsi_issues.c.number))
                               .where(dsi_issues.c.profile_id == profile_id)).scalar() or 0) + 1
        key = conn.execute(insert(dsi_issues).values(
            profile_id=profile_id, number=number, published_at=now,
            records=len(fresh))).inserted_primary_key
        assert key is not None
        conn.execute(insert(dsi_issue_records), [
            {"issue_id": key[0], "record_id": r, "position": n} for n, r in enumerate(fresh)])
    return Issue(int(key[0]), profile_id, number, now, len(fresh))


def issues(engine: Engine, profile_id: int, limit: int | None = None) -> list[Issue]:
    """The list's issues, newest first."""
    stmt = (select(dsi_issues).where(dsi_issues.c.profile_id == profile_id)
            .order_by(dsi_issues.c.number.desc()))
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        return [Issue(r.id, r.profile_id, r.number, r.published_at, r.records)
                for r in conn.execute(stmt)]


def issue(engine: Engine, profile_id: int, number: int) -> Issue | None:
    """Issue ``number`` of a list, or None."""
    with engine.connect() as conn:
        r = conn.execute(select(dsi_issues).where(dsi_issues.c.profile_id == profile_id,
                                                  dsi_issues.c.number == number)).first()
    return Issue(r.id, r.profile_id, r.number, r.published_at, r.records) if r else None


def issue_records(engine: Engine, issue_id: int) -> list[Record]:
    """The live records of an issue, in the issue's order (withdrawn ones are left out,
    except retired watch entries: see :data:`KEPT_WHEN_RETIRED`)."""
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.data).join(
            dsi_issue_records, dsi_issue_records.c.record_id == records.c.id)
            .where(dsi_issue_records.c.issue_id == issue_id,
                   records.c.deleted.is_(False) | records.c.source.in_(KEPT_WHEN_RETIRED))
            .order_by(dsi_issue_records.c.position)).all()
    return [from_json(r.data) for r in rows]
