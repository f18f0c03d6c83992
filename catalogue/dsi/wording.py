"""The few sentences of a digest in each language (French is the source text).

Digests are rendered outside the web app, where Flask-Babel's catalogs are not set up;
a dozen sentences do not justify a second gettext domain, so they live here, and a test
checks that every French sentence of the templates has its English translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

ENGLISH = {
    "Bonjour": "Hello",
    "Voici les nouveaux documents du catalogue partagé qui correspondent à vos abonnements.":
        "Here are the new documents of the shared catalogue matching your subscriptions.",
    "Vos alertes du": "Your alerts of",
    "nouveau document": "new document",
    "nouveaux documents": "new documents",
    "et %(n)s autres documents": "and %(n)s more documents",
    "Voir tous les numéros": "See all issues",
    "Voir la recherche": "See the search",
    "Se désabonner de cette liste": "Unsubscribe from this list",
    "Gérer mes abonnements et alertes": "Manage my subscriptions and alerts",
    "Se désabonner de tout ce message": "Unsubscribe from everything in this message",
    "Vous recevez ce message parce que vous êtes abonné·e à ces listes.":
        "You receive this message because you subscribed to these lists.",
    "Auteurs": "Authors",
    "Résumé": "Abstract",
    "Documents": "Documents",
    "Télécharger le texte": "Download the text",
}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def translator(english: Mapping[str, str], language: str) -> Callable[..., str]:
    """The translate function of ``language`` over a French -> English table (French
    text unchanged): ``_("texte %(n)s", n=3)``. The questions' mails use it too."""
    table = english if language == "en" else {}

    def translate(text: str, **values: object) -> str:
        found = table.get(text, text)
        return found % values if values else found

    return translate


def words(language: str) -> Callable[..., str]:
    """The digest's translate function of ``language``: ``_("texte", n=3)``."""
    return translator(ENGLISH, language)


def day(when: date, language: str) -> str:
    """``3 mars 2025`` or ``3 March 2025``."""
    if language == "en":
        return when.strftime("%-d %B %Y")
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"
