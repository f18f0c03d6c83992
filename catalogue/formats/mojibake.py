"""Mojibake already in a source: UTF-8 that was read as Latin-1 before it reached us.

Real Sciences Po call numbers read ``MEL8Â°071(05)``: the exporting base once took UTF-8
bytes for Latin-1 and re-encoded them. Our readers decode correctly what they are given,
so this is in the data itself; ftfy tells it apart from real accented text. Each such
record gets a warning naming the field; a source with ``repair_mojibake = true`` gets
the text repaired (ftfy's ``fix_encoding`` only: no other normalisation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

import msgspec
from ftfy import fix_encoding
from ftfy.badness import is_bad

from catalogue.formats.base import Parsed
from catalogue.formats.printable import visible
from catalogue.records import Record, to_dict, to_json_bytes


def _walk(value: Any, path: str, found: list[str], repair: bool) -> Any:
    if isinstance(value, str):
        # NSB/NSE markers are C1 controls that ftfy counts as bad: judged without them.
        if not value.isascii() and is_bad(visible(value)):
            found.append(f"{path} {value[:60]!r}")
            return fix_encoding(value) if repair else value
        return value
    if isinstance(value, dict):
        return {k: _walk(v, f"{path}.{k}" if path else k, found, repair)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v, f"{path}[{n}]", found, repair) for n, v in enumerate(value)]
    return value


#: A UTF-8 lead byte read as Latin-1 (Â-ï) followed by a continuation byte read as
#: Latin-1 (U+0080-U+00BF) or as Windows-1252 (€, ’, “, Œ...): what every mojibake of
#: this kind contains. One scan of the record's JSON rules out nearly every record before
#: the field-by-field check, which cost as much as reading the file.
_SUSPECT = re.compile(
    "[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022"
    "\u2026\u2030\u2039\u203a\u20ac\u2122]")


def review(parsed: Parsed, repair: bool) -> Parsed:
    """``parsed`` with a warning per field that holds mojibake, repaired when asked."""
    record = parsed.record
    if record is None:
        return parsed
    encoded = parsed.encoded or to_json_bytes(record)
    if not _SUSPECT.search(encoded.decode("utf-8")):
        # The store would encode it next: handed over, it is encoded once.
        return parsed if parsed.encoded else replace(parsed, encoded=encoded)
    found: list[str] = []
    data = _walk(to_dict(record), "", found, repair)
    if not found:
        return parsed
    verb = "repaired" if repair else "kept as it is (set repair_mojibake = true to repair)"
    notes = tuple(f"mojibake (UTF-8 read as Latin-1 upstream) in {where}: {verb}"
                  for where in found)
    fixed = msgspec.convert(data, Record) if repair else record
    return replace(parsed, record=fixed, warnings=parsed.warnings + notes, encoded=b""
                   if repair else parsed.encoded)


def review_all(results: Iterable[Parsed], repair: bool) -> Iterator[Parsed]:
    """:func:`review` over a reader's results."""
    for parsed in results:
        yield review(parsed, repair)
