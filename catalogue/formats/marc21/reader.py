"""MARC 21 fields -> :class:`Record` (leader values, relators and subdivisions translated)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from catalogue.formats import iso2709
from catalogue.formats.base import Parsed, RawRecord
from catalogue.formats.marc21.codes import (
    _BIB_LEVEL_IN,
    _FORM_IN,
    _HEADING,
    _LEVEL_IN,
    _STANDARD_IDS,
    _STATUS_IN,
    _THESAURI,
    DOC_TYPE_IN,
    KOHA_COLUMNS,
    RELATOR_CODES,
    RELATOR_TERMS,
    SECONDARY_ROLES,
    SUBDIVISION_IN,
    SUBJECT_IN,
)
from catalogue.formats.marc21.fields import (
    _ISBN_HEAD,
    _all,
    _dedup,
    _joined,
    _one,
    _prepare,
    _unparen,
    clean,
)
from catalogue.formats.unimarc import content_id, source_id_of
from catalogue.records import (
    Agent,
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

# --- reading ----------------------------------------------------------------------------


def _language_of_008(data: str) -> str:
    code = data[35:38].lower() if len(data) >= 38 else ""
    return code if re.fullmatch("[a-z]{3}", code) else ""


def _codes(values: Iterable[str]) -> list[str]:
    """Language codes, splitting the old practice of codes run together ("engfre")."""
    out: list[str] = []
    for value in values:
        value = value.strip().lower()
        if len(value) > 3 and len(value) % 3 == 0 and value.isalpha():
            out += [value[i : i + 3] for i in range(0, len(value), 3)]
        elif value:
            out.append(value)
    return out


def _created(data: str) -> str:
    """008/00-05 (date entered, YYMMDD) as YYYYMMDD; MARC began in 1968."""
    stamp = data[:6]
    if not stamp.isdigit() or not ("01" <= stamp[2:4] <= "12" and "01" <= stamp[4:6] <= "31"):
        return ""
    return ("19" if stamp[:2] >= "68" else "20") + stamp


def _isbn(value: str) -> tuple[str, str]:
    """Split a 020 number from the qualifier that older records put after it."""
    match = _ISBN_HEAD.match(value)
    if not match:
        return value.strip(), ""
    return match.group(1), _qualifier(match.group(2))


def _qualifier(value: str) -> str:
    result = clean(value)
    while result.startswith("(") and result.endswith(")"):
        result = clean(result[1:-1])
    return result


def _identifiers(f: MarcField) -> list[Identifier]:
    s = f.subfields
    if f.tag == "020":
        scheme = "isbn"
    elif f.tag == "022":
        scheme = "issn"
    else:
        ind = f.indicators[0]
        source = _one(s, "2", fix=False).lower() if ind == "7" else ""
        scheme = _STANDARD_IDS.get(ind, "") or source
    invalid_codes = "yz" if f.tag == "022" else "z"
    numbers = [(v, c != "a") for c, v in s if (c == "a" or c in invalid_codes) and v.strip()]
    qualifiers = [_qualifier(v) for c, v in s if c == "q"] if f.tag != "022" else []
    price = _one(s, "c", fix=False) if f.tag != "022" else ""
    out: list[Identifier] = []
    for n, (value, invalid) in enumerate(numbers):
        qualifier = ""
        if f.tag == "020":
            value, qualifier = _isbn(value)
        parts = [qualifier, *qualifiers] if n == 0 else [qualifier]
        out.append(Identifier(scheme=scheme, value=value.strip(), invalid=invalid,
                              qualifier=" ; ".join(p for p in parts if p),
                              price=price if n == 0 else ""))
    return out


def _roles(pairs: Pairs, term_codes: str) -> tuple[str, ...]:
    roles: list[str] = []
    for code, value in pairs:
        if code != "4" and code not in term_codes:
            continue
        role = clean(value)
        key = role.lower().rstrip(".")
        if code == "4" and re.fullmatch(r"\d{3}", key):
            roles.append(key)
        elif code == "4":
            roles.append(RELATOR_CODES.get(key) or RELATOR_TERMS.get(key) or role)
        else:
            roles.append(RELATOR_TERMS.get(key) or RELATOR_CODES.get(key) or role)
    return _dedup(roles)


def _agent(f: MarcField) -> Agent:
    """A 1XX/7XX name; indicators are kept in UNIMARC's order (71X ind1 '1': meeting)."""
    s = f.subfields
    meeting = f.tag[1:] == "11"
    roles = _roles(s, "j" if meeting else "e")
    level = 0
    if f.tag[0] == "7":
        level = 2 if roles and all(r in SECONDARY_ROLES for r in roles) else 1
    authority = _one(s, "0", fix=False)
    if f.tag[1:] == "00":
        name, _, rest = clean(_joined(s, "a"), name=True).partition(",")
        return Agent(name=name.strip(), rest=rest.strip(), level=level, numbering=_one(s, "b"),
                     additions=_all(s, "c"), dates=_one(s, "d"), roles=roles,
                     authority_id=authority, indicators=" " + f.indicators[0])
    units = _all(s, "e" if meeting else "b")
    return Agent(name=_one(s, "a"), kind="corporate", level=level,
                 rest=units[0] if units else "", units=tuple(units[1:]),
                 numbering=_unparen(_joined(s, "n")), place=_unparen(_joined(s, "c")),
                 dates=_unparen(_joined(s, "d")), roles=roles, authority_id=authority,
                 indicators=("1" if meeting else "0") + f.indicators[0])


