"""Overdue reminders at three levels, each sent once per loan and level.

A loan ``d`` days late has reached level 1, 2 or 3 when ``d`` passes the first, second
or third of ``[circulation] reminder_days``. Each morning the scheduler (or
``catalogue circulation reminders``) writes to every borrower whose loans reached a new
level: one message per borrower and level, listing those loans. A loan's
``reminder_level`` and its ``reminders`` row move only when the SMTP server *accepted*
the message (:class:`catalogue.people.mailer.Outcome` ``sent``): a server down today
means the reminder goes tomorrow, never twice. A borrower without an email address, or
whose address the server refuses for good, gets a printed letter instead: the row is
written with channel ``letter`` and the desk's letters page prints it. A loan first
seen far beyond a level gets only the highest level reached (nobody wants three letters
on the same morning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from catalogue.lending import audit, closures, notices
from catalogue.lending import loans as loan_list
from catalogue.lending.borrowers import set_suspended
from catalogue.lending.notices import Letter
from catalogue.people.mailer import REFUSED, Mailer
from catalogue.people.settings import MailSettings
from catalogue.settings import Settings
from catalogue.store.circulation_tables import loans, reminders
from catalogue.store.people_tables import persons

EMAIL, LETTER = "email", "letter"


@dataclass(slots=True)
class ReminderReport:
    """What one reminder run did (or would do, with ``--dry-run``)."""

    emailed: int = 0
    letters: int = 0
    retried: int = 0
    planned: list[Letter] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"reminders: {self.emailed} emailed, {self.letters} letter(s) to print, "
                f"{self.retried} to retry tomorrow")


def level_for(late_days: int, delays: tuple[int, int, int]) -> int:
    """The reminder level reached after ``late_days`` days late (0: none yet)."""
    return sum(1 for d in delays if late_days >= d)


def pending(engine: Engine, settings: Settings, today: date) -> list[Letter]:
    """The letters due today: per borrower and level, the loans that reached a new level."""
    overdue = loan_list.overdue(engine, today)
    levels = {}
    for loan in overdue:
        level = level_for(loan.late_days(today), settings.circulation.reminder_days)
        if level > loan.reminder_level:
            levels[loan.id] = level
    ids = {loan.person_id for loan in overdue if loan.id in levels and loan.person_id}
    with engine.connect() as conn:
        people = {r.id: (r.name, r.email or "", r.address) for r in conn.execute(
            select(persons.c.id, persons.c.name, persons.c.email, persons.c.address)
            .where(persons.c.id.in_(ids)))}
    return notices.group(overdue, levels, people)


def _mark(engine: Engine, letter: Letter, channel: str, now: datetime, suspend: bool) -> bool:
    """Record that ``letter`` went out; False when another run had already recorded it.

    With ``suspend`` (``[circulation] suspend_at_third_reminder``) a level-3 letter also
    suspends its borrower, in the same transaction: the reminder says so, and the desk
    refuses them new loans until a librarian lifts the suspension on their screen.
    """
    try:
        with engine.begin() as conn:
            for loan in letter.loans:
                conn.execute(insert(reminders).values(loan_id=loan.id, level=letter.level,
                                                      channel=channel, created_at=now))
                conn.execute(update(loans).where(loans.c.id == loan.id,
                                                 loans.c.reminder_level < letter.level)
                             .values(reminder_level=letter.level))
                audit.record(conn, now, "reminder", None, item_id=loan.item_id,
                             person_id=letter.person_id, detail=f"niveau {letter.level} ({channel})")
            if suspend and letter.level == 3 and letter.person_id:
                set_suspended(conn, letter.person_id, True, now, None, "troisième rappel")
    except IntegrityError:
        return False
    return True


def send_reminders(engine: Engine, settings: Settings, now: datetime, *, dry_run: bool = False,
                   mailer: Callable[[MailSettings], Mailer] = Mailer) -> ReminderReport:
    """Send today's reminders (see the module docstring); with ``dry_run`` only list them."""
    today = closures.local_day(now, settings.circulation)
    letters = pending(engine, settings, today)
    report = ReminderReport(planned=letters)
    if dry_run or not letters:
        return report
    suspend = settings.circulation.suspend_at_third_reminder
    with mailer(settings.mail) as smtp:
        for letter in letters:
            if not letter.email:
                report.letters += _mark(engine, letter, LETTER, now, suspend)
                continue
            outcome = smtp.send(notices.reminder_mail(settings, letter, now, today))
            if outcome.sent:
                report.emailed += _mark(engine, letter, EMAIL, now, suspend)
            elif outcome.status == REFUSED:  # the address is dead: paper it is
                report.letters += _mark(engine, letter, LETTER, now, suspend)
            else:
                report.retried += 1
    return report


@dataclass(frozen=True, slots=True)
class PrintedLetter:
    """A letter waiting to be printed (reminder rows of one borrower and level)."""

    letter: Letter
    reminder_ids: tuple[int, ...]


def letters_to_print(engine: Engine, today: date) -> list[PrintedLetter]:
    """Reminder letters not yet printed, by borrower."""
    with engine.connect() as conn:
        rows = conn.execute(
            loan_list.query().add_columns(reminders.c.id.label("reminder_id"),
                                          reminders.c.level.label("level"),
                                          persons.c.address)
            .join(reminders, reminders.c.loan_id == loans.c.id)
            .where(reminders.c.channel == LETTER, reminders.c.printed_at.is_(None))
            .order_by(persons.c.name, reminders.c.level, loans.c.id)).all()
    grouped: dict[tuple[int, int], list[tuple[int, object]]] = {}
    for row in rows:
        loan = loan_list.row_to_loan(row)
        key = (loan.person_id or 0, row.level)
        grouped.setdefault(key, []).append((row.reminder_id, row))
    out = []
    for (pid, level), found in grouped.items():
        first = found[0][1]
        loans_ = tuple(loan_list.row_to_loan(r) for _, r in found)
        letter = Letter(level=level, person_id=pid, name=first.name or "",  # type: ignore[attr-defined]
                        email=first.email or "", address=first.address or "",  # type: ignore[attr-defined]
                        loans=loans_)
        out.append(PrintedLetter(letter, tuple(i for i, _ in found)))
    return out


def mark_printed(engine: Engine, reminder_ids: list[int], now: datetime) -> int:
    """Mark letters printed; how many were still unprinted."""
    with engine.begin() as conn:
        done = conn.execute(update(reminders).where(reminders.c.id.in_(reminder_ids),
                                                    reminders.c.printed_at.is_(None))
                            .values(printed_at=now))
    return int(done.rowcount)
