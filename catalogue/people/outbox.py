"""Mails asked for by a web request (confirmation, sign-in link), sent by the scheduler.

A request thread never talks to the SMTP server: it queues the finished message in the
``outbox`` table, in the same transaction as whatever it recorded, and the
``catalogue scheduler`` process drains the queue every ``[mail] outbox_seconds``
(``catalogue mail send`` does it by hand). A message the server refuses for now is tried
again later; one refused for good, or still not accepted after ``max_attempts``, is
marked failed and reported, never retried forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from sqlalchemy import Engine, insert, select, update

from catalogue.people.mailer import REFUSED, Mailer
from catalogue.people.settings import MailSettings
from catalogue.store.people_tables import outbox


@dataclass(frozen=True, slots=True)
class DrainReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"outbox: {self.sent} sent, {self.retried} to retry, {self.failed} failed"


def queue(engine: Engine, msg: EmailMessage, *, kind: str, now: datetime,
          person_id: int | None = None) -> int:
    """Keep ``msg`` for the next drain; its id in the outbox."""
    with engine.begin() as conn:
        key = conn.execute(insert(outbox).values(
            person_id=person_id, kind=kind, recipient=str(msg["To"].addresses[0].addr_spec),
            message=msg.as_bytes(policy=policy.SMTP), created_at=now, next_attempt_at=now,
            attempts=0, failed=False, last_error="")).inserted_primary_key
    assert key is not None
    return int(key[0])


def recently_queued(engine: Engine, person_id: int, kind: str, since: datetime) -> bool:
    """Whether a ``kind`` mail for this person was queued after ``since`` (flood guard)."""
    with engine.connect() as conn:
        return conn.execute(select(outbox.c.id).where(
            outbox.c.person_id == person_id, outbox.c.kind == kind,
            outbox.c.created_at > since).limit(1)).first() is not None


def drain(engine: Engine, settings: MailSettings, now: datetime, *, limit: int = 500,
          mailer: Callable[[MailSettings], Mailer] = Mailer) -> DrainReport:
    """Send the queued messages that are due, oldest first, over one SMTP session."""
    with engine.connect() as conn:
        due = conn.execute(select(outbox.c.id, outbox.c.message, outbox.c.attempts)
                           .where(outbox.c.sent_at.is_(None), outbox.c.failed.is_(False),
                                  outbox.c.next_attempt_at <= now)
                           .order_by(outbox.c.id).limit(limit)).all()
    sent = retried = failed = 0
    if not due:
        return DrainReport()
    parser = BytesParser(policy=policy.default)
    with mailer(settings) as smtp:
        for row in due:
            msg = parser.parsebytes(row.message)
            assert isinstance(msg, EmailMessage)
            outcome = smtp.send(msg)
            attempts = row.attempts + 1
            values: dict[str, object] = {"attempts": attempts, "last_error": outcome.detail}
            if outcome.sent:
                values["sent_at"] = now
                sent += 1
            elif outcome.status == REFUSED or attempts >= settings.max_attempts:
                values["failed"] = True
                failed += 1
            else:
                values["next_attempt_at"] = now + timedelta(minutes=settings.retry_minutes)
                retried += 1
            with engine.begin() as conn:
                conn.execute(update(outbox).where(outbox.c.id == row.id).values(values))
    return DrainReport(sent=sent, retried=retried, failed=failed)
