"""The questions/réponses service: ask, acknowledge, assign, note, answer, reopen.

Every function takes the engine and ``now`` (read once by the caller). Mails are queued
in the outbox (:mod:`catalogue.people.outbox`) in the transaction's wake and sent by the
scheduler; nothing here talks to an SMTP server. The asker's links (follow-up page,
reply) are signed (:class:`~catalogue.people.tokens.LinkSigner`); a reply link carries
the question's ``reply_nonce``, which rotates when a reply is received: a link works
once, a forged or replayed one is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, update

from catalogue.lending.availability import snapshot
from catalogue.lending.closures import local_day
from catalogue.lending.states import availability
from catalogue.people import accounts, outbox
from catalogue.people.accounts import Person
from catalogue.people.tokens import INVALID, LinkSigner
from catalogue.questions import attachments, delays, mails
from catalogue.questions.form import Asked
from catalogue.questions.model import (
    ANSWERED,
    ASSIGNED,
    CLOSED,
    IN_PROGRESS,
    MAX_REFERENCES,
    MAX_TEXT,
    NEW,
    OPEN,
    STATUSES,
    Event,
    Question,
    QuestionError,
    Reference,
    Upload,
    question_of,
)
from catalogue.questions.tables import (
    question_attachments,
    question_events,
    question_references,
    questions,
)
from catalogue.settings import Settings
from catalogue.store import opac as store
from catalogue.store.people_tables import persons

FOLLOW = "question-follow"
REPLY = "question-reply"


# --- reading ---------------------------------------------------------------------------

def get(engine: Engine, question_id: int) -> Question | None:
    with engine.connect() as conn:
        row = conn.execute(select(questions).where(questions.c.id == question_id)).first()
    return question_of(row) if row is not None else None


def by_reference(engine: Engine, reference: str) -> Question | None:
    with engine.connect() as conn:
        row = conn.execute(select(questions).where(
            questions.c.reference == reference[:20])).first()
    return question_of(row) if row is not None else None


def queue(engine: Engine, status: str = "") -> list[Question]:
    """The questions of one status (the open ones without it), soonest promise first."""
    query = select(questions).order_by(questions.c.promised_on, questions.c.id)
    query = query.where(questions.c.status == status) if status in STATUSES else query.where(
        questions.c.status.in_(OPEN))
    with engine.connect() as conn:
        return [question_of(r) for r in conn.execute(query.limit(500))]


def overdue(engine: Engine, settings: Settings, now: datetime) -> list[Question]:
    """Open questions whose promised date has passed."""
    today = local_day(now, settings.circulation)
    with engine.connect() as conn:
        return [question_of(r) for r in conn.execute(
            select(questions).where(questions.c.status.in_(OPEN),
                                    questions.c.promised_on < today)
            .order_by(questions.c.promised_on, questions.c.id))]


def of_person(engine: Engine, person: Person) -> list[Question]:
    """The questions a signed-in person asked (signed in then, or with their address)."""
    where = questions.c.person_id == person.id
    if person.email:
        where = or_(where, questions.c.asker_email == person.email)
    with engine.connect() as conn:
        return [question_of(r) for r in conn.execute(
            select(questions).where(where).order_by(questions.c.created_at.desc()))]


def events(engine: Engine, question_id: int, *, internal: bool = True) -> list[Event]:
    """The exchange (and, for staff, the internal notes and history), oldest first."""
    query = select(question_events).where(question_events.c.question_id == question_id)
    if not internal:
        query = query.where(question_events.c.internal.is_(False))
    with engine.connect() as conn:
        return [Event(r.id, r.at, r.kind, r.author_id, r.body, r.internal)
                for r in conn.execute(query.order_by(question_events.c.at,
                                                     question_events.c.id))]


def references(engine: Engine, question_id: int) -> list[Reference]:
    """The catalogue records the answer cites, with their title and availability now."""
    with engine.connect() as conn:
        rows = conn.execute(select(question_references).where(
            question_references.c.question_id == question_id)
            .order_by(question_references.c.position)).all()
    out = []
    for row in rows:
        entry = store.entry(engine, row.source, row.source_id)
        if entry is None:
            out.append(Reference(row.source, row.source_id, row.source_id, "-"))
            continue
        live = snapshot(engine, [entry.id])
        out.append(Reference(row.source, row.source_id, entry.record.title.main,
                             availability(entry.record, live.status)))
    return out


def staff(engine: Engine) -> list[Person]:
    """The documentalists a question may be assigned to."""
    with engine.connect() as conn:
        ids = conn.execute(select(persons.c.id).where(
            persons.c.role.in_(accounts.STAFF_ROLES)).order_by(persons.c.name)).scalars().all()
    return [p for p in (accounts.get(engine, i) for i in ids) if p is not None]


# --- asking ----------------------------------------------------------------------------

def ask(engine: Engine, settings: Settings, signer: LinkSigner, asked: Asked,
        now: datetime, person_id: int | None = None, language: str = "fr") -> Question:
    """Record a question and queue its acknowledgement (reference, promised date).

    The same question from the same address within a day (a double click, a form sent
    again) is the question already recorded: stored once, acknowledged once.
    """
    with engine.connect() as conn:
        same = conn.execute(select(questions).where(
            questions.c.asker_email == asked.email, questions.c.question == asked.question,
            questions.c.created_at > now - timedelta(days=1))).first()
    if same is not None:
        return question_of(same)
    today = local_day(now, settings.circulation)
    promised = delays.promised_date(engine, today, settings.questions.delay_days,
                                    settings.circulation)
    with engine.begin() as conn:
        key = conn.execute(insert(questions).values(
            reference=secrets.token_hex(8), status=NEW, question=asked.question,
            field=asked.field, territory=asked.territory, asker_name=asked.name,
            asker_email=asked.email, organisation=asked.organisation,
            desired_on=asked.desired_on, person_id=person_id, assignee_id=None,
            created_at=now, promised_on=promised, last_activity_at=now, answer="", links="",
            reply_nonce=secrets.token_hex(8), published_id="", anonymised=False,
            language="en" if language == "en" else "fr",
        )).inserted_primary_key
        assert key is not None
        question_id = int(key[0])
        reference = f"Q-{today.year}-{question_id:05d}"
        conn.execute(update(questions).where(questions.c.id == question_id)
                     .values(reference=reference))
        log_event(conn, question_id, now, "asked", None, asked.question, internal=False)
    found = get(engine, question_id)
    assert found is not None
    outbox.queue(engine, mails.acknowledgement(settings, found, follow_link(settings, signer,
                                                                             found, now), now),
                 kind="question_ack", now=now, person_id=person_id)
    return found


def follow_link(settings: Settings, signer: LinkSigner, question: Question,
                now: datetime) -> str:
    """The asker's page of this question (signed; valid as long as the question is kept)."""
    return settings.base_url + "/questions/suivi/" + signer.sign(
        FOLLOW, {"q": question.id, "r": question.reference}, now)


