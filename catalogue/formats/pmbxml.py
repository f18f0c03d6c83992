"""PMB's "XML UNIMARC": ``<unimarc><notice>`` files, in and out.

The structure is PMB's own (``admin/convert/export.class.php`` writes it,
``admin/convert/xml_unimarc.class.php`` reads it back): each ``<notice>`` holds the
leader parts ``<rs> <dt> <bl> <hl> <el> <ru>`` ('*' for a blank), then fields
``<f c="200" ind="1 "><s c="a">...</s></f>``; a field without ``<s>`` is a control field
``<f c="001">text</f>``. The content is UNIMARC, mapped by :mod:`catalogue.formats.unimarc`.

Two habits of real PMB files are repaired on reading: a base running in ISO-8859-1
writes Windows-1252 bytes (curly quotes, oe ligature, euro) under an ``iso-8859-1``
declaration, and notices imported from other systems can carry decomposed (NFD) accents.
Output is always UTF-8, which PMB re-imports whatever its base charset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from lxml import etree

from catalogue.formats import unimarc, xmlsafe
from catalogue.formats.base import Parsed, RawRecord
from catalogue.formats.xmlrecords import (
    RecordError,
    TextCleaner,
    check_tag,
    fit,
    line_of,
    serialise,
    split_records,
    subfields_of,
    xml_text,
)
from catalogue.records import MarcField, Record

#: Leader parts in PMB's order, with their leader positions.
GUIDE = {"rs": 5, "dt": 6, "bl": 7, "hl": 8, "el": 17, "ru": 18}


def leader_of(parts: dict[str, str]) -> str:
    """A UNIMARC leader (lengths zeroed) from PMB's leader parts; missing parts are blank."""
    p = {name: parts.get(name, " ") for name in GUIDE}
    return f"00000{p['rs']}{p['dt']}{p['bl']}{p['hl']} 22     {p['el']}{p['ru']} 450 "


def _guide_value(element: etree._Element, cleaner: TextCleaner) -> str:
    text = cleaner.text(element).strip()
    if text in ("", "*"):
        return " "
    if len(text) > 1:
        cleaner.notes.append(
            f"<{xmlsafe.localname(element)}>{text}</...> at line {line_of(element)}: "
            "one character expected, first kept"
        )
    return text[0]


def _field(element: etree._Element, cleaner: TextCleaner) -> MarcField | None:
    line = line_of(element)
    tag = check_tag(element.get("c"), "f", line)
    subfields = subfields_of(element, tag, "s", "c", cleaner)
    if subfields:
        ind = element.get("ind")
        if ind is None:
            ind = "  "
        elif len(ind) != 2:
            cleaner.once("indicators", f"indicators {ind!r} of field {tag} at line {line}: "
                                       "two characters expected, padded with blanks or cut")
        return MarcField(tag=tag, indicators=fit(ind, 2), subfields=subfields)
    if any(isinstance(c.tag, str) and xmlsafe.localname(c) == "s" for c in element):
        cleaner.notes.append(f"field {tag} at line {line} has no usable subfield: left out")
        return None
    text = cleaner.text(element)
    if tag.startswith("00"):
        return MarcField(tag=tag, data=text)
    if not text.strip():
        cleaner.notes.append(f"field {tag} at line {line} has no subfields: left out")
        return None
    # PMB's own import reads a field without <s> as a control field: do the same.
    cleaner.notes.append(f"field {tag} at line {line} has text but no subfields: "
                         "kept as a control field")
    return MarcField(tag=tag, data=text)


