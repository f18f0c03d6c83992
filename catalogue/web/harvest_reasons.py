"""A harvest's messages, in the staff page's language, with what to do about them.

``catalogue.harvesting`` keeps one line per run (``harvest_runs.message``): the notes of
the run and, when it failed, the partner's name and the client's error, joined by "; ".
The same error closes the harvest's import run, and each record the partner sent that
could not be stored is an import problem prefixed by its OAI identifier. All of them are
English, for the console and the scheduler's log; :mod:`catalogue.web.reasons` says them
again through these patterns (it also splits a run's line at its "; " when no single
pattern knows the whole). A failure a documentalist can act on carries what to do, in
plain words: wait for the next run, check the URL, change the source's settings, or
contact the partner. The network causes inside "cannot reach ...", and libxml2's reasons,
are in :mod:`catalogue.web.reason_details`.

Named groups are read by their prefix (see :mod:`catalogue.web.reasons`): ``known...``
must itself be a text we know, ``reason...`` is ours or a third party's, ``error...`` is
a Python error kept in English, ``said...`` is the partner's own words, quoted as sent.
"""

from __future__ import annotations

import re

from flask_babel import LazyString, lazy_gettext

from catalogue.web.reason_details import CHECK_URL, CONTACT

SETTINGS = lazy_gettext("corrigez la source dans config.toml (voir le README), puis relancez "
                        "la moisson.")
FORMAT = lazy_gettext("choisissez pour la source un format que le partenaire sert "
                      "(metadata_prefix dans config.toml), puis relancez la moisson.")
TOKENS = lazy_gettext("rien dans l’immédiat : les pages reçues sont gardées et la prochaine "
                      "moisson reprendra là. Si cela se répète, contactez le partenaire.")
OURS = lazy_gettext("l’erreur vient du catalogue lui-même : transmettez ce message à "
                    "l’administrateur du catalogue.")
SETS = lazy_gettext("retirez les ensembles (sets) de la source dans config.toml : le "
                    "partenaire n’en propose pas.")
ARGUMENTS = lazy_gettext("vérifiez les ensembles (sets) et le format de la source dans "
                         "config.toml ; s’ils sont justes, contactez le partenaire.")

#: Each OAI-PMH error code, said in words (harvesters/oai_protocol.py ``OAIError``).
CODES = {
    "badArgument": lazy_gettext("le partenaire refuse la requête : argument illégal ou "
                                "manquant (erreur OAI-PMH badArgument)"),
    "badResumptionToken": lazy_gettext("le partenaire refuse le jeton de reprise, expiré ou "
                                       "inconnu (erreur OAI-PMH badResumptionToken)"),
    "badVerb": lazy_gettext("le partenaire ne connaît pas la requête (erreur OAI-PMH "
                            "badVerb)"),
    "cannotDisseminateFormat": lazy_gettext("le partenaire ne sert pas ce format de notices "
                                            "(erreur OAI-PMH cannotDisseminateFormat)"),
    "idDoesNotExist": lazy_gettext("le partenaire ne connaît pas cet identifiant (erreur "
                                   "OAI-PMH idDoesNotExist)"),
    "noRecordsMatch": lazy_gettext("aucune notice du partenaire ne correspond à la demande "
                                   "(erreur OAI-PMH noRecordsMatch)"),
    "noMetadataFormats": lazy_gettext("le partenaire n’a aucun format de notices à servir "
                                      "(erreur OAI-PMH noMetadataFormats)"),
    "noSetHierarchy": lazy_gettext("le partenaire ne propose pas d’ensembles (erreur OAI-PMH "
                                   "noSetHierarchy)"),
}
CODE_ADVICE = {"badArgument": ARGUMENTS, "badResumptionToken": TOKENS, "badVerb": CHECK_URL,
               "cannotDisseminateFormat": FORMAT, "idDoesNotExist": CONTACT,
               "noRecordsMatch": ARGUMENTS, "noMetadataFormats": CONTACT,
               "noSetHierarchy": SETS}
PARTNER_SAID = lazy_gettext("%(code)s ; le partenaire précise : %(said)s")


def _with_words(code: LazyString) -> LazyString:
    """The code's sentence followed by the partner's words (still a placeholder)."""
    return LazyString(lambda: str(PARTNER_SAID) % {"code": str(code), "said": "%(said)s"})


_Entry = tuple[str, LazyString, LazyString | None]

