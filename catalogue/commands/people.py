"""``catalogue users`` (staff and people) and ``catalogue mail`` (the outbox).

Passwords are never arguments (they would stay in the shell history and in ``ps``):
they are prompted for, or read from standard input with ``--password-stdin``.
"""

from __future__ import annotations

import sys

import click

from catalogue.clock import utcnow
from catalogue.commands import Obj, fail
from catalogue.people import accounts, outbox
from catalogue.people.accounts import AccountError


@click.group("users")
def users_command() -> None:
    """Staff accounts and people (subscribers, borrowers)."""


@users_command.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["librarian", "admin", "none"]), default="librarian",
              show_default=True, help="Staff role ('none': a public account).")
@click.option("--name", default="", help="Full name shown on the pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def add_user(obj: Obj, email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account (staff get a password; the address counts as confirmed)."""
    staff = role != "none"
    password = ""
    if staff:
        password = (sys.stdin.readline().rstrip("\n") if password_stdin else
                    click.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        person = accounts.create(obj.engine(), utcnow(), email=email, name=name,
                                 role=role if staff else "", password=password, confirmed=True)
    except AccountError as exc:
        fail(f"{exc.field or 'account'}: {exc.message}")
        return
    click.echo(f"created {person.email} (id {person.id}, role {person.role or 'public'})")


@users_command.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def set_password(obj: Obj, email: str, password_stdin: bool) -> None:
    """Set a new password (and unlock the account)."""
    engine = obj.engine()
    person = accounts.by_email(engine, email)
    if person is None:
        fail(f"no account for {email}")
        return
    password = (sys.stdin.readline().rstrip("\n") if password_stdin else
                click.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        accounts.set_password(engine, person.id, password, utcnow())
    except AccountError as exc:
        fail(exc.message)
    click.echo(f"password set for {person.email}")


@users_command.command("list")
@click.option("--staff", is_flag=True, help="Only librarians and administrators.")
@click.argument("text", default="")
@click.pass_obj
def list_users(obj: Obj, staff: bool, text: str) -> None:
    """People whose name, email or card contains TEXT."""
    for person in accounts.search(obj.engine(), text, limit=500):
        if staff and not person.is_staff:
            continue
        click.echo(f"{person.id}\t{person.email or '-'}\t{person.role or 'public'}\t"
                   f"{person.card or '-'}\t{person.name}")


@click.group("mail")
def mail_command() -> None:
    """Outgoing mail."""


@mail_command.command("send")
@click.pass_obj
def send_outbox(obj: Obj) -> None:
    """Send the queued mails now (the scheduler does it every [mail] outbox_seconds)."""
    settings = obj.settings
    report = outbox.drain(obj.engine(), settings.mail, utcnow())
    click.echo(str(report))
    if report.retried or report.failed:
        sys.exit(1)


@mail_command.command("sink")
@click.option("--host", default=None, help="Address to listen on (default: [mail] host).")
@click.option("--port", type=int, default=None, help="Port (default: [mail] port).")
@click.option("--folder", type=click.Path(file_okay=False), default=None,
              help="Where messages are kept (default: DATA_DIR/mail).")
@click.pass_obj
def mail_sink(obj: Obj, host: str | None, port: int | None, folder: str | None) -> None:
    """A local SMTP server keeping every message as an .eml file (the demo's mailbox)."""
    import threading
    from pathlib import Path

    from catalogue.people import mailsink

    settings = obj.settings
    where = Path(folder) if folder else settings.data_dir / "mail"
    try:
        controller = mailsink.start(where, host or settings.mail.host, port or settings.mail.port)
    except (OSError, RuntimeError) as exc:
        fail(f"cannot listen on {host or settings.mail.host}:{port or settings.mail.port}: {exc}")
        return
    click.echo(f"mail sink on {controller.hostname}:{controller.port}, messages in {where}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
