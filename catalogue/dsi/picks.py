"""Hand-picked records of a curated list: the documentalist's own choice, old or new.

A pick goes out with the list's next issue whatever its dates (the run treats a record
picked since a pair's watermark as new for it), and exactly once: the delivered set and
the archive's "already published" check keep a later issue, or a record an equation
also matches, from carrying it again. Withdrawing a pick leaves issues already sent
as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from catalogue.dsi import profiles
from catalogue.dsi.profiles import Profile, ProfileError
from catalogue.store.dsi_tables import dsi_issue_records, dsi_issues, dsi_picks
from catalogue.store.tables import records


@dataclass(frozen=True, slots=True)
class Pick:
    """A hand-picked record as the list's edit page shows it."""

    record_id: int
    global_id: str
    title: str
    added_at: datetime
    issue: int | None  # the number of the issue that carried it, once published
    deleted: bool = False  # gone from the catalogue since: no issue will carry it


def open_lists(engine: Engine) -> list[Profile]:
    """The curated lists a record can still be picked for (not closed), by name."""
    return [p for p in profiles.lists(engine, staff=True) if p.closed_at is None]


def add(engine: Engine, now: datetime, profile_id: int, global_id: str) -> Profile:
    """Pick the live record ``source:source_id`` for a list (idempotent); the list.

    Raises:
        ProfileError: no such open list, or no such live record.
    """
    found = profiles.get(engine, profile_id)
    if found is None or not found.is_list or found.closed_at is not None:
        raise ProfileError("Cette liste n'existe pas ou est fermée.", "liste")
    source, _, source_id = global_id.partition(":")
    with engine.begin() as conn:
        row = conn.execute(select(records.c.id).where(
            records.c.source == source, records.c.source_id == source_id,
            records.c.deleted.is_(False))).first()
        if row is None:
            raise ProfileError("Cette notice n'existe pas ou a été supprimée.", "notice")
        if conn.execute(select(dsi_picks.c.record_id).where(
                dsi_picks.c.profile_id == profile_id,
                dsi_picks.c.record_id == row.id)).first() is None:
            conn.execute(insert(dsi_picks).values(profile_id=profile_id, record_id=row.id,
                                                  added_at=now))
    return found


def remove(engine: Engine, profile_id: int, record_id: int) -> bool:
    """Withdraw a pick (issues already sent keep it); False if it was not there."""
    with engine.begin() as conn:
        return bool(conn.execute(delete(dsi_picks).where(
            dsi_picks.c.profile_id == profile_id, dsi_picks.c.record_id == record_id)).rowcount)


def of_list(engine: Engine, profile_id: int) -> list[Pick]:
    """A list's picks, newest first, each with the issue that carried it if any."""
    published = (select(dsi_issues.c.number).join(dsi_issue_records)
                 .where(dsi_issues.c.profile_id == profile_id,
                        dsi_issue_records.c.record_id == dsi_picks.c.record_id)
                 .order_by(dsi_issues.c.number).limit(1).scalar_subquery())
    stmt = (select(dsi_picks.c.record_id, dsi_picks.c.added_at, records.c.source,
                   records.c.source_id, records.c.title, records.c.deleted,
                   published.label("issue"))
            .join(records, records.c.id == dsi_picks.c.record_id)
            .where(dsi_picks.c.profile_id == profile_id)
            .order_by(dsi_picks.c.added_at.desc(), dsi_picks.c.record_id.desc()))
    with engine.connect() as conn:
        return [Pick(r.record_id, f"{r.source}:{r.source_id}", r.title or "", r.added_at,
                     r.issue, bool(r.deleted)) for r in conn.execute(stmt)]
