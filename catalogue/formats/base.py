"""What every format reader yields, and the errors they raise.

A reader never raises for one bad record: it yields a :class:`Parsed` carrying either a
record or the reason it could not be read, with its position in the file, so that an
import reports it and goes on with the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.records import MarcField, Record


class FormatError(Exception):
    """The whole input cannot be read (unknown format, empty file, not XML...)."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record split out of a file, with its fields decoded but not yet mapped.

    ``position`` is the 1-based record number in the file, ``offset`` the byte offset of
    its first byte (or the line number for XML inputs), ``raw`` the exact bytes read.
    """

    position: int
    offset: int
    raw: bytes
    leader: str
    fields: tuple[MarcField, ...]
    charset: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Parsed:
    """One reader result: a record, or the reason this input record was rejected."""

    position: int
    offset: int
    raw: bytes
    record: Record | None = None
    error: str = ""
    warnings: tuple[str, ...] = ()
    source_id: str = ""
    deleted: bool = False  # a deletion announced by the source (OAI header, leader/05 'd')
    charset: str = ""  # the character set the record was decoded from
    #: The record's canonical JSON when whoever read it already encoded it (a harvest's
    #: mapping worker sends records that way), so the store does not encode it again.
    encoded: bytes = b""
    #: The record's union-catalogue match keys when they were computed beside the mapping
    #: (off the harvest's own process); None when nobody computed them yet.
    match_keys: tuple[str, ...] | None = None

    @property
    def ok(self) -> bool:
        """True when a record was read."""
        return self.record is not None


def control(fields: tuple[MarcField, ...] | list[MarcField], tag: str) -> str:
    """The data of the first control field ``tag``, or an empty string."""
    for f in fields:
        if f.tag == tag and f.data is not None:
            return f.data
    return ""


def first_subfield(fields: tuple[MarcField, ...] | list[MarcField], tag: str, code: str) -> str:
    """The first $code of the first ``tag`` field that has one."""
    for f in fields:
        if f.tag == tag:
            for c, v in f.subfields:
                if c == code:
                    return v
    return ""
