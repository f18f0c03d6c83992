"""Record -> UNIMARC fields -> ISO 2709 (UTF-8 or ISO 5426), as PMB can re-import it.

Leader/09 stays blank, as UNIMARC wants; the character set is declared in 100$a/26-29.
Fields come out in the order the model keeps them (the source's order within each kind),
with unmapped fields slotted in by tag, so that reading the output gives back an equal
Record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import pymarc

from catalogue.formats.charsets import encode
from catalogue.records import Item, MarcField, Pairs, Record, Series

#: 100$a/26-29 as written for each output character set.
CHARSET_CODES = {"utf-8": "50  ", "iso-5426": "0103"}


def _nine_pairs(**values: str) -> Pairs:
    return tuple(("9", f"{k}:{v}") for k, v in values.items() if v)


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
                       + [("d", v) for v in p.dates] + [("e", v) for v in p.manufacture_places]
                       + [("g", v) for v in p.manufacturers]
                       + [("h", v) for v in p.manufacture_dates] + [("z", p.country)]
                       + list(_nine_pairs(id=p.authority_id)) + list(p.extra), p.indicators))
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
                                ("e", ln.mention),
                                ("0", ln.target_id if ln.link_type == "" and ln.page == "" else "")]
                       + list(_nine_pairs(id=ln.target_id if ln.link_type or ln.page else "",
                                          lnk=ln.link_type, page=ln.page)) + list(ln.extra)))
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
        out.append(_df(tag, [("a", ag.name), ("b", ag.rest)] + [("b", v) for v in ag.units]
                       + [("c", v) for v in ag.additions]
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
