"""The public forms' refusals in the page's language.

The domain's checks (``catalogue.questions.form``, ``catalogue.people.accounts``) say why
a field is refused in French, the text the console and the staff pages show. An English
page (the questions form promises its asker their own language) showed those French
words next to English labels. Each message is recognised here by its shape, its
variable parts captured, and said again through the Babel catalogue, as
``catalogue.web.reasons`` does for import problems; a message no pattern knows is shown
as it came.
"""

from __future__ import annotations

import re

from flask import Flask
from flask_babel import LazyString, lazy_gettext

#: (pattern matching the whole French message, the message with its captured names).
MESSAGES: list[tuple[re.Pattern[str], LazyString]] = [
    (re.compile(p), m) for p, m in [
        (r"Écrivez votre question\.", lazy_gettext("Écrivez votre question.")),
        (r"Votre question est trop longue \((?P<length>\d+) caractères ; (?P<most>\d+) au "
         r"plus\)\.",
         lazy_gettext("Votre question est trop longue (%(length)s caractères ; %(most)s au "
                      "plus).")),
        (r"Choisissez un domaine\.", lazy_gettext("Choisissez un domaine.")),
        (r"Choisissez le type de votre structure\.",
         lazy_gettext("Choisissez le type de votre structure.")),
        (r"Le territoire est trop long \(200 caractères au plus\)\.",
         lazy_gettext("Le territoire est trop long (200 caractères au plus).")),
        (r"Indiquez votre nom\.", lazy_gettext("Indiquez votre nom.")),
        (r"Indiquez une adresse électronique\.",
         lazy_gettext("Indiquez une adresse électronique.")),
        (r"Cette adresse électronique n'est pas valide\.",
         lazy_gettext("Cette adresse électronique n'est pas valide.")),
        (r"Le nom ne peut pas contenir de retour à la ligne ni de caractère de contrôle\.",
         lazy_gettext("Le nom ne peut pas contenir de retour à la ligne ni de caractère de "
                      "contrôle.")),
        (r"Le nom est trop long \(200 caractères au plus\)\.",
         lazy_gettext("Le nom est trop long (200 caractères au plus).")),
        (r"Indiquez une date au format JJ/MM/AAAA\.",
         lazy_gettext("Indiquez une date au format JJ/MM/AAAA.")),
        (r"Cette date n'existe pas\.", lazy_gettext("Cette date n'existe pas.")),
        (r"Cette date est passée : choisissez une date à venir\.",
         lazy_gettext("Cette date est passée : choisissez une date à venir.")),
        (r"Choisissez une date dans les deux ans qui viennent\.",
         lazy_gettext("Choisissez une date dans les deux ans qui viennent.")),
    ]
]


def said(message: str | None) -> str:
    """The ``said`` template filter: ``message`` in the page's language when known."""
    if not message:
        return ""
    text = str(message)
    for pattern, translation in MESSAGES:
        found = pattern.fullmatch(text)
        if found:
            return str(translation) % found.groupdict()
    return text


def register(app: Flask) -> None:
    """Make ``said`` available to the templates."""
    app.jinja_env.filters["said"] = said
