"""The desk's calendar: local dates, weekly and one-off closing days.

Due dates and hold limits are *local* dates (the centre's ``[circulation] timezone``):
a loan made at 23:30 in Paris is due three weeks after that Paris day, not the UTC one.
A computed date that falls on a closing day is pushed to the next open day, as PMB and
Koha do with their calendars, so nobody is late because the centre was shut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update

from catalogue.lending.settings import CirculationSettings
from catalogue.store.circulation_tables import closing_days

#: A calendar whose every day is closed would loop; a year is more than any real closure.
MAX_PUSH = 366


@dataclass(frozen=True, slots=True)
class ClosingDay:
    """A day the centre is closed (bank holiday, inventory, summer closure)."""

    day: date
    label: str


def local_day(now: datetime, settings: CirculationSettings) -> date:
    """The centre's date at instant ``now``."""
    return now.astimezone(settings.zone).date()


def next_open_day(conn: Connection, day: date, settings: CirculationSettings) -> date:
    """``day`` itself if the centre is open then, else the first open day after it."""
    closed = {row.day for row in conn.execute(
        select(closing_days.c.day).where(closing_days.c.day >= day,
                                         closing_days.c.day <= day + timedelta(days=MAX_PUSH)))}
    for _ in range(MAX_PUSH):
        if day.isoweekday() not in settings.closed_weekdays and day not in closed:
            return day
        day += timedelta(days=1)
    return day


def add_days(conn: Connection, start: date, days: int, settings: CirculationSettings) -> date:
    """``start`` + ``days``, pushed past closing days."""
    return next_open_day(conn, start + timedelta(days=days), settings)


def set_closing_day(engine: Engine, day: date, label: str = "") -> None:
    """Declare ``day`` closed (idempotent; relabels an existing one)."""
    with engine.begin() as conn:
        if conn.execute(select(closing_days.c.day).where(closing_days.c.day == day)).first():
            conn.execute(update(closing_days).where(closing_days.c.day == day).values(label=label))
        else:
            conn.execute(insert(closing_days).values(day=day, label=label))


def remove_closing_day(engine: Engine, day: date) -> None:
    """Open ``day`` again (due dates already computed keep their value)."""
    with engine.begin() as conn:
        conn.execute(delete(closing_days).where(closing_days.c.day == day))


def list_closing_days(engine: Engine, since: date | None = None) -> list[ClosingDay]:
    """Declared closing days from ``since`` on (all of them without it), by date."""
    query = select(closing_days.c.day, closing_days.c.label).order_by(closing_days.c.day)
    if since is not None:
        query = query.where(closing_days.c.day >= since)
    with engine.connect() as conn:
        return [ClosingDay(r.day, r.label) for r in conn.execute(query)]
