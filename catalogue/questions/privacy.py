"""The askers' personal data: forgotten after ``[questions] keep_months``, exported on demand.

Anonymising keeps what the figures count (dates, field, organisation type) and the
answer; it erases the asker's name and address, the question as they wrote it and their
replies (which may name them), and cuts the link to their account.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, or_, select, update

from catalogue.people.accounts import Person
from catalogue.questions.model import OPEN
from catalogue.questions.tables import question_events, questions
from catalogue.settings import Settings


def forget(engine: Engine, settings: Settings, now: datetime) -> int:
    """Anonymise the finished questions idle for ``keep_months``; how many."""
    limit = now - timedelta(days=31 * settings.questions.keep_months)
    with engine.begin() as conn:
        ids = conn.execute(select(questions.c.id).where(
            questions.c.anonymised.is_(False), questions.c.status.not_in(OPEN),
            questions.c.last_activity_at < limit)).scalars().all()
        _anonymise(conn, list(ids))
    return len(ids)


def asked_by(engine: Engine, person: Person) -> list[int]:
    """The ids of the questions a person asked (signed in, or with their address)."""
    where = questions.c.person_id == person.id
    if person.email:
        where = or_(where, questions.c.asker_email == person.email)
    with engine.connect() as conn:
        return list(conn.execute(select(questions.c.id).where(where)).scalars())


def erase(engine: Engine, question_ids: list[int]) -> None:
    """Anonymise these questions now, whatever their status (the asker's erasure)."""
    with engine.begin() as conn:
        _anonymise(conn, question_ids)


def _anonymise(conn: Connection, ids: list[int]) -> None:
    if not ids:
        return
    conn.execute(update(questions).where(questions.c.id.in_(ids)).values(
        asker_name="", asker_email="", person_id=None, question="", territory="",
        anonymised=True))
    conn.execute(update(question_events).where(
        question_events.c.question_id.in_(ids),
        question_events.c.kind.in_(("asked", "reply"))).values(body=""))


def export(engine: Engine, person: Person) -> list[dict[str, Any]]:
    """The person's questions and their exchange, JSON-ready (GDPR access)."""
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date | datetime) else value

    where = questions.c.person_id == person.id
    if person.email:
        where = or_(where, questions.c.asker_email == person.email)
    with engine.connect() as conn:
        rows = conn.execute(select(questions).where(where).order_by(questions.c.id)).all()
        out = []
        for row in rows:
            exchange = conn.execute(select(question_events).where(
                question_events.c.question_id == row.id,
                question_events.c.internal.is_(False)).order_by(question_events.c.at)).all()
            out.append({
                "reference": row.reference, "asked_at": plain(row.created_at),
                "question": row.question, "field": row.field, "territory": row.territory,
                "name": row.asker_name, "email": row.asker_email,
                "organisation": row.organisation, "desired_on": plain(row.desired_on),
                "promised_on": plain(row.promised_on), "status": row.status,
                "exchange": [{"at": plain(e.at), "kind": e.kind, "text": e.body}
                             for e in exchange],
            })
    return out