def reply_link(settings: Settings, signer: LinkSigner, question: Question,
               now: datetime) -> str:
    """The link with which the asker answers back (once)."""
    return settings.base_url + "/questions/reponse/" + signer.sign(
        REPLY, {"q": question.id, "n": question.reply_nonce}, now)


def followed(engine: Engine, signer: LinkSigner, token: str, now: datetime) -> Question:
    """The question a follow-up link names; TokenError when forged or erased."""
    data = signer.check(FOLLOW, token, now, None)
    found = get(engine, data["q"]) if isinstance(data.get("q"), int) else None
    if found is None or found.reference != data.get("r") or found.anonymised:
        raise INVALID
    return found


def replying(engine: Engine, signer: LinkSigner, token: str, now: datetime,
             keep_months: int) -> Question:
    """The question a reply link names, while the link is unspent."""
    data = signer.check(REPLY, token, now, timedelta(days=31 * keep_months))
    found = get(engine, data["q"]) if isinstance(data.get("q"), int) else None
    if found is None or found.reply_nonce != data.get("n") or found.anonymised:
        raise INVALID
    return found


# --- staff work --------------------------------------------------------------------------

def assign(engine: Engine, question_id: int, assignee_id: int | None, now: datetime,
           by: int) -> None:
    """Give the question to a documentalist (or take it back: ``None``)."""
    assignee = accounts.get(engine, assignee_id) if assignee_id is not None else None
    if assignee_id is not None and (assignee is None or not assignee.is_staff):
        raise QuestionError("Choisissez un documentaliste.", "assignee")
    with engine.begin() as conn:
        current = conn.execute(select(questions.c.status).where(
            questions.c.id == question_id)).scalar_one()
        status = ASSIGNED if current == NEW and assignee is not None else current
        conn.execute(update(questions).where(questions.c.id == question_id).values(
            assignee_id=assignee_id, status=status, reminded_at=None, last_activity_at=now))
        log_event(conn, question_id, now, "assigned", by, assignee.label if assignee else "",
               internal=True)


