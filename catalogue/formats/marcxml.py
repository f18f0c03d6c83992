"""MARCXML in and out: the MARC21 slim structure, carrying MARC21 or UNIMARC content.

Reading accepts what circulates in practice: the slim namespace with or without a prefix,
no namespace at all (PMB's "XML MARC" export, the BSG UNIMARC files), records in no
namespace inside a namespaced collection, and MARC records wrapped in another element
called ``record`` (an OAI-PMH envelope). Each ``<record>`` becomes a :class:`RawRecord`
mapped by the UNIMARC or the MARC21 mapping; a record that cannot be read is reported
with its position and line, and a document that stops being well-formed keeps the records
read before the break.

Writing produces MARC21 slim XML, valid against ``MARC21slim.xsd`` for MARC21 records;
UNIMARC records use the same structure ("UNIMARC in MARCXML-slim structure"), as BnF
and SUDOC serve it.

The helpers shared with the other XML readers live in :mod:`catalogue.formats.xmlrecords`.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import IO, Any

from lxml import etree

from catalogue.formats import unimarc, xmlsafe
from catalogue.formats.base import FormatError, Parsed, RawRecord
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
from catalogue.records import MarcField, Record, replace

SLIM = "http://www.loc.gov/MARC21/slim"
FLAVOURS = ("auto", "unimarc", "marc21")

_FIELD_NAMES = frozenset({"leader", "controlfield", "datafield"})


def _indicator(value: str | None, name: str, tag: str, line: int,
               cleaner: TextCleaner) -> str:
    if not value:
        if value == "":
            cleaner.once("empty-indicator",
                         f"empty indicators read as blanks (first in field {tag} at line {line})")
        return " "
    if len(value) > 1:
        cleaner.notes.append(f"{name} {value!r} of field {tag} at line {line}: first character kept")
    return value[0]


def _datafield(element: etree._Element, tag: str, cleaner: TextCleaner) -> MarcField | None:
    line = line_of(element)
    ind1 = _indicator(element.get("ind1"), "ind1", tag, line, cleaner)
    ind2 = _indicator(element.get("ind2"), "ind2", tag, line, cleaner)
    subfields = subfields_of(element, tag, "subfield", "code", cleaner)
    if not subfields:
        cleaner.notes.append(f"field {tag} at line {line} has no subfields: left out")
        return None
    return MarcField(tag=tag, indicators=ind1 + ind2, subfields=subfields)


def raw_from_element(element: etree._Element, position: int, latin1: bool = False) -> RawRecord:
    """Decode one MARCXML ``<record>`` element into a :class:`RawRecord`.

    Raises:
        RecordError: empty record, no leader, no field, or a malformed tag.
    """
    cleaner = TextCleaner(latin1)
    namespace = etree.QName(element).namespace
    if namespace and namespace != SLIM and "marcxchange" not in namespace:
        cleaner.notes.append(f"record in the namespace {namespace!r}, not MARCXML's "
                             f"({SLIM}): read as MARCXML by its element names")
    leader: str | None = None
    fields: list[MarcField] = []
    seen = 0
    for child in element:
        if not isinstance(child.tag, str):
            continue
        seen += 1
        name = xmlsafe.localname(child)
        line = line_of(child)
        if name == "leader":
            text = cleaner.text(child).strip("\r\n\t")
            if leader is not None:
                cleaner.notes.append(f"second <leader> at line {line}: left out")
                continue
            if len(text) != 24:
                cleaner.notes.append(
                    f"malformed leader {text!r} at line {line}: {len(text)} characters, "
                    "not 24; padded with blanks or cut"
                )
            leader = fit(text, 24)
        elif name == "controlfield":
            tag = check_tag(child.get("tag"), name, line)
            fields.append(MarcField(tag=tag, data=cleaner.text(child)))
        elif name == "datafield":
            tag = check_tag(child.get("tag"), name, line)
            field = _datafield(child, tag, cleaner)
            if field is not None:
                fields.append(field)
        else:
            cleaner.notes.append(f"unexpected <{name}> in a record at line {line}: left out")
    if not seen:
        raise RecordError("empty <record>: no leader and no fields")
    if leader is None:
        raise RecordError("record has no <leader>")
    if not fields:
        raise RecordError("record has no fields")
    return RawRecord(
        position=position,
        offset=line_of(element),
        raw=serialise(element),
        leader=leader,
        fields=tuple(fields),
        charset="utf-8",
        warnings=cleaner.warnings(),
    )


def detect_flavour(fields: Iterable[MarcField]) -> str:
    """'unimarc' for a record with a 200 data field and no 245, else 'marc21'."""
    tags = {f.tag for f in fields if f.data is None}
    return "unimarc" if "200" in tags and "245" not in tags else "marc21"


def _marc21() -> ModuleType:
    # Imported on use: the MARC21 mapping is optional for UNIMARC-only deployments.
    return importlib.import_module("catalogue.formats.marc21")


def _parsed_marc21(raw: RawRecord, source: str) -> Parsed:
    try:
        module = _marc21()
    except ImportError as exc:
        return Parsed(position=raw.position, offset=raw.offset, raw=raw.raw,
                      error=f"MARC21 record, but the MARC21 mapping is unavailable: {exc}",
                      warnings=raw.warnings, charset=raw.charset)
    if hasattr(module, "parsed_from_raw"):
        parsed: Parsed = module.parsed_from_raw(raw, source)
        return parsed
    result = module.to_record(raw, source)
    record, notes = result if isinstance(result, tuple) else (result, [])
    notes = list(notes)
    if not record.source_id:
        # As the UNIMARC mapping does: a record without id gets one derived from its bytes.
        record = replace(record, source_id=unimarc.content_id(raw.raw))
        notes.append(f"no 001 nor 035$a: identified as {record.source_id}, a digest of its bytes")
    return Parsed(position=raw.position, offset=raw.offset, raw=raw.raw, record=record,
                  warnings=raw.warnings + tuple(notes), source_id=record.source_id,
                  deleted=raw.leader[5:6] == "d", charset=raw.charset)


def parsed_from_raw(raw: RawRecord, source: str, flavour: str = "auto") -> Parsed:
    """Map a decoded record with the UNIMARC or MARC21 mapping ('auto': per record)."""
    if flavour == "auto":
        flavour = detect_flavour(raw.fields)
    if flavour == "unimarc":
        return unimarc.parsed_from_raw(raw, source)
    return _parsed_marc21(raw, source)


def parsed_from_element(element: etree._Element, source: str, position: int,
                        flavour: str = "auto", latin1: bool = False) -> Parsed:
    """One ``<record>`` element as a :class:`Parsed`, never raising for its content."""
    try:
        raw = raw_from_element(element, position, latin1)
    except RecordError as exc:
        return Parsed(position=position, offset=line_of(element),
                      raw=serialise(element), error=str(exc))
    return parsed_from_raw(raw, source, flavour)


def _marc_records(element: etree._Element) -> list[etree._Element]:
    """``element`` itself, or the MARC records it wraps (an OAI-PMH ``<record>``)."""
    if any(isinstance(c.tag, str) and xmlsafe.localname(c) in _FIELD_NAMES for c in element):
        return [element]
    inner = [e for e in element.iterdescendants()
             if isinstance(e.tag, str) and xmlsafe.localname(e) == "record"]
    return inner or [element]


def read_raw(stream: IO[bytes], encoding: str = "auto") -> Iterator[RawRecord | Parsed]:
    """The records of a MARCXML document decoded but not mapped, or why they could not be.

    Raises:
        FormatError: the stream does not start like XML, or ``encoding`` is unusable.
    """
    return split_records(stream, encoding, "record", _FIELD_NAMES, raw_from_element,
                         _marc_records)


def read(stream: IO[bytes], source: str, encoding: str = "auto",
         flavour: str = "auto") -> Iterator[Parsed]:
    """Read a MARCXML document, one :class:`Parsed` per record, never raising per record.

    Args:
        stream: the document, opened in binary mode.
        source: the source slug given to every record.
        encoding: 'auto' (the XML declaration), or an encoding forced on the parser.
        flavour: 'unimarc', 'marc21', or 'auto' to decide per record.

    Raises:
        FormatError: the stream does not start like XML, or ``encoding`` is unusable.
    """
    if flavour not in FLAVOURS:
        raise FormatError(f"unknown MARC flavour {flavour!r} (choose {', '.join(FLAVOURS)})")
    for item in read_raw(stream, encoding):
        yield item if isinstance(item, Parsed) else parsed_from_raw(item, source, flavour)


# --- writing ----------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{SLIM}}}{name}"


def _nsmap(prefix: str | None) -> Any:
    # Any: lxml-stubs type nsmap without the None key lxml uses for a default namespace.
    return {prefix: SLIM}


def to_element(leader: str, fields: Iterable[MarcField], prefix: str | None = None
               ) -> etree._Element:
    """A MARC21 slim ``<record>`` for a leader and fields.

    ``prefix`` is the namespace prefix ('marc') or None for the default namespace. Data
    fields without subfields are left out: the schema requires at least one.
    """
    record = etree.Element(_q("record"), nsmap=_nsmap(prefix))
    etree.SubElement(record, _q("leader")).text = xml_text(fit(leader, 24))
    for f in fields:
        if f.data is not None:
            control = etree.SubElement(record, _q("controlfield"), tag=xml_text(f.tag))
            control.text = xml_text(f.data)
            continue
        if not f.subfields:
            continue
        ind = fit(f.indicators, 2)
        data = etree.SubElement(record, _q("datafield"), tag=xml_text(f.tag),
                                ind1=xml_text(ind[0]), ind2=xml_text(ind[1]))
        for code, value in f.subfields:
            etree.SubElement(data, _q("subfield"), code=xml_text(code)).text = xml_text(value)
    return record


def fields_of(record: Record, flavour: str = "unimarc") -> tuple[str, list[MarcField]]:
    """The leader and fields of ``record`` in a MARC flavour ('auto': its own)."""
    if flavour == "auto":
        flavour = record.marc_flavour
    if flavour == "unimarc":
        return unimarc.to_fields(record)
    if flavour == "marc21":
        leader, fields = _marc21().to_fields(record)
        return str(leader), list(fields)
    raise ValueError(f"unknown MARC flavour {flavour!r}")


def record_to_element(record: Record, flavour: str = "unimarc", prefix: str | None = None
                      ) -> etree._Element:
    """``record`` as a MARC21 slim ``<record>`` element in ``flavour``."""
    leader, fields = fields_of(record, flavour)
    return to_element(leader, fields, prefix)


def to_xml(record: Record, flavour: str = "unimarc", prefix: str | None = None) -> bytes:
    """``record`` as a standalone MARCXML document (root ``<record>``), UTF-8."""
    data: bytes = etree.tostring(record_to_element(record, flavour, prefix),
                                 xml_declaration=True, encoding="utf-8")
    return data


def write_collection(records: Iterable[Record], stream: IO[bytes], flavour: str = "unimarc",
                     prefix: str | None = "marc") -> int:
    """Stream ``records`` as a MARCXML ``<collection>`` in UTF-8; return how many were written."""
    count = 0
    with etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_q("collection"), nsmap=_nsmap(prefix)):
            for record in records:
                xf.write("\n")
                xf.write(record_to_element(record, flavour, prefix))
                count += 1
            xf.write("\n")
    return count


def records_to_xml(records: Iterable[Record], flavour: str = "unimarc",
                   prefix: str | None = "marc") -> bytes:
    """``records`` as a whole MARCXML ``<collection>`` document, in memory."""
    buffer = io.BytesIO()
    write_collection(records, buffer, flavour, prefix)
    return buffer.getvalue()
