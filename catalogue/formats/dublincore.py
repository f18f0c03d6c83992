"""Simple Dublin Core (``oai_dc``) <-> :class:`Record`.

Partners' OAI-PMH endpoints all serve ``oai_dc``, the one format every harvester
understands, and our provider serves it back. Fifteen repeatable, unqualified elements
cannot carry a catalogue record, so both directions are lossy by nature; what DC says
is kept (literals the model has no place for go to ``dc:*`` custom fields and are
written back), and what it cannot say is left out.

Reading (``from_element``):

============ ================================================================================
dc:title      the first is the main title, the others parallel titles
dc:creator    agents of level 0; "Surname, Forename" split into name and rest
dc:contributor agents of level 2
dc:subject    keywords; a bare Dewey number ("305.8", "ddc: 362") becomes an Indexing (676)
dc:coverage   a place ("Toulouse (31)", "France -- Île-de-France") becomes a geographic
              subject, Descriptor tag 607 (the ``territory`` facet): label before the first
              " -- ", the rest as $x subdivisions. A time ("1990-2000", "XXe siècle",
              "années 1980", a DCMI Period "start=...; end=...") or a DCMI Point/Box stays
              a custom field 'dc:coverage', written back as it came
dcterms:spatial a place, as dc:coverage's (a DCMI Point/Box stays a 'dc:coverage' literal)
dcterms:temporal a time: a 'dc:coverage' literal (DCMI: both refine dc:coverage)
dc:description abstracts
dc:publisher  one Publication (210) holding every publisher and every date
dc:date       same Publication
dc:type       doc_type (DCMI and common types, our French labels); article -> bib_level 'a';
              every literal kept in a custom field 'dc:type'
dc:format     one Physical extent each
dc:identifier ISBN (urn:isbn:, "ISBN ", or 10/13 digits with a valid check digit), ISSN,
              DOI (doi:, https://doi.org/, 10.x/y), http(s) URLs -> links, the rest 'uri'
dc:language   ISO 639-2/B codes (fr -> fre, fra -> fre, "French" -> fre); others kept in a
              custom field 'dc:language'
dc:source, dc:relation, dc:rights: custom fields 'dc:source'...
============ ================================================================================

Writing (``to_element``), one element per value, duplicates dropped, text in NFC:

============ ================================================================================
dc:title      title "main : subtitle"; then each parallel title
dc:creator    agents of level 0 and 1, "Surname, Forename" (corporate: "Body. Subdivision")
dc:contributor agents of level 2
dc:subject    descriptors "label -- subdivision" but geographic ones (607), keywords,
              indexing "code label"
dc:description abstracts, contents notes, general notes
dc:publisher  publishers of every publication
dc:date       the year (Record.year()), else the first date as catalogued
dc:type       the DCMI type of doc_type, the French label of doc_type, 'dc:type' literals
dc:format     physical extents
dc:identifier ISBN as URN:ISBN:..., ISSN as URN:ISSN:..., DOI as https://doi.org/...,
              PMID as info:pmid/..., other valid identifiers as scheme:value, then link
              and attached document URLs (cancelled or invalid numbers are left out)
dc:source     'dc:source' literals
dc:language   language codes, then 'dc:language' literals
dc:relation   series "Title ; number", serial links "Title, number, date (ISSN x)",
              'dc:relation' literals
dc:coverage   geographic subjects (607: the watch's territories) "label -- subdivision",
              then 'dc:coverage' literals (DCMI: "the spatial or temporal topic")
dc:rights     'dc:rights' literals only: the catalogue states no rights of its own
============ ================================================================================
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import IO, Any

from lxml import etree

from catalogue.formats import xmlsafe
from catalogue.formats.base import Parsed
from catalogue.formats.printable import visible
from catalogue.formats.xmlrecords import (
    TextCleaner,
    line_of,
    open_xml,
    serialise,
    syntax_error,
    xml_text,
)
from catalogue.records import (
    DOC_TYPES,
    Agent,
    CustomField,
    Descriptor,
    Identifier,
    Indexing,
    Link,
    Physical,
    Publication,
    Record,
    Title,
)

DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
ELEMENTS = ("title", "creator", "subject", "description", "publisher", "contributor", "date",
            "type", "format", "identifier", "source", "language", "relation", "coverage",
            "rights")
_LITERALS = ("source", "relation", "rights")
#: UNIMARC 607, geographic subject: what dc:coverage says when it names a place.
GEOGRAPHIC = "607"

#: dc:type values (lower-cased, last segment of a URI) -> doc_type.
TYPES = {
    "text": "a", "book": "a", "article": "a", "image": "k", "stillimage": "k",
    "sound": "i", "movingimage": "g", "video": "g", "film": "g", "software": "l",
    "dataset": "l", "electronic": "l", "interactiveresource": "m", "physicalobject": "r",
    "map": "e", "cartographicmaterial": "e", "musicalscore": "c", "score": "c",
}
_BIB_LEVELS = {"article": "a", "contributiontoperiodical": "a", "bookpart": "a",
               "periodical": "s", "journal": "s"}
_LABELS = {label.lower(): code for code, label in DOC_TYPES.items()}
#: doc_type -> DCMI Type Vocabulary term.
DCMI_TYPES = {"a": "Text", "b": "Text", "c": "Text", "d": "Text", "e": "Image", "f": "Image",
              "g": "MovingImage", "i": "Sound", "j": "Sound", "k": "StillImage",
              "l": "Software", "m": "InteractiveResource", "r": "PhysicalObject"}
#: ISO 639-1 -> ISO 639-2/B, the codes MARC and PMB use.
LANGUAGES = {
    "fr": "fre", "en": "eng", "de": "ger", "es": "spa", "it": "ita", "nl": "dut",
    "pt": "por", "ar": "ara", "ru": "rus", "zh": "chi", "ja": "jpn", "la": "lat",
    "el": "gre", "pl": "pol", "sv": "swe", "da": "dan", "no": "nor", "fi": "fin",
    "ca": "cat", "eu": "baq", "br": "bre", "oc": "oci", "co": "cos", "tr": "tur",
    "he": "heb", "ro": "rum", "cs": "cze", "hu": "hun", "vi": "vie", "ko": "kor",
    "fa": "per", "uk": "ukr", "hy": "arm", "ka": "geo", "sq": "alb", "cy": "wel",
}
# ISO 639-2 terminology codes -> bibliographic codes.
_BIBLIOGRAPHIC = {"fra": "fre", "deu": "ger", "nld": "dut", "zho": "chi", "ces": "cze",
                  "ell": "gre", "fas": "per", "ron": "rum", "eus": "baq", "sqi": "alb",
                  "hye": "arm", "kat": "geo", "cym": "wel", "msa": "may", "slk": "slo"}
_LANGUAGE_NAMES = {
    "english": "eng", "anglais": "eng", "french": "fre", "français": "fre",
    "francais": "fre", "german": "ger", "allemand": "ger", "deutsch": "ger",
    "spanish": "spa", "espagnol": "spa", "español": "spa", "italian": "ita",
    "italien": "ita", "dutch": "dut", "néerlandais": "dut", "portuguese": "por",
    "portugais": "por", "arabic": "ara", "arabe": "ara",
}
#: Words that may stand beside numbers in a time span ("XXe siècle", "années 1980",
#: "vers 1900", "1914 to 1918", "2nd century BC"), lower-cased, accents kept.
_TIME_WORDS = frozenset({
    "siècle", "siècles", "s", "sièc", "millénaire", "millénaires", "an", "ans", "année",
    "années", "annee", "annees", "décennie", "décennies", "début", "fin", "milieu",
    "mi", "vers", "env", "environ", "ca", "circa", "c", "av", "ap", "apr", "j", "jc",
    "et", "à", "a", "au", "aux", "de", "du", "des", "en", "entre", "from", "to", "and",
    "until", "till", "since", "depuis", "jusqu", "century", "centuries", "millennium",
    "th", "st", "nd", "rd", "bc", "ad", "bce", "ce", "early", "late", "mid", "around",
    "about", "er", "re", "e", "ème", "eme", "janvier", "février", "fevrier", "mars",
    "avril", "mai", "juin", "juillet", "août", "aout", "septembre", "octobre",
    "novembre", "décembre", "decembre", "january", "february", "march", "april", "may",
    "june", "july", "august", "september", "october", "november", "december",
})
#: Historical periods named without a number (lower-cased, accents kept).
_PERIODS = frozenset({"moyen âge", "moyen-âge", "moyen age", "antiquité", "préhistoire",
                      "protohistoire", "temps modernes", "époque moderne",
                      "époque contemporaine", "middle ages", "antiquity", "prehistory"})
#: A century or millennium in Roman numerals: "XXe", "XIXème", "Ier", "XXI".
_ROMAN = re.compile(r"[IVXLCM]+(?:e|è|ème|eme|er|re|th)?\Z")
#: DCMI Period, Point and Box encodings: structured values, not a place's name.
_DCMI_ENCODED = re.compile(r"\s*(?:name=[^;]*;\s*)?(?:start|end|east|north|northlimit"
                           r"|eastlimit|southlimit|westlimit|scheme)=", re.I)
_DEWEY = re.compile(r"(?:ddc\s*:?\s*)?(\d{3}(?:\.[\d/']+)?)\Z", re.I)
_DOI = re.compile(r"10\.\d{4,9}/\S+\Z")
_ISBN_PREFIXES = ("urn:isbn:", "isbn:", "isbn ")
_ISSN_PREFIXES = ("urn:issn:", "issn:", "issn ")
_DOI_PREFIXES = ("doi:", "info:doi/", "https://doi.org/", "http://doi.org/",
                 "https://dx.doi.org/", "http://dx.doi.org/")


# --- reading ----------------------------------------------------------------------------


def _isbn_ok(digits: str) -> bool:
    if re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if re.fullmatch(r"97[89]\d{10}", digits):
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10 == 0
    return False


def _issn_ok(digits: str) -> bool:
    if not re.fullmatch(r"\d{7}[\dX]", digits):
        return False
    total = sum((8 - i) * int(c) for i, c in enumerate(digits[:7]))
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))


def _after(value: str, prefixes: Iterable[str]) -> str | None:
    low = value.lower()
    for prefix in prefixes:
        if low.startswith(prefix):
            return value[len(prefix):].strip()
    return None


def identifier(value: str) -> Identifier | Link:
    """What one dc:identifier is: an ISBN, ISSN, DOI, a link, or another URI."""
    for scheme, prefixes in (("isbn", _ISBN_PREFIXES), ("issn", _ISSN_PREFIXES),
                             ("doi", _DOI_PREFIXES)):
        rest = _after(value, prefixes)
        if rest:
            return Identifier(scheme=scheme, value=rest)
    if re.match(r"https?://", value, re.I):
        return Link(url=value)
    if _DOI.match(value):
        return Identifier(scheme="doi", value=value)
    compact = re.sub(r"[\s-]", "", value).upper()
    if _isbn_ok(compact):
        return Identifier(scheme="isbn", value=re.sub(r"\s*-\s*", "-", value))
    if re.fullmatch(r"\d{4}-?\d{3}[\dXx]", value) and _issn_ok(compact):
        return Identifier(scheme="issn", value=value.upper())
    return Identifier(scheme="uri", value=value)


def language(value: str) -> str:
    """The ISO 639-2/B code for a dc:language value, or '' when it is not one."""
    low = value.strip().lower()
    primary = re.split(r"[-_]", low)[0]
    if len(primary) == 2 and primary in LANGUAGES:
        return LANGUAGES[primary]
    if re.fullmatch("[a-z]{3}", primary):
        return _BIBLIOGRAPHIC.get(primary, primary)
    return _LANGUAGE_NAMES.get(low, "")


#: :func:`language` for harvested records, whose dc:language values are a few codes.
_language = functools.lru_cache(maxsize=1024)(language)


def is_time(value: str) -> bool:
    """Whether a dc:coverage value is a time or a coded position rather than a place's name.

    DCMI lets coverage be "the spatial or temporal topic": "1990-2000", "XXe siècle",
    "années 1980", "vers 1900" are times (at least one number or Roman-numeral century,
    and no word a time span does not use), so are a few named periods ("Moyen Âge");
    DCMI Period/Point/Box encodings are kept as they are too. Anything else names a
    place: a partner's bare "75" is a place, not the year 75.
    """
    if _DCMI_ENCODED.match(value) or " ".join(value.lower().split()) in _PERIODS:
        return True
    words = re.findall(r"[^\W\d_]+", value)
    numbered = any(len(run) >= 3 for run in re.findall(r"\d+", value))
    for word in words:
        if _ROMAN.match(word):
            numbered = True
        elif word.lower() not in _TIME_WORDS:
            return False
    return numbered or (bool(re.search(r"\d", value)) and bool(words))


def place(value: str) -> Descriptor:
    """A dc:coverage place as a geographic subject (607): "France -- Paris" keeps "France"
    as the label (the territory facet) and the rest as $x subdivisions, as written."""
    label, *rest = [part.strip() for part in value.split(" -- ")]
    return Descriptor(label=label or value, tag=GEOGRAPHIC,
                      subdivisions=tuple(("x", part) for part in rest if part))


def _type_key(value: str) -> str:
    return re.split(r"[/:#]", value)[-1].strip().lower().replace(" ", "").replace("_", "")


@functools.lru_cache(maxsize=1024)
def _doc_type(types: tuple[str, ...]) -> tuple[str | None, str | None]:
    """doc_type and bib_level said by the dc:type values (our French labels win).

    Cached: a partner's records repeat a handful of dc:type combinations.
    """
    labels = [_LABELS[t.lower()] for t in types if t.lower() in _LABELS]
    keys = [_type_key(t) for t in types]
    doc_type = labels[0] if labels else next((TYPES[k] for k in keys if k in TYPES), None)
    return doc_type, next((_BIB_LEVELS[k] for k in keys if k in _BIB_LEVELS), None)


def _agent(value: str, level: int) -> Agent:
    name, comma, rest = value.partition(", ")
    if comma and name.strip() and rest.strip():
        return Agent(name=name.strip(), rest=rest.strip(), level=level)
    return Agent(name=value, level=level)


def _text(element: etree._Element) -> str:
    return "".join(str(part) for part in element.itertext())


#: The DCMI terms refining dc:coverage, read with it (``dcterms:`` only: DC has none).
REFINEMENTS = ("spatial", "temporal")
_DC_TAGS = {f"{{{ns}}}{name}": name for ns in (DC, DCTERMS) for name in ELEMENTS}
_DC_TAGS.update({f"{{{DCTERMS}}}{name}": name for name in REFINEMENTS})
_DC_SPACES = (DC, DCTERMS)
_NONE: tuple[str, ...] = ()


def _values(element: etree._Element, cleaner: TextCleaner) -> tuple[dict[str, list[str]], bool]:
    """The non-empty values of each DC element read, and whether any child is DC at all.

    Run for every harvested oai_dc record, so one pass does both: tags are looked up as
    Clark names, the text of an element without children is its .text (no itertext
    walk), and an element of the DC namespaces that is not read (``dc:foo``) still makes
    the payload Dublin Core. Elements absent from the record have no entry.
    """
    found: dict[str, list[str]] = {}
    dublin_core = False
    latin1 = cleaner.latin1
    for child in element:
        tag = child.tag
        name = _DC_TAGS.get(tag)  # a comment or PI: its tag is a function, never found
        if name is None:
            if not isinstance(tag, str):  # a processing instruction or an entity
                continue
            space, local = xmlsafe.split_tag(tag)
            dublin_core = dublin_core or space in _DC_SPACES
            cleaner.once(f"skip-{tag}", f"element <{local}> "
                                        f"({space or 'no namespace'}) left out")
            continue
        dublin_core = True
        raw = (child.text or "") if len(child) == 0 else _text(child)
        if latin1 or not raw.isascii():  # ASCII read as UTF-8 has nothing to clean
            raw = cleaner.value(raw)
        value = raw.strip() if name == "description" else " ".join(raw.split())
        if value:
            if name in found:
                found[name].append(value)
            else:
                found[name] = [value]
    return found, dublin_core


def from_element(element: etree._Element, source: str, source_id: str,
                 latin1: bool = False) -> tuple[Record, list[str]]:
    """Map an ``oai_dc:dc`` element (any element whose children are DC) to a Record.

    ``latin1``: the document was read as ISO-8859-1 (Windows-1252 characters repaired).
    Returns the record and the mapping notes.
    """
    cleaner = TextCleaner(latin1)
    return _record(_values(element, cleaner)[0], cleaner, source, source_id)


def from_payload(element: etree._Element, source: str,
                 source_id: str) -> tuple[Record, list[str]] | None:
    """:func:`from_element` for a harvested payload, None when none of its children is
    in the DC or DCterms namespace (one pass over the children decides and reads)."""
    cleaner = TextCleaner()
    found, dublin_core = _values(element, cleaner)
    return _record(found, cleaner, source, source_id) if dublin_core else None


def _record(v: dict[str, list[str]], cleaner: TextCleaner, source: str,
            source_id: str) -> tuple[Record, list[str]]:
    """The Record said by the values :func:`_values` read, and the mapping notes."""
    # Absent elements read as no values; the values read are never empty strings.
    titles = v.get("title", _NONE)
    notes: list[str] = []
    if not titles:
        notes.append("no dc:title")
    agents = ([_agent(x, 0) for x in v.get("creator", _NONE)]
              + [_agent(x, 2) for x in v.get("contributor", _NONE)])
    unique = list(dict.fromkeys(agents))
    if len(unique) < len(agents):
        notes.append("repeated creators or contributors kept once")
    keywords: list[str] = []
    indexing: list[Indexing] = []
    for subject in v.get("subject", _NONE):
        dewey = _DEWEY.match(subject)
        if dewey:
            indexing.append(Indexing(code=dewey.group(1), tag="676"))
        else:
            keywords.append(subject)
    identifiers: list[Identifier] = []
    links: list[Link] = []
    for value in v.get("identifier", _NONE):
        found = identifier(value)
        if isinstance(found, Link):
            links.append(found)
        else:
            identifiers.append(found)
    custom = [CustomField(name=f"dc:{name}", value=x) for name in ("type", *_LITERALS)
              for x in v.get(name, _NONE)]
    places: list[Descriptor] = []
    said = ([(value, is_time(value)) for value in v.get("coverage", _NONE)]
            + [(value, bool(_DCMI_ENCODED.match(value))) for value in v.get("spatial", _NONE)]
            + [(value, True) for value in v.get("temporal", _NONE)])
    for value, literal in said:
        if literal:
            custom.append(CustomField(name="dc:coverage", value=value))
        else:
            places.append(place(value))
    languages: list[str] = []
    for value in v.get("language", _NONE):
        code = _language(value)
        if code:
            languages.append(code)
        else:
            custom.append(CustomField(name="dc:language", value=value))
            notes.append(f"dc:language {value!r} is not a language code: kept as a literal")
    types = v.get("type", _NONE)
    doc_type, bib_level = _doc_type(tuple(types))
    if types and doc_type is None:
        notes.append(f"dc:type {types[0]!r} not recognised: read as printed text")
    publishers = tuple(dict.fromkeys(v.get("publisher", _NONE)))
    dates = tuple(dict.fromkeys(v.get("date", _NONE)))
    record = Record(
        source=source,
        source_id=source_id,
        title=Title(main=titles[0] if titles else "", parallel=tuple(titles[1:])),
        doc_type=doc_type or "a",
        bib_level=bib_level or "m",
        marc_flavour="dc",
        agents=tuple(unique),
        publications=(Publication(publishers=publishers, dates=dates),)
        if publishers or dates else (),
        physical=tuple(Physical(extent=x) for x in dict.fromkeys(v.get("format", _NONE))),
        abstracts=tuple(dict.fromkeys(v.get("description", _NONE))),
        languages=tuple(dict.fromkeys(languages)),
        identifiers=tuple(dict.fromkeys(identifiers)),
        keywords=tuple(dict.fromkeys(keywords)),
        descriptors=tuple(dict.fromkeys(places)),
        indexing=tuple(dict.fromkeys(indexing)),
        links=tuple(dict.fromkeys(links)),
        custom_fields=tuple(custom),
    )
    return record, notes + list(cleaner.warnings())


def _has_dc(element: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and xmlsafe.namespace(c) in (DC, DCTERMS)
               for c in element)


def _parsed(element: etree._Element, source: str, position: int, latin1: bool) -> Parsed:
    raw, line = serialise(element), line_of(element)
    if not _has_dc(element):
        return Parsed(position=position, offset=line, raw=raw,
                      error=f"<{xmlsafe.localname(element)}> at line {line} holds no Dublin "
                            "Core element")
    first = next((" ".join(_text(c).split()) for c in element
                  if isinstance(c.tag, str) and xmlsafe.localname(c) == "identifier"
                  and xmlsafe.namespace(c) in (DC, DCTERMS)), "")
    record, notes = from_element(element, source, first or f"dc-{position}", latin1)
    return Parsed(position=position, offset=line, raw=raw, record=record,
                  warnings=tuple(notes), source_id=record.source_id)


def read(stream: IO[bytes], source: str) -> Iterator[Parsed]:
    """Read every element named ``dc`` of an XML document, whatever its root.

    One :class:`Parsed` per record; a record without DC elements, and a malformed spot
    (which loses only the record it is in), are reported, never raised.

    Raises:
        FormatError: the stream is not XML at all.
    """
    xml = open_xml(stream)
    position = 0
    for element in xmlsafe.iterrecords(xml.stream, {"dc"}, "dc", xml.override):
        position += 1
        if isinstance(element, etree.XMLSyntaxError):  # that record lost, reading goes on
            yield Parsed(position=position, offset=element.lineno or 0, raw=b"",
                         error=syntax_error(element))
            continue
        yield _parsed(element, source, position, xml.latin1)


# --- writing ----------------------------------------------------------------------------


def _identifier_text(ident: Identifier) -> str:
    if ident.scheme == "isbn":
        return f"URN:ISBN:{ident.value}"
    if ident.scheme == "issn":
        return f"URN:ISSN:{ident.value}"
    if ident.scheme == "doi":
        return f"https://doi.org/{ident.value}"
    if ident.scheme == "pmid":
        return f"info:pmid/{ident.value}"
    if ident.scheme in ("uri", ""):
        return ident.value
    return f"{ident.scheme}:{ident.value}"


def _literals(record: Record, name: str) -> list[str]:
    return [cf.value for cf in record.custom_fields if cf.name == f"dc:{name}"]


def dc_values(record: Record) -> list[tuple[str, str]]:
    """The (element, text) pairs of ``record`` in simple Dublin Core, element by element."""
    t = record.title
    year = record.year()
    main = record.main_publication()
    first_date = next(iter(main.dates), "") if main else ""
    series = [" ; ".join(x for x in (s.title + (f". {s.part_title}" if s.part_title else ""),
                                     s.number) if x) for s in record.distinct_series()]
    serials = [", ".join(x for x in (ln.title, ln.number, ln.date) if x)
               + (f" (ISSN {ln.issn})" if ln.issn else "") for ln in record.serial_links]
    values: dict[str, Iterable[str]] = {
        "title": [t.display(), *t.parallel],
        "creator": [a.display() for a in record.agents if a.level < 2],
        "contributor": [a.display() for a in record.agents if a.level >= 2],
        "subject": [*(d.display() for d in record.descriptors if d.tag != GEOGRAPHIC),
                    *record.keywords,
                    *(f"{ix.code} {ix.label}".strip() for ix in record.indexing)],
        "description": [*record.abstracts, *record.contents_notes, *record.general_notes],
        # A 214 of manufacture or copyright names a printer or a rights holder, not a publisher.
        "publisher": [p for pub in record.publications for p in pub.publishers
                      if pub.function not in ("manufacture", "copyright")],
        "date": [str(year) if year else first_date],
        "type": [DCMI_TYPES.get(record.doc_type, ""), DOC_TYPES.get(record.doc_type, ""),
                 *_literals(record, "type")],
        "format": [ph.extent for ph in record.physical],
        "identifier": [*(_identifier_text(i) for i in record.identifiers if not i.invalid),
                       *(lk.url for lk in record.links), *(d.url for d in record.documents)],
        "source": _literals(record, "source"),
        "language": [*record.languages, *_literals(record, "language")],
        "relation": [*series, *serials, *_literals(record, "relation")],
        "coverage": [*(d.display() for d in record.descriptors if d.tag == GEOGRAPHIC),
                     *_literals(record, "coverage")],
        "rights": _literals(record, "rights"),
    }
    # One plain loop: this runs for every record of every oai_dc page the provider serves.
    out: list[tuple[str, str]] = []
    for name in ELEMENTS:
        seen: set[str] = set()
        keep_lines = name == "description"
        for raw in values[name]:
            if not raw:
                continue
            text = raw.strip() if keep_lines else " ".join(raw.split())
            if not text.isascii() and not unicodedata.is_normalized("NFC", text):
                text = unicodedata.normalize("NFC", text)
            text = visible(xml_text(text))
            if text and text not in seen:
                seen.add(text)
                out.append((name, text))
    return out


def to_element(record: Record) -> etree._Element:
    """``record`` as an ``oai_dc:dc`` element, valid against oai_dc.xsd."""
    nsmap: Any = {"oai_dc": OAI_DC, "dc": DC, "xsi": XSI}
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap=nsmap)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    for name, value in dc_values(record):
        etree.SubElement(root, f"{{{DC}}}{name}").text = value
    return root


def to_xml(record: Record) -> bytes:
    """``record`` as a standalone ``oai_dc:dc`` document in UTF-8."""
    data: bytes = etree.tostring(to_element(record), xml_declaration=True, encoding="UTF-8")
    return data
