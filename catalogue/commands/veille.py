"""``catalogue veille``: the watch's sources by hand (the scheduler does the same on its own)."""

from __future__ import annotations

import sys

import click

from catalogue.clock import utcnow
from catalogue.commands import Obj, fail

#: Exit status of ``catalogue veille fetch`` when a source failed.
SOURCES_FAILED = 3


@click.group("veille")
def veille_command() -> None:
    """The watch: list its sources, fetch them now, retire old entries."""


@veille_command.command("sources")
@click.pass_obj
def list_sources(obj: Obj) -> None:
    """Each source: id, state, last message."""
    from catalogue.veille import sources

    settings, moment = obj.settings, utcnow()
    for s in sources.listed(obj.engine()):
        flag = " FAILING" if s.failing_for(moment, settings.veille.failing_days) else ""
        click.echo(f"{s.id}\t{s.name}\t{s.kind}\t{s.last_status or 'never'}{flag}\t"
                   f"{s.last_message}")


@veille_command.command("fetch")
@click.option("--source", "source_id", type=click.IntRange(1, 2**31 - 1), default=None,
              help="Only this source (due or not); default: every due source.")
@click.pass_obj
def fetch(obj: Obj, source_id: int | None) -> None:
    """Fetch the due sources now (or one source) and print what each gave.

    Exit status 0 when every source fetched answered (or had nothing new), 3 when one
    or more failed (each failure on its line, and on the source's staff page), 2 for
    an unknown source.
    """
    from catalogue.veille.fetching import fetch_due

    reports = fetch_due(obj.engine(), obj.settings, utcnow(), only=source_id)
    if source_id is not None and not reports:
        fail(f"no watch source {source_id}")
    for report in reports:
        click.echo(report.line())
    if any(report.status == "error" for report in reports):
        sys.exit(SOURCES_FAILED)


@veille_command.command("expire")
@click.pass_obj
def expire(obj: Obj) -> None:
    """Retire the entries found more than [veille] keep_months ago."""
    from catalogue.veille.publishing import expire as retire

    click.echo(f"{retire(obj.engine(), obj.settings, utcnow())} entries retired")
