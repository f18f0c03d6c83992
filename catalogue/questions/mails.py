"""The service's mails: acknowledgement and answer in the asker's language
(:mod:`catalogue.questions.wording`), the assignee's reminder in French.

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
from catalogue.questions.wording import full_date, words
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
    """The asker's acknowledgement, in the language the question was asked in."""
    _ = words(question.language)
    colon = ": " if question.language == "en" else " : "
    text = (
        _("Bonjour %(name)s,", name=question.asker_name) + "\n\n"
        + _("Nous avons bien reçu votre question, enregistrée sous la référence "
            "%(reference)s.", reference=question.reference) + "\n\n"
        + _("Nous vous répondrons par écrit au plus tard le %(day)s (%(days)s jours ouvrés).",
            day=full_date(question.promised_on, question.language),
            days=settings.questions.delay_days) + "\n\n"
        + f"{_('Domaine')}{colon}{_(question.field_label)}\n"
        + (f"{_('Territoire')}{colon}{question.territory}\n" if question.territory else "")
        + f"\n{_('Votre question :')}\n{question.question}\n\n"
        f"{_('Suivre votre question')}{colon}{follow}\n\n"
        f"-- \n{settings.name}\n"
    )
    return compose(settings.mail, to=question.asker_email, to_name=question.asker_name,
                   subject=_("Votre question %(reference)s : accusé de réception",
                             reference=question.reference),
                   text=text, now=now)


def _reference_lines(settings: Settings, refs: Sequence[Reference], language: str) -> str:
    _ = words(language)
    lines = []
    for n, ref in enumerate(refs, 1):
        state = _(AVAILABILITY.get(ref.availability, ref.availability))
        lines.append(f"{n}. {ref.title} ({state})\n   {settings.base_url}/notice/"
                     f"{ref.source}/{ref.source_id}")
    return "\n".join(lines)


def answer(settings: Settings, question: Question, refs: Sequence[Reference], reply: str,
           follow: str, now: datetime,
           files: Sequence[tuple[str, str, bytes]] = ()) -> EmailMessage:
    """The answer to the asker, in the language the question was asked in (the answer's
    own text is the documentalist's)."""
    _ = words(question.language)
    colon = ": " if question.language == "en" else " : "
    parts = [_("Bonjour %(name)s,", name=question.asker_name) + "\n\n"
             + _("Voici notre réponse à votre question %(reference)s.",
                 reference=question.reference) + f"\n\n{question.answer}\n"]
    if refs:
        parts.append("\n" + _("Documents du catalogue :") + "\n"
                     + _reference_lines(settings, refs, question.language) + "\n")
    if question.link_list:
        parts.append("\n" + _("Liens :") + "\n" + "\n".join(question.link_list) + "\n")
    if files:
        parts.append("\n" + _("Pièces jointes") + colon
                     + ", ".join(name for name, _kind, _data in files) + "\n")
    parts.append(f"\n{_('Pour nous répondre ou préciser votre demande')}{colon}{reply}\n"
                 f"{_('Suivre votre question')}{colon}{follow}\n\n-- \n{settings.name}\n")
    return compose(settings.mail, to=question.asker_email, to_name=question.asker_name,
                   subject=_("Réponse à votre question %(reference)s",
                             reference=question.reference),
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
