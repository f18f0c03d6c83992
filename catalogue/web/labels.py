"""Words the pages put around codes: facet names, facet values, sorts, roles, languages.

The index and the store speak in codes (``doctype=a``, ``availability=on_loan``,
``language=fre``, relator ``340``); readers read words, in their language. Every label
here is a French message id marked for translation, so that the English catalog covers
them (a test extracts them); language names come from Babel's locale data, which knows
every language in every interface language.
"""

from __future__ import annotations

from collections.abc import Callable

from babel import Locale, UnknownLocaleError
from flask_babel import force_locale, get_locale, gettext, lazy_gettext

from catalogue.dsi.schedule import Periodicity
from catalogue.records import DOC_TYPES

#: Facet name -> its heading.
FACET_TITLES = {
    "doctype": lazy_gettext("Type de document"),
    "availability": lazy_gettext("Disponibilité"),
    "source": lazy_gettext("Centre de ressources"),
    "year": lazy_gettext("Année"),
    "descriptor": lazy_gettext("Descripteur"),
    "language": lazy_gettext("Langue"),
    "collection": lazy_gettext("Collection"),
    "author": lazy_gettext("Auteur"),
    "fulltext": lazy_gettext("Texte intégral disponible"),
    "territory": lazy_gettext("Territoire"),
}
FULLTEXT_VALUES = {
    "public": lazy_gettext("en accès libre"),
    "readers": lazy_gettext("pour les lecteurs connectés"),
    "staff": lazy_gettext("pour le personnel"),
}

#: Publication statement function (:func:`catalogue.opac.description.statements`) -> term.
STATEMENT_LABELS = {
    "publication": lazy_gettext("Publication"),
    "production": lazy_gettext("Production"),
    "distribution": lazy_gettext("Diffusion"),
    "manufacture": lazy_gettext("Fabrication"),
    "copyright": lazy_gettext("Copyright"),
    "printing": lazy_gettext("Impression"),
}

SORT_LABELS = {
    "relevance": lazy_gettext("Pertinence"),
    "newest": lazy_gettext("Plus récents"),
    "title": lazy_gettext("Titre (A-Z)"),
    "author": lazy_gettext("Auteur (A-Z)"),
}

#: The UNIMARC document types (leader/06) as readers call them; the same French words
#: as :data:`catalogue.records.DOC_TYPES`, here marked for translation.
DOC_TYPE_LABELS = {
    "a": lazy_gettext("Texte imprimé"),
    "b": lazy_gettext("Texte manuscrit"),
    "c": lazy_gettext("Partition imprimée"),
    "d": lazy_gettext("Partition manuscrite"),
    "e": lazy_gettext("Document cartographique imprimé"),
    "f": lazy_gettext("Document cartographique manuscrit"),
    "g": lazy_gettext("Document projeté ou vidéo"),
    "i": lazy_gettext("Enregistrement sonore non musical"),
    "j": lazy_gettext("Enregistrement sonore musical"),
    "k": lazy_gettext("Document graphique à deux dimensions"),
    "l": lazy_gettext("Document électronique"),
    "m": lazy_gettext("Document multimédia"),
    "r": lazy_gettext("Objet à trois dimensions, artefact"),
    "q": lazy_gettext("Question-réponse"),
    "v": lazy_gettext("Veille"),
    # Not leader/06: what Record.shown_type calls serials and their issues.
    "s": lazy_gettext("Périodique"),
}

#: The questions/réponses service's vocabularies (catalogue.questions.model), translated.
QUESTION_FIELD_LABELS = {
    "politique-ville": lazy_gettext("Politique de la ville"),
    "prevention": lazy_gettext("Prévention de la délinquance"),
    "illettrisme": lazy_gettext("Lutte contre l'illettrisme"),
}
QUESTION_ORGANISATION_LABELS = {
    "association": lazy_gettext("Association"),
    "collectivite": lazy_gettext("Collectivité territoriale"),
    "etat": lazy_gettext("Service de l'État"),
    "bailleur": lazy_gettext("Bailleur social"),
    "education": lazy_gettext("Établissement d'enseignement ou de formation"),
    "professionnel": lazy_gettext("Professionnel indépendant, bureau d'études"),
    "elu": lazy_gettext("Élu"),
    "particulier": lazy_gettext("Particulier, étudiant"),
    "autre": lazy_gettext("Autre"),
}
QUESTION_STATUS_LABELS = {
    "new": lazy_gettext("Nouvelle"),
    "assigned": lazy_gettext("Attribuée"),
    "in_progress": lazy_gettext("En cours"),
    "waiting": lazy_gettext("En attente du demandeur"),
    "answered": lazy_gettext("Répondue"),
    "closed": lazy_gettext("Close"),
}

