"""UTC datestamps: the repository's second granularity out, day or second granularity in.

The store keeps datestamps with microseconds; the protocol shows them truncated to the
second. Selective harvesting therefore works on whole seconds: ``from`` is the first
instant of its second (or day), ``until`` the last instant of its second (or day), so a
record stamped 12:00:05.7 is inside ``until=...T12:00:05Z``, as its header says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from oai.errors import BadArgument, printable

GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
LAST = datetime.max.replace(tzinfo=UTC)
_DAY = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})\Z")
_SECOND = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z\Z")


@dataclass(frozen=True, slots=True)
class Bound:
    """A parsed ``from`` or ``until`` argument: its first instant and its granularity."""

    instant: datetime
    days: bool

    @property
    def end(self) -> datetime:
        """The first instant after this day or second (the exclusive upper bound); for
        the protocol's last day, 9999-12-31, the last instant Python can represent."""
        step = timedelta(days=1) if self.days else timedelta(seconds=1)
        if self.instant > LAST - step:
            return LAST
        return self.instant + step


def parse(name: str, value: str) -> Bound:
    """Parse a ``from``/``until`` argument.

    Raises:
        BadArgument: not ``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ``, or not a real date
            or time (2024-02-30, 25:00:00).
    """
    match = _SECOND.match(value) or _DAY.match(value)
    if match is None:
        raise BadArgument(f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ "
                          f"(got '{printable(value)}')")
    try:
        parts = [int(part) for part in match.groups()] + [0, 0, 0]
        instant = datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], tzinfo=UTC)
    except ValueError as exc:
        raise BadArgument(f"'{name}' is not a real date and time: '{value}' ({exc})") from None
    return Bound(instant, days=len(match.groups()) == 3)


def format(instant: datetime) -> str:
    """``instant`` at the repository's granularity: ``2024-01-31T12:00:05Z``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def exact(instant: datetime) -> str:
    """``instant`` with its microseconds, for resumption tokens (ISO 8601)."""
    return instant.astimezone(UTC).isoformat()


def from_exact(text: str) -> datetime:
    """Inverse of :func:`exact`; raises ValueError on anything else."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)
