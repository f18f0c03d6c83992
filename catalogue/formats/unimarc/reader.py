"""UNIMARC fields -> :class:`Record`, as PMB writes them.

The mapping follows PMB's ``admin/convert/export.class.php`` (anchors doc, table 2.4):
PMB's repeated ``$9 key:value`` subfields carry authority ids, thesaurus ids and link
types. A field that carries nothing the model names is kept verbatim in
``Record.unmapped``, so a UNIMARC export of an imported record loses nothing but what the
model normalises. This runs once per imported record: it is written for speed (one dict of
first subfield values per field, one dispatch table) as much as for clarity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from catalogue.formats import iso2709
from catalogue.formats.base import Parsed, RawRecord, control, first_subfield
from catalogue.records import (
    DOC_TYPES,
    Agent,
    AttachedDocument,
    CustomField,
    Descriptor,
    Identifier,
    Indexing,
    Item,
    Link,
    MarcField,
    Pairs,
    Physical,
    Publication,
    Record,
    SerialLink,
    Series,
    Title,
)

SUBJECT_TAGS = frozenset({"600", "601", "602", "604", "605", "606", "607", "608"})
AGENT_TAGS = frozenset({"700", "701", "702", "710", "711", "712"})
LINK_TAGS = frozenset({"461", "462", "463", "464"})
_EMBEDDING_TAGS = LINK_TAGS | {"410", "411"}
ITEM_CODES = frozenset("acfkoqru")

#: Subfields that carry what the model keeps, per tag: a field with none of them (say a
#: 225 holding only $z) is kept verbatim in ``unmapped`` rather than mapped to nothing.
_CODES: dict[str, frozenset[str]] = {tag: frozenset(codes) for tag, codes in {
    "010": "az", "011": "azy", "014": "azy", "100": "a", "101": "ac", "200": "acdefghi",
    "205": "a", "210": "abcdefghrsz9", "214": "abcdrsz9", "215": "acde", "225": "aivx9", "410": "tvx039",
    "411": "tvx039", "300": "a", "327": "a", "330": "a", "610": "a", "676": "alv9",
    "686": "alv9", "856": "u", "896": "a", "897": "abfst", "900": "alntc",
    "995": "".join(sorted(ITEM_CODES)), "996": "",
    **{tag: "txvde09" for tag in LINK_TAGS},
    **{tag: "axyzj239" for tag in SUBJECT_TAGS},
    **{tag: "abcdef349" for tag in AGENT_TAGS},
}.items()}


def _first(pairs: Pairs) -> dict[str, str]:
    """First non-empty value of each subfield code, plus PMB's ``$9 key:value`` pairs.

    The $9 pairs are stored under ``"9:" + key`` (first value wins), so one pass over the
    subfields serves every lookup a handler makes.
    """
    out: dict[str, str] = {}
    for code, value in pairs:
        if not value:
            continue
        if code not in out:
            out[code] = value
        if code == "9":
            key, colon, rest = value.partition(":")
            if colon:
                out.setdefault("9:" + key.strip(), rest.strip())
    return out


def _all(pairs: Pairs, code: str) -> tuple[str, ...]:
    return tuple([v for c, v in pairs if c == code and v])


class _Builder:
    """The record's parts as they are read, field by field."""

    def __init__(self) -> None:
        self.title: Title | None = None
        self.agents: list[Agent] = []
        self.pubs: list[Publication] = []
        self.physical: list[Physical] = []
        self.series: list[Series] = []
        self.links_4xx: list[SerialLink] = []
        self.identifiers: list[Identifier] = []
        self.descriptors: list[Descriptor] = []
        self.indexing: list[Indexing] = []
        self.links: list[Link] = []
        self.documents: list[AttachedDocument] = []
        self.custom: list[CustomField] = []
        self.unmapped: list[MarcField] = []
        self.keywords: list[str] = []
        self.edition: list[str] = []
        self.notes: dict[str, list[str]] = {"300": [], "327": [], "330": []}
        self.languages: list[str] = []
        self.originals: list[str] = []
        self.items: list[Item] = []
        self.dumps: list[Pairs] = []
        self.created = self.processing = self.thumbnail = ""


