"""UNIMARC as PMB writes it: fields <-> :class:`Record`, and ISO 2709 in and out.

The mapping follows PMB's ``admin/convert/export.class.php`` (anchors doc, table 2.4):
PMB's repeated ``$9 key:value`` subfields carry authority ids, thesaurus ids and link
types. Fields the model does not map are kept in ``Record.unmapped`` so a UNIMARC export
of an imported record loses nothing but what the model normalises.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

import pymarc

from catalogue.formats import iso2709
from catalogue.formats.base import Parsed, RawRecord, control, first_subfield
from catalogue.formats.charsets import encode
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

#: 100$a/26-29 as written for each output character set.
CHARSET_CODES = {"utf-8": "50  ", "iso-5426": "0103"}
SUBJECT_TAGS = frozenset({"600", "601", "602", "604", "605", "606", "607", "608"})
AGENT_TAGS = frozenset({"700", "701", "702", "710", "711", "712"})
LINK_TAGS = frozenset({"461", "462", "463", "464"})
#: Subfields that carry what the model keeps, per tag: a field with none of them (say a
#: 225 holding only $z) is kept verbatim in ``unmapped`` rather than mapped to nothing.
_CODES = {
    "010": "az", "011": "azy", "014": "azy", "100": "a", "101": "ac", "200": "acdefghi",
    "205": "a", "210": "acdz9", "214": "acdz9", "215": "acde", "225": "aivx9", "410": "tvx039",
    "411": "tvx039", "300": "a", "327": "a", "330": "a", "610": "a", "676": "alv9",
    "686": "alv9", "856": "u", "896": "a", "897": "abfst", "900": "alntc", "995": "acfkoqru",
    **{tag: "txvd09" for tag in ("461", "462", "463", "464")},
    **{tag: "axyzj239" for tag in ("600", "601", "602", "604", "605", "606", "607", "608")},
    **{tag: "abcdef349" for tag in ("700", "701", "702", "710", "711", "712")},
}


def _meaningful(f: MarcField) -> bool:
    codes = _CODES.get(f.tag)
    return codes is None or any(c in codes and v != "" for c, v in f.subfields)


_MAPPED = frozenset(
    {"001", "010", "011", "014", "100", "101", "200", "205", "210", "214", "215", "225"}
    | {"300", "327", "330", "410", "411", "610", "676", "686", "856", "896", "897", "900"}
    | {"995", "996"}
    | SUBJECT_TAGS
    | AGENT_TAGS
    | LINK_TAGS
)


def _all(pairs: Pairs, code: str) -> tuple[str, ...]:
    return tuple(v for c, v in pairs if c == code and v)


def _one(pairs: Pairs, code: str) -> str:
    for c, v in pairs:
        if c == code:
            return v
    return ""


def _nine(pairs: Pairs) -> dict[str, str]:
    """PMB's ``$9 key:value`` subfields as a dict (first value of each key wins)."""
    out: dict[str, str] = {}
    for c, v in pairs:
        if c == "9" and ":" in v:
            key, _, value = v.partition(":")
            out.setdefault(key.strip(), value.strip())
    return out


def _nine_pairs(**values: str) -> Pairs:
    return tuple(("9", f"{k}:{v}") for k, v in values.items() if v)


# --- reading ---------------------------------------------------------------------------


_ITEM_CODES = frozenset("acfkoqru")


def _has_item_data(f: MarcField) -> bool:
    return any(c in _ITEM_CODES and v for c, v in f.subfields)


