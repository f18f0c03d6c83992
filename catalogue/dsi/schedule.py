"""When a profile is due: periodicity as PMB's bannettes and VuFind's scheduled searches.

A profile runs daily, weekly on one day, monthly on one day (the 31st means the month's
last day) or every N days. A subscriber-profile pair is *due* when a scheduled day has
come since the pair was last served (its watermark), in the deployment's time zone. A
Monday run that could not send leaves the watermark before Monday, so Tuesday's run
finds the pair still due and sends what Monday could not.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("daily", "weekly", "monthly", "every")


@dataclass(frozen=True, slots=True)
class Periodicity:
    """How often a profile's digest goes out."""

    period: str = "weekly"
    weekday: int = 0  # 0 = Monday
    month_day: int = 1
    every_days: int = 7

    def latest(self, today: date) -> date:
        """The latest scheduled day on or before ``today`` (``every``: today itself)."""
        if self.period == "weekly":
            return today - timedelta(days=(today.weekday() - self.weekday) % 7)
        if self.period == "monthly":
            day = _in_month(today.year, today.month, self.month_day)
            if day <= today:
                return day
            year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
            return _in_month(year, month, self.month_day)
        return today

    def is_due(self, served: datetime, now: datetime, zone: ZoneInfo) -> bool:
        """Whether a pair last served at ``served`` is due at ``now``."""
        today = now.astimezone(zone).date()
        last = served.astimezone(zone).date()
        if self.period == "every":
            return last + timedelta(days=max(self.every_days, 1)) <= today
        return last < self.latest(today)

    def describe(self) -> str:
        """The periodicity in French, as pages and mails show it."""
        if self.period == "daily":
            return "quotidienne"
        if self.period == "weekly":
            return f"hebdomadaire (le {WEEKDAYS[self.weekday]})"
        if self.period == "monthly":
            return f"mensuelle (le {self.month_day} du mois)"
        return f"tous les {self.every_days} jours"


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _in_month(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
