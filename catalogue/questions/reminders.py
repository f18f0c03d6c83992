"""The assignee's reminder, ``[questions] reminder_days`` working days before the
promised date: sent once per assignment by the scheduler's morning job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update

from catalogue.lending.closures import local_day
from catalogue.people import accounts, outbox
from catalogue.questions import delays, mails
from catalogue.questions.model import OPEN, question_of
from catalogue.questions.service import log_event
from catalogue.questions.tables import questions
from catalogue.settings import Settings


@dataclass(frozen=True, slots=True)
class ReminderReport:
    queued: int = 0

    def __str__(self) -> str:
        return f"questions: {self.queued} reminder(s) queued"


def remind(engine: Engine, settings: Settings, now: datetime) -> ReminderReport:
    """Queue a mail to each assignee whose question is due within ``reminder_days``."""
    today = local_day(now, settings.circulation)
    with engine.connect() as conn:
        rows = conn.execute(select(questions).where(
            questions.c.status.in_(OPEN), questions.c.assignee_id.is_not(None),
            questions.c.reminded_at.is_(None))).all()
        due = [question_of(r) for r in rows if delays.subtract_working_days(
            conn, question_of(r).promised_on, settings.questions.reminder_days,
            settings.circulation) <= today]
    queued = 0
    for found in due:
        assert found.assignee_id is not None
        assignee = accounts.get(engine, found.assignee_id)
        with engine.begin() as conn:
            conn.execute(update(questions).where(questions.c.id == found.id)
                         .values(reminded_at=now))
            log_event(conn, found.id, now, "reminded", None,
                   assignee.label if assignee else "", internal=True)
        if assignee is None or not assignee.email:
            continue
        outbox.queue(engine, mails.reminder(settings, found, assignee, now),
                     kind="question_reminder", now=now, person_id=assignee.id)
        queued += 1
    return ReminderReport(queued)