def _items(fields: Iterable[MarcField]) -> tuple[Item, ...]:
    items: list[Item] = []
    dumps: list[Pairs] = []
    for f in fields:
        if f.tag == "995" and _has_item_data(f):
            s = f.subfields
            items.append(
                Item(
                    barcode=_one(s, "f"),
                    call_number=_one(s, "k"),
                    item_type=_one(s, "r"),
                    section=_one(s, "q"),
                    status=_one(s, "o"),
                    owner=_one(s, "a"),
                    holder=_one(s, "c"),
                    note=_one(s, "u"),
                    extra=tuple((c, v) for c, v in s if c not in _ITEM_CODES and v),
                )
            )
        elif f.tag == "996":
            dumps.append(f.subfields)
    for s in dumps:
        barcode = _one(s, "f")
        index = next((i for i, it in enumerate(items) if barcode and it.barcode == barcode), None)
        base = items[index] if index is not None else Item()
        pret = _one(s, "3")
        merged = Item(
            barcode=base.barcode or barcode,
            call_number=base.call_number or _one(s, "k"),
            item_type=base.item_type or _one(s, "r"),
            section=base.section or _one(s, "y"),
            status=base.status or _one(s, "2"),
            owner=base.owner or _one(s, "a"),
            holder=base.holder or _one(s, "b"),
            note=base.note or _one(s, "u"),
            location=_one(s, "v"),
            location_code=_one(s, "w"),
            section_label=_one(s, "x"),
            status_label=_one(s, "1"),
            type_label=_one(s, "e"),
            loanable=None if pret == "" else pret.strip() not in {"0", "n", "non"},
            deposit_date=_one(s, "m"),
            return_date=_one(s, "n"),
            has_dump=True,
            extra=base.extra,
            columns=tuple(
                (k.strip(), v) for c, val in s if c == "9" for k, _, v in [val.partition(":")]
            ),
        )
        if index is None:
            items.append(merged)
        else:
            items[index] = merged
    return tuple(items)


def _identifier(f: MarcField) -> Identifier | None:
    s = f.subfields
    scheme = {"010": "isbn", "011": "issn"}.get(f.tag, "")
    if f.tag == "014":
        scheme = (_one(s, "b") or _one(s, "2") or "doi").lower()
    value, invalid = _one(s, "a"), False
    if not value:
        value, invalid = _one(s, "z") or _one(s, "y"), True
    if not value:
        return None
    return Identifier(
        scheme=scheme, value=value, qualifier=_one(s, "b") if f.tag != "014" else "",
        price=_one(s, "d"), invalid=invalid,
    )


def _agent(f: MarcField) -> Agent:
    s = f.subfields
    return Agent(
        name=_one(s, "a"),
        kind="corporate" if f.tag.startswith("71") else "person",
        level=int(f.tag[2]),
        rest=_one(s, "b"),
        additions=_all(s, "c"),
        numbering=_one(s, "d"),
        place=_one(s, "e"),
        dates=_one(s, "f"),
        roles=_all(s, "4"),
        authority_id=_one(s, "3") or _nine(s).get("id", ""),
        indicators=f.indicators,
    )


def _descriptor(f: MarcField) -> Descriptor:
    s = f.subfields
    nine = _nine(s)
    label = _one(s, "a")
    if f.tag == "600" and _one(s, "b"):
        label = f"{label}, {_one(s, 'b')}"
    return Descriptor(
        label=label,
        tag=f.tag,
        authority_id=nine.get("id", "") or _one(s, "3"),
        thesaurus_id=nine.get("idthes", ""),
        lang=nine.get("lang", ""),
        uri=nine.get("uri", ""),
        subdivisions=tuple((c, v) for c, v in s if c in "xyzj"),
        system=_one(s, "2"),
    )


def _serial_link(f: MarcField) -> SerialLink:
    s = f.subfields
    nine = _nine(s)
    return SerialLink(
        tag=f.tag,
        title=_one(s, "t"),
        issn=_one(s, "x"),
        number=_one(s, "v"),
        date=_one(s, "d"),
        target_id=_one(s, "0") or nine.get("id", ""),
        link_type=nine.get("lnk", ""),
        page=nine.get("page", ""),
    )


