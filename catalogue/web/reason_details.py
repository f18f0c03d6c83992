"""The third parties' words inside our problem texts, said again where we can.

Two kinds of text come from code that is not ours and is quoted inside our sentences:
libxml2's reason for a document that is not well-formed ("XML is not well-formed:
Premature end of data in tag record line 1"), and what ``requests`` says when a partner
cannot be reached ("ConnectionError: ... [Errno 111] Connection refused"). A
documentalist reads neither, so the commonest of them are paraphrased here in plain
words (and said in English again on an English page); the rarer libxml2 messages stay
as libxml2 wrote them, marked ``lang="en"`` by :mod:`catalogue.web.reasons`, because a
paraphrase of a message we have never met would be a guess. The network causes carry
what to do about them (wait for the next run, check the URL, contact the partner),
picked by the cause, not by the sentence around it.
"""

from __future__ import annotations

import re

from flask_babel import LazyString, lazy_gettext

#: libxml2's position suffix, as lxml keeps it in an OAI-PMH response's reason.
LOCATION = re.compile(r"(?P<text>.*?),? line (?P<line>\d+), column (?P<column>\d+)", re.S)

#: Said after a paraphrase when libxml2 gave the position.
AT = lazy_gettext("%(text)s (ligne %(line)s, colonne %(column)s)")

#: What to do, by kind of failure (the text follows "Que faire :").
WAIT = lazy_gettext("rien dans l’immédiat : la prochaine moisson programmée réessaiera et "
                    "reprendra où celle-ci s’est arrêtée. Si cela dure plusieurs jours, "
                    "contactez le partenaire.")
CHECK_URL = lazy_gettext("vérifiez l’adresse de l’entrepôt (la clé url de la source dans "
                         "config.toml) ; si elle est juste, contactez le partenaire.")
CONTACT = lazy_gettext("contactez le partenaire en lui transmettant ce message : son "
                       "entrepôt envoie des réponses illisibles. La prochaine moisson "
                       "réessaiera d’elle-même.")

#: (pattern matching the whole detail, sentence, what to do or None).
DETAILS: list[tuple[re.Pattern[str], LazyString, LazyString | None]] = [
    (re.compile(p, re.S), m, a) for p, m, a in [
        # libxml2, as lxml reports it (the commonest first)
        (r"Premature end of data in tag (?P<tag>\S+) line (?P<at>\d+)",
         lazy_gettext("fin prématurée des données : la balise <%(tag)s> ouverte à la ligne "
                      "%(at)s n’est jamais fermée"), None),
        (r"Opening and ending tag mismatch: (?P<open>\S+) line (?P<at>\d+) and (?P<close>\S+)",
         lazy_gettext("balises mal appariées : <%(open)s>, ouverte à la ligne %(at)s, est "
                      "fermée par </%(close)s>"), None),
        (r"PCDATA invalid Char value (?P<value>\d+)",
         lazy_gettext("caractère interdit en XML (code %(value)s) dans le texte"), None),
        (r"xmlParseCharRef: invalid xmlChar value (?P<value>\d+)",
         lazy_gettext("référence à un caractère interdit en XML (code %(value)s)"), None),
        (r"(?:Invalid character: )?Char 0x(?P<value>[0-9A-F]+) out of allowed range",
         lazy_gettext("caractère interdit en XML (0x%(value)s)"), None),
        (r"Invalid bytes in character encoding",
         lazy_gettext("erreur d’encodage : des octets ne sont pas valides dans le jeu de "
                      "caractères déclaré"), None),
        (r"Input is not proper UTF-8, indicate encoding !\s*Bytes: (?P<bytes>.+)",
         lazy_gettext("erreur d’encodage : le texte n’est pas en UTF-8 valide (octets "
                      "%(bytes)s)"), None),
        (r"Entity (?P<name>'[^']*') not defined",
         lazy_gettext("entité %(name)s non définie"), None),
        (r"EntityRef: expecting ';'|xmlParseEntityRef: no name",
         lazy_gettext("« & » non échappé (à écrire &amp;)"), None),
        (r"Extra content at the end of the document",
         lazy_gettext("contenu en trop après la fin du document"), None),
        (r"Start tag expected, '<' not found",
         lazy_gettext("balise ouvrante attendue, « < » absent"), None),
        (r"Document is empty", lazy_gettext("document vide"), None),
        (r"Excessive depth in document: (?P<depth>\d+), use XML_PARSE_HUGE option",
         lazy_gettext("éléments imbriqués sur plus de %(depth)s niveaux : refusé par "
                      "sécurité"), None),
        (r"Couldn't find end of Start Tag (?P<tag>\S+) line (?P<at>\d+)",
         lazy_gettext("la balise ouvrante <%(tag)s> de la ligne %(at)s n’est pas terminée"),
         None),
        (r"StartTag: invalid element name",
         lazy_gettext("nom d’élément invalide après « < »"), None),
        (r"Unescaped '<' not allowed in attributes values",
         lazy_gettext("« < » non échappé dans la valeur d’un attribut"), None),
        # The network, as the OAI client reports its last failure (harvesters/oai_client.py)
        (r"HTTP 503 \(Retry-After (?P<seconds>[\d.]+) s\)",
         lazy_gettext("le partenaire se dit momentanément indisponible (HTTP 503) et demande "
                      "d’attendre %(seconds)s s"), WAIT),
        (r"HTTP 503",
         lazy_gettext("le partenaire se dit momentanément indisponible (HTTP 503)"), WAIT),
        (r"HTTP 429(?: \(Retry-After (?P<seconds>[\d.]+) s\))?",
         lazy_gettext("le partenaire demande de ralentir (HTTP 429, trop de requêtes)"), WAIT),
        (r"HTTP (?P<status>5\d\d)",
         lazy_gettext("le serveur du partenaire est en erreur (HTTP %(status)s)"), WAIT),
        (r"(?:ReadTimeout|ConnectTimeout|Timeout): .*",
         lazy_gettext("le partenaire n’a pas répondu dans le délai imparti"), WAIT),
        (r"ConnectionError: .*Connection refused.*",
         lazy_gettext("connexion refusée : aucun service ne répond à cette adresse"),
         CHECK_URL),
        (r"ConnectionError: .*(?:NameResolutionError|Name or service not known|Failed to "
         r"resolve).*",
         lazy_gettext("nom de serveur introuvable"), CHECK_URL),
        (r"(?:ConnectionError|ChunkedEncodingError): .*(?:RemoteDisconnected|Connection "
         r"aborted|Connection reset|Connection broken|IncompleteRead).*",
         lazy_gettext("le partenaire a coupé la connexion avant la fin de sa réponse"), WAIT),
        (r"(?P<error>(?:ConnectionError|SSLError|ProxyError|ChunkedEncodingError|"
         r"ContentDecodingError|TooManyRedirects|InvalidURL|MissingSchema): .*)",
         lazy_gettext("erreur réseau : %(error)s"), CHECK_URL),
    ]
]
