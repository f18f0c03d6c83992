"""The ``[dsi]`` table of config.toml (parsed here, stored on ``Settings.dsi``)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class DsiSettings:
    """How and when digests are built and sent."""

    enabled: bool = True
    schedule: str = "0 7 * * *"  # crontab line of the DSI job in `catalogue scheduler`
    timezone: str = "Europe/Paris"  # of the schedule and of the lists' days
    margin_minutes: int = 60  # windows reach back this far (the delivered set dedupes)
    default_cap: int = 30  # records listed per profile in one mail
    max_cap: int = 500
    unsubscribe_days: int = 365  # validity of the unsubscribe links of a mail
    max_alerts: int = 20  # private alerts per person
    feed_size: int = 20  # issues in a list's Atom feed
    bounce_limit: int = 3  # consecutive permanent refusals before an address is left alone
    delivery_group: int = 50  # accepted mails recorded per commit (the crash window)


def parse_dsi(t: TomlTable) -> DsiSettings:
    """The ``[dsi]`` table, checked."""
    defaults = DsiSettings()
    ints = bounded_ints(t, {"margin_minutes": (0, 24 * 60), "default_cap": (1, 1000),
                            "max_cap": (1, 5000), "unsubscribe_days": (1, 3650),
                            "max_alerts": (0, 1000), "feed_size": (1, 200),
                            "bounce_limit": (0, 100), "delivery_group": (1, 1000)}, defaults)
    if ints["default_cap"] > ints["max_cap"]:
        raise t.fail("default_cap", "must not exceed max_cap")
    schedule = t.get("schedule", str, defaults.schedule).strip()
    zone = t.get("timezone", str, defaults.timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise t.fail("timezone", f"is not a known time zone ({zone!r})") from None
    if schedule:
        try:
            CronTrigger.from_crontab(schedule, timezone=zone)
        except ValueError as exc:
            raise t.fail("schedule", f"is not a crontab line ({exc})") from None
    return DsiSettings(enabled=t.get("enabled", bool, True), schedule=schedule, timezone=zone,
                       **ints)
