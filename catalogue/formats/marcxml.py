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

The small text helpers at the top are shared with :mod:`catalogue.formats.pmbxml`.
"""

from __future__ import annotations

import codecs
import importlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import IO, Any, BinaryIO

from lxml import etree

from catalogue.formats import unimarc, xmlsafe
from catalogue.formats.base import FormatError, Parsed, RawRecord
from catalogue.records import MarcField, Record, replace

SLIM = "http://www.loc.gov/MARC21/slim"
FLAVOURS = ("auto", "unimarc", "marc21")

_HEAD = 4096
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_DECLARED = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_C1 = re.compile("[\x80-\x9f]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A letter, '?', a letter, in a word that is not part of a URL or a query string: what
# PMB leaves where a base in ISO-8859-1 could not store a character ("Hors se?rie").
_LOST = re.compile(r"(?<![\w./])[^\W\d_]+\?[^\W\d_]+(?!\w*=)")
_TAG = re.compile(r"[0-9A-Za-z]{3}\Z")
_LINE_SUFFIX = re.compile(r",? line \d+, column \d+\s*$")
_FIELD_NAMES = frozenset({"leader", "controlfield", "datafield"})


class RecordError(ValueError):
    """One XML record cannot be turned into MARC fields; the message says why and where."""


# --- shared by the XML readers ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class XmlInput:
    """A stream ready for :func:`xmlsafe.iterelements`, with what its head told us.

    ``override`` is the encoding to force on the parser (None: trust the document),
    ``latin1`` whether the text is decoded as ISO-8859-1, whose C1 range then holds the
    Windows-1252 characters a PHP application wrote into a file it declared Latin-1.
    """

    stream: BinaryIO
    override: str | None
    latin1: bool


class _Replay(io.RawIOBase):
    """The bytes already read from a stream, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def open_xml(stream: IO[bytes], encoding: str = "auto") -> XmlInput:
    """Check that ``stream`` starts like XML and find its declared encoding.

    Raises:
        FormatError: the first bytes are not XML, or ``encoding`` cannot decode XML.
    """
    head = stream.read(_HEAD)
    body = head
    for bom in _BOMS:
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    stripped = body.lstrip(b" \t\r\n")
    if not stripped:
        raise FormatError("the file is empty: no XML in it")
    if not (stripped.startswith(b"<") or stripped.startswith(b"\x00<")):
        sample = stripped[:20].decode("ascii", "replace")
        raise FormatError(f"not XML: the file starts with {sample!r}, not with '<'")
    override = None if encoding == "auto" else encoding
    if override is not None:
        try:
            etree.XMLParser(encoding=override)
        except LookupError:
            raise FormatError(f"encoding {encoding!r} cannot be used to read XML") from None
        effective = _codec(override)
    else:
        match = _DECLARED.match(body)
        effective = _codec(match.group(1).decode("ascii")) if match else ""
    return XmlInput(
        stream=io.BufferedReader(_Replay(head, stream)),
        override=override,
        latin1=effective == "latin-1" or effective == "iso8859-1",
    )


