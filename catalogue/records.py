"""The one canonical bibliographic model.

Every format reader produces a :class:`Record`; every writer, the store, the index, the
OAI provider and the DSI read it. The model follows UNIMARC as PMB writes it (the centres'
own catalogues), because that is the richest source we ingest: MARC21 and Dublin Core map
onto the same fields. All classes are frozen, typed value objects (see :class:`Model`) so a
record can be hashed, compared and shared between threads without copies.

This module imports nothing else of ours (see the dependency rule in ARCHITECTURE.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec

from catalogue.formats.printable import sortable, visible

Pairs = tuple[tuple[str, str], ...]
"""Ordered (code, value) pairs, used where order and repetition carry meaning."""

M = TypeVar("M", bound="Model")


class Model(msgspec.Struct, frozen=True, omit_defaults=True):
    """Base of every model class: an immutable, typed record of fields.

    msgspec Structs rather than stdlib dataclasses: the same frozen, typed, comparable
    and hashable value objects, but built several times faster (a frozen dataclass sets
    each field through ``object.__setattr__``) and serialised to JSON without their
    default values, which halves what the store writes per record. Import speed is bound
    by exactly these two costs.
    """


def replace(obj: M, **changes: Any) -> M:
    """A copy of a model object with some fields changed (``dataclasses.replace``)."""
    return msgspec.structs.replace(obj, **changes)


def fields(obj: Model | type[Model]) -> tuple[str, ...]:
    """The field names of a model class or object, in declaration order."""
    return obj.__struct_fields__


#: leader/06 codes of UNIMARC (PMB ``doctype.xml``), labels in French for the public.
DOC_TYPES: dict[str, str] = {
    "a": "Texte imprimé",
    "b": "Texte manuscrit",
    "c": "Partition imprimée",
    "d": "Partition manuscrite",
    "e": "Document cartographique imprimé",
    "f": "Document cartographique manuscrit",
    "g": "Document projeté ou vidéo",
    "i": "Enregistrement sonore non musical",
    "j": "Enregistrement sonore musical",
    "k": "Document graphique à deux dimensions",
    "l": "Document électronique",
    "m": "Document multimédia",
    "r": "Objet à trois dimensions, artefact",
    "q": "Question-réponse",  # not UNIMARC: the entries of the questions/réponses base
    "v": "Veille",  # not UNIMARC: the entries of the watch (catalogue.veille)
}

#: leader/07 bibliographic levels.
BIB_LEVELS: dict[str, str] = {
    "m": "Monographie",
    "s": "Périodique",
    "a": "Article",
    "b": "Bulletin",
    "c": "Recueil",
    "i": "Ressource intégratrice",
}


class Title(Model, frozen=True):
    """Title and statement of responsibility (UNIMARC 200).

    ``other_author`` is 200$c (title of a work by another author), ``parallel`` 200$d,
    ``subtitle`` 200$e; bulletins carry their number in 200$h and issue title in 200$i.
    """

    main: str
    subtitle: tuple[str, ...] = ()
    other_author: tuple[str, ...] = ()
    parallel: tuple[str, ...] = ()
    responsibility: tuple[str, ...] = ()
    part_number: tuple[str, ...] = ()
    part_name: tuple[str, ...] = ()

    def display(self) -> str:
        """Main title followed by its subtitles, as a catalogue card shows it (the
        non-sorting markers left out, their text kept: "L'altra faccia")."""
        text = " : ".join([self.main, *self.subtitle]) if self.main else " : ".join(self.subtitle)
        return visible(text)

    def sort_text(self) -> str:
        """What the title sorts on: its non-sorting part left out ("altra faccia")."""
        text = " : ".join([self.main, *self.subtitle]) if self.main else " : ".join(self.subtitle)
        return sortable(text)


#: Relator codes ($4: UNIMARC numbers, MARC 21 codes and terms) by the credit they give.
EDITOR_ROLES = frozenset({"340", "651", "edt", "editor", "ed", "éd", "dir"})
AUTHOR_ROLES = frozenset({"070", "aut", "author", "auteur"})
TRANSLATOR_ROLES = frozenset({"730", "trl", "translator", "trad", "traducteur"})


class Agent(Model, frozen=True):
    """A person (700-702) or corporate body (710-712) and its role.

    ``level`` is the last digit of the tag: 0 main responsibility, 1 alternative (co-author),
    2 secondary. ``roles`` holds $4 relator codes (070 auteur, 340 éditeur scientifique...).
    """

    name: str
    kind: str = "person"  # "person" or "corporate"
    level: int = 0
    rest: str = ""  # $b: forename (person) or subdivision (corporate)
    units: tuple[str, ...] = ()  # corporate: the further subordinate units (repeated $b)
    additions: tuple[str, ...] = ()  # $c
    numbering: str = ""  # $d
    place: str = ""  # $e (meetings)
    dates: str = ""  # $f
    roles: tuple[str, ...] = ()  # $4
    authority_id: str = ""  # $3, or PMB's $9 id:
    indicators: str = "  "

    def credit(self) -> str:
        """How a reference manager credits this agent: author, editor, translator or
        contributor (a preface writer, an illustrator...).

        By role first, level second: a scientific editor catalogued in 701 is an editor,
        not an author; an agent without a role is an author at level 0-1.
        """
        roles = {r.strip().lower().rstrip(".") for r in self.roles}
        if roles & EDITOR_ROLES:
            return "editor"
        if roles & AUTHOR_ROLES or (not roles and self.level < 2):
            return "author"
        if roles & TRANSLATOR_ROLES:
            return "translator"
        return "contributor"

    def display(self) -> str:
        """'Surname, Forename' for people, 'Body. Subdivision' for corporate bodies."""
        if self.kind == "corporate":
            return ". ".join(p for p in (self.name, self.rest, *self.units) if p)
        return ", ".join(p for p in (self.name, self.rest) if p)


#: UNIMARC 214 indicator 2 (the function of the statement), as :attr:`Publication.function`.
PUBLICATION_FUNCTIONS: dict[str, str] = {
    "0": "production", "1": "publication", "2": "distribution", "3": "manufacture",
    "4": "copyright",
}


class Publication(Model, frozen=True):
    """Place, publisher and date (210, or 214 in UNIMARC 2008+).

    210 also names where, by whom and when the book was printed ($e $g $h): a
    documentalist dating an undated report or an old book reads them, so they are
    kept apart from the publisher's ($a $c $d), never merged into them. A 214 states
    one function, said by its second indicator (production, publication, distribution,
    manufacture, copyright; see :attr:`function`): the indicators are kept so that the
    export says the same. ``extra`` keeps the subfields the model does not name
    (addresses $b $f, transcriptions $r $s, a second $z or $9) so that exports lose
    nothing.
    """

    tag: str = "210"
    places: tuple[str, ...] = ()
    publishers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    country: str = ""  # PMB $z
    authority_id: str = ""  # PMB $9 id:
    indicators: str = "  "
    manufacture_places: tuple[str, ...] = ()  # 210$e
    manufacturers: tuple[str, ...] = ()  # 210$g
    manufacture_dates: tuple[str, ...] = ()  # 210$h
    extra: Pairs = ()

    @property
    def function(self) -> str:
        """What the statement says: ``publication`` (every 210, a 214 with indicator 2
        ``1`` or blank), ``production``, ``distribution``, ``manufacture`` or
        ``copyright`` (214 indicator 2 ``0``, ``2``, ``3``, ``4``)."""
        if self.tag != "214":
            return "publication"
        return PUBLICATION_FUNCTIONS.get(self.indicators[1:2], "publication")


class Physical(Model, frozen=True):
    """Physical description (215)."""

    extent: str = ""
    illustrations: str = ""
    dimensions: str = ""
    accompanying: str = ""


class Series(Model, frozen=True):
    """Collection or series statement (225) or its link field (410 / 411).

    ``part_title`` and ``part_issn`` are PMB's sub-collection (225$i / second $x).
    """

    tag: str
    title: str
    number: str = ""
    issn: str = ""
    part_title: str = ""
    authority_id: str = ""


class SerialLink(Model, frozen=True):
    """A link to a serial, an issue or articles (461-464).

    PMB writes articles with a 461 to their periodical and a 463 to their issue
    (bulletin, whose own id ends in ``-bull``); ``target_id`` is the linked record's id as
    the source knows it ($0, or PMB's $9 id:), ``page`` PMB's $9 page:.
    """

    tag: str
    title: str = ""
    issn: str = ""
    number: str = ""
    date: str = ""
    target_id: str = ""
    link_type: str = ""  # PMB $9 lnk:
    page: str = ""
    mention: str = ""  # $e: PMB's issue date as printed ("mars 2012"); $d is its ISO date
    extra: Pairs = ()  # subfields not named (PMB's second $t, $9 bl:/rank:...), for exports

    def numbering(self) -> str:
        """The issue this link names, as a reader reads it: number, printed date (or
        ISO date): ``n° 52, mars 2012``; '' when the link gives none."""
        return ", ".join(p for p in (self.number.strip(), (self.mention or self.date).strip())
                         if p)


class Identifier(Model, frozen=True):
    """ISBN (010), ISSN (011), DOI or PMID (014) and the like."""

    scheme: str  # "isbn", "issn", "doi", "pmid", "ean"...
    value: str
    qualifier: str = ""  # 010$b (e.g. "br."), 011$b
    price: str = ""  # 010$d / 011$d
    invalid: bool = False  # $z: cancelled or invalid number

    def normalised(self) -> str:
        """The value without hyphens and spaces, upper-cased (ISBN/ISSN comparison key)."""
        return "".join(ch for ch in self.value if ch.isalnum()).upper()


class Descriptor(Model, frozen=True):
    """A thesaurus descriptor (606; 600-608 subject headings).

    PMB puts the category node id, language and thesaurus id in repeated $9 (``id:123``,
    ``lang:fr_FR``, ``idthes:1``); concepts (SKOS) carry ``uri:``. ``subdivisions`` keeps
    $x/$y/$z/$j in order.
    """

    label: str
    tag: str = "606"
    authority_id: str = ""
    thesaurus_id: str = ""
    lang: str = ""
    uri: str = ""
    subdivisions: Pairs = ()
    system: str = ""  # $2 (rameau, ...)

    def display(self) -> str:
        """Label followed by its subdivisions, joined by ' -- ' as RAMEAU shows them."""
        return " -- ".join([self.label, *(value for _, value in self.subdivisions)])


class Indexing(Model, frozen=True):
    """A classification or internal indexing (676 Dewey, 686 other)."""

    code: str
    label: str = ""
    tag: str = "676"
    authority_id: str = ""
    edition: str = ""  # 676$v


class Link(Model, frozen=True):
    """An electronic location (856)."""

    url: str
    format: str = ""  # $q
    note: str = ""  # $z / $y / $2 link text


class AttachedDocument(Model, frozen=True):
    """A digital document attached in PMB (897 explnum)."""

    url: str
    name: str = ""
    filename: str = ""
    status: str = ""
    mime: str = ""


class CustomField(Model, frozen=True):
    """A PMB custom field ("champ perso", 900)."""

    name: str
    value: str
    label: str = ""
    type: str = ""
    raw: str = ""


class Item(Model, frozen=True):
    """A physical copy (exemplaire) from 995, completed by PMB's 996 full dump.

    995 follows the AFBDP recommendation: $f barcode, $k call number (cote), $r item type
    code, $q section (audience), $o status code, $a owner and $c lending institution,
    $u note. When PMB also wrote a 996 for the same barcode, its labels (location,
    section, status, type) and ``pret_flag`` complete the item; ``columns`` keeps the
    996 ``$9 column:value`` pairs so a re-export loses nothing.
    """

    barcode: str = ""
    call_number: str = ""
    item_type: str = ""
    section: str = ""
    status: str = ""
    owner: str = ""
    holder: str = ""
    note: str = ""
    location: str = ""
    location_code: str = ""
    section_label: str = ""
    status_label: str = ""
    type_label: str = ""
    loanable: bool | None = None  # 996$3 pret_flag; None when unknown
    deposit_date: str = ""  # 996$m
    return_date: str = ""  # 996$n
    has_dump: bool = False  # whether a 996 was read for this item
    columns: Pairs = ()
    extra: Pairs = ()  # 995 subfields the model does not name (Koha $b $e $h, Kentika $0 $3...)


class MarcField(Model, frozen=True):
    """A field the model does not map, kept verbatim so that exports lose nothing.

    Control fields have ``data`` and no subfields.
    """

    tag: str
    indicators: str = "  "
    subfields: Pairs = ()
    data: str | None = None


class Record(Model, frozen=True):
    """One bibliographic record of one source, in canonical form.

    Identity is (``source``, ``source_id``): the source's slug as configured in config.toml
    and the record id in that source (001 for MARC, the OAI identifier for harvested
    records). ``marc_flavour`` says which MARC dialect ``unmapped`` fields belong to, so
    that a UNIMARC writer never re-emits MARC21 tags.
    """

    source: str
    source_id: str
    title: Title
    doc_type: str = "a"
    bib_level: str = "m"
    hier_level: str = "0"
    record_status: str = "n"
    encoding_level: str = " "
    cataloguing_form: str = " "
    marc_flavour: str = "unimarc"
    created: str = ""  # 100$a/0-7, YYYYMMDD, when known
    processing_data: str = ""  # 100$a with the character set positions made Unicode
    agents: tuple[Agent, ...] = ()
    edition: tuple[str, ...] = ()
    publications: tuple[Publication, ...] = ()
    physical: tuple[Physical, ...] = ()
    series: tuple[Series, ...] = ()
    serial_links: tuple[SerialLink, ...] = ()
    general_notes: tuple[str, ...] = ()
    contents_notes: tuple[str, ...] = ()
    abstracts: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    original_languages: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    descriptors: tuple[Descriptor, ...] = ()
    keywords: tuple[str, ...] = ()
    indexing: tuple[Indexing, ...] = ()
    links: tuple[Link, ...] = ()
    documents: tuple[AttachedDocument, ...] = ()
    thumbnail: str = ""
    custom_fields: tuple[CustomField, ...] = ()
    items: tuple[Item, ...] = ()
    unmapped: tuple[MarcField, ...] = ()

    @property
    def global_id(self) -> str:
        """The id that is unique across the union catalogue: ``source:source_id``."""
        return f"{self.source}:{self.source_id}"

    @property
    def is_issue(self) -> bool:
        """A serial issue (PMB bulletin), whose PMB id ends in ``-bull``."""
        return self.source_id.endswith("-bull") or (
            self.bib_level in {"s", "b"} and self.hier_level == "2"
        )

    @property
    def is_serial(self) -> bool:
        """A periodical's own record (bibliographic level ``s``, not one of its issues)."""
        return self.bib_level == "s" and not self.is_issue

    @property
    def shown_type(self) -> str:
        """The document type readers see and filter on: ``s`` (Périodique) for a serial
        and its issues, else leader/06.

        PMB writes periodicals and bulletins with leader/06 ``a`` (texte imprimé), the
        type of their paper, so the type facet mixed them with books. The level says
        what they are; leader/06 itself stays as catalogued (exports, OAI sets).
        """
        return "s" if self.bib_level in ("s", "b") or self.is_issue else self.doc_type

    def parent_ids(self) -> tuple[str, ...]:
        """The global ids of the periodical (461) and issue (463) this record belongs to.

        PMB links an issue to its periodical and an article to both with ``$9 id:``
        (the periodical's notice id; the bulletin id, whose record is ``{id}-bull``);
        other sources give ``$0``. A 461 of a monograph (PMB's series) is not followed.
        """
        out: list[str] = []
        for link in self.serial_links:
            target = link.target_id.strip()
            if not target:
                continue
            if link.tag == "461" and (link.link_type == "perio" or self.is_issue
                                      or self.bib_level == "a"):
                out.append(f"{self.source}:{target}")
            elif link.tag == "463":
                if link.link_type == "bull" and not target.endswith("-bull"):
                    target += "-bull"
                out.append(f"{self.source}:{target}")
        return tuple(dict.fromkeys(out))

    def serial_keys(self) -> tuple[str, ...]:
        """``{source}:issn:{ISSN}`` for each ISSN an article's 461/463 gives: how an
        article whose links carry no id (a Kentika or hand-made export) still finds its
        periodical of the same source, by the periodical's own ISSN (011)."""
        if self.bib_level != "a":
            return ()
        keys = [issn_key(self.source, link.issn) for link in self.serial_links
                if link.tag in ("461", "463") and link.issn.strip()]
        return tuple(dict.fromkeys(k for k in keys if k))

    @property
    def item_types(self) -> tuple[str, ...]:
        """Distinct 995$r item type codes, in item order."""
        return tuple(dict.fromkeys(i.item_type for i in self.items if i.item_type))

    def isbns(self) -> tuple[str, ...]:
        """ISBN values as catalogued."""
        return tuple(i.value for i in self.identifiers if i.scheme == "isbn")

    def distinct_series(self) -> tuple[Series, ...]:
        """The series once each: UNIMARC records state a series in 225 and link it in 410,
        and the page and exports showed it twice. Same title (case and spacing aside) and
        same number, or no number on one side, is the same series; the first kept, with
        the number the other gave."""
        kept: list[Series] = []
        for series in self.series:
            key = " ".join(series.title.casefold().split())
            twin = next((n for n, s in enumerate(kept)
                         if " ".join(s.title.casefold().split()) == key
                         and (not s.number or not series.number or s.number == series.number)),
                        None)
            if twin is None:
                kept.append(series)
            elif not kept[twin].number and series.number:
                kept[twin] = replace(kept[twin], number=series.number)
        return tuple(kept)

    def issns(self) -> tuple[str, ...]:
        """ISSN values as catalogued."""
        return tuple(i.value for i in self.identifiers if i.scheme == "issn")

    def main_publication(self) -> Publication | None:
        """The publication statement proper: the first 210 or 214 that states a
        publication, else the first statement of any function (a 214 of production or
        copyright only), else None."""
        return next((p for p in self.publications if p.function == "publication"),
                    self.publications[0] if self.publications else None)

    def year(self) -> int | None:
        """The first four-digit year found in the publication dates (a publication
        statement's before a copyright or manufacture date)."""
        ordered = sorted(self.publications, key=lambda p: p.function != "publication")
        for pub in ordered:
            for date in pub.dates:
                digits = "".join(ch if ch.isdigit() else " " for ch in date).split()
                for token in digits:
                    if len(token) == 4:
                        return int(token)
        return None

    def with_source(self, source: str) -> Record:
        """The same record attributed to another source (an import's --source)."""
        return replace(self, source=source)


def issn_key(source: str, issn: str) -> str:
    """The ``parent`` key that ties an article to a periodical by ISSN within a source
    (hyphens, spaces and case aside); '' for a value that is no ISSN."""
    digits = "".join(ch for ch in issn if ch.isalnum()).upper()
    if len(digits) != 8 or not digits[:7].isdigit():
        return ""
    return f"{source}:issn:{digits[:4]}-{digits[4:]}"


# --- serialisation -------------------------------------------------------------------
#
# The store keeps each record as JSON so the web app, the index and the OAI provider
# never re-parse MARC. msgspec encodes the model without default values and decodes it
# back with type checking; a field added to the model later reads old rows with its
# default.

_ENCODER = msgspec.json.Encoder(order="sorted")
_DECODER = msgspec.json.Decoder(Record)


def to_json_bytes(record: Record) -> bytes:
    """Canonical JSON (sorted keys): equal records give equal bytes."""
    return _ENCODER.encode(record)


def to_json(record: Record) -> str:
    """:func:`to_json_bytes` as text."""
    return to_json_bytes(record).decode("utf-8")


def from_json(text: str | bytes) -> Record:
    """Inverse of :func:`to_json`."""
    return _DECODER.decode(text)


class _Identity(msgspec.Struct):
    source: str
    source_id: str


_IDENTITY = msgspec.json.Decoder(_Identity)


def global_id_of(text: str | bytes) -> str:
    """The :attr:`Record.global_id` of a record's canonical JSON, the rest left unread (a
    DSI run reads thousands of records and shows a few hundred)."""
    found = _IDENTITY.decode(text)
    return f"{found.source}:{found.source_id}"


def to_dict(obj: Any) -> Any:
    """Plain JSON-able data (dicts, lists, strings) of a model object."""
    return msgspec.to_builtins(obj)


def content_hash(record: Record) -> str:
    """A digest of the record's content, used to tell a real change from a re-import."""
    return hashlib.blake2b(to_json_bytes(record), digest_size=16).hexdigest()


def subfield_pairs(values: Iterable[tuple[str, str]]) -> Pairs:
    """Freeze (code, value) pairs into the tuple form the model uses."""
    return tuple((code, value) for code, value in values)