def raw_from_notice(element: etree._Element, position: int, latin1: bool = False) -> RawRecord:
    """Decode one ``<notice>`` element into a :class:`RawRecord`.

    Raises:
        RecordError: empty notice, no field, or a malformed tag.
    """
    cleaner = TextCleaner(latin1)
    parts: dict[str, str] = {}
    fields: list[MarcField] = []
    seen = 0
    for child in element:
        if not isinstance(child.tag, str):
            continue
        seen += 1
        name = xmlsafe.localname(child)
        if name in GUIDE:
            parts.setdefault(name, _guide_value(child, cleaner))
        elif name == "f":
            field = _field(child, cleaner)
            if field is not None:
                fields.append(field)
        else:
            cleaner.notes.append(f"unexpected <{name}> in a notice at line "
                                 f"{line_of(child)}: left out")
    if not seen:
        raise RecordError("empty <notice>: no leader parts and no fields")
    if not fields:
        raise RecordError("notice has no fields")
    missing = [name for name in GUIDE if name not in parts]
    if missing:
        cleaner.notes.append(
            "leader parts missing, read as blanks: " + ", ".join(f"<{m}>" for m in missing)
        )
    return RawRecord(
        position=position,
        offset=line_of(element),
        raw=serialise(element),
        leader=leader_of(parts),
        fields=tuple(fields),
        charset="utf-8",
        warnings=cleaner.warnings(),
    )


def parsed_from_notice(element: etree._Element, source: str, position: int,
                       latin1: bool = False) -> Parsed:
    """One ``<notice>`` as a :class:`Parsed`, never raising for its content."""
    try:
        raw = raw_from_notice(element, position, latin1)
    except RecordError as exc:
        return Parsed(position=position, offset=line_of(element),
                      raw=serialise(element), error=str(exc))
    return unimarc.parsed_from_raw(raw, source)


def read_raw(stream: IO[bytes], encoding: str = "auto") -> Iterator[RawRecord | Parsed]:
    """The notices of a PMB XML document decoded but not mapped, or why they could not be.

    Raises:
        FormatError: the stream does not start like XML, or ``encoding`` is unusable.
    """
    return split_records(stream, encoding, "notice", {"f"}, raw_from_notice)


def read(stream: IO[bytes], source: str, encoding: str = "auto") -> Iterator[Parsed]:
    """Read a PMB XML UNIMARC document, one :class:`Parsed` per notice, never raising per notice.

    Args:
        stream: the document, opened in binary mode.
        source: the source slug given to every record.
        encoding: 'auto' (the XML declaration), or an encoding forced on the parser.

    Raises:
        FormatError: the stream does not start like XML, or ``encoding`` is unusable.
    """
    for item in read_raw(stream, encoding):
        yield item if isinstance(item, Parsed) else unimarc.parsed_from_raw(item, source)


# --- writing ----------------------------------------------------------------------------


def fields_to_element(leader: str, fields: Iterable[MarcField]) -> etree._Element:
    """A ``<notice>`` for a UNIMARC leader and fields."""
    notice = etree.Element("notice")
    leader = fit(leader, 24)
    for name, pos in GUIDE.items():
        value = leader[pos]
        etree.SubElement(notice, name).text = xml_text("*" if value == " " else value)
    for f in fields:
        if f.data is not None:
            etree.SubElement(notice, "f", c=xml_text(f.tag)).text = xml_text(f.data)
            continue
        if not f.subfields:
            continue  # PMB would read an empty field as a control field
        field = etree.SubElement(notice, "f", c=xml_text(f.tag), ind=xml_text(fit(f.indicators, 2)))
        for code, value in f.subfields:
            etree.SubElement(field, "s", c=xml_text(code)).text = xml_text(value)
    return notice


def to_element(record: Record) -> etree._Element:
    """``record`` as a PMB ``<notice>`` element (the OAI ``pmb_xml_unimarc`` payload)."""
    leader, fields = unimarc.to_fields(record)
    return fields_to_element(leader, fields)


def write(records: Iterable[Record], stream: IO[bytes]) -> int:
    """Stream ``records`` as a PMB-importable ``<unimarc>`` document in UTF-8.

    Returns:
        The number of notices written.
    """
    count = 0
    with etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("unimarc"):
            for record in records:
                notice = to_element(record)
                etree.indent(notice, space="  ", level=1)
                xf.write("\n  ")
                xf.write(notice)
                count += 1
            xf.write("\n")
    return count
