"""Working days on the lending desk's calendar: the promised date and the reminder date.

A working day is a day the desk is open (:func:`catalogue.lending.closures.next_open_day`:
``[circulation] closed_weekdays`` and the one-off closing days declared at the desk) and
not a Saturday or a Sunday, whatever the desk's own opening hours: the service answers
on office days. The day a question arrives does not count.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, Engine

from catalogue.lending.closures import MAX_PUSH, next_open_day
from catalogue.lending.settings import CirculationSettings

WEEKEND = (6, 7)


def is_working_day(conn: Connection, day: date, settings: CirculationSettings) -> bool:
    """Whether the service works on ``day``."""
    return day.isoweekday() not in WEEKEND and next_open_day(conn, day, settings) == day


def add_working_days(conn: Connection, start: date, days: int,
                     settings: CirculationSettings) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself when ``days`` is 0)."""
    day = start
    for _ in range(max(days, 0)):
        day = _step(conn, day, settings, 1)
    return day


def subtract_working_days(conn: Connection, end: date, days: int,
                          settings: CirculationSettings) -> date:
    """The ``days``-th working day before ``end``."""
    day = end
    for _ in range(max(days, 0)):
        day = _step(conn, day, settings, -1)
    return day


def working_days_between(conn: Connection, start: date, end: date,
                         settings: CirculationSettings) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    count, day = 0, start
    for _ in range(MAX_PUSH * 3):
        if day >= end:
            break
        day += timedelta(days=1)
        if is_working_day(conn, day, settings):
            count += 1
    return count


def promised_date(engine: Engine, start: date, days: int,
                  settings: CirculationSettings) -> date:
    """The date promised to an asker who asks on ``start``."""
    with engine.connect() as conn:
        return add_working_days(conn, start, days, settings)


def _step(conn: Connection, day: date, settings: CirculationSettings, way: int) -> date:
    for _ in range(MAX_PUSH):
        day += timedelta(days=way)
        if is_working_day(conn, day, settings):
            return day
    return day
