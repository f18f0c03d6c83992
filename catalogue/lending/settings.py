"""The ``[circulation]`` table of config.toml: the lending desk's defaults and calendar.

Loan rules by borrower category x item type live in the store (``loan_rules``, edited by
administrators on the desk's rules page or with ``catalogue circulation rule``): rules
change with the centre's policy, not with a deployment. The keys here are what a
deployment decides once: the *default rule* used when no stored rule matches, the weekly
closing days, how long a returned reservation is held, the three reminder delays (and
whether the third suspends the borrower) and which sources' items the desk lends.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class CirculationSettings:
    """How the lending desk lends, holds and reminds."""

    sources: tuple[str, ...] = ()  # sources whose items are lent here (default: [import] default_source)
    timezone: str = "Europe/Paris"  # the desk's calendar: due dates are local dates
    loan_days: int = 21  # default rule: loan period
    max_loans: int = 5  # default rule: open loans a borrower may hold
    renewals: int = 1  # default rule: renewals of one loan
    renewal_days: int = 14  # default rule: days a renewal adds
    max_reservations: int = 3  # default rule: active reservations a borrower may hold
    hold_days: int = 7  # a returned reserved item waits this long for its borrower
    closed_weekdays: tuple[int, ...] = (6, 7)  # ISO weekdays (1 Monday .. 7 Sunday)
    reminder_days: tuple[int, int, int] = (7, 21, 42)  # days overdue for reminder levels 1-3
    reminder_hour: int = 7  # when `catalogue scheduler` sends the day's reminders (local hour)
    suspend_at_third_reminder: bool = False  # a level-3 reminder also suspends the borrower

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _int_list(t: TomlTable, key: str, default: tuple[int, ...], low: int, high: int) -> tuple[int, ...]:
    value = t.get(key, list, list(default))
    if not all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value):
        raise t.fail(key, f"must be a list of integers from {low} to {high}")
    return tuple(value)


def parse_circulation(t: TomlTable, default_source: str) -> CirculationSettings:
    """The ``[circulation]`` table, checked."""
    defaults = CirculationSettings()
    ints = bounded_ints(t, {"loan_days": (1, 365), "max_loans": (0, 500), "renewals": (0, 50),
                            "renewal_days": (1, 365), "max_reservations": (0, 100),
                            "hold_days": (1, 60), "reminder_hour": (0, 23)}, defaults)
    sources = t.get("sources", list, [default_source] if default_source else [])
    if not all(isinstance(s, str) and s for s in sources):
        raise t.fail("sources", "must be a list of source slugs")
    zone = t.get("timezone", str, defaults.timezone)
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        raise t.fail("timezone", f"is not a time zone name such as 'Europe/Paris' ({zone!r})") from None
    weekdays = _int_list(t, "closed_weekdays", defaults.closed_weekdays, 1, 7)
    if len(set(weekdays)) == 7:
        raise t.fail("closed_weekdays", "cannot close every day of the week")
    delays = _int_list(t, "reminder_days", defaults.reminder_days, 1, 365)
    if len(delays) != 3 or list(delays) != sorted(set(delays)):
        raise t.fail("reminder_days", "must list three increasing numbers of days, e.g. [7, 21, 42]")
    suspend = t.get("suspend_at_third_reminder", bool, defaults.suspend_at_third_reminder)
    return CirculationSettings(sources=tuple(sources), timezone=zone,
                               suspend_at_third_reminder=suspend,
                               closed_weekdays=tuple(sorted(set(weekdays))),
                               reminder_days=(delays[0], delays[1], delays[2]), **ints)