#: Item sections (995$q, the AFBDP audience codes PMB exports) when the export sent the
#: code alone; a centre's own codes are named in config.toml (``[web.sections]``).
SECTION_LABELS = {
    "a": lazy_gettext("Adultes"),
    "j": lazy_gettext("Jeunesse"),
    "u": lazy_gettext("Public indéterminé"),
}

AVAILABILITY_LABELS = {
    "available": lazy_gettext("Disponible"),
    "onsite": lazy_gettext("Consultation sur place"),
    "on_loan": lazy_gettext("En prêt"),
    "reserved": lazy_gettext("Réservé"),
    "unavailable": lazy_gettext("Indisponible"),
    "": lazy_gettext("Pas d'exemplaire"),
}

#: UNIMARC relator codes (catalogue.opac.description.ROLES) -> role.
ROLE_LABELS = {
    "070": lazy_gettext("auteur"),
    "340": lazy_gettext("éditeur scientifique"),
    "651": lazy_gettext("directeur de publication"),
    "080": lazy_gettext("préfacier"),
    "440": lazy_gettext("illustrateur"),
    "730": lazy_gettext("traducteur"),
    "205": lazy_gettext("collaborateur"),
    "557": lazy_gettext("organisateur"),
    "595": lazy_gettext("directeur de recherche"),
    "710": lazy_gettext("rédacteur"),
    "727": lazy_gettext("directeur de thèse"),
}

#: MARC / UNIMARC language codes (ISO 639-2/B) -> ISO 639-1, which Babel names.
_ISO_639_1 = {
    "fre": "fr", "fra": "fr", "eng": "en", "ger": "de", "deu": "de", "spa": "es", "ita": "it",
    "por": "pt", "ara": "ar", "dut": "nl", "nld": "nl", "rus": "ru", "chi": "zh", "zho": "zh",
    "jpn": "ja", "tur": "tr", "pol": "pl", "rum": "ro", "ron": "ro", "gre": "el", "ell": "el",
    "heb": "he", "per": "fa", "fas": "fa", "vie": "vi", "cat": "ca", "bre": "br", "baq": "eu",
    "eus": "eu", "cos": "co", "oci": "oc", "lat": "la", "swe": "sv", "dan": "da", "nor": "no",
    "fin": "fi", "hun": "hu", "cze": "cs", "ces": "cs", "slo": "sk", "slk": "sk", "ukr": "uk",
    "alb": "sq", "sqi": "sq", "arm": "hy", "hye": "hy", "geo": "ka", "kat": "ka", "hin": "hi",
    "kor": "ko", "tam": "ta", "wol": "wo", "bam": "bm", "lin": "ln", "swa": "sw", "kur": "ku",
    "ber": "ber", "mul": "mul", "und": "und", "zxx": "zxx",
}


def _locale() -> Locale:
    found = get_locale()
    return found if found is not None else Locale("fr")


def language_name(code: str) -> str:
    """``fre`` -> ``français`` (or ``French`` in English); the code itself when unknown."""
    key = _ISO_639_1.get(code.lower(), code.lower())
    name = _locale().languages.get(key)
    if not name:
        try:
            name = Locale.parse(key).get_display_name(_locale())
        except (ValueError, UnknownLocaleError):
            name = None
    return str(name) if name else code


#: The catalogue's own sources (their store names are French), in the reader's language:
#: an English page read "Watch · Veille" above a watch entry.
OWN_SOURCES = {"veille": lazy_gettext("Veille"), "questions": lazy_gettext("Questions-réponses")}


def own_source_names(named: Callable[[str], str]) -> Callable[[str], str]:
    """``named`` (the OPAC's source names), the catalogue's own sources translated."""

    def name(slug: str) -> str:
        own = OWN_SOURCES.get(slug)
        return str(own) if own is not None else named(slug)

    return name