def _series(f: MarcField) -> Series:
    s = f.subfields
    title_code = "a" if f.tag == "225" else "t"
    return Series(
        tag=f.tag,
        title=_one(s, title_code),
        number=_one(s, "v"),
        issn=_one(s, "x"),
        part_title=_one(s, "i"),
        authority_id=_nine(s).get("id", "") or _one(s, "0") or _one(s, "3"),
    )


def _embedded(f: MarcField) -> bool:
    """4XX link fields with embedded fields ($1, BnF style) are kept verbatim."""
    return any(c == "1" for c, _ in f.subfields)


def source_id_of(fields: tuple[MarcField, ...]) -> str:
    """The record's id in its source: 001, else the first 035$a (Kentika exports lack 001)."""
    return control(fields, "001").strip() or first_subfield(fields, "035", "a").strip()


def content_id(raw: bytes) -> str:
    """A stable id for a record that carries none: a digest of its exact bytes."""
    return "nokey-" + hashlib.blake2b(raw, digest_size=10).hexdigest()


def to_record(raw: RawRecord, source: str, source_id: str = "") -> tuple[Record, list[str]]:
    """Map decoded UNIMARC fields to a :class:`Record`; return it with mapping notes."""
    fields = raw.fields
    leader = raw.leader.ljust(24)
    notes: list[str] = []
    sid = source_id or source_id_of(fields)
    title: Title | None = None
    agents, pubs, physical, series, links_4xx = [], [], [], [], []
    identifiers, descriptors, indexing, links = [], [], [], []
    keywords: list[str] = []
    documents, custom, unmapped = [], [], []
    edition: list[str] = []
    notes300: list[str] = []
    notes327: list[str] = []
    notes330: list[str] = []
    languages: list[str] = []
    originals: list[str] = []
    created = processing = thumbnail = ""
    for f in fields:
        tag, s = f.tag, f.subfields
        if (tag not in _MAPPED or not _meaningful(f)
                or (tag in {"410", "411"} | LINK_TAGS and _embedded(f))):
            unmapped.append(f)
        elif tag in {"001", "995", "996"}:
            continue  # the id is read above, items below
        elif tag in {"010", "011", "014"}:
            ident = _identifier(f)
            if ident is not None:
                identifiers.append(ident)
        elif tag == "100":
            value = _one(s, "a")
            if processing or not value:
                unmapped.append(f)
                continue
            if value[:8].isdigit():
                created = value[:8]
            processing = value[:26] + "50  " + value[30:] if len(value) >= 30 else value
        elif tag == "101":
            languages.extend(_all(s, "a"))
            originals.extend(_all(s, "c"))
        elif tag == "200":
            if title is not None:
                unmapped.append(f)
                continue
            title = Title(
                main=" ; ".join(_all(s, "a")),
                subtitle=_all(s, "e"),
                other_author=_all(s, "c"),
                parallel=_all(s, "d"),
                responsibility=_all(s, "f") + _all(s, "g"),
                part_number=_all(s, "h"),
                part_name=_all(s, "i"),
            )
        elif tag == "205":
            edition.extend(_all(s, "a"))
        elif tag in {"210", "214"}:
            pubs.append(
                Publication(
                    tag=tag, places=_all(s, "a"), publishers=_all(s, "c"), dates=_all(s, "d"),
                    country=_one(s, "z"), authority_id=_nine(s).get("id", ""),
                )
            )
        elif tag == "215":
            physical.append(
                Physical(extent=_one(s, "a"), illustrations=_one(s, "c"),
                         dimensions=_one(s, "d"), accompanying=_one(s, "e"))
            )
        elif tag in {"225", "410", "411"}:
            series.append(_series(f))
        elif tag in LINK_TAGS:
            links_4xx.append(_serial_link(f))
        elif tag == "300":
            notes300.append(" ".join(_all(s, "a")))
        elif tag == "327":
            notes327.append(" ; ".join(_all(s, "a")))
        elif tag == "330":
            notes330.append(" ".join(_all(s, "a")))
        elif tag in SUBJECT_TAGS:
            descriptors.append(_descriptor(f))
        elif tag == "610":
            # PMB stores free keywords as one string joined by its separator (" ; ").
            keywords.extend(k.strip() for v in _all(s, "a") for k in v.split(";") if k.strip())
        elif tag in {"676", "686"}:
            indexing.append(
                Indexing(code=_one(s, "a"), label=_one(s, "l"), tag=tag,
                         authority_id=_nine(s).get("id", ""), edition=_one(s, "v"))
            )
        elif tag in AGENT_TAGS:
            agents.append(_agent(f))
        elif tag == "856":
            for url in _all(s, "u"):
                links.append(Link(url=url, format=_one(s, "q"), note=_one(s, "z")))
        elif tag == "896":
            if thumbnail:
                unmapped.append(f)
            thumbnail = thumbnail or _one(s, "a")
        elif tag == "897":
            documents.append(
                AttachedDocument(url=_one(s, "a"), name=_one(s, "b"), filename=_one(s, "f"),
                                 status=_one(s, "s"), mime=_one(s, "t"))
            )
        elif tag == "900":
            custom.append(
                CustomField(name=_one(s, "n"), value=_one(s, "a"), label=_one(s, "l"),
                            type=_one(s, "t"), raw=_one(s, "c"))
            )
    if title is None:
        notes.append("no title (field 200)")
        title = Title(main="")
    if leader[6] not in DOC_TYPES:
        notes.append(f"unknown document type {leader[6]!r} in leader/06")
    record = Record(
        source=source,
        source_id=sid,
        title=title,
        doc_type=leader[6],
        bib_level=leader[7],
        hier_level=leader[8],
        record_status=leader[5],
        encoding_level=leader[17],
        cataloguing_form=leader[18],
        marc_flavour="unimarc",
        created=created,
        processing_data=processing,
        agents=tuple(agents),
        edition=tuple(edition),
        publications=tuple(pubs),
        physical=tuple(physical),
        series=tuple(series),
        serial_links=tuple(links_4xx),
        general_notes=tuple(notes300),
        contents_notes=tuple(notes327),
        abstracts=tuple(notes330),
        languages=tuple(languages),
        original_languages=tuple(originals),
        identifiers=tuple(identifiers),
        descriptors=tuple(descriptors),
        keywords=tuple(keywords),
        indexing=tuple(indexing),
        links=tuple(links),
        documents=tuple(documents),
        thumbnail=thumbnail,
        custom_fields=tuple(custom),
        items=_items(fields),
        unmapped=tuple(unmapped),
    )
    return record, notes


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


