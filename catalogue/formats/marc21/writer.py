"""Record -> MARC 21 fields -> ISO 2709 (UTF-8): what the OAI ``marcxml`` format exposes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from catalogue.formats.marc21.codes import (
    _ARTICLES,
    _BIB_LEVEL_OUT,
    _FORM_OUT,
    _KOHA_CODES,
    _LEVEL_OUT,
    _STANDARD_IND,
    _STATUS_OUT,
    _THESAURUS_IND,
    DOC_TYPE_OUT,
    RELATOR_OUT,
    SUBDIVISION_OUT,
    SUBJECT_OUT,
)
from catalogue.formats.marc21.fields import (
    _indicator,
    clean_field,
    order_key,
    text,
)
from catalogue.formats.marc21.reader import (
    _language_of_008,
)
from catalogue.formats.unimarc import fields_to_iso2709
from catalogue.records import (
    Agent,
    Descriptor,
    Identifier,
    Item,
    MarcField,
    Record,
)

# --- writing ----------------------------------------------------------------------------


def _df(tag: str, pairs: Iterable[tuple[str, str]], indicators: str = "  ") -> MarcField | None:
    kept = tuple((c, text(v)) for c, v in pairs if v)
    return MarcField(tag=tag, indicators=indicators, subfields=kept) if kept else None


def _leader(record: Record) -> str:
    def valid(char: str, default: str) -> str:
        return char if len(char) == 1 and char.isascii() and char.isalnum() else default

    status = valid(_STATUS_OUT.get(record.record_status, record.record_status), "n")
    doc_type = valid(DOC_TYPE_OUT.get(record.doc_type, record.doc_type), "a")
    level = valid(_BIB_LEVEL_OUT.get(record.bib_level, record.bib_level), "m")
    encoding = _LEVEL_OUT.get(record.encoding_level, " ")
    form = _FORM_OUT.get(record.cataloguing_form, "c")
    return f"00000{status}{doc_type}{level} a2200000{encoding}{form} 4500"


def _fixed_data(record: Record) -> str:
    """A 008 for a record that has none: dates, language, the rest 'no attempt to code'."""
    year = record.year()
    language = record.languages[0] if record.languages else ""
    created = record.created[2:8] if re.fullmatch(r"\d{8}", record.created) else "000000"
    return (f"{created}{'s' if year else 'n'}{year or 'uuuu'}    xx {'|' * 17}"
            f"{language if re.fullmatch('[a-z]{3}', language) else '|||'} d")


def _identifier_field(ident: Identifier) -> MarcField | None:
    code = "z" if ident.invalid else "a"
    if ident.scheme == "isbn":
        return _df("020", [(code, ident.value), ("q", ident.qualifier), ("c", ident.price)])
    if ident.scheme == "issn":
        return _df("022", [(code, ident.value)])
    ind = _STANDARD_IND.get(ident.scheme, "7" if ident.scheme else "8")
    return _df("024", [(code, ident.value), ("q", ident.qualifier), ("c", ident.price),
                       ("2", ident.scheme if ind == "7" else "")], ind + " ")


def _role_pairs(roles: Iterable[str], term_code: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for role in roles:
        if re.fullmatch(r"\d{3}", role):
            pairs.append(("4", RELATOR_OUT.get(role, role)))
        elif re.fullmatch("[a-z]{3}", role):
            pairs.append(("4", role))
        else:
            pairs.append((term_code, role))
    return pairs


def _agent_field(ag: Agent, main: bool, own: bool) -> MarcField | None:
    """One 1XX/7XX; ``own``: the record is MARC 21, its indicators are kept as read."""
    if ag.kind != "corporate":
        ind = _indicator(ag.indicators[1:2] or " ")
        if ind == " " and not own:
            ind = "1" if ag.rest else "0"
        name = f"{ag.name}, {ag.rest}" if ag.rest else ag.name
        pairs = [("a", name), ("b", ag.numbering)] + [("c", v) for v in ag.additions]
        pairs += [("d", ag.dates), *_role_pairs(ag.roles, "e"), ("0", ag.authority_id)]
        return _df("100" if main else "700", pairs, ind + " ")
    meeting = ag.indicators[:1] == "1"
    ind = _indicator(ag.indicators[1:2] or " ")
    if ind == " " and not own:
        ind = "2"
    unit = "e" if meeting else "b"
    pairs = [("a", ag.name), (unit, ag.rest), *[(unit, v) for v in ag.units], ("n", ag.numbering),
             ("d", ag.dates), ("c", ag.place), *_role_pairs(ag.roles, "j" if meeting else "e"),
             ("0", ag.authority_id)]
    return _df(("1" if main else "7") + ("11" if meeting else "10"), pairs, ind + " ")


def _title_indicator2(record: Record) -> str:
    main = record.title.main.lower()
    language = record.languages[0] if record.languages else ""
    for article in _ARTICLES.get(language, ()):
        if main.startswith(article) and len(main) > len(article):
            return str(len(article))
    return "0"


def _descriptor_field(d: Descriptor) -> MarcField | None:
    tag = SUBJECT_OUT.get(d.tag, "650")
    ind2 = "4" if not d.system else _THESAURUS_IND.get(d.system, "7")
    ind1 = {"600": "1" if "," in d.label else "0", "610": "2", "630": "0"}.get(tag, " ")
    if d.tag == "602":
        ind1 = "3"
    pairs = [("a", d.label)]
    pairs += [(SUBDIVISION_OUT.get(c, "x"), v) for c, v in d.subdivisions]
    pairs += [("2", d.system if ind2 == "7" else ""), ("0", d.authority_id), ("0", d.uri)]
    return _df(tag, pairs, ind1 + ind2)


def _item_field(item: Item, own: bool) -> MarcField | None:
    # Koha's notforloan code as read, else derived from the model's loanable flag.
    loan = item.status if own else {None: "", True: "0", False: "1"}[item.loanable]
    pairs = [("a", item.owner), ("b", item.holder), ("c", item.location),
             ("o", item.call_number), ("p", item.barcode), ("y", item.item_type),
             ("8", item.section), ("7", loan), ("z", item.note)]
    for name, value in item.columns:
        code = _KOHA_CODES.get(name) or (name if re.fullmatch("[0-9a-z]", name) else "")
        if code and code not in "abcopyz78":
            pairs.append((code, value))
    return _df("952", pairs)


def _languages(record: Record, fixed: str) -> MarcField | None:
    """The 041 needed for the languages the 008 does not say alone."""
    first = _language_of_008(fixed)
    if not record.original_languages and record.languages == ((first,) if first else ()):
        return None
    return _df("041", [("a", v) for v in record.languages]
               + [("h", v) for v in record.original_languages],
               ("1" if record.original_languages else "0") + " ")


def to_fields(record: Record) -> tuple[str, list[MarcField]]:
    """The MARC 21 leader (lengths zeroed) and fields that represent ``record``.

    Unmapped fields are written only for MARC 21 records (``marc_flavour == 'marc21'``),
    which also keep their own 008; other records get one built from their data.
    """
    own = record.marc_flavour == "marc21"
    t = record.title
    own_fixed = next((f.data for f in record.unmapped if f.tag == "008" and f.data is not None),
                     None)
    fixed = own_fixed if own and own_fixed is not None else ("" if own else _fixed_data(record))
    out: list[MarcField | None] = [MarcField(tag="001", data=text(record.source_id))]
    if not own:
        out.append(MarcField(tag="008", data=fixed))
    out += [_identifier_field(i) for i in record.identifiers]
    out.append(_languages(record, fixed))
    for ix in record.indexing:
        if ix.tag == "676":
            out.append(_df("082", [("a", ix.code), ("2", ix.edition)], "04"))
        else:
            out.append(_df("084", [("a", ix.code)]))
    main = [a for a in record.agents if a.level == 0]
    if not own:
        # MARC 21 wants one main entry; UNIMARC co-authors (701, no 700) give it the first.
        main = main[:1] or [a for a in record.agents if a.level == 1][:1]
    out += [_agent_field(a, True, own) for a in main]
    added = [a for a in record.agents if all(a is not m for m in main)]
    pairs = ([("a", t.main)] + [("b", v) for v in t.subtitle] + [("n", v) for v in t.part_number]
             + [("p", v) for v in t.part_name] + [("c", v) for v in t.responsibility])
    out.append(_df("245", pairs, ("1" if main else "0") + _title_indicator2(record)))
    out += [_df("246", [("a", v)], "31") for v in t.parallel]
    out += [_df("250", [("a", v)]) for v in record.edition]
    published: list[MarcField] = []
    for p in record.publications:
        if p.tag == "214" and p.function != "publication":
            # MARC 21 264 says the function by the same second indicator as UNIMARC 214.
            out.append(_df("264", [("a", v) for v in p.places] + [("b", v) for v in p.publishers]
                           + [("c", v) for v in p.dates], " " + p.indicators[1]))
            continue
        statement = _df("260", [("a", v) for v in p.places] + [("b", v) for v in p.publishers]
                        + [("c", v) for v in p.dates] + [("e", v) for v in p.manufacture_places]
                        + [("f", v) for v in p.manufacturers]
                        + [("g", v) for v in p.manufacture_dates])
        # PMB exports the publication statement twice, as a 210 and as a 214 of function
        # publication: one 260 says it (two identical 260s reached partners' catalogues).
        if statement is not None and statement not in published:
            published.append(statement)
            out.append(statement)
    for ph in record.physical:
        out.append(_df("300", [("a", ph.extent), ("b", ph.illustrations),
                               ("c", ph.dimensions), ("e", ph.accompanying)]))
    for se in record.series:
        if se.tag == "225":
            out.append(_df("490", [("a", se.title), ("v", se.number), ("a", se.part_title),
                                   ("x", se.issn)], "0 "))
    out += [_df("500", [("a", v)]) for v in record.general_notes]
    out += [_df("505", [("a", v)], "0 ") for v in record.contents_notes]
    out += [_df("520", [("a", v)]) for v in record.abstracts]
    out += [_descriptor_field(d) for d in record.descriptors]
    out.append(_df("653", [("a", v) for v in record.keywords]))
    out += [_agent_field(a, False, own) for a in added]
    if not own and t.other_author:
        out += [_df("740", [("a", v)], "02") for v in t.other_author]
    for ln in record.serial_links:
        out.append(_df("774" if ln.tag == "464" else "773",
                       [("t", ln.title), ("x", ln.issn), ("g", ln.number), ("d", ln.date),
                        ("w", ln.target_id)], "0 "))
    for se in record.series:
        if se.tag != "225":
            out.append(_df("830", [("a", se.title), ("v", se.number), ("x", se.issn),
                                   ("0", se.authority_id)], " 0"))
    for lk in record.links:
        out.append(_df("856", [("u", lk.url), ("q", lk.format), ("z", lk.note)], "4 "))
    for doc in record.documents:
        out.append(_df("856", [("u", doc.url), ("q", doc.mime), ("y", doc.name or doc.filename)],
                       "40"))
    out += [_item_field(item, own) for item in record.items]
    fields = [f for f in out if f is not None]
    if own:
        for f in record.unmapped:
            fixed_field, _ = clean_field(f)
            if fixed_field is not None:
                fields.append(fixed_field)
    return _leader(record), sorted(fields, key=order_key)


_FIELD_MAX = 9999  # ISO 2709: four digits of field length in the directory
_CUT = " [...]"


def _fit(f: MarcField) -> MarcField:
    """Data field ``f`` with its longest values cut until it fits a directory entry."""
    pairs = list(f.subfields)
    while True:
        sizes = [len(v.encode("utf-8")) for _, v in pairs]
        excess = 3 + sum(2 + n for n in sizes) - _FIELD_MAX  # indicators, delimiters, end
        if excess <= 0 or not pairs:
            return MarcField(tag=f.tag, indicators=f.indicators, subfields=tuple(pairs))
        i = sizes.index(max(sizes))
        code, value = pairs[i]
        keep = sizes[i] - excess - len(_CUT)
        if keep <= 0:
            del pairs[i]
        else:
            pairs[i] = (code, value.encode("utf-8")[:keep].decode("utf-8", "ignore") + _CUT)


def to_iso2709(record: Record) -> bytes:
    """Serialise ``record`` as a MARC 21 ISO 2709 record in UTF-8 (leader/09 'a').

    ISO 2709 cannot hold a field over 9,999 bytes: longer values (a harvested abstract,
    say) are cut and end with " [...]". MARCXML (:mod:`catalogue.formats.marcxml`) has
    no such limit.

    Raises:
        ValueError: the record is still over the 99,999 bytes ISO 2709 allows.
    """
    leader, fields = to_fields(record)
    data = fields_to_iso2709(leader, [_fit(f) if f.data is None else f for f in fields], "utf-8")
    if len(data) > 99999:
        raise ValueError(f"record {record.global_id} is {len(data)} bytes long, over the "
                         "99,999 bytes of ISO 2709: export it as MARCXML")
    return data