def _descriptor(f: MarcField) -> Descriptor:
    s = f.subfields
    ind = f.indicators[1]
    system = _one(s, "2", fix=False) if ind == "7" else _THESAURI.get(ind, "")
    ids = [v.strip() for c, v in s if c == "0" and v.strip()]
    uris = [v for v in ids + list(_all(s, "1", False)) if v.startswith(("http://", "https://"))]
    return Descriptor(
        label=clean(_joined(s, _HEADING[f.tag])),
        tag=SUBJECT_IN[f.tag],
        authority_id=next((v for v in ids if v not in uris), ""),
        uri=uris[0] if uris else "",
        subdivisions=tuple((SUBDIVISION_IN[c], clean(v)) for c, v in s
                           if c in SUBDIVISION_IN and clean(v)),
        system=system,
    )


def _item(f: MarcField) -> Item:
    s = f.subfields
    if f.tag == "852":
        return Item(barcode=_one(s, "p", False), call_number=_joined(s, "khim") or _joined(s, "j"),
                    owner=_one(s, "a", False), holder=_one(s, "b", False),
                    location=_one(s, "c", False), note=_one(s, "z", False))
    status = _one(s, "7", False)
    return Item(
        barcode=_one(s, "p", False), call_number=_one(s, "o", False),
        item_type=_one(s, "y", False), owner=_one(s, "a", False), holder=_one(s, "b", False),
        location=_one(s, "c", False), section=_one(s, "8", False), note=_one(s, "z", False),
        status=status, loanable=None if not status else status == "0",
        columns=tuple((KOHA_COLUMNS.get(c, c), v.strip()) for c, v in s
                      if c not in "abcopyz78" and v.strip()),
    )


def _series(f: MarcField) -> Series:
    s = f.subfields
    titles = _all(s, "a")
    return Series(
        tag="410" if f.tag == "830" else "225",
        title=titles[0] if titles else "",
        part_title=titles[1] if len(titles) > 1 and f.tag != "830" else "",
        number=_one(s, "v"), issn=_one(s, "x", False),
        authority_id=_one(s, "0", False) if f.tag == "830" else "",
    )


_EMPTY = (Title(main=""), Publication(), Physical(), Series(tag="225", title=""),
          Series(tag="410", title=""),
          SerialLink(tag="463"), Item())


def _is_empty(obj: object) -> bool:
    if isinstance(obj, Descriptor):
        return not obj.label and not obj.subdivisions
    if isinstance(obj, Agent):
        return obj == Agent(name="", kind=obj.kind, level=obj.level, indicators=obj.indicators)
    return obj in _EMPTY


