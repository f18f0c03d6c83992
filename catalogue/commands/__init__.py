"""Command groups of the ``catalogue`` command that live outside ``catalogue.cli``.

``Obj`` is what every command receives from ``catalogue.cli.Context`` (settings and
store, loaded lazily so ``--help`` works without a configuration), and ``fail`` the one
way a command ends on an error a person can fix: one ``error:`` line, exit status 2.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from typing import Any, NoReturn, Protocol
from zoneinfo import ZoneInfo

import click

from catalogue.clock import utcnow
from catalogue.settings import Settings


class Obj(Protocol):
    """What ``catalogue.cli.Context`` gives commands."""

    @property
    def settings(self) -> Settings: ...

    def engine(self) -> Any: ...


def fail(message: str) -> NoReturn:
    """Print one error line and exit with status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


#: Exit status of a run that did its work but left mails to retry or had some refused.
MAIL_PENDING = 3


def moment(text: str | None, settings: Settings) -> datetime:
    """``--now``: the run's "now", for a test or a catch-up; else the wall clock.

    ``2026-03-02`` (07:00 that day), ``2026-03-02T09:30`` (both in the centre's time zone,
    ``[harvest] timezone``) or with an offset (``2026-03-02T08:30:00+00:00``, ``...Z``).
    A value that is not such a moment ends the command with one error line.
    """
    if text is None:
        return utcnow()
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            value += "T07:00"
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--now {text!r} is not a date (2026-03-02) or a moment (2026-03-02T09:30)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(settings.harvest.timezone))
    return parsed.astimezone(UTC)
