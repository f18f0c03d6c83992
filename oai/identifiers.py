"""OAI identifiers: ``oai:<repositoryIdentifier>:<source>:<source_id>``.

The oai-identifier scheme (one per repository, a domain name) keeps our identifiers
globally unique and lets a partner tell our records from anyone else's. The local part
names the record's source first: the store's key is (source, source_id), two partner
centres can both have a record 123, and a source slug cannot contain ':' so the split
is unambiguous. Source ids are whatever the source used (PMB numbers, ``123-bull``,
a partner's own OAI identifiers); every character outside the scheme's allowed set, and
'%' itself, is percent-encoded as UTF-8, so encoding is reversible and the result is
valid against oai-identifier.xsd.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

#: Characters the oai-identifier scheme allows in the local part, '%' excepted.
SAFE = "-_.!~*'();/?:@&=+$,"
_ENCODED = re.compile(r"%(?![0-9A-Fa-f]{2})")
MAX_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class LocalId:
    """What an identifier points at in the store."""

    source: str
    source_id: str


def make(repository: str, source: str, source_id: str) -> str:
    """The OAI identifier of the record (``source``, ``source_id``)."""
    return f"oai:{repository}:{source}:{quote(source_id, safe=SAFE)}"


def parse(repository: str, identifier: str) -> LocalId | None:
    """The record an identifier names, or None if it cannot name one of ours.

    Percent-escapes are decoded (so a harvester that over-encodes still finds the
    record); a stray '%' or invalid UTF-8 in the escapes makes the identifier unknown.
    """
    prefix = f"oai:{repository}:"
    if len(identifier) > MAX_LENGTH or not identifier.startswith(prefix) or "\x00" in identifier:
        return None
    source, sep, encoded = identifier[len(prefix):].partition(":")
    if not sep or not source or not encoded or _ENCODED.search(encoded):
        return None
    try:
        source_id = unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in source_id:  # %00: no record's id holds NUL (and PostgreSQL refuses it)
        return None
    return LocalId(source, source_id)


def sample(repository: str, source: str) -> str:
    """The ``sampleIdentifier`` shown by Identify."""
    return make(repository, source or "local", "1234")