def set_status(engine: Engine, question_id: int, status: str, now: datetime, by: int) -> None:
    if status not in STATUSES:
        raise QuestionError("Choisissez un état.", "status")
    with engine.begin() as conn:
        conn.execute(update(questions).where(questions.c.id == question_id)
                     .values(status=status, last_activity_at=now))
        log_event(conn, question_id, now, "status", by, status, internal=True)


def add_note(engine: Engine, question_id: int, text: str, now: datetime, by: int) -> None:
    """An internal note: the staff's, never shown to the asker nor published."""
    body = text.replace("\r\n", "\n").strip()
    if not body:
        raise QuestionError("Écrivez la note.", "note")
    if len(body) > MAX_TEXT:
        raise QuestionError(f"La note est trop longue ({MAX_TEXT} caractères au plus).", "note")
    with engine.begin() as conn:
        log_event(conn, question_id, now, "note", by, body, internal=True)


def add_reference(engine: Engine, question_id: int, global_id: str) -> None:
    """Cite a catalogue record (``source:source_id``) in the answer (once)."""
    source, _, source_id = global_id.partition(":")
    if not source_id or store.entry(engine, source, source_id) is None:
        raise QuestionError("Cette notice n'est pas dans le catalogue.", "reference")
    with engine.begin() as conn:
        rows = conn.execute(select(question_references.c.source,
                                   question_references.c.source_id).where(
            question_references.c.question_id == question_id)).all()
        if (source, source_id) in {(r.source, r.source_id) for r in rows}:
            return
        if len(rows) >= MAX_REFERENCES:
            raise QuestionError(f"Une réponse cite {MAX_REFERENCES} notices au plus.",
                                "reference")
        position = conn.execute(select(func.coalesce(func.max(
            question_references.c.position), 0)).where(
            question_references.c.question_id == question_id)).scalar_one() + 1
        conn.execute(insert(question_references).values(
            question_id=question_id, position=position, source=source, source_id=source_id))


def remove_reference(engine: Engine, question_id: int, global_id: str) -> None:
    source, _, source_id = global_id.partition(":")
    with engine.begin() as conn:
        conn.execute(delete(question_references).where(
            question_references.c.question_id == question_id,
            question_references.c.source == source,
            question_references.c.source_id == source_id))


