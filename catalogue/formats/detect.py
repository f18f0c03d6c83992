"""Telling a file's format from its first bytes, and finding the reader for a format."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from catalogue.formats.base import FormatError, Parsed
from catalogue.formats.iso2709 import sniff_flavour

ISO2709_FORMATS = ("unimarc", "marc21")
XML_FORMATS = ("pmbxml", "marcxml", "dc")
FORMATS = ISO2709_FORMATS + XML_FORMATS
_ROOT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_XML_ROOTS = {"unimarc": "pmbxml", "collection": "marcxml", "record": "marcxml", "dc": "dc"}

Reader = Callable[[BinaryIO, str, str], Iterator[Parsed]]


def sniff(head: bytes) -> str:
    """The format of a file from its first few kilobytes.

    Raises:
        FormatError: empty, binary or unknown content, with a reason a person can act on.
    """
    if _utf16(head):
        raise FormatError("this is UTF-16 text (XML saved as \"Unicode\"?): re-save it as UTF-8, "
                          "the encoding PMB and MARCXML exports use")
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if not body:
        raise FormatError("the file is empty")
    if body.startswith(b"<"):
        match = _ROOT.search(body)
        name = match.group(1).decode("ascii", "replace") if match else "?"
        if name == "OAI-PMH":
            if b"oai_dc" in body:
                return "dc"
            raise FormatError("this is an OAI-PMH response: configure the partner and use 'catalogue harvest'")
        if name in _XML_ROOTS:
            return _XML_ROOTS[name]
        raise FormatError(f"XML whose root element <{name}> is not a catalogue format")
    if len(body) >= 24 and body[:5].isdigit():
        return sniff_flavour(body)
    if b"\x00" in body[:512] or sum(b < 9 or 13 < b < 32 for b in body[:512]) > 8:
        raise FormatError("unrecognised format: this looks like a binary file, not a catalogue export")
    raise FormatError(
        "unrecognised format: neither ISO 2709 (no 5-digit record length at the start) nor XML"
    )


def _utf16(head: bytes) -> bool:
    """A UTF-16 byte order mark, or ASCII text with every other byte NUL ('<\\0?\\0')."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    sample = head[:64]
    return len(sample) >= 8 and (sample[1::2].count(0) == len(sample) // 2
                                 or sample[0::2].count(0) == len(sample) // 2)


def family(fmt: str) -> str:
    """'iso2709' or 'xml'."""
    return "iso2709" if fmt in ISO2709_FORMATS else "xml"


def resolve(requested: str, head: bytes) -> str:
    """The format to read with: the sniffed one for 'auto', else the requested one checked.

    Raises:
        FormatError: unknown name, or a requested format that contradicts the content.
    """
    if requested != "auto" and requested not in FORMATS:
        raise FormatError(f"unknown format {requested!r} (choose auto, {', '.join(FORMATS)})")
    found = sniff(head)
    if requested == "auto":
        return found
    if family(requested) != family(found):
        raise FormatError(f"--format {requested} does not match the file, which looks like {found}")
    return requested


def reader(fmt: str) -> Reader:
    """The read function of a format module: ``read(stream, source, encoding)``."""
    module = importlib.import_module(f"catalogue.formats.{_MODULES[fmt]}")
    read: Callable[..., Iterator[Parsed]] = module.read
    if fmt == "dc":
        return lambda stream, source, encoding: read(stream, source)
    return lambda stream, source, encoding: read(stream, source, encoding)


_MODULES = {"unimarc": "unimarc", "marc21": "marc21", "pmbxml": "pmbxml",
            "marcxml": "marcxml", "dc": "dublincore"}
