"""Why a record was rejected or remarked on, in the staff report page's language.

The readers (``catalogue.formats``) and the ingest say each problem in English, and the
store keeps that text (``import_problems.message``): ``catalogue import`` and
``catalogue report`` print it as is, and rows written before this module stay readable.
The staff pages are French first, so a problem's text is recognised here by its shape
(one anchored pattern per kind of problem, its variable parts captured) and said again
through the app's Babel catalogue, French by default, English on an English page.
Recognising the stored text rather than storing a code keeps the table unchanged and
translates the rows of past runs too. A text no pattern knows (a new reader's message,
a wording changed later) is shown as stored, marked ``lang="en"`` so a screen reader
pronounces it right; the tests pin the common kinds so a changed wording is noticed.

Some captured parts are themselves English, from libxml2 or ``requests`` (the reason
inside "XML is not well-formed: …", the cause inside "cannot reach …"): the commonest are
paraphrased (:mod:`catalogue.web.reason_details`), the others quoted as they came, marked
English, inside a translated sentence. A harvest's messages, and what to do after a
failed one, are in :mod:`catalogue.web.harvest_reasons`; a harvest's line joins notes
with "; ", so a line no pattern knows whole is said note by note.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask_babel import LazyString, lazy_gettext
from markupsafe import Markup, escape

from catalogue.web.file_reasons import FILES
from catalogue.web.harvest_reasons import HARVESTS
from catalogue.web.reason_details import AT, DETAILS, LOCATION

#: (pattern matching the whole English text, French message with the captured names).
REASONS: list[tuple[re.Pattern[str], LazyString]] = [
    (re.compile(p), m) for p, m in [
        # ISO 2709 (UNIMARC, MARC 21) records: catalogue/formats/iso2709.py
        (r"truncated record: (?P<size>\d+) bytes and no record terminator before the end "
         r"of the file",
         lazy_gettext("notice tronquée : %(size)s octets sans fin de notice avant la fin "
                      "du fichier")),
        (r"truncated record: the leader announces (?P<declared>\d+) bytes, only "
         r"(?P<found>\d+) found",
         lazy_gettext("notice tronquée : le label annonce %(declared)s octets, il n’y en "
                      "a que %(found)s")),
        (r"record too short \((?P<size>\d+) bytes\) to hold a leader",
         lazy_gettext("notice trop courte (%(size)s octets) pour contenir un label")),
        (r"bad leader: it contains non-ASCII bytes",
         lazy_gettext("label invalide : il contient des octets non ASCII")),
        (r"bad leader: base address (?P<raw>.*) does not end the directory",
         lazy_gettext("label invalide : l’adresse de base %(raw)s ne termine pas le "
                      "répertoire")),
        (r"leader record length (?P<raw>.*) is not a number; ignored",
         lazy_gettext("la longueur de notice du label, %(raw)s, n’est pas un nombre : "
                      "ignorée")),
        (r"leader announces (?P<declared>\d+) bytes but the record has (?P<found>\d+)",
         lazy_gettext("le label annonce %(declared)s octets mais la notice en a "
                      "%(found)s")),
        (r"leader base address (?P<raw>.*) is wrong; the directory ends at byte "
         r"(?P<end>\d+)",
         lazy_gettext("l’adresse de base du label, %(raw)s, est fausse : le répertoire "
                      "finit à l’octet %(end)s")),
        (r"bad directory: (?P<size>\d+) bytes is not a whole number of 12-byte entries",
         lazy_gettext("répertoire invalide : %(size)s octets ne font pas un nombre entier "
                      "d’entrées de 12 octets")),
        (r"bad directory: it contains non-ASCII bytes",
         lazy_gettext("répertoire invalide : il contient des octets non ASCII")),
        (r"bad directory: entry for field (?P<tag>\S+) is not numeric \((?P<raw>.*)\)",
         lazy_gettext("répertoire invalide : l’entrée de la zone %(tag)s n’est pas "
                      "numérique (%(raw)s)")),
        (r"bad directory: field (?P<tag>\S+) \(offset (?P<start>\d+), length "
         r"(?P<length>\d+)\) does not end with a field terminator; the fields were cut at "
         r"their terminators instead",
         lazy_gettext("répertoire invalide : la zone %(tag)s (position %(start)s, "
                      "longueur %(length)s) ne finit pas par une fin de zone ; les zones "
                      "ont été coupées à leurs fins de zone")),
        (r"bad directory: field (?P<tag>\S+) \(offset (?P<start>\d+), length "
         r"(?P<length>\d+)\) does not end with a field terminator",
         lazy_gettext("répertoire invalide : la zone %(tag)s (position %(start)s, "
                      "longueur %(length)s) ne finit pas par une fin de zone")),
        (r"record has no fields", lazy_gettext("la notice n’a aucune zone")),
        (r"record of (?P<size>\d+) bytes: more than the (?P<limit>\d+) a record may have "
         r"\(ISO 2709 allows 99,999\); skipped",
         lazy_gettext("notice de %(size)s octets : plus que les %(limit)s permis (ISO 2709 "
                      "en admet 99 999) ; ignorée")),
        (r"field (?P<tag>\S+) has (?P<count>\d+) indicator characters (?P<raw>.*) "
         r"instead of 2; the first two were kept",
         lazy_gettext("la zone %(tag)s a %(count)s caractères d’indicateurs %(raw)s au "
                      "lieu de 2 ; les deux premiers ont été gardés")),
        # Character sets: catalogue/formats/iso2709.py, xmlrecords.py
        (r"invalid UTF-8 byte (?P<byte>0x[0-9A-F]{2}) in field (?P<tag>\S+); the record "
         r"is not in utf-8 \(force the source's character set with --encoding\)",
         lazy_gettext("octet UTF-8 invalide %(byte)s dans la zone %(tag)s ; la notice "
                      "n’est pas en UTF-8 (imposez le jeu de caractères de la source)")),
        (r"(?P<reason>.+) in field (?P<tag>\S+); the record is not in (?P<charset>\S+) "
         r"\(force the source's character set with --encoding\)",
         lazy_gettext("%(reason)s dans la zone %(tag)s ; la notice n’est pas en %(charset)s "
                      "(imposez le jeu de caractères de la source)")),
        (r"invalid (?P<charset>UTF-8|ISO 5426) byte (?P<byte>0x[0-9A-F]{2}) at offset "
         r"(?P<at>\d+)",
         lazy_gettext("octet %(charset)s invalide %(byte)s à la position %(at)s")),
        (r"invalid ISO 5426 byte (?P<byte>0x[0-9A-F]{2}) at offset (?P<at>\d+) \(escapes to "
         r"other character sets are not supported\)",
         lazy_gettext("octet ISO 5426 invalide %(byte)s à la position %(at)s (les "
                      "changements de jeu de caractères ne sont pas pris en charge)")),
        (r"invalid MARC-8 byte (?P<byte>0x[0-9A-F]{2}) at offset (?P<at>\d+) \(character set "
         r"(?P<set>0x[0-9A-F]{2})\)",
         lazy_gettext("octet MARC-8 invalide %(byte)s à la position %(at)s (jeu de "
                      "caractères %(set)s)")),
        (r"invalid MARC-8 byte (?P<byte>0x[0-9A-F]{2}) at offset (?P<at>\d+)",
         lazy_gettext("octet MARC-8 invalide %(byte)s à la position %(at)s")),
        (r"invalid MARC-8 escape sequence at offset (?P<at>\d+)",
         lazy_gettext("séquence d’échappement MARC-8 invalide à la position %(at)s")),
        (r"unknown MARC-8 character set (?P<set>0x[0-9A-F]{2}) designated at offset "
         r"(?P<at>\d+)",
         lazy_gettext("jeu de caractères MARC-8 %(set)s inconnu, désigné à la position "
                      "%(at)s")),
        (r"MARC-8 East Asian character cut short at offset (?P<at>\d+)",
         lazy_gettext("caractère MARC-8 d’Asie orientale coupé à la position %(at)s")),
        (r"MARC-8 diacritic (?P<byte>0x[0-9A-F]{2}) at offset (?P<at>\d+) has no letter after "
         r"it",
         lazy_gettext("diacritique MARC-8 %(byte)s à la position %(at)s sans lettre après "
                      "lui")),
        (r"no field 100 declares the character set",
         lazy_gettext("aucune zone 100 ne déclare le jeu de caractères")),
        (r"100\$a is too short to declare a character set",
         lazy_gettext("la 100$a est trop courte pour déclarer un jeu de caractères")),
        (r"100\$a/26-27 holds (?P<code>.*), not a known character set code",
         lazy_gettext("la 100$a/26-27 contient %(code)s, qui n’est pas un code de jeu de "
                      "caractères connu")),
        (r"mojibake \(UTF-8 read as Latin-1 upstream\) in (?P<where>.+): repaired",
         lazy_gettext("texte mal décodé en amont (UTF-8 lu comme du Latin-1) dans "
                      "%(where)s : réparé")),
        (r"mojibake \(UTF-8 read as Latin-1 upstream\) in (?P<where>.+): kept as it is "
         r"\(set repair_mojibake = true to repair\)",
         lazy_gettext("texte mal décodé en amont (UTF-8 lu comme du Latin-1) dans "
                      "%(where)s : gardé tel quel (repair_mojibake = true le répare)")),
        # MARC 21 fields: catalogue/formats/marc21/fields.py
        (r"field (?P<tag>\S+): indicators (?P<old>'.*') read as (?P<new>'.*')",
         lazy_gettext("zone %(tag)s : indicateurs %(old)s lus comme %(new)s")),
        (r"field (?P<tag>\S+): subfield code (?P<code>'.*') left out",
         lazy_gettext("zone %(tag)s : sous-zone de code %(code)s laissée de côté")),
        (r"field (?P<tag>\S+) has no usable subfield: left out",
         lazy_gettext("la zone %(tag)s n’a aucune sous-zone utilisable : laissée de côté")),
        (r"control field with tag (?P<tag>'.*') left out \(not 001-009\)",
         lazy_gettext("zone de contrôle d’étiquette %(tag)s laissée de côté (pas entre 001 "
                      "et 009)")),
        (r"data field with tag (?P<tag>'.*') left out \(not a MARC 21 data field tag\)",
         lazy_gettext("zone d’étiquette %(tag)s laissée de côté (pas une étiquette de zone "
                      "MARC 21)")),
        (r"(?P<tag>\d{3}): cleaned",
         lazy_gettext("%(tag)s : caractères de contrôle retirés")),
        (r"MARC21 record, but the MARC21 mapping is unavailable: (?P<error>.+)",
         lazy_gettext("notice MARC 21, mais la conversion MARC 21 est indisponible : "
                      "%(error)s")),
        (r"field (?P<tag>\S+): (?P<count>\d+) control byte\(s\) \((?P<names>.*)\) removed",
         lazy_gettext("zone %(tag)s : %(count)s octet(s) de contrôle (%(names)s) "
                      "supprimé(s)")),
        (r"field (?P<tag>\S+) ends with an ISO 5426 diacritic that has no letter after it: "
         r"kept on the last character",
         lazy_gettext("la zone %(tag)s finit par un diacritique ISO 5426 sans lettre "
                      "après lui : gardé sur le dernier caractère")),
        (r"field (?P<tag>\S+) contains a literal '\$' followed by a letter: the exporting "
         r"system may have used '\$' as a subfield delimiter; kept as text",
         lazy_gettext("la zone %(tag)s contient un « $ » suivi d’une lettre : le système "
                      "d’origine a pu utiliser « $ » comme délimiteur de sous-zone ; gardé "
                      "tel quel")),
        (r"declares (?P<legacy>\S+) but the data is valid UTF-8; read as UTF-8",
         lazy_gettext("la notice se déclare en %(legacy)s mais les données sont en UTF-8 "
                      "valide : lue en UTF-8")),
        (r"read as (?P<charset>\S+)", lazy_gettext("lue en %(charset)s")),
        (r"Windows-1252 characters in a file declared ISO-8859-1, re-mapped: (?P<pairs>.+)",
         lazy_gettext("caractères Windows-1252 dans un fichier déclaré ISO-8859-1, "
                      "convertis : %(pairs)s")),
        (r"'\?' inside a word \((?P<word>.*)\): characters the exporting base could not "
         r"store in ISO-8859-1 are lost",
         lazy_gettext("« ? » à l’intérieur d’un mot (%(word)s) : des caractères que la "
                      "base d’origine ne pouvait pas enregistrer en ISO-8859-1 sont perdus")),
        # XML records (MARCXML, PMB XML, Dublin Core): catalogue/formats/xmlrecords.py …
        (r"XML is not well-formed: (?P<reason>.*) \(line (?P<line>\d+)\)",
         lazy_gettext("XML mal formé : %(reason)s (ligne %(line)s)")),
        (r"XML refused, its entities expand beyond the safety limit: (?P<reason>.*) "
         r"\(line (?P<line>\d+)\)",
         lazy_gettext("XML refusé, ses entités dépassent la limite de sécurité : "
                      "%(reason)s (ligne %(line)s)")),
        (r"empty <record>: no leader and no fields",
         lazy_gettext("<record> vide : ni label ni zones")),
        (r"record has no <leader>", lazy_gettext("la notice n’a pas de <leader>")),
        (r"empty <notice>: no leader parts and no fields",
         lazy_gettext("<notice> vide : ni éléments du label ni zones")),
        (r"notice has no fields", lazy_gettext("la notice n’a aucune zone")),
        (r"<(?P<what>[^>]+)> without a tag at line (?P<line>\d+)",
         lazy_gettext("<%(what)s> sans étiquette à la ligne %(line)s")),
        (r"bad tag (?P<tag>.*) in <(?P<what>[^>]+)> at line (?P<line>\d+): a tag is three "
         r"letters or digits",
         lazy_gettext("étiquette %(tag)s invalide dans <%(what)s> à la ligne %(line)s : "
                      "une étiquette a trois lettres ou chiffres")),
        (r"field (?P<tag>\S+) at line (?P<line>\d+) has no usable subfield: left out",
         lazy_gettext("la zone %(tag)s à la ligne %(line)s n’a aucune sous-zone utilisable : "
                      "laissée de côté")),
        (r"<(?P<name>[^>]+)>(?P<text>.*)</\.\.\.> at line (?P<line>\d+): one character "
         r"expected, first kept",
         lazy_gettext("<%(name)s>%(text)s</…> à la ligne %(line)s : un seul caractère "
                      "attendu, le premier est gardé")),
        (r"field (?P<tag>\S+) at line (?P<line>\d+) has no subfields: left out",
         lazy_gettext("la zone %(tag)s à la ligne %(line)s n’a pas de sous-zones : "
                      "laissée de côté")),
        (r"field (?P<tag>\S+) at line (?P<line>\d+) has text but no subfields: kept as a "
         r"control field",
         lazy_gettext("la zone %(tag)s à la ligne %(line)s a du texte mais pas de "
                      "sous-zones : gardée comme zone de contrôle")),
        (r"unexpected <(?P<name>[^>]+)> in a notice at line (?P<line>\d+): left out",
         lazy_gettext("<%(name)s> inattendu dans une notice à la ligne %(line)s : laissé "
                      "de côté")),
        (r"unexpected <(?P<name>[^>]+)> in field (?P<tag>\S+) at line (?P<line>\d+): "
         r"left out",
         lazy_gettext("<%(name)s> inattendu dans la zone %(tag)s à la ligne %(line)s : "
                      "laissé de côté")),
        (r"unexpected element <(?P<name>[^>]+)> inside <(?P<parent>[^>]+)> at line "
         r"(?P<line>\d+): left out",
         lazy_gettext("élément <%(name)s> inattendu dans <%(parent)s> à la ligne "
                      "%(line)s : laissé de côté")),
        (r"subfield with code (?P<code>.*) in field (?P<tag>\S+) at line (?P<line>\d+): "
         r"left out \(a code is one character\)",
         lazy_gettext("sous-zone de code %(code)s dans la zone %(tag)s à la ligne "
                      "%(line)s : laissée de côté (un code est un seul caractère)")),
        (r"entity reference (?P<name>.*) left unexpanded at line (?P<line>\d+)",
         lazy_gettext("référence d’entité %(name)s non développée à la ligne %(line)s")),
        (r"(?P<count>\d+) (?P<names>.+) element\(s\) outside any <(?P<container>[^>]+)> "
         r"\(lines? (?P<lines>[\d-]+)\): left out",
         lazy_gettext("%(count)s élément(s) %(names)s hors de tout <%(container)s> "
                      "(ligne(s) %(lines)s) : laissé(s) de côté")),
        (r"leader parts missing, read as blanks: (?P<names>.+)",
         lazy_gettext("éléments du label absents, lus comme des blancs : %(names)s")),
        (r"empty indicators read as blanks \(first in field (?P<tag>\S+) at line "
         r"(?P<line>\d+)\)",
         lazy_gettext("indicateurs vides lus comme des blancs (d’abord dans la zone %(tag)s "
                      "à la ligne %(line)s)")),
        (r"(?P<name>ind[12]) (?P<value>.*) of field (?P<tag>\S+) at line (?P<line>\d+): "
         r"first character kept",
         lazy_gettext("%(name)s %(value)s de la zone %(tag)s à la ligne %(line)s : premier "
                      "caractère gardé")),
        (r"record in the namespace (?P<namespace>.*), not MARCXML's \((?P<slim>\S+)\): "
         r"read as MARCXML by its element names",
         lazy_gettext("notice dans l’espace de noms %(namespace)s, pas celui de MARCXML "
                      "(%(slim)s) : lue comme du MARCXML d’après les noms de ses éléments")),
        (r"second <leader> at line (?P<line>\d+): left out",
         lazy_gettext("second <leader> à la ligne %(line)s : laissé de côté")),
        (r"malformed leader (?P<raw>.*) at line (?P<line>\d+): (?P<count>\d+) characters, "
         r"not 24; padded with blanks or cut",
         lazy_gettext("label mal formé %(raw)s à la ligne %(line)s : %(count)s caractères "
                      "au lieu de 24 ; complété par des blancs ou coupé")),
        (r"<(?P<name>[^>]+)> at line (?P<line>\d+) holds no Dublin Core element",
         lazy_gettext("<%(name)s> à la ligne %(line)s ne contient aucun élément Dublin "
                      "Core")),
        (r"unexpected <(?P<name>[^>]+)> in a record at line (?P<line>\d+): left out",
         lazy_gettext("<%(name)s> inattendu dans une notice à la ligne %(line)s : laissé "
                      "de côté")),
        # Any format: readers' mappings and catalogue/store/ingest.py
        (r"no record of this full catalogue could be read: nothing was deleted",
         lazy_gettext("aucune notice de ce catalogue complet n’a pu être lue : rien n’a été "
                      "supprimé")),
        (r"--full: nothing was deleted because (?P<count>\d+) rejected record\(s\) could "
         r"not be identified; fix them and re-run",
         lazy_gettext("--full : rien n’a été supprimé car %(count)s notice(s) rejetée(s) "
                      "n’ont pu être identifiées ; corrigez-les et relancez")),
        (r"the process stopped mid-run",
         lazy_gettext("le processus s’est arrêté en cours d’exécution")),
        (r"no title \(field (?P<tag>\d+)\)", lazy_gettext("pas de titre (zone %(tag)s)")),
        (r"unknown document type (?P<code>.*) in leader/06, kept as (?P<kept>.*)",
         lazy_gettext("type de document %(code)s inconnu en position 06 du label, gardé "
                      "comme %(kept)s")),
        (r"unknown document type (?P<code>.*) in leader/06",
         lazy_gettext("type de document %(code)s inconnu en position 06 du label")),
        (r"no 001 nor 035\$a: identified as (?P<sid>\S+), a digest of its bytes \(a changed "
         r"copy of it will count as a new record\)",
         lazy_gettext("ni 001 ni 035$a : identifiée par %(sid)s, une empreinte de ses "
                      "octets (une copie modifiée comptera comme une nouvelle notice)")),
        (r"no dc:title", lazy_gettext("pas de dc:title")),
        (r"repeated creators or contributors kept once",
         lazy_gettext("auteurs ou contributeurs répétés gardés une fois")),
        (r"dc:language (?P<value>.*) is not a language code: kept as a literal",
         lazy_gettext("dc:language %(value)s n’est pas un code de langue : gardé tel quel")),
        (r"dc:type (?P<value>.*) not recognised: read as printed text",
         lazy_gettext("dc:type %(value)s non reconnu : lu comme un texte imprimé")),
        (r"barcode (?P<barcode>.*) is given twice to the same copy \(call number "
         r"(?P<call>.*)\): kept once",
         lazy_gettext("le code-barres %(barcode)s est donné deux fois au même exemplaire "
                      "(cote %(call)s) : gardé une fois")),
        (r"barcode (?P<barcode>.*) is shared by different copies \(call numbers "
         r"(?P<first>.*) and (?P<second>.*)\): both kept, give each its own barcode for the "
         r"lending desk",
         lazy_gettext("le code-barres %(barcode)s est partagé par des exemplaires différents "
                      "(cotes %(first)s et %(second)s) : tous deux gardés, donnez à chacun "
                      "son propre code-barres pour le prêt")),
        (r"no 001 nor 035\$a: identified as (?P<sid>\S+), a digest of its bytes",
         lazy_gettext("ni 001 ni 035$a : identifiée par %(sid)s, une empreinte de ses "
                      "octets")),
        (r"record id (?P<sid>.*) appears more than once in the file; this later "
         r"occurrence replaces the earlier one",
         lazy_gettext("l’identifiant %(sid)s apparaît plusieurs fois dans le fichier ; "
                      "cette occurrence-ci remplace la précédente")),
    ]
]


#: libxml2's and the network's words, and what to do about the latter.
DETAIL_SENTENCES = [(p, m) for p, m, _ in DETAILS]
DETAIL_ADVICE = {p: a for p, _, a in DETAILS if a is not None}

#: What to do after a failure, by pattern (harvests only, for now).
ADVICE: dict[re.Pattern[str], LazyString] = {p: a for p, _, a in HARVESTS if a is not None}
REASONS += [(p, m) for p, m, _ in HARVESTS]
REASONS += FILES

#: Said before what to do, and between the notes of a harvest's line.
WHAT_TO_DO = lazy_gettext("Que faire :")
AND_THEN = lazy_gettext("%(notes)s ; %(note)s")


class _Saying:
    """One message said again: as plain text, or as HTML whose English parts are marked.

    Named groups are read by their prefix: ``known`` must be a text we know (else the
    pattern does not apply), ``reason`` is ours, else a third party's (paraphrased by
    :mod:`catalogue.web.reason_details`, else kept in English), ``error`` is a Python
    error kept in English, ``said`` is the partner's own words, quoted as sent.
    """

    def __init__(self, html: bool) -> None:
        self.html = html
        self.advice: list[LazyString] = []

    def english(self, text: str) -> str:
        return Markup('<span lang="en">{}</span>').format(text) if self.html else text

    def fill(self, said: LazyString, parts: dict[str, str]) -> str:
        if self.html:
            return Markup(escape(str(said))) % parts  # the parts are escaped, or Markup
        return str(said) % parts

    def whole(self, message: str,
              known: list[tuple[re.Pattern[str], LazyString]]) -> str | None:
        """``message`` said again by the first pattern that matches all of it."""
        for pattern, said in known:
            found = pattern.fullmatch(message)
            if not found:
                continue
            advised = len(self.advice)
            parts = self.parts(found.groupdict())
            if parts is None:
                del self.advice[advised:]
                continue
            advice = ADVICE.get(pattern) or DETAIL_ADVICE.get(pattern)
            if advice is not None:  # the widest failure knows best what to do about it
                del self.advice[advised:]
                self.advice.append(advice)
            return self.fill(said, parts)
        return None

    def parts(self, groups: dict[str, str | None]) -> dict[str, str] | None:
        parts: dict[str, str] = {}
        for name, value in groups.items():
            value = value or ""
            if name.startswith("known"):
                inner = self.message(value)
                if inner is None:
                    return None
                parts[name] = inner
            elif name.startswith("reason") and value:
                parts[name] = (self.message(value) or self.detail(value)
                               or self.english(value))
            elif name.startswith("error"):
                parts[name] = self.english(value)
            elif name.startswith("said"):
                parts[name] = (Markup("« {} »").format(value) if self.html
                               else f"« {value} »")
            else:
                parts[name] = value
        return parts

    def detail(self, text: str) -> str | None:
        """A third party's words, paraphrased (with libxml2's position, if it gave one)."""
        at = LOCATION.fullmatch(text)
        said = self.whole(at.group("text") if at else text, DETAIL_SENTENCES)
        if said is None or at is None:
            return said
        return self.fill(AT, {"text": said, "line": at.group("line"),
                              "column": at.group("column")})

    def message(self, message: str) -> str | None:
        """The whole message, or the notes of a harvest's line one by one."""
        said = self.whole(message, REASONS)
        if said is not None or "; " not in message:
            return said
        notes = message.split("; ")
        out: list[str] = []
        start, known = 0, False
        while start < len(notes):
            # the longest run of notes a pattern knows (a note may hold "; " itself)
            for end in range(len(notes), start, -1):
                if end - start == len(notes):
                    continue
                found = self.whole("; ".join(notes[start:end]), REASONS)
                if found is not None:
                    out.append(found)
                    start, known = end, True
                    break
            else:
                out.append(self.english(notes[start]))
                start += 1
        if not known:
            return None
        joined = out[0]
        for note in out[1:]:
            joined = self.fill(AND_THEN, {"notes": joined, "note": note})
        return joined

    def with_advice(self, said: str) -> str:
        """``said``, then what to do (each piece of advice once)."""
        advice = list(dict.fromkeys(str(a) for a in self.advice))
        if not advice:
            return said
        if self.html:
            return said + Markup(' <span class="advice"><strong>{}</strong> {}</span>').format(
                str(WHAT_TO_DO), " ".join(advice))
        return f"{said} {WHAT_TO_DO} {' '.join(advice)}"


def translated(message: str) -> str | None:
    """``message`` in the page's language, or None when no pattern recognises it."""
    saying = _Saying(html=False)
    said = saying.message(message)
    return None if said is None else saying.with_advice(said)


def reason(message: str | None) -> Markup:
    """The ``reason`` template filter: the message said again, its English parts marked."""
    if not message:
        return Markup("–")
    saying = _Saying(html=True)
    said = saying.message(message)
    if said is None:
        return Markup('<span lang="en">{}</span>').format(message)
    return Markup(saying.with_advice(said))


def register(app: Flask) -> None:
    """Make ``reason`` available to the templates."""
    filters: dict[str, Callable[[str | None], Markup]] = {"reason": reason}
    app.jinja_env.filters.update(filters)
