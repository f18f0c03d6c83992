"""``catalogue circulation``: the desk's chores from the command line.

``reminders`` (with ``--dry-run`` to see who would be written to), ``rules`` to list,
set and delete loan rules, ``closed`` for closing days, ``borrowers`` to import a CSV
of borrowers, ``demo`` for the demo borrowers, librarian and loans of ``make run``.
Refusals end with one ``error:`` line and exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from catalogue.clock import utcnow
from catalogue.commands import MAIL_PENDING, Obj, fail, moment
from catalogue.demo.people import STAFF_EMAIL, populate
from catalogue.lending import closures
from catalogue.lending.borrowers import decode, import_csv
from catalogue.lending.daily import morning
from catalogue.lending.refusals import Refusal
from catalogue.lending.rules import LoanRule, default_rule, delete_rule, list_rules, save_rule


@click.group("circulation")
def circulation_command() -> None:
    """Lending desk: reminders, loan rules, closing days, borrowers."""


@circulation_command.command("reminders")
@click.option("--dry-run", is_flag=True, help="List the reminders due, send nothing.")
@click.option("--now", "now_text", default=None, metavar="MOMENT",
              help="Run as of this moment (2026-03-02, 2026-03-02T09:30 in the centre's "
                   "time zone, or with an offset) instead of now.")
@click.pass_obj
def reminders_command(obj: Obj, dry_run: bool, now_text: str | None) -> None:
    """Expire holds and send today's overdue reminders (what the scheduler does each morning).

    Exit status 0: done; 3: some reminders could not be mailed and are retried tomorrow.
    """
    expired, report = morning(obj.engine(), obj.settings, moment(now_text, obj.settings),
                              dry_run=dry_run)
    for letter in report.planned:
        way = letter.email or "letter"
        click.echo(f"level {letter.level}  {letter.name or '?'} <{way}>  "
                   + ", ".join(loan.barcode for loan in letter.loans))
    if dry_run:
        click.echo(f"dry run: {len(report.planned)} reminder(s) due, nothing sent")
    else:
        click.echo(f"{expired} hold(s) expired; {report}")
        if report.retried:
            sys.exit(MAIL_PENDING)


@circulation_command.command("rules")
@click.option("--set", "set_", nargs=2, metavar="CATEGORY ITEM_TYPE",
              help="Create or replace the rule of this scope ('*' for any).")
@click.option("--delete", "delete_id", type=int, help="Delete the rule with this id.")
@click.option("--loan-days", type=int)
@click.option("--max-loans", type=int)
@click.option("--renewals", type=int)
@click.option("--renewal-days", type=int)
@click.option("--max-reservations", type=int)
@click.pass_obj
def rules_command(obj: Obj, /, set_: tuple[str, str] | None, delete_id: int | None,
                  **numbers: int | None) -> None:
    """List the loan rules; --set or --delete one."""
    engine = obj.engine()
    base = default_rule(obj.settings.circulation)
    if set_:
        current = next((r for r in list_rules(engine) if (r.category, r.item_type) == set_), base)
        values = {k: v if v is not None else getattr(current, k) for k, v in numbers.items()}
        try:
            save_rule(engine, LoanRule(set_[0], set_[1], **values))
        except Refusal as exc:
            fail(f"{exc.field}: {exc.message}")
    if delete_id is not None:
        delete_rule(engine, delete_id)
    click.echo(f"{'id':>4} {'category':<12} {'type':<8} days max renew +days resa")
    for r in [*list_rules(engine), base]:
        click.echo(f"{r.id or '-':>4} {r.category:<12} {r.item_type:<8} {r.loan_days:>4} "
                   f"{r.max_loans:>3} {r.renewals:>5} {r.renewal_days:>5} {r.max_reservations:>4}"
                   + ("  (config.toml default)" if r.id is None else ""))


@circulation_command.command("closed")
@click.option("--add", "add", type=click.DateTime(["%Y-%m-%d"]), help="Close this day.")
@click.option("--label", default="", help="Why (shown on the desk).")
@click.option("--remove", type=click.DateTime(["%Y-%m-%d"]), help="Open this day again.")
@click.pass_obj
def closed_command(obj: Obj, add: Any, label: str, remove: Any) -> None:
    """List closing days (from today); --add or --remove one."""
    engine = obj.engine()
    if add is not None:
        closures.set_closing_day(engine, add.date(), label)
    if remove is not None:
        closures.remove_closing_day(engine, remove.date())
    today = closures.local_day(utcnow(), obj.settings.circulation)
    for day in closures.list_closing_days(engine, since=today):
        click.echo(f"{day.day:%Y-%m-%d}  {day.label}")


@circulation_command.command("borrowers")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def borrowers_command(obj: Obj, csv_file: Path) -> None:
    """Import borrowers from a CSV file (columns: card, name, email, category, expires_on...)."""
    report = import_csv(obj.engine(), decode(csv_file.read_bytes()), utcnow())
    for line, message in report.problems:
        click.echo(f"line {line}: {message}", err=True)
    click.echo(str(report))


@circulation_command.command("demo")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the demo librarian's password is kept "
                   "(default: DATA_DIR/demo/staff-password.txt).")
@click.pass_obj
def demo_command(obj: Obj, password_file: Path | None) -> None:
    """Demo borrowers (categories, 40 cards), a demo librarian, loans and a reservation.

    Idempotent: run again, it keeps what exists (``make run`` calls it every time).
    """
    path = password_file or obj.settings.data_dir / "demo" / "staff-password.txt"
    report = populate(obj.engine(), obj.settings, utcnow(), path)
    for note in report.notes:
        click.echo(note)
    click.echo(str(report))
    if report.password:
        click.echo(f"demo librarian: {STAFF_EMAIL}  password: {report.password}")
        click.echo(f"(shown once; kept in {path}, readable by you only)")
    else:
        click.echo(f"demo librarian: {STAFF_EMAIL}, password in {path}")