def parsed_from_raw(raw: RawRecord, source: str) -> Parsed:
    """Map one decoded record; a record without any id gets a content-derived one."""
    record, notes = to_record(raw, source, content_id(raw.raw) if not source_id_of(raw.fields) else "")
    if not source_id_of(raw.fields):
        notes.append(
            f"no 001 nor 035$a: identified as {record.source_id}, a digest of its bytes "
            "(a changed copy of it will count as a new record)"
        )
    return Parsed(
        position=raw.position, offset=raw.offset, raw=raw.raw, record=record,
        warnings=raw.warnings + tuple(notes), source_id=record.source_id,
        deleted=raw.leader[5:6] == "d", charset=raw.charset,
    )


# --- writing ---------------------------------------------------------------------------


def _df(tag: str, pairs: Iterable[tuple[str, str]], indicators: str = "  ") -> MarcField | None:
    kept = tuple((c, v) for c, v in pairs if v)
    return MarcField(tag=tag, indicators=indicators, subfields=kept) if kept else None


def _item_fields(item: Item) -> list[MarcField | None]:
    out = [
        _df("995", [("a", item.owner), ("c", item.holder), ("f", item.barcode),
                    ("k", item.call_number), ("u", item.note), ("o", item.status),
                    ("r", item.item_type), ("q", item.section), *item.extra]),
    ]
    if item.has_dump:
        loan = "" if item.loanable is None else ("1" if item.loanable else "0")
        pairs = [("f", item.barcode), ("k", item.call_number), ("u", item.note),
                 ("m", item.deposit_date), ("n", item.return_date), ("a", item.owner),
                 ("b", item.holder), ("v", item.location), ("w", item.location_code),
                 ("x", item.section_label), ("y", item.section), ("e", item.type_label),
                 ("r", item.item_type), ("1", item.status_label), ("2", item.status),
                 ("3", loan)]
        pairs += [("9", f"{k}:{v}") for k, v in item.columns]
        out.append(MarcField(tag="996", subfields=tuple((c, v) for c, v in pairs if v)))
    return out