def _from_cp1252(match: re.Match[str]) -> str:
    try:
        return bytes([ord(match.group())]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in Windows-1252
        return match.group()


class TextCleaner:
    """Text of one record's elements: NFC, Windows-1252 repaired, problems noted.

    One cleaner per record, so its warnings belong to that record.
    """

    def __init__(self, latin1: bool = False) -> None:
        self.latin1 = latin1
        self.notes: list[str] = []
        self._remapped: dict[str, str] = {}
        self._keys: set[str] = set()

    def once(self, key: str, note: str) -> None:
        """Add ``note`` unless a note with the same ``key`` was already added."""
        if key not in self._keys:
            self._keys.add(key)
            self.notes.append(note)

    def value(self, text: str) -> str:
        """``text`` NFC-normalised, with C1 controls read as Windows-1252 when latin1."""
        if self.latin1 and _C1.search(text):
            fixed = _C1.sub(_from_cp1252, text)
            for old, new in zip(text, fixed, strict=True):
                if old != new:
                    self._remapped[old] = new
            text = fixed
        if self.latin1 and "?" in text and "://" not in text:
            lost = _LOST.search(text)
            if lost:
                self.once("lost", f"'?' inside a word ({lost.group()!r}): characters the "
                                  "exporting base could not store in ISO-8859-1 are lost")
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        return text

    def text(self, element: etree._Element) -> str:
        """The character content of ``element``, leaving out unexpanded entity references."""
        parts = [element.text or ""]
        for child in element:
            if child.tag is etree.Entity:
                self.notes.append(
                    f"entity reference {child.text} left unexpanded at line {line_of(child)}"
                )
            elif isinstance(child.tag, str):
                self.notes.append(
                    f"unexpected element <{xmlsafe.localname(child)}> inside "
                    f"<{xmlsafe.localname(element)}> at line {line_of(child)}: left out"
                )
            parts.append(child.tail or "")
        return self.value("".join(parts))

    def warnings(self) -> tuple[str, ...]:
        """The notes gathered so far, each once, remapped characters summed up last."""
        notes = list(dict.fromkeys(self.notes))
        if self._remapped:
            pairs = ", ".join(f"U+{ord(k):04X}->{v}" for k, v in sorted(self._remapped.items()))
            notes.append(
                "Windows-1252 characters in a file declared ISO-8859-1, re-mapped: " + pairs
            )
        return tuple(notes)


def line_of(element: etree._Element) -> int:
    """The source line of ``element`` (0 when unknown)."""
    line: int | None = getattr(element, "sourceline", None)
    return line or 0


def syntax_error(exc: etree.XMLSyntaxError) -> str:
    """The reason shown for a document that stops being well-formed (or is refused)."""
    message = _LINE_SUFFIX.sub("", exc.msg or str(exc)).strip()
    line = exc.lineno if exc.lineno is not None else (exc.position or (0, 0))[0]
    if "amplification" in message:  # libxml2's guard against entity bombs
        return f"XML refused, its entities expand beyond the safety limit: {message} (line {line})"
    return f"XML is not well-formed: {message} (line {line})"


def serialise(element: etree._Element) -> bytes:
    """The element as bytes, the raw payload kept with the record."""
    data: bytes = etree.tostring(element, encoding="utf-8", with_tail=False)
    return data


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def check_tag(tag: str | None, what: str, line: int) -> str:
    """The tag if it is three letters or digits.

    Raises:
        RecordError: the tag is missing or malformed.
    """
    if tag is None:
        raise RecordError(f"<{what}> without a tag at line {line}")
    if not _TAG.match(tag):
        raise RecordError(
            f"bad tag {tag!r} in <{what}> at line {line}: a tag is three letters or digits"
        )
    return tag


def fit(value: str, size: int) -> str:
    """``value`` padded with blanks or cut to ``size`` characters."""
    return value.ljust(size)[:size]


# --- reading ----------------------------------------------------------------------------


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
    subfields: list[tuple[str, str]] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if xmlsafe.localname(child) != "subfield":
            cleaner.notes.append(
                f"unexpected <{xmlsafe.localname(child)}> in field {tag} at line "
                f"{line_of(child)}: left out"
            )
            continue
        code = child.get("code") or ""
        if len(code) != 1:
            cleaner.notes.append(
                f"subfield with code {code!r} in field {tag} at line {line_of(child)}: "
                "left out (a code is one character)"
            )
            continue
        subfields.append((code, cleaner.text(child)))
    if not subfields:
        cleaner.notes.append(f"field {tag} at line {line} has no subfields: left out")
        return None
    return MarcField(tag=tag, indicators=ind1 + ind2, subfields=tuple(subfields))


def raw_from_element(element: etree._Element, position: int, latin1: bool = False) -> RawRecord:
    """Decode one MARCXML ``<record>`` element into a :class:`RawRecord`.

    Raises:
        RecordError: empty record, no leader, no field, or a malformed tag.
    """
    cleaner = TextCleaner(latin1)
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


class StrayFields:
    """Field elements met outside any record, reported together as one broken part."""

    def __init__(self, container: str) -> None:
        self.container = container
        self.lines: list[int] = []
        self.names: list[str] = []
        self.raw: list[bytes] = []

    def add(self, element: etree._Element) -> None:
        """Remember one stray element."""
        self.lines.append(line_of(element))
        self.names.append(xmlsafe.localname(element))
        if len(self.raw) < 20:  # enough to show; a file of strays must not fill memory
            self.raw.append(serialise(element))

    def flush(self, position: int) -> Parsed | None:
        """The error for the strays gathered since the last record, if any."""
        if not self.lines:
            return None
        names = ", ".join(f"<{n}>" for n in dict.fromkeys(self.names))
        first, last = self.lines[0], self.lines[-1]
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        parsed = Parsed(
            position=position, offset=first, raw=b"\n".join(self.raw),
            error=f"{len(self.lines)} {names} element(s) outside any <{self.container}> "
                  f"({where}): left out",
        )
        self.lines, self.names, self.raw = [], [], []
        return parsed


Decoder = Callable[[etree._Element, int, bool], RawRecord]


def split_records(
    stream: IO[bytes],
    encoding: str,
    record_name: str,
    field_names: Iterable[str],
    decode: Decoder,
    expand: Callable[[etree._Element], list[etree._Element]] = lambda e: [e],
) -> Iterator[RawRecord | Parsed]:
    """Stream the record elements of an XML document, decoded, or the reasons they are not.

    ``decode(element, position, latin1)`` turns one record element into a RawRecord or
    raises :class:`RecordError`; field elements met outside a record are reported as one
    broken part; a well-formedness error ends the stream with a final :class:`Parsed`.

    Raises:
        FormatError: the stream does not start like XML, or ``encoding`` is unusable.
    """
    xml = open_xml(stream, encoding)
    strays = StrayFields(record_name)
    position = 0
    names = {record_name, *field_names}
    try:
        for element in xmlsafe.iterelements(xml.stream, names, xml.override):
            if xmlsafe.localname(element) != record_name:
                strays.add(element)
                continue
            for record in expand(element):
                stray = strays.flush(position + 1)
                if stray is not None:
                    position += 1
                    yield stray
                position += 1
                try:
                    yield decode(record, position, xml.latin1)
                except RecordError as exc:
                    yield Parsed(position=position, offset=line_of(record),
                                 raw=serialise(record), error=str(exc))
    except etree.XMLSyntaxError as exc:
        stray = strays.flush(position + 1)
        if stray is not None:
            position += 1
            yield stray
        yield Parsed(position=position + 1, offset=exc.lineno or 0, raw=b"",
                     error=syntax_error(exc))
        return
    stray = strays.flush(position + 1)
    if stray is not None:
        yield stray


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