_RUNS: list[_Entry] = [
    # The run's own notes and failures: catalogue/harvesting.py
    (r"source (?P<slug>'.*') is not an OAI-PMH source \(kind = (?P<kind>'.*')\): import its "
     r"files or give it a folder",
     lazy_gettext("la source %(slug)s n’est pas un entrepôt OAI-PMH (kind = %(kind)s) : "
                  "importez ses fichiers ou donnez-lui un dossier de dépôt"), SETTINGS),
    (r"source (?P<slug>'.*') has no url in the configuration",
     lazy_gettext("la source %(slug)s n’a pas d’adresse (url) dans la configuration"),
     SETTINGS),
    (r"resumed the unfinished harvest run (?P<run>\d+) from its checkpoint",
     lazy_gettext("reprise de la moisson inachevée n° %(run)s à son dernier point de "
                  "reprise"), None),
    (r"the partner keeps no deletions \(deletedRecord=no\): harvested in full so that "
     r"records it dropped are deleted here too",
     lazy_gettext("le partenaire ne garde pas trace des suppressions (deletedRecord=no) : "
                  "moisson complète, pour supprimer ici aussi ce qu’il a supprimé"), None),
    (r"--from is later than the last harvest: the next incremental harvest still starts "
     r"from (?P<stamp>\S+)",
     lazy_gettext("--from est postérieur à la dernière moisson : la prochaine moisson "
                  "incrémentale partira toujours du %(stamp)s"), None),
    (r"(?P<who>\S+): (?P<known>.+) \((?P<pages>\d+) page\(s\) committed; the next run "
     r"resumes\)",
     lazy_gettext("%(who)s : %(known)s (%(pages)s page(s) enregistrée(s) ; la prochaine "
                  "moisson reprendra là)"), None),
    (r"(?P<who>\S+): (?P<known>.+) \((?P<pages>\d+) page\(s\) committed\)",
     lazy_gettext("%(who)s : %(known)s (%(pages)s page(s) enregistrée(s))"), None),
    (r"(?P<count>\d+) more note\(s\) left out",
     lazy_gettext("%(count)s remarque(s) de plus non reprise(s) ici"), None),
    (r"(?P<who>\S+): unexpected error: (?P<error>.+)",
     lazy_gettext("%(who)s : erreur inattendue : %(error)s"), OURS),
    (r"interrupted; the next run resumes",
     lazy_gettext("interrompue ; la prochaine moisson reprendra là"), None),
    (r"interrupted", lazy_gettext("interrompu"), None),
    (r"interrupted; committed batches are kept, re-run the import",
     lazy_gettext("interrompu ; les lots enregistrés sont gardés, relancez l’import"), None),
    (r"interrupted while importing a dropped file",
     lazy_gettext("interrompu pendant l’import d’un fichier déposé"), None),
    (r"failed: (?P<error>.+)", lazy_gettext("échec : erreur inattendue : %(error)s"), OURS),
    # Identify's unusable values: harvesters/oai_protocol.py
    (r"granularity (?P<value>'.*') is not valid: using YYYY-MM-DD",
     lazy_gettext("la granularité %(value)s annoncée par le partenaire n’est pas valide : "
                  "les dates sont envoyées au jour près"), None),
    (r"deletedRecord (?P<value>'.*') is not valid: read as 'no'",
     lazy_gettext("deletedRecord %(value)s annoncé par le partenaire n’est pas valide : lu "
                  "comme « no »"), None),
    (r"earliestDatestamp (?P<value>'.*') is not a date: ignored",
     lazy_gettext("earliestDatestamp %(value)s annoncé par le partenaire n’est pas une "
                  "date : ignoré"), None),
    # Listing: harvesters/oaipmh.py
    (r"the partner does not list records in datestamp order: the list restarted from the "
     r"run's start \(records already stored were recognised, not re-added\)",
     lazy_gettext("le partenaire ne donne pas ses notices dans l’ordre des dates : la liste "
                  "a repris au début de la moisson (les notices déjà enregistrées ont été "
                  "reconnues, pas ajoutées deux fois)"), None),
    (r"badResumptionToken after page (?P<page>\d+): restarted from the start",
     lazy_gettext("jeton de reprise refusé après la page %(page)s : liste reprise depuis le "
                  "début"), None),
    (r"badResumptionToken after page (?P<page>\d+): restarted from the start \(in "
     r"datestamp order\)",
     lazy_gettext("jeton de reprise refusé après la page %(page)s : liste reprise depuis le "
                  "début (dans l’ordre des dates)"), None),
    (r"badResumptionToken after page (?P<page>\d+): restarted from (?P<stamp>\S+)",
     lazy_gettext("jeton de reprise refusé après la page %(page)s : liste reprise au "
                  "%(stamp)s"), None),
    (r"badResumptionToken after page (?P<page>\d+): restarted from (?P<stamp>\S+) \(in "
     r"datestamp order\)",
     lazy_gettext("jeton de reprise refusé après la page %(page)s : liste reprise au "
                  "%(stamp)s (dans l’ordre des dates)"), None),
    (r"the partner refused resumption tokens (?P<count>\d+) times \((?P<said>.*)\); every "
     r"committed page is kept and the next run resumes",
     lazy_gettext("le partenaire a refusé %(count)s fois le jeton de reprise (%(said)s) ; "
                  "toutes les pages enregistrées sont gardées et la prochaine moisson "
                  "reprendra là"), TOKENS),
    # The identifiers' listing: catalogue/reconciliation.py
    (r"identifier listing failed: (?P<known>.+)",
     lazy_gettext("liste des identifiants échouée : %(known)s"), None),
    (r"identifier listing refused: (?P<known>.+)",
     lazy_gettext("liste des identifiants refusée : %(known)s"), None),
    (r"identifiers listed: (?P<listed>\d+) in (?P<pages>\d+) page\(s\); (?P<deleted>\d+) "
     r"record\(s\) no longer at the partner deleted",
     lazy_gettext("identifiants listés : %(listed)s en %(pages)s page(s) ; %(deleted)s "
                  "notice(s) que le partenaire n’a plus supprimée(s)"), None),
    (r"identifiers listed: (?P<listed>\d+) in (?P<pages>\d+) page\(s\); (?P<deleted>\d+) "
     r"record\(s\) no longer at the partner deleted \(import run (?P<run>\d+)\)",
     lazy_gettext("identifiants listés : %(listed)s en %(pages)s page(s) ; %(deleted)s "
                  "notice(s) que le partenaire n’a plus supprimée(s) (import n° %(run)s)"),
     None),
    (r"import run (?P<run>\d+)", lazy_gettext("import n° %(run)s"), None),
    (r"(?P<known>.+); nothing was deleted, the next harvest lists again",
     lazy_gettext("%(known)s ; rien n’a été supprimé, la prochaine moisson refera la liste"),
     None),
    (r"the partner listed no identifier while we hold (?P<count>\d+) live record\(s\): "
     r"nothing was deleted \(check the source's sets; `catalogue harvest --full` deletes "
     r"on purpose\)",
     lazy_gettext("le partenaire n’a listé aucun identifiant alors que nous avons %(count)s "
                  "notice(s) de lui : rien n’a été supprimé (vérifiez les ensembles de la "
                  "source ; une moisson complète supprime, elle, volontairement)"), None),
    (r"the partner no longer lists (?P<gone>\d+) of our (?P<ours>\d+) live record\(s\) "
     r"\((?P<percent>\d+%), more than \[harvest\] reconcile_max_percent = (?P<most>\d+)\): "
     r"nothing was deleted. If it really dropped them, `catalogue harvest (?P<slug>\S+) "
     r"--full` deletes them",
     lazy_gettext("le partenaire ne liste plus %(gone)s de nos %(ours)s notices de lui "
                  "(%(percent)s, plus que reconcile_max_percent = %(most)s) : rien n’a "
                  "été supprimé. S’il les a vraiment retirées, une moisson complète "
                  "(catalogue harvest %(slug)s --full) les supprime"), None),
]