def to_record(raw: RawRecord, source: str, source_id: str = "") -> tuple[Record, list[str]]:
    """Map decoded MARC 21 fields to a :class:`Record`; return it with mapping notes."""
    notes: list[str] = []
    fields = _prepare(raw.fields, notes)
    leader = raw.leader.ljust(24)[:24]
    title: Title | None = None
    agents_main: list[Agent] = []
    agents: list[Agent] = []
    identifiers: list[Identifier] = []
    descriptors: list[Descriptor] = []
    pubs: list[Publication] = []
    physical: list[Physical] = []
    series: list[Series] = []
    links: list[Link] = []
    serial_links: list[SerialLink] = []
    indexing: list[Indexing] = []
    items: list[Item] = []
    unmapped: list[MarcField] = []
    keywords: list[str] = []
    parallel: list[str] = []
    edition: list[str] = []
    general: list[str] = []
    contents: list[str] = []
    abstracts: list[str] = []
    lang041: list[str] = []
    originals: list[str] = []
    lang008 = created = sid = ""
    seen008 = False
    for f in fields:
        tag, s = f.tag, f.subfields
        mapped: object = None
        if f.data is not None:
            if tag == "001" and not sid:
                sid = f.data.strip()
                continue
            if tag == "008" and not seen008:
                seen008 = True
                lang008, created = _language_of_008(f.data), _created(f.data)
            unmapped.append(f)
            continue
        if tag in {"020", "022", "024"}:
            found = _identifiers(f) if tag != "024" or f.indicators[0] in "012347 8" else []
            identifiers += found
            mapped = found or None
        elif tag == "041":
            lang041 += _codes(v for c, v in s if c == "a")
            originals += _codes(v for c, v in s if c == "h")
            mapped = s if any(c in "ah" and v.strip() for c, v in s) else None
        elif tag == "082":
            found_ix = [Indexing(code=v, tag="676", edition=_one(s, "2", False))
                        for v in _all(s, "a", False)]
            indexing += found_ix
            mapped = found_ix or None
        elif tag in {"100", "110", "111", "700", "710", "711"}:
            agent = _agent(f)
            if not _is_empty(agent):
                (agents_main if tag[0] == "1" else agents).append(agent)
            mapped = agent
        elif tag == "245" and title is None:
            mapped = Title(main=" ; ".join(_all(s, "a")), subtitle=_all(s, "b"),
                           responsibility=_all(s, "c"), part_number=_all(s, "n"),
                           part_name=_all(s, "p"))
            if not _is_empty(mapped):
                title = mapped
        elif tag == "246":
            value = " : ".join(_all(s, "ab"))
            parallel += [value] if value else []
            mapped = value or None
        elif tag == "250":
            value = " / ".join(_all(s, "ab"))
            edition += [value] if value else []
            mapped = value or None
        elif tag == "260" or (tag == "264" and f.indicators[1] in "1 "):
            mapped = Publication(tag="210", places=_all(s, "a"), publishers=_all(s, "b"),
                                 dates=_all(s, "c"), manufacture_places=_all(s, "e"),
                                 manufacturers=_all(s, "f"), manufacture_dates=_all(s, "g"))
            pubs += [] if _is_empty(mapped) else [mapped]
        elif tag == "300":
            mapped = Physical(
                extent=" ; ".join(_all(s, "a")), illustrations=" ; ".join(_all(s, "b")),
                dimensions=" ; ".join(_all(s, "c")), accompanying=" ; ".join(_all(s, "e")))
            physical += [] if _is_empty(mapped) else [mapped]
        elif tag in {"440", "490", "830"}:
            mapped = _series(f)
            series += [] if _is_empty(mapped) else [mapped]
        elif tag in {"500", "505", "520"}:
            value = _joined(s, {"500": "a", "505": "agrt", "520": "ab"}[tag])
            notes_of_tag = {"500": general, "505": contents, "520": abstracts}[tag]
            notes_of_tag += [value] if value else []
            mapped = value or None
        elif tag in SUBJECT_IN:
            mapped = _descriptor(f)
            descriptors += [] if _is_empty(mapped) else [mapped]
        elif tag == "653":
            found_kw = _all(s, "a")
            keywords += found_kw
            mapped = found_kw or None
        elif tag == "773":
            mapped = SerialLink(tag="463", title=_one(s, "t"), issn=_one(s, "x", False),
                                number=_one(s, "g"), date=_one(s, "d"),
                                target_id=_one(s, "w", False))
            serial_links += [] if _is_empty(mapped) else [mapped]
        elif tag == "856":
            note = _one(s, "z", False) or _one(s, "y", False) or _one(s, "3", False)
            found_ln = [Link(url=u, format=_one(s, "q", False), note=note)
                        for u in _all(s, "u", False)]
            links += found_ln
            mapped = found_ln or None
        elif tag in {"852", "952"}:
            mapped = _item(f)
            items += [] if _is_empty(mapped) else [mapped]
        if mapped is None or _is_empty(mapped):
            unmapped.append(f)
    sid = source_id or sid or source_id_of(tuple(fields))
    if title is None:
        notes.append("no title (field 245)")
    doc_type = DOC_TYPE_IN.get(leader[6], leader[6] if leader[6].isalnum() else "a")
    if leader[6] not in DOC_TYPE_IN:
        notes.append(f"unknown document type {leader[6]!r} in leader/06, kept as {doc_type!r}")
    bib_level = _BIB_LEVEL_IN.get(leader[7], leader[7] if leader[7].isalnum() else "m")
    record = Record(
        source=source,
        source_id=sid,
        title=Title(main=title.main if title else "", subtitle=title.subtitle if title else (),
                    parallel=tuple(parallel), responsibility=title.responsibility if title else (),
                    part_number=title.part_number if title else (),
                    part_name=title.part_name if title else ()),
        doc_type=doc_type,
        bib_level=bib_level,
        hier_level="0",
        record_status=_STATUS_IN.get(leader[5], leader[5] if leader[5].isalnum() else "n"),
        encoding_level=_LEVEL_IN.get(leader[17], " "),
        cataloguing_form=_FORM_IN.get(leader[18], " "),
        marc_flavour="marc21",
        created=created,
        agents=tuple(agents_main + agents),
        edition=tuple(edition),
        publications=tuple(pubs),
        physical=tuple(physical),
        series=tuple(series),
        serial_links=tuple(serial_links),
        general_notes=tuple(general),
        contents_notes=tuple(contents),
        abstracts=tuple(abstracts),
        languages=_dedup([lang008, *lang041]),
        original_languages=_dedup(originals),
        identifiers=tuple(identifiers),
        descriptors=tuple(descriptors),
        keywords=tuple(keywords),
        indexing=tuple(indexing),
        links=tuple(links),
        items=tuple(items),
        unmapped=tuple(unmapped),
    )
    return record, notes


def parsed_from_raw(raw: RawRecord, source: str) -> Parsed:
    """Map one decoded record; a record without any id gets a content-derived one."""
    missing = not source_id_of(raw.fields)
    record, notes = to_record(raw, source, content_id(raw.raw) if missing else "")
    if missing:
        notes.append(
            f"no 001 nor 035$a: identified as {record.source_id}, a digest of its bytes "
            "(a changed copy of it will count as a new record)"
        )
    return Parsed(
        position=raw.position, offset=raw.offset, raw=raw.raw, record=record,
        warnings=raw.warnings + tuple(notes), source_id=record.source_id,
        deleted=raw.leader[5:6] == "d", charset=raw.charset,
    )


def read(stream: BinaryIO, source: str, encoding: str = "auto") -> Iterator[Parsed]:
    """Read a MARC 21 ISO 2709 stream, one :class:`Parsed` per record, never raising per record.

    The character set is leader/09 ('a': UTF-8, else MARC-8) unless ``encoding`` forces one.
    """
    for item in iso2709.iter_records(stream, "marc21", encoding):
        if isinstance(item, tuple):
            position, offset, raw, reason = item
            yield Parsed(position=position, offset=offset, raw=raw, error=reason)
            continue
        yield parsed_from_raw(item, source)


