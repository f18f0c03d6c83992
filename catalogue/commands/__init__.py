"""Command groups of the ``catalogue`` command that live outside ``catalogue.cli``.

``Obj`` is what every command receives from ``catalogue.cli.Context`` (settings and
store, loaded lazily so ``--help`` works without a configuration), and ``fail`` the one
way a command ends on an error a person can fix: one ``error:`` line, exit status 2.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn, Protocol

import click

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
