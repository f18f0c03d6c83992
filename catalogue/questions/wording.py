"""The asker's mails in the language the question was asked in (French is the source).

Mails are composed outside the asker's request (the answer in a documentalist's), so
Flask-Babel's request locale is not theirs: as the DSI's digests do
(:mod:`catalogue.dsi.wording`), the few sentences live here, and a test checks that the
English mails carry no French sentence. Staff mails stay in French.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from babel.dates import format_date

from catalogue.dsi.wording import translator

ENGLISH = {
    "Bonjour %(name)s,": "Hello %(name)s,",
    "Nous avons bien reçu votre question, enregistrée sous la référence %(reference)s.":
        "We have received your question, recorded under the reference %(reference)s.",
    "Nous vous répondrons par écrit au plus tard le %(day)s (%(days)s jours ouvrés).":
        "We will answer in writing by %(day)s at the latest (%(days)s working days).",
    "Domaine": "Field",
    "Territoire": "Territory",
    "Votre question :": "Your question:",
    "Suivre votre question": "Follow your question",
    "Votre question %(reference)s : accusé de réception":
        "Your question %(reference)s: acknowledgement",
    "Voici notre réponse à votre question %(reference)s.":
        "Here is our answer to your question %(reference)s.",
    "Documents du catalogue :": "Catalogue documents:",
    "Liens :": "Links:",
    "Pièces jointes": "Attachments",
    "Pour nous répondre ou préciser votre demande": "To reply or to clarify your request",
    "Réponse à votre question %(reference)s": "Answer to your question %(reference)s",
    # the fields of activity and the references' availability
    "Politique de la ville": "Urban policy",
    "Prévention de la délinquance": "Crime prevention",
    "Lutte contre l'illettrisme": "Fighting illiteracy",
    "disponible": "available",
    "consultation sur place": "on-site consultation",
    "en prêt": "on loan",
    "réservé": "on hold",
    "indisponible": "unavailable",
    "sans exemplaire (document en ligne ou notice seule)":
        "no copy (online document or record only)",
    "n'est plus au catalogue": "no longer in the catalogue",
}


def words(language: str) -> Callable[..., str]:
    """The translate function of ``language``: ``_("Bonjour %(name)s,", name="Ana")``."""
    return translator(ENGLISH, language)


def full_date(day: date, language: str) -> str:
    """``lundi 16 mars 2026`` or ``Monday, March 16, 2026``."""
    return format_date(day, format="full", locale="en" if language == "en" else "fr_FR")
