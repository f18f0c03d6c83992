"""What a question is: its fields, the vocabularies of the form, the queue's statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from catalogue.errors import FieldError

#: The centre's three fields of activity (code -> French label).
FIELDS = {
    "politique-ville": "Politique de la ville",
    "prevention": "Prévention de la délinquance",
    "illettrisme": "Lutte contre l'illettrisme",
}

#: Who asks (code -> French label): the figures count questions by these.
ORGANISATIONS = {
    "association": "Association",
    "collectivite": "Collectivité territoriale",
    "etat": "Service de l'État",
    "bailleur": "Bailleur social",
    "education": "Établissement d'enseignement ou de formation",
    "professionnel": "Professionnel indépendant, bureau d'études",
    "elu": "Élu",
    "particulier": "Particulier, étudiant",
    "autre": "Autre",
}

NEW, ASSIGNED, IN_PROGRESS, WAITING, ANSWERED, CLOSED = (
    "new", "assigned", "in_progress", "waiting", "answered", "closed")
#: The staff queue's statuses, in their order of work (code -> French label).
STATUSES = {
    NEW: "Nouvelle",
    ASSIGNED: "Attribuée",
    IN_PROGRESS: "En cours",
    WAITING: "En attente du demandeur",
    ANSWERED: "Répondue",
    CLOSED: "Close",
}
#: Statuses in which the service still owes an answer.
OPEN = (NEW, ASSIGNED, IN_PROGRESS, WAITING)

#: The longest question the form takes (characters).
MAX_QUESTION = 5000
#: The longest answer or note staff may write.
MAX_TEXT = 50_000
#: Catalogue records one answer may cite.
MAX_REFERENCES = 30
#: Files one answer may send, and the types it may send (extension -> MIME type).
MAX_ATTACHMENTS = 5
ATTACHMENT_TYPES = {
    "pdf": "application/pdf", "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv", "txt": "text/plain", "png": "image/png", "jpg": "image/jpeg",
}


class QuestionError(FieldError):
    """A refusal of the form or of a staff action, with a French message and its field."""


@dataclass(frozen=True, slots=True)
class Question:
    """One row of ``questions``."""

    id: int
    reference: str
    status: str
    question: str
    field: str
    territory: str
    asker_name: str
    asker_email: str
    organisation: str
    desired_on: date | None
    person_id: int | None
    assignee_id: int | None
    created_at: datetime
    promised_on: date
    reminded_at: datetime | None
    answered_at: datetime | None
    last_activity_at: datetime
    answer: str
    links: str
    reply_nonce: str
    published_id: str
    anonymised: bool
    language: str

    @property
    def field_label(self) -> str:
        return FIELDS.get(self.field, self.field)

    @property
    def organisation_label(self) -> str:
        return ORGANISATIONS.get(self.organisation, self.organisation)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def link_list(self) -> list[str]:
        return [line for line in self.links.splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class Event:
    """One step of the exchange or of the staff's history."""

    id: int
    at: datetime
    kind: str  # asked, assigned, status, note, answer, reply, published, reminded
    author_id: int | None
    body: str
    internal: bool


@dataclass(frozen=True, slots=True)
class Reference:
    """A catalogue record an answer cites, as shown: title and availability."""

    source: str
    source_id: str
    title: str
    availability: str  # the lending states' code ('' : no copies); '-' : no longer in the catalogue

    @property
    def global_id(self) -> str:
        return f"{self.source}:{self.source_id}"


def question_of(row: Any) -> Question:
    m = row._mapping
    return Question(**{name: m[name] for name in Question.__slots__})


@dataclass(frozen=True, slots=True)
class Upload:
    """A file staff attach to an answer, as the form gave it."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """A file an answer sent (without its bytes)."""

    id: int
    event_id: int
    filename: str
    mime: str
    size: int
