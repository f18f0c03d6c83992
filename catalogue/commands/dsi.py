"""``catalogue dsi``: runs by hand (or dry), and the lists at a glance."""

from __future__ import annotations

import sys

import click

from catalogue.commands import MAIL_PENDING, Obj, moment
from catalogue.dsi import profiles
from catalogue.dsi.runs import run
from catalogue.people.tokens import LinkSigner


@click.group("dsi")
def dsi_command() -> None:
    """Selective dissemination: curated lists, alerts and their digests."""


@dsi_command.command("run")
@click.option("--list", "slug", default=None, help="Only this curated list, due or not.")
@click.option("--dry-run", is_flag=True, help="Select and render, send and record nothing.")
@click.option("--now", "now_text", default=None, metavar="MOMENT",
              help="Run as of this moment (2026-03-02, 2026-03-02T09:30 in the centre's "
                   "time zone, or with an offset) instead of now.")
@click.pass_obj
def run_command(obj: Obj, slug: str | None, dry_run: bool, now_text: str | None) -> None:
    """Send the digests that are due now (what the scheduler does every morning).

    Exit status 0: every digest sent; 3: some remain to retry (the server is down) or
    were refused; 2: nothing could be done (an unknown list).
    """
    from catalogue.web.secret import secret_key

    settings = obj.settings
    report = run(obj.engine(), settings, moment(now_text, settings),
                 LinkSigner(secret_key(settings)), list_slug=slug, dry_run=dry_run)
    click.echo(str(report))
    for made in report.previews:
        click.echo(f"  would send to {made.email}: {made.count} records in "
                   f"{len(made.sections)} section(s): "
                   + ", ".join(s.name for s in made.sections))
    if slug is not None and report.problems and not report.due and not report.issues:
        sys.exit(2)
    if report.retried or report.refused:
        sys.exit(MAIL_PENDING)


@dsi_command.command("lists")
@click.pass_obj
def lists_command(obj: Obj) -> None:
    """The curated lists with their subscriber counts."""
    engine = obj.engine()
    for p in profiles.lists(engine, staff=True):
        click.echo(f"{p.slug:<30} {len(profiles.subscribers(engine, p.id)):>6} subscribers  "
                   f"{p.periodicity.describe():<28} {p.name}"
                   + (f"  [closed {p.closed_at:%Y-%m-%d}]" if p.closed_at else
                      "" if p.active else "  [inactive]")
                   + (f"  [problem: {p.problem}]" if p.problem else ""))
