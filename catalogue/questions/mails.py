"""The service's mails, in French: acknowledgement, answer, the assignee's reminder.

Plain text (the asker's mail client shows it as written); composed by
:func:`catalogue.people.mailer.compose` and queued by the caller in the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from email.message import EmailMessage

from babel.dates import format_date

from catalogue.people.accounts import Person
from catalogue.people.mailer import Attachment, compose
from catalogue.questions.model import Question, Reference
from catalogue.settings import Settings

#: The availability codes of the lending states, as the answer's references say them.
AVAILABILITY = {
    "available": "disponible",
    "onsite": "consultation sur place",
    "on_loan": "en prêt",
    "reserved": "réservé",
    "unavailable": "indisponible",
    "": "sans exemplaire (document en ligne ou notice seule)",
    "-": "n'est plus au catalogue",
}


def french_date(day: date) -> str:
    """``lundi 16 mars 2026``."""
    return format_date(day, format="full", locale="fr_FR")


def acknowledgement(settings: Settings, question: Question, follow: str,
                    now: datetime) -> EmailMessage:
    text = (
        f"Bonjour {question.asker_name},\n\n"
        f"Nous avons bien reçu votre question, enregistrée sous la référence "
        f"{question.reference}.\n\n"
        f"Nous vous répondrons par écrit au plus tard le {french_date(question.promised_on)}"
        f" ({settings.questions.delay_days} jours ouvrés).\n\n"
        f"Domaine : {question.field_label}\n"
        + (f"Territoire : {question.territory}\n" if question.territory else "")
        + f"\nVotre question :\n{question.question}\n\n"
        f"Suivre votre question : {follow}\n\n"
        f"-- \n{settings.name}\n"
    )
    return compose(settings.mail, to=question.asker_email, to_name=question.asker_name,
                   subject=f"Votre question {question.reference} : accusé de réception",
                   text=text, now=now)


def _reference_lines(settings: Settings, refs: Sequence[Reference]) -> str:
    lines = []
    for n, ref in enumerate(refs, 1):
        state = AVAILABILITY.get(ref.availability, ref.availability)
        lines.append(f"{n}. {ref.title} ({state})\n   {settings.base_url}/notice/"
                     f"{ref.source}/{ref.source_id}")
    return "\n".join(lines)


def answer(settings: Settings, question: Question, refs: Sequence[Reference], reply: str,
           follow: str, now: datetime,
           files: Sequence[tuple[str, str, bytes]] = ()) -> EmailMessage:
    parts = [f"Bonjour {question.asker_name},\n\n"
             f"Voici notre réponse à votre question {question.reference}.\n\n{question.answer}\n"]
    if refs:
        parts.append("\nDocuments du catalogue :\n" + _reference_lines(settings, refs) + "\n")
    if question.link_list:
        parts.append("\nLiens :\n" + "\n".join(question.link_list) + "\n")
    if files:
        parts.append("\nPièces jointes : " + ", ".join(name for name, _, _ in files) + "\n")
    parts.append(f"\nPour nous répondre ou préciser votre demande : {reply}\n"
                 f"Suivre votre question : {follow}\n\n-- \n{settings.name}\n")
    return compose(settings.mail, to=question.asker_email, to_name=question.asker_name,
                   subject=f"Réponse à votre question {question.reference}",
                   text="".join(parts), now=now,
                   attachments=[Attachment(name, content, kind) for name, kind, content in files])


def reminder(settings: Settings, question: Question, assignee: Person,
             now: datetime) -> EmailMessage:
    assert assignee.email is not None
    text = (
        f"Bonjour {assignee.label},\n\n"
        f"La question {question.reference} qui vous est attribuée doit recevoir sa réponse "
        f"au plus tard le {french_date(question.promised_on)}.\n\n"
        f"Domaine : {question.field_label}\n\n{question.question[:1000]}\n\n"
        f"La traiter : {settings.base_url}/questions/gestion/{question.id}\n"
    )
    return compose(settings.mail, to=assignee.email, to_name=assignee.name,
                   subject=f"Rappel : question {question.reference} à rendre le "
                           f"{question.promised_on.strftime('%d/%m/%Y')}",
                   text=text, now=now)


def replied(settings: Settings, question: Question, assignee: Person, text: str,
            now: datetime) -> EmailMessage:
    """The assignee's notice that the asker wrote back (the question is reopened)."""
    assert assignee.email is not None
    body = (
        f"Bonjour {assignee.label},\n\n"
        f"Le demandeur de la question {question.reference} a répondu ; la question est "
        f"rouverte.\n\n{text[:2000]}\n\n"
        f"La traiter : {settings.base_url}/questions/gestion/{question.id}\n"
    )
    return compose(settings.mail, to=assignee.email, to_name=assignee.name,
                   subject=f"Question {question.reference} : message du demandeur",
                   text=body, now=now)
