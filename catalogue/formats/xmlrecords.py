"""What the XML record readers share: input sniffing, text cleaning, record splitting.

MARCXML, PMB XML and Dublin Core files all need the same things before any mapping: the
declared encoding checked (and Windows-1252 bytes in files declared ISO-8859-1 repaired),
text normalised to NFC with characters XML cannot carry removed and said, record elements
streamed with flat memory, stray fields outside any record reported as one broken part,
and a document that stops being well-formed keeping what was read before the break.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from lxml import etree

from catalogue.formats import xmlsafe
from catalogue.formats.base import FormatError, Parsed, RawRecord

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


class RecordError(ValueError):
    """One XML record cannot be turned into MARC fields; the message says why and where."""


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
        if not text.isascii() and not unicodedata.is_normalized("NFC", text):
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


def subfields_of(element: etree._Element, tag: str, name: str, code_attr: str,
                 cleaner: TextCleaner) -> tuple[tuple[str, str], ...]:
    """The (code, text) subfields of a field element; odd children are noted and left out.

    MARCXML calls them ``<subfield code>``, PMB XML ``<s c>``: one reader serves both.
    """
    subfields: list[tuple[str, str]] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if xmlsafe.localname(child) != name:
            cleaner.notes.append(
                f"unexpected <{xmlsafe.localname(child)}> in field {tag} at line "
                f"{line_of(child)}: left out"
            )
            continue
        code = child.get(code_attr) or ""
        if len(code) != 1:
            cleaner.notes.append(
                f"subfield with code {code!r} in field {tag} at line {line_of(child)}: "
                "left out (a code is one character)"
            )
            continue
        subfields.append((code, cleaner.text(child)))
    return tuple(subfields)


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
        for element in xmlsafe.iterrecords(xml.stream, names, record_name, xml.override):
            if isinstance(element, etree.XMLSyntaxError):
                # A malformed spot: the record it is in is lost, reading goes on after it.
                stray = strays.flush(position + 1)
                if stray is not None:
                    position += 1
                    yield stray
                position += 1
                yield Parsed(position=position, offset=element.lineno or 0, raw=b"",
                             error=syntax_error(element))
                continue
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