_ERRORS: list[_Entry] = [
    # What stops a harvest: harvesters/oai_client.py, oai_protocol.py, oai_mapping.py
    (r"cannot reach (?P<url>\S+) \((?P<what>\w+)\): (?P<reason>.+), after (?P<attempts>\d+) "
     r"attempts",
     lazy_gettext("impossible de joindre %(url)s (%(what)s) : %(reason)s, après "
                  "%(attempts)s tentative(s)"), None),
    (r"(?P<url>\S+) is not an OAI-PMH endpoint: HTTP (?P<status>\d+) to (?P<what>\w+)",
     lazy_gettext("%(url)s n’est pas un entrepôt OAI-PMH : il répond HTTP %(status)s à "
                  "%(what)s"), CHECK_URL),
    (r"(?P<url>\S+) is not an OAI-PMH endpoint: its answer to (?P<what>\w+) is unusable "
     r"\((?P<known>.+)\)",
     lazy_gettext("%(url)s n’est pas un entrepôt OAI-PMH : sa réponse à %(what)s est "
                  "inutilisable (%(known)s)"), CHECK_URL),
    (r"the answer to Identify holds no <Identify> element",
     lazy_gettext("la réponse à Identify ne contient pas d’élément <Identify>"), CHECK_URL),
    (r"empty response", lazy_gettext("réponse vide"), CONTACT),
    (r"not well-formed XML: (?P<reason>.+)",
     lazy_gettext("XML mal formé : %(reason)s"), CONTACT),
    (r"XML refused, entity expansion beyond limits: (?P<reason>.+)",
     lazy_gettext("XML refusé, ses entités dépassent les limites : %(reason)s"), CONTACT),
    (r"XML refused: the response declares a DTD \(entity expansion risk\)",
     lazy_gettext("XML refusé : la réponse déclare une DTD (risque d’expansion d’entités)"),
     CONTACT),
    (r"root element is <(?P<name>[^>]*)>, not <OAI-PMH>",
     lazy_gettext("l’élément racine est <%(name)s>, pas <OAI-PMH>"), CHECK_URL),
    (r"the response holds neither <(?P<verb>\w+)> nor <error>",
     lazy_gettext("la réponse ne contient ni <%(verb)s> ni <error>"), CONTACT),
    (r"the partner sent resumption token (?P<token>.*) twice: the list loops",
     lazy_gettext("le partenaire a envoyé deux fois le jeton de reprise %(token)s : la liste "
                  "tourne en rond"), CONTACT),
    (r"response larger than (?P<size>\d+) MB refused \(harvest max_response_mb\)",
     lazy_gettext("réponse de plus de %(size)s Mo refusée (max_response_mb de [harvest])"),
     CONTACT),
    (r"(?P<what>\w+) answer from (?P<url>\S+) still malformed after (?P<attempts>\d+) "
     r"attempts: (?P<known>.+)",
     lazy_gettext("réponse à %(what)s de %(url)s toujours illisible après %(attempts)s "
                  "tentative(s) : %(known)s"), None),
    (r"the partner does not serve metadata format (?P<prefix>'.*') \(it serves "
     r"(?P<served>.*)\)",
     lazy_gettext("le partenaire ne sert pas le format de notices %(prefix)s (il sert "
                  "%(served)s)"), FORMAT),
    (r"format (?P<format>'.*') cannot be harvested \(choose (?P<choices>.*)\)",
     lazy_gettext("le format %(format)s ne peut pas être moissonné (choisissez %(choices)s)"),
     SETTINGS),
    (r"metadata format (?P<prefix>'.*') is not supported \(supported: (?P<choices>.*); or "
     r"set the source's format\)",
     lazy_gettext("le format de notices %(prefix)s n’est pas pris en charge (formats pris en "
                  "charge : %(choices)s ; ou indiquez le format de la source)"), FORMAT),
    *[(rf"OAI-PMH error {code}", said, CODE_ADVICE[code]) for code, said in CODES.items()],
    *[(rf"OAI-PMH error {code}: (?P<said>.+)", _with_words(said), CODE_ADVICE[code])
      for code, said in CODES.items()],
    (r"OAI-PMH error (?P<code>\S*): (?P<said>.+)",
     lazy_gettext("erreur OAI-PMH %(code)s ; le partenaire précise : %(said)s"), CONTACT),
    (r"OAI-PMH error (?P<code>\S*)", lazy_gettext("erreur OAI-PMH %(code)s"), CONTACT),
    # One record of a page: harvesters/oai_mapping.py
    (r"record header has no <identifier>: cannot be stored or deleted",
     lazy_gettext("l’en-tête de la notice n’a pas d’<identifier> : elle ne peut être ni "
                  "enregistrée ni supprimée"), None),
    (r"(?P<who>\S+): live record without <metadata>",
     lazy_gettext("%(who)s : notice active sans <metadata>"), None),
    (r"(?P<who>\S+): cannot be mapped from (?P<reader>\w+): (?P<reason>.+)",
     lazy_gettext("%(who)s : ne peut être lue comme %(reader)s : %(reason)s"), None),
    (r"the <(?P<name>[^>]+)> payload holds no Dublin Core element",
     lazy_gettext("le contenu <%(name)s> ne contient aucun élément Dublin Core"), None),
    (r"no MARC record in the <(?P<name>[^>]+)> payload",
     lazy_gettext("aucune notice MARC dans le contenu <%(name)s>"), None),
    (r"expected a PMB <notice>, found <(?P<name>[^>]+)>",
     lazy_gettext("une <notice> PMB était attendue, <%(name)s> trouvé"), None),
    # Last: a partner's name or a record's OAI identifier before any text we know.
    (r"(?P<who>\S+): (?P<known>.+)", lazy_gettext("%(who)s : %(known)s"), None),
]

#: (pattern matching the whole English text, French message, what to do or None).
HARVESTS: list[tuple[re.Pattern[str], LazyString, LazyString | None]] = [
    (re.compile(p), m, a) for p, m, a in (*_RUNS, *_ERRORS)
]
