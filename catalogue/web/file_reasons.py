"""Why a whole file cannot be imported, in the staff page's language.

``catalogue.formats.detect`` and ``harvesters.pmb.open_export`` refuse a file with a
``FormatError`` in English, for ``catalogue import`` and the scheduler's log (its
``--format`` and ``--encoding`` are the command's options, which a source's ``format``
and ``encoding`` in config.toml set too). The staff import page shows the same reason
after its own French sentence; :mod:`catalogue.web.reasons` says it again through these
patterns, French by default, English on an English page. Named groups are read by their
prefix as there: ``reason...`` is a record's own problem, itself said again when known.
"""

from __future__ import annotations

import re

from flask_babel import LazyString, lazy_gettext

#: (pattern matching the whole English text, the message with the captured names).
FILES: list[tuple[re.Pattern[str], LazyString]] = [
    (re.compile(p), m) for p, m in [
        # catalogue/formats/detect.py
        (r'this is UTF-16 text \(XML saved as "Unicode"\?\): re-save it as UTF-8, the '
         r"encoding PMB and MARCXML exports use",
         lazy_gettext("c’est du texte UTF-16 (un XML enregistré en « Unicode » ?) : "
                      "enregistrez-le de nouveau en UTF-8, le codage des exports de PMB et "
                      "de MARCXML")),
        (r"the file is empty(?:: no XML in it)?", lazy_gettext("le fichier est vide")),
        (r"this is an OAI-PMH response: configure the partner and use 'catalogue harvest'",
         lazy_gettext("c’est une réponse OAI-PMH : déclarez le partenaire dans "
                      "config.toml, il sera moissonné")),
        (r"XML whose root element <(?P<name>[^>]*)> is not a catalogue format",
         lazy_gettext("du XML dont l’élément racine <%(name)s> n’est pas un format de "
                      "catalogue")),
        (r"unrecognised format: this looks like a binary file, not a catalogue export",
         lazy_gettext("format non reconnu : on dirait un fichier binaire, pas un export de "
                      "catalogue")),
        (r"unrecognised format: neither ISO 2709 \(no 5-digit record length at the start\) "
         r"nor XML",
         lazy_gettext("format non reconnu : ni ISO 2709 (pas de longueur de notice en 5 "
                      "chiffres au début) ni XML")),
        (r"--format (?P<requested>\S+) does not match the file, which looks like "
         r"(?P<found>\S+)",
         lazy_gettext("le format %(requested)s ne correspond pas au fichier, qui semble "
                      "être du %(found)s")),
        # harvesters/pmb.py: a source's format or encoding the first records contradict
        (r"--format (?P<requested>\S+) does not fit: the file looks like (?P<seen>\S+) and "
         r"none of its first (?P<count>\d+) record\(s\) has a title read as \S+ \(use "
         r"--format auto or \S+\)",
         lazy_gettext("le format %(requested)s ne convient pas : le fichier semble être du "
                      "%(seen)s et aucune de ses %(count)s premières notices n’a de titre lue "
                      "ainsi")),
        (r"--encoding (?P<encoding>\S+) does not fit: the data is UTF-8 \(use --encoding "
         r"auto or utf-8\)",
         lazy_gettext("le codage %(encoding)s ne convient pas : les données sont en UTF-8")),
        (r"--encoding (?P<encoding>\S+) does not fit: none of the first (?P<count>\d+) "
         r"record\(s\) can be read \(record (?P<position>\d+): (?P<reason>.*)\)",
         lazy_gettext("le codage %(encoding)s ne convient pas : aucune des %(count)s "
                      "premières notices ne peut être lue (notice %(position)s : "
                      "%(reason)s)")),
        (r"--encoding (?P<encoding>\S+) does not fit: record (?P<position>\d+) cannot be "
         r"read in it \((?P<reason>.*)\); use --encoding auto",
         lazy_gettext("le codage %(encoding)s ne convient pas : la notice %(position)s ne "
                      "peut pas être lue ainsi (%(reason)s)")),
        # catalogue/uploads/job.py: an upload that could not end its import
        (r"the import stopped before its end \(the scheduler was stopped\): send the file "
         r"again",
         lazy_gettext("l’import s’est arrêté avant la fin (le planificateur a été arrêté) : "
                      "envoyez le fichier de nouveau")),
        (r"its source is no longer in config.toml",
         lazy_gettext("sa source n’est plus dans config.toml")),
        # catalogue/formats/xmlrecords.py
        (r"not XML: the file starts with (?P<start>.*), not with '<'",
         lazy_gettext("pas du XML : le fichier commence par %(start)s, pas par « < »")),
        (r"encoding (?P<encoding>.*) cannot be used to read XML",
         lazy_gettext("le codage %(encoding)s ne permet pas de lire du XML")),
    ]
]