def _identifier(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    scheme = {"010": "isbn", "011": "issn"}.get(f.tag) or (d.get("b") or d.get("2") or "doi").lower()
    value, invalid = d.get("a", ""), False
    if not value:
        value, invalid = d.get("z") or d.get("y", ""), True
    b.identifiers.append(Identifier(
        scheme=scheme, value=value, qualifier=d.get("b", "") if f.tag != "014" else "",
        price=d.get("d", ""), invalid=invalid,
    ))


def _processing(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    value = d["a"]
    if b.processing:
        b.unmapped.append(f)
        return
    if value[:8].isdigit():
        b.created = value[:8]
    # The character set positions describe a serialisation; the model is Unicode.
    b.processing = value[:26] + "50  " + value[30:] if len(value) >= 30 else value


def _languages(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    b.languages += _all(f.subfields, "a")
    b.originals += _all(f.subfields, "c")


def _title(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    if b.title is not None:
        b.unmapped.append(f)
        return
    s = f.subfields
    b.title = Title(
        main=" ; ".join(_all(s, "a")), subtitle=_all(s, "e"), other_author=_all(s, "c"),
        parallel=_all(s, "d"), responsibility=_all(s, "f") + _all(s, "g"),
        part_number=_all(s, "h"), part_name=_all(s, "i"),
    )


#: 210/214 subfields the model names, by the Publication field they fill.
_PUBLICATION_CODES = {"a": "places", "c": "publishers", "d": "dates", "e": "manufacture_places",
                      "g": "manufacturers", "h": "manufacture_dates"}


def _publication(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    named: dict[str, list[str]] = {name: [] for name in _PUBLICATION_CODES.values()}
    extra: list[tuple[str, str]] = []
    country = authority = ""
    for code, value in f.subfields:
        if not value:
            continue
        if code in _PUBLICATION_CODES:
            named[_PUBLICATION_CODES[code]].append(value)
        elif code == "z" and not country:
            country = value
        elif code == "9" and not authority and value.startswith("id:"):
            authority = value[3:].strip()
        else:  # addresses, transcriptions, a second country or $9: kept for exports
            extra.append((code, value))
    b.pubs.append(Publication(
        tag=f.tag, indicators=f.indicators, country=country, authority_id=authority,
        extra=tuple(extra), places=tuple(named["places"]),
        publishers=tuple(named["publishers"]), dates=tuple(named["dates"]),
        manufacture_places=tuple(named["manufacture_places"]),
        manufacturers=tuple(named["manufacturers"]),
        manufacture_dates=tuple(named["manufacture_dates"]),
    ))


def _joined(pairs: Pairs, code: str, glue: str) -> str:
    """Every value of a repeatable subfield, in order (the first alone lost the rest)."""
    return glue.join(_all(pairs, code))


def _physical(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    s = f.subfields  # $a, $d and $e repeat: "1 vol. + 1 CD", "24 cm ; 12 cm"
    b.physical.append(Physical(extent=_joined(s, "a", " ; "), illustrations=d.get("c", ""),
                               dimensions=_joined(s, "d", " ; "),
                               accompanying=_joined(s, "e", " + ")))


def _series(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    s = f.subfields  # 225 $i and $v repeat (a sub-series and its numbers)
    b.series.append(Series(
        tag=f.tag, title=d.get("a" if f.tag == "225" else "t", ""),
        number=_joined(s, "v", " ; ") if f.tag == "225" else d.get("v", ""),
        issn=d.get("x", ""), part_title=_joined(s, "i", ". ") if f.tag == "225" else d.get("i", ""),
        authority_id=d.get("9:id") or d.get("0") or d.get("3", ""),
    ))


#: 4xx link subfields the model names (the first of each), by SerialLink field.
_LINK_CODES = {"t": "title", "x": "issn", "v": "number", "d": "date", "e": "mention", "0": "zero"}
_LINK_NINES = ("id", "lnk", "page")


def _serial_link(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    named: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for code, value in f.subfields:
        if not value:
            continue
        key = _LINK_CODES.get(code, "")
        if code == "9":
            nine, colon, rest = value.partition(":")
            key = "9:" + nine.strip() if colon and nine.strip() in _LINK_NINES else ""
            value = rest.strip() if key else value
        if key and key not in named:
            named[key] = value
        else:  # PMB's second $t (the title), other $9 keys: kept for exports
            extra.append((code, f"{key[2:]}:{value}" if key.startswith("9:") else value))
    zero, nine_id = named.get("zero", ""), named.get("9:id", "")
    if zero and nine_id:
        # Both given (PMB 464 with the article's id): $0 is the target; the writer
        # gives the target as $9 id: when there is a lnk:/page:, as $0 otherwise, so
        # the subfield it will not write travels in ``extra``.
        if named.get("9:lnk") or named.get("9:page"):
            extra[:0] = [("0", zero)] + ([("9", f"id:{nine_id}")] if nine_id != zero else [])
        else:
            extra.insert(0, ("9", f"id:{nine_id}"))
    b.links_4xx.append(SerialLink(
        tag=f.tag, title=named.get("title", ""), issn=named.get("issn", ""),
        number=named.get("number", ""), date=named.get("date", ""),
        mention=named.get("mention", ""), target_id=zero or nine_id,
        link_type=named.get("9:lnk", ""), page=named.get("9:page", ""), extra=tuple(extra),
    ))


def _note(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    joiner = " ; " if f.tag == "327" else " "
    b.notes[f.tag].append(joiner.join(_all(f.subfields, "a")))


def _descriptor(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    s = f.subfields
    label = d.get("a", "")
    if f.tag == "600" and "b" in d:
        label = f"{label}, {d['b']}"
    b.descriptors.append(Descriptor(
        label=label, tag=f.tag, authority_id=d.get("9:id") or d.get("3", ""),
        thesaurus_id=d.get("9:idthes", ""), lang=d.get("9:lang", ""), uri=d.get("9:uri", ""),
        subdivisions=tuple([(c, v) for c, v in s if c in "xyzj" and v]), system=d.get("2", ""),
    ))


def _keywords(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    # PMB stores free keywords as one string joined by its separator (" ; ").
    b.keywords += [k.strip() for v in _all(f.subfields, "a") for k in v.split(";") if k.strip()]


def _indexing(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    b.indexing.append(Indexing(
        code=d.get("a", ""), label=d.get("l", ""), tag=f.tag, edition=d.get("v", ""),
        authority_id=d.get("9:id", ""),
    ))


def _agent(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    s = f.subfields
    corporate = f.tag[1] == "1"
    units = _all(s, "b") if corporate else ()
    b.agents.append(Agent(
        name=d.get("a", ""), kind="corporate" if corporate else "person",
        level=int(f.tag[2]), rest=units[0] if units else d.get("b", ""), units=units[1:],
        additions=_all(s, "c"),
        numbering=d.get("d", ""), place=d.get("e", ""), dates=d.get("f", ""),
        roles=_all(s, "4"),
        authority_id=d.get("3") or d.get("9:id", ""),
        indicators=f.indicators,
    ))


def _link(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    b.links += [Link(url=url, format=d.get("q", ""), note=d.get("z", ""))
                for url in _all(f.subfields, "u")]


def _thumbnail(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    if b.thumbnail:
        b.unmapped.append(f)
    else:
        b.thumbnail = d["a"]


def _document(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    b.documents.append(AttachedDocument(url=d.get("a", ""), name=d.get("b", ""),
                                        filename=d.get("f", ""), status=d.get("s", ""),
                                        mime=d.get("t", "")))


def _custom(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    b.custom.append(CustomField(name=d.get("n", ""), value=d.get("a", ""), label=d.get("l", ""),
                                type=d.get("t", ""), raw=d.get("c", "")))


def _item(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    b.items.append(Item(
        barcode=d.get("f", ""), call_number=d.get("k", ""), item_type=d.get("r", ""),
        section=d.get("q", ""), status=d.get("o", ""), owner=d.get("a", ""),
        holder=d.get("c", ""), note=d.get("u", ""),
        extra=tuple([(c, v) for c, v in f.subfields if c not in ITEM_CODES and v]),
    ))


def _dump(b: _Builder, f: MarcField, d: dict[str, str]) -> None:
    b.dumps.append(f.subfields)


def _merge_dump(items: list[Item], s: Pairs) -> None:
    """Complete the 995 item with the same barcode by PMB's 996 dump (or add it)."""
    d = _first(s)
    barcode = d.get("f", "")
    index = next((i for i, it in enumerate(items) if barcode and it.barcode == barcode), None)
    base = items[index] if index is not None else Item()
    pret = d.get("3", "")
    merged = Item(
        barcode=base.barcode or barcode, call_number=base.call_number or d.get("k", ""),
        item_type=base.item_type or d.get("r", ""), section=base.section or d.get("y", ""),
        status=base.status or d.get("2", ""), owner=base.owner or d.get("a", ""),
        holder=base.holder or d.get("b", ""), note=base.note or d.get("u", ""),
        location=d.get("v", ""), location_code=d.get("w", ""), section_label=d.get("x", ""),
        status_label=d.get("1", ""), type_label=d.get("e", ""),
        loanable=None if pret == "" else pret.strip() not in {"0", "n", "non"},
        deposit_date=d.get("m", ""), return_date=d.get("n", ""), has_dump=True,
        extra=base.extra,
        columns=tuple([(k.strip(), v) for c, val in s if c == "9"
                       for k, _, v in [val.partition(":")]]),
    )
    if index is None:
        items.append(merged)
    else:
        items[index] = merged


_Handler = Callable[[_Builder, MarcField, dict[str, str]], None]
_HANDLERS: dict[str, _Handler] = {
    "010": _identifier, "011": _identifier, "014": _identifier, "100": _processing,
    "101": _languages, "200": _title, "205": lambda b, f, d: b.edition.extend(_all(f.subfields, "a")),
    "210": _publication, "214": _publication, "215": _physical, "225": _series,
    "410": _series, "411": _series, "300": _note, "327": _note, "330": _note,
    "610": _keywords, "676": _indexing, "686": _indexing, "856": _link, "896": _thumbnail,
    "897": _document, "900": _custom, "995": _item, "996": _dump,
    **{tag: _serial_link for tag in LINK_TAGS},
    **{tag: _descriptor for tag in SUBJECT_TAGS},
    **{tag: _agent for tag in AGENT_TAGS},
}


def source_id_of(fields: tuple[MarcField, ...]) -> str:
    """The record's id in its source: 001, else the first 035$a (Kentika exports lack 001)."""
    return control(fields, "001").strip() or first_subfield(fields, "035", "a").strip()


def content_id(raw: bytes) -> str:
    """A stable id for a record that carries none: a digest of its exact bytes."""
    return "nokey-" + hashlib.blake2b(raw, digest_size=10).hexdigest()


def to_record(raw: RawRecord, source: str, source_id: str = "") -> tuple[Record, list[str]]:
    """Map decoded UNIMARC fields to a :class:`Record`; return it with mapping notes."""
    leader = raw.leader.ljust(24)
    notes: list[str] = []
    b = _Builder()
    for f in raw.fields:
        tag = f.tag
        if tag == "001":
            continue
        handler = _HANDLERS.get(tag)
        if handler is None:
            b.unmapped.append(f)
            continue
        d = _first(f.subfields)
        codes = _CODES[tag]
        if (codes and d.keys().isdisjoint(codes)) or (tag in _EMBEDDING_TAGS and "1" in d):
            b.unmapped.append(f)  # nothing the model names, or BnF-style embedded fields
            continue
        handler(b, f, d)
    for dump in b.dumps:
        _merge_dump(b.items, dump)
    if b.title is None:
        notes.append("no title (field 200)")
    if leader[6] not in DOC_TYPES:
        notes.append(f"unknown document type {leader[6]!r} in leader/06")
    record = Record(
        source=source, source_id=source_id or source_id_of(raw.fields),
        title=b.title or Title(main=""), doc_type=leader[6], bib_level=leader[7],
        hier_level=leader[8], record_status=leader[5], encoding_level=leader[17],
        cataloguing_form=leader[18], marc_flavour="unimarc", created=b.created,
        processing_data=b.processing, agents=tuple(b.agents), edition=tuple(b.edition),
        publications=tuple(b.pubs), physical=tuple(b.physical), series=tuple(b.series),
        serial_links=tuple(b.links_4xx), general_notes=tuple(b.notes["300"]),
        contents_notes=tuple(b.notes["327"]), abstracts=tuple(b.notes["330"]),
        languages=tuple(b.languages), original_languages=tuple(b.originals),
        identifiers=tuple(b.identifiers), descriptors=tuple(b.descriptors),
        keywords=tuple(b.keywords), indexing=tuple(b.indexing), links=tuple(b.links),
        documents=tuple(b.documents), thumbnail=b.thumbnail, custom_fields=tuple(b.custom),
        items=tuple(b.items), unmapped=tuple(b.unmapped),
    )
    return record, notes


def parsed_from_raw(raw: RawRecord, source: str) -> Parsed:
    """Map one decoded record; a record without any id gets a content-derived one."""
    sid = source_id_of(raw.fields)
    record, notes = to_record(raw, source, sid or content_id(raw.raw))
    if not sid:
        notes.append(
            f"no 001 nor 035$a: identified as {record.source_id}, a digest of its bytes "
            "(a changed copy of it will count as a new record)"
        )
    return Parsed(
        position=raw.position, offset=raw.offset, raw=raw.raw, record=record,
        warnings=raw.warnings + tuple(notes), source_id=record.source_id,
        deleted=raw.leader[5:6] == "d", charset=raw.charset,
    )


def read(
    stream: BinaryIO, source: str, encoding: str = "auto", flavour: str = "unimarc"
) -> Iterator[Parsed]:
    """Read a UNIMARC ISO 2709 stream, one :class:`Parsed` per record, never raising per record."""
    for item in iso2709.iter_records(stream, flavour, encoding):
        if isinstance(item, tuple):
            position, offset, raw, reason = item
            yield Parsed(position=position, offset=offset, raw=raw, error=reason)
            continue
        yield parsed_from_raw(item, source)
