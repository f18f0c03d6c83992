"""The desk's morning: expire the holds nobody came for, then send the overdue reminders.

Run by ``catalogue scheduler`` once a day at ``[circulation] reminder_hour`` (local
time) and by hand with ``catalogue circulation reminders``. The clock is read once, at
the start, and both steps see the same "today".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from catalogue.lending.desk import Desk
from catalogue.lending.reminders import ReminderReport, send_reminders
from catalogue.settings import Settings


def morning(engine: Engine, settings: Settings, now: datetime, *,
            dry_run: bool = False) -> tuple[int, ReminderReport]:
    """Expired holds closed (0 with ``dry_run``) and the reminder run's report."""
    expired = 0 if dry_run else Desk(engine, settings).expire_holds(now)
    return expired, send_reminders(engine, settings, now, dry_run=dry_run)