def to_fields(record: Record, charset: str = "utf-8") -> tuple[str, list[MarcField]]:
    """The leader (lengths zeroed) and fields, in tag order, that represent ``record``."""
    leader = (
        f"00000{record.record_status}{record.doc_type}{record.bib_level}{record.hier_level}"
        f" 22     {record.encoding_level}{record.cataloguing_form} 450 "
    )
    t = record.title
    out: list[MarcField | None] = [MarcField(tag="001", data=record.source_id)]
    for ident in record.identifiers:
        tag = {"isbn": "010", "issn": "011"}.get(ident.scheme, "014")
        code = "z" if ident.invalid else "a"
        qualifier = ident.qualifier if tag != "014" else ident.scheme.upper()
        out.append(_df(tag, [(code, ident.value), ("b", qualifier), ("d", ident.price)]))
    if record.processing_data:
        value = record.processing_data
        if len(value) >= 30:
            value = value[:26] + CHARSET_CODES.get(charset, "50  ") + value[30:]
        out.append(_df("100", [("a", value)]))
    if record.languages or record.original_languages:
        out.append(_df("101", [("a", v) for v in record.languages]
                       + [("c", v) for v in record.original_languages],
                       "1 " if record.original_languages else "0 "))
    title_pairs = ([("a", t.main)] + [("c", v) for v in t.other_author]
                   + [("d", v) for v in t.parallel] + [("e", v) for v in t.subtitle]
                   + [("f", v) for v in t.responsibility] + [("h", v) for v in t.part_number]
                   + [("i", v) for v in t.part_name])
    out.append(_df("200", title_pairs, "1 "))
    out += [_df("205", [("a", v)]) for v in record.edition]
    for p in record.publications:
        out.append(_df(p.tag, [("a", v) for v in p.places] + [("c", v) for v in p.publishers]
                       + [("d", v) for v in p.dates] + [("z", p.country)]
                       + list(_nine_pairs(id=p.authority_id))))
    for ph in record.physical:
        out.append(_df("215", [("a", ph.extent), ("c", ph.illustrations),
                               ("d", ph.dimensions), ("e", ph.accompanying)]))
    series = {tag: [se for se in record.series if (se.tag == "225") == (tag == "225")]
              for tag in ("225", "4xx")}
    out += [_series_field(se) for se in series["225"]]
    out += [_df("300", [("a", v)]) for v in record.general_notes]
    out += [_df("327", [("a", v)], "1 ") for v in record.contents_notes]
    out += [_df("330", [("a", v)]) for v in record.abstracts]
    out += [_series_field(se) for se in series["4xx"]]
    for ln in record.serial_links:
        out.append(_df(ln.tag, [("t", ln.title), ("x", ln.issn), ("v", ln.number), ("d", ln.date),
                                ("0", ln.target_id if ln.link_type == "" and ln.page == "" else "")]
                       + list(_nine_pairs(id=ln.target_id if ln.link_type or ln.page else "",
                                          lnk=ln.link_type, page=ln.page))))
    for d in record.descriptors:
        out.append(_df(d.tag, [("a", d.label), *d.subdivisions, ("2", d.system)]
                       + list(_nine_pairs(id=d.authority_id, lang=d.lang,
                                          idthes=d.thesaurus_id, uri=d.uri))))
    if record.keywords:
        out.append(_df("610", [("a", v) for v in record.keywords]))
    for ix in record.indexing:
        out.append(_df(ix.tag, [("a", ix.code), ("v", ix.edition), ("l", ix.label)]
                       + list(_nine_pairs(id=ix.authority_id))))
    for ag in record.agents:
        tag = ("71" if ag.kind == "corporate" else "70") + str(ag.level)
        out.append(_df(tag, [("a", ag.name), ("b", ag.rest)] + [("c", v) for v in ag.additions]
                       + [("d", ag.numbering), ("e", ag.place), ("f", ag.dates)]
                       + [("4", v) for v in ag.roles] + [("3", ag.authority_id)],
                       ag.indicators))
    for lk in record.links:
        out.append(_df("856", [("u", lk.url), ("q", lk.format), ("z", lk.note)], "4 "))
    if record.thumbnail:
        out.append(_df("896", [("a", record.thumbnail)]))
    for doc in record.documents:
        out.append(_df("897", [("a", doc.url), ("b", doc.name), ("f", doc.filename),
                               ("s", doc.status), ("t", doc.mime)]))
    for cf in record.custom_fields:
        out.append(_df("900", [("a", cf.value), ("l", cf.label), ("n", cf.name),
                               ("t", cf.type), ("c", cf.raw)]))
    for item in record.items:
        out += _item_fields(item)
    mapped = [f for f in out if f is not None]
    extra = list(record.unmapped) if record.marc_flavour == "unimarc" else []
    return leader, _merge(mapped, extra)