def doc_type_label(code: str) -> str:
    """The document type of a leader/06 code, in the reader's language."""
    label = DOC_TYPE_LABELS.get(code)
    return str(label) if label is not None else DOC_TYPES.get(code, code)


def question_label(kind: str, code: str) -> str:
    """A questions/réponses code (``field``, ``organisation``, ``status``) in words."""
    table = {"field": QUESTION_FIELD_LABELS, "organisation": QUESTION_ORGANISATION_LABELS,
             "status": QUESTION_STATUS_LABELS}.get(kind, {})
    label = table.get(code)
    return str(label) if label is not None else code


def availability_label(state: str) -> str:
    """``available`` -> ``Disponible``."""
    label = AVAILABILITY_LABELS.get(state)
    return str(label) if label is not None else state


def status_note(status: str, state: str) -> str:
    """The centre's own status label beside the availability badge, unless it only says
    the badge again, in French or in the reader's language ("Available Disponible")."""
    key = " ".join(status.casefold().strip(" .").split())
    if not key:
        return ""
    with force_locale("fr"):
        french = availability_label(state)
    if key in {french.casefold(), availability_label(state).casefold()}:
        return ""
    return status


def section_label(code: str) -> str:
    """A 995$q section code in words ('' for a code without a label: never the code)."""
    label = SECTION_LABELS.get(code)
    return str(label) if label is not None else ""


def role_label(code: str) -> str:
    """A relator code's role ('' for codes without a label)."""
    label = ROLE_LABELS.get(code)
    return str(label) if label is not None else ""


def facet_title(name: str) -> str:
    """A facet's heading."""
    label = FACET_TITLES.get(name)
    return str(label) if label is not None else name


def sort_label(name: str) -> str:
    """A sort order's name."""
    label = SORT_LABELS.get(name)
    return str(label) if label is not None else name


def value_label(facet: str, value: str,
                source_name: Callable[[str], str] | None = None) -> str:
    """How a facet value reads (codes become words; labels stay as catalogued)."""
    if facet == "doctype":
        return doc_type_label(value)
    if facet == "availability":
        return availability_label(value)
    if facet == "language":
        return language_name(value)
    if facet == "source" and source_name is not None:
        return source_name(value)
    if facet == "fulltext" and value in FULLTEXT_VALUES:
        return str(FULLTEXT_VALUES[value])
    return value


def identifier_label(scheme: str) -> str:
    """``isbn`` -> ``ISBN``."""
    known = {"isbn": "ISBN", "issn": "ISSN", "doi": "DOI", "pmid": "PMID", "ean": "EAN",
             "uri": "URI"}
    return known.get(scheme, scheme.upper() or gettext("Identifiant"))


def statement_label(function: str) -> str:
    """The term before a publication statement of ``function`` (publication when unknown)."""
    return str(STATEMENT_LABELS.get(function, STATEMENT_LABELS["publication"]))


#: The days of a weekly digest (catalogue.dsi.schedule counts them from Monday, 0).
WEEKDAY_NAMES = (lazy_gettext("lundi"), lazy_gettext("mardi"), lazy_gettext("mercredi"),
                 lazy_gettext("jeudi"), lazy_gettext("vendredi"), lazy_gettext("samedi"),
                 lazy_gettext("dimanche"))


def weekday_names() -> list[str]:
    """The week's days in the page's language, Monday first (the forms' choices)."""
    return [str(day) for day in WEEKDAY_NAMES]


def periodicity_label(periodicity: Periodicity) -> str:
    """How often a list or an alert goes out, in the page's language.

    ``Periodicity.describe`` is the French of the console and the store; an English page
    said "hebdomadaire (le jeudi)" with it."""
    if periodicity.period == "daily":
        return str(gettext("quotidienne"))
    if periodicity.period == "weekly":
        return str(gettext("hebdomadaire (le %(day)s)",
                           day=str(WEEKDAY_NAMES[periodicity.weekday % 7])))
    if periodicity.period == "monthly":
        return str(gettext("mensuelle (le %(day)s du mois)", day=periodicity.month_day))
    return str(gettext("tous les %(num)s jours", num=periodicity.every_days))
