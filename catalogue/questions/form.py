"""The public form's input, checked: every refusal a French message for its field.

Numbers and dates are parsed in one bounded way (:func:`parse_date`): no input, however
long or strange, raises anything but a :class:`~catalogue.questions.model.QuestionError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from catalogue import territories
from catalogue.people import accounts
from catalogue.people.accounts import AccountError
from catalogue.questions.model import FIELDS, MAX_QUESTION, ORGANISATIONS, QuestionError

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: What a browser without a date picker sends as typed, and what the message asks for.
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: The furthest a desired date may be.
MAX_AHEAD = timedelta(days=730)


@dataclass(frozen=True, slots=True)
class Asked:
    """A question as the form gave it, checked and cleaned."""

    question: str
    field: str
    territory: str
    name: str
    email: str
    organisation: str
    desired_on: date | None


def parse_date(value: str) -> date | None:
    """``YYYY-MM-DD`` (a date picker's value) or ``JJ/MM/AAAA`` (typed where there is no
    picker, and what the refusal asks for) as a date, None when empty; anything else is a
    QuestionError."""
    text = value.strip()
    if not text:
        return None
    french = FRENCH_DATE.match(text) if len(text) <= 10 else None
    if french is None and (len(text) > 10 or not ISO_DATE.match(text)):
        raise QuestionError("Indiquez une date au format JJ/MM/AAAA.", "desired")
    try:
        if french is not None:
            day, month, year = (int(part) for part in french.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise QuestionError("Cette date n'existe pas.", "desired") from None


def _text(value: str) -> str:
    """Line breaks kept, other control characters and surrounding blanks dropped."""
    return "".join(c for c in value if c in "\n\t" or ord(c) >= 32 and ord(c) != 127).strip()


def check(values: Mapping[str, str], today: date) -> tuple[Asked | None, dict[str, str]]:
    """The cleaned question, or None and a French message for each faulty field."""
    errors: dict[str, str] = {}
    question = _text(values.get("question", "").replace("\r\n", "\n"))
    if not question:
        errors["question"] = "Écrivez votre question."
    elif len(question) > MAX_QUESTION:
        errors["question"] = (f"Votre question est trop longue ({len(question)} caractères ; "
                              f"{MAX_QUESTION} au plus).")
    field = values.get("field", "")
    if field not in FIELDS:
        errors["field"] = "Choisissez un domaine."
    organisation = values.get("organisation", "")
    if organisation not in ORGANISATIONS:
        errors["organisation"] = "Choisissez le type de votre structure."
    territory = " ".join(_text(values.get("territory", "")).split())
    if len(territory) > 200:
        errors["territory"] = "Le territoire est trop long (200 caractères au plus)."
    elif (found := territories.resolve(territory)) is not None:
        territory = found.label  # "toulouse" or "31555" is stored as "Toulouse (31)"
    name = email = ""
    try:
        name = accounts.clean_name(values.get("name", ""))
        if not name:
            errors["name"] = "Indiquez votre nom."
    except AccountError as exc:
        errors["name"] = exc.message
    try:
        email = accounts.normalize_email(values.get("email", ""))
    except AccountError as exc:
        errors["email"] = exc.message
    desired = None
    try:
        desired = parse_date(values.get("desired", ""))
        if desired is not None and desired < today:
            errors["desired"] = "Cette date est passée : choisissez une date à venir."
        elif desired is not None and desired > today + MAX_AHEAD:
            errors["desired"] = "Choisissez une date dans les deux ans qui viennent."
    except QuestionError as exc:
        errors["desired"] = exc.message
    if errors:
        return None, errors
    return Asked(question, field, territory, name, email, organisation, desired), {}