def clean_links(text: str) -> str:
    """One http(s) URL a line, or a QuestionError."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) > 50 or any(len(line) > 2000 or not line.startswith(("http://", "https://"))
                              or any(c.isspace() for c in line) for line in lines):
        raise QuestionError("Un lien par ligne, chacun commençant par http:// ou https://.",
                            "links")
    return "\n".join(lines)


def answer(engine: Engine, settings: Settings, signer: LinkSigner, question_id: int,
           text: str, links: str, now: datetime, by: int,
           uploads: Sequence[Upload] = ()) -> Question:
    """Send the answer to the asker (queued in the outbox, with its files) and keep it
    in the exchange."""
    body = text.replace("\r\n", "\n").strip()
    if not body:
        raise QuestionError("Écrivez la réponse.", "answer")
    if len(body) > MAX_TEXT:
        raise QuestionError(f"La réponse est trop longue ({MAX_TEXT} caractères au plus).",
                            "answer")
    cleaned = clean_links(links)
    files = attachments.clean_uploads(uploads)
    found = get(engine, question_id)
    if found is None or found.anonymised:
        raise QuestionError("Cette question n'existe plus.", "answer")
    with engine.begin() as conn:
        conn.execute(update(questions).where(questions.c.id == question_id).values(
            answer=body, links=cleaned, status=ANSWERED, last_activity_at=now,
            answered_at=found.answered_at or now))
        event_id = log_event(conn, question_id, now, "answer", by,
                             body + ("\n\n" + cleaned if cleaned else ""), internal=False)
        for name, kind, content in files:
            conn.execute(insert(question_attachments).values(
                question_id=question_id, event_id=event_id, filename=name, mime=kind,
                content=content))
    sent = get(engine, question_id)
    assert sent is not None
    msg = mails.answer(settings, sent, references(engine, question_id),
                       reply_link(settings, signer, sent, now),
                       follow_link(settings, signer, sent, now), now, files)
    outbox.queue(engine, msg, kind="question_answer", now=now, person_id=sent.person_id)
    return sent


def reply(engine: Engine, settings: Settings, question: Question, text: str,
          now: datetime) -> None:
    """The asker's reply: kept in the exchange, the question reopened, the link spent,
    and its documentalist told by mail."""
    body = text.replace("\r\n", "\n").strip()
    if not body:
        raise QuestionError("Écrivez votre message.", "message")
    if len(body) > MAX_TEXT:
        raise QuestionError(f"Votre message est trop long ({MAX_TEXT} caractères au plus).",
                            "message")
    with engine.begin() as conn:
        done = conn.execute(update(questions).where(
            questions.c.id == question.id, questions.c.reply_nonce == question.reply_nonce)
            .values(status=IN_PROGRESS if question.assignee_id else NEW,
                    reply_nonce=secrets.token_hex(8), last_activity_at=now))
        if done.rowcount != 1:
            raise INVALID  # a reply raced this one with the same link
        log_event(conn, question.id, now, "reply", None, body, internal=False)
    assignee = accounts.get(engine, question.assignee_id) if question.assignee_id else None
    if assignee is not None and assignee.email:
        outbox.queue(engine, mails.replied(settings, question, assignee, body, now),
                     kind="question_reply", now=now, person_id=assignee.id)


def close(engine: Engine, question_id: int, now: datetime, by: int) -> None:
    set_status(engine, question_id, CLOSED, now, by)


def promised_on(engine: Engine, settings: Settings, now: datetime) -> date:
    """The date a question asked at ``now`` would be promised (shown on the form)."""
    return delays.promised_date(engine, local_day(now, settings.circulation),
                                settings.questions.delay_days, settings.circulation)


def log_event(conn: Any, question_id: int, now: datetime, kind: str, author_id: int | None,
              body: str, *, internal: bool) -> int:
    """Keep one step of the exchange or of the history; its id."""
    key = conn.execute(insert(question_events).values(
        question_id=question_id, at=now, kind=kind, author_id=author_id, body=body,
        internal=internal)).inserted_primary_key
    return int(key[0])


def event_authors(engine: Engine, found: Sequence[Event]) -> dict[int, str]:
    """Staff names of the events' authors."""
    ids = {e.author_id for e in found if e.author_id is not None}
    return {i: p.label for i in ids if (p := accounts.get(engine, i)) is not None}