def _merge(mapped: list[MarcField], extra: list[MarcField]) -> list[MarcField]:
    """Slot unmapped fields in by tag without reordering either list.

    Order inside the model's tuples is the source's order (a 214 may precede a 210), so
    the mapped fields are never sorted: a re-read gives the same tuples back.
    """
    merged: list[MarcField] = []
    i = j = 0
    while i < len(mapped) and j < len(extra):
        if extra[j].tag < mapped[i].tag:
            merged.append(extra[j])
            j += 1
        else:
            merged.append(mapped[i])
            i += 1
    return merged + mapped[i:] + extra[j:]


def _series_field(se: Series) -> MarcField | None:
    title_code = "a" if se.tag == "225" else "t"
    return _df(se.tag, [(title_code, se.title), ("i", se.part_title), ("v", se.number),
                        ("x", se.issn)] + list(_nine_pairs(id=se.authority_id)))


def to_iso2709(record: Record, charset: str = "utf-8") -> bytes:
    """Serialise ``record`` as a UNIMARC ISO 2709 record in UTF-8 or ISO 5426.

    Leader/09 stays blank, as UNIMARC wants; the character set is declared in 100$a/26-29.
    """
    leader, fields = to_fields(record, charset)
    return fields_to_iso2709(leader, fields, charset)


def fields_to_iso2709(leader: str, fields: Iterable[MarcField], charset: str) -> bytes:
    """ISO 2709 bytes for a leader and decoded fields, encoded in ``charset``."""
    # pymarc's RawField carries bytes where its hints say str: we hand it pre-encoded
    # data so that the character set is ours (ISO 5426 included), not pymarc's.
    raw: list[Any] = []
    for f in fields:
        if f.data is not None:
            raw.append(pymarc.RawField(tag=f.tag, data=cast(Any, encode(f.data, charset))))
        else:
            raw.append(
                pymarc.RawField(
                    tag=f.tag,
                    indicators=pymarc.Indicators(f.indicators[0], f.indicators[1]),
                    subfields=[pymarc.Subfield(c, cast(Any, encode(v, charset)))
                               for c, v in f.subfields],
                )
            )
    out = pymarc.Record(to_unicode=False, leader=leader, fields=raw)
    data: bytes = out.as_marc()
    return data
