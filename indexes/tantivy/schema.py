"""The tantivy schema of the fields named in :mod:`indexes.schema`, and the document.

Text fields hold the words :mod:`indexes.analysis` produced, joined by spaces (the
``whitespace`` tokenizer reads them back): ``all``, ``collection`` and ``publisher``
with frequencies, ``title``, ``subjects`` and ``authors`` with positions (phrases),
``words`` with document counts only (prefixes, spelling). Exact values (identifiers,
pairs, title keys, facets) are one ``raw`` term per value; facets are also fast
columns, which the terms aggregations count. What a page shows is stored as bytes,
unindexed. Sort keys are fast columns: title and author as text, the arrival key as an
integer; years have an integer column for ranges.
"""

from __future__ import annotations

from typing import Any

import msgspec
import tantivy

from indexes.analysis import simplified, stemmed
from indexes.documents import values
from indexes.schema import (
    ALL,
    AUTHORS,
    COLLECTION_TEXT,
    DISPLAY_TITLE,
    FACETS,
    FULLTEXT_FIELDS,
    ID,
    IDENTIFIERS,
    PAIRS,
    PUBLISHER,
    SNIPPET,
    SORT_AUTHOR,
    SORT_NEW,
    SORT_TITLE,
    SUBJECTS,
    TITLE,
    TITLE_KEY,
    WORDS,
)

#: Stored, unindexed copies of what a hit shows (the indexed fields hold analysed words).
SHOWN_AUTHORS = "shown_authors"
#: Publication year as an integer, for ``annee:2010-2020``.
YEAR_NUMBER = "n_year"
#: No first author sorts last.
LAST = "\U0010ffff"

STEMMED = (ALL, TITLE, SUBJECTS, COLLECTION_TEXT, PUBLISHER, *FULLTEXT_FIELDS.values())
FOLDED = (AUTHORS, WORDS)
VALUES = (IDENTIFIERS, PAIRS, TITLE_KEY)
#: Facets whose stored values spelling reads to spell a suggestion as the catalogue does.
STORED_FACETS = frozenset({FACETS["descriptor"], FACETS["collection"]})


def build(stemmed: str = "whitespace", folded: str = "whitespace",
          catch_all: str = "freq") -> tantivy.Schema:
    """The schema (tantivy keeps it in the index's ``meta.json``). ``stemmed`` and
    ``folded`` name the tokenizers of the analysed and folded text fields, ``catch_all``
    the index option of ``all``: other values only for ``bench/analysis_cost.py``, which
    measures tantivy analysing the text itself."""
    b = tantivy.SchemaBuilder()
    b.add_text_field(ID, stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field(ALL, tokenizer_name=stemmed, index_option=catch_all)
    for name in (TITLE, SUBJECTS):
        b.add_text_field(name, tokenizer_name=stemmed, index_option="position")
    b.add_text_field(AUTHORS, tokenizer_name=folded, index_option="position")
    for name in (COLLECTION_TEXT, PUBLISHER, *FULLTEXT_FIELDS.values()):
        b.add_text_field(name, tokenizer_name=stemmed, index_option="freq")
    b.add_text_field(WORDS, tokenizer_name=folded, index_option="basic")
    for name in VALUES:
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for field in FACETS.values():
        b.add_text_field(field, stored=field in STORED_FACETS, fast=True,
                         tokenizer_name="raw", index_option="basic")
    b.add_integer_field(YEAR_NUMBER, indexed=True, fast=True)
    for name in (DISPLAY_TITLE, SNIPPET, SHOWN_AUTHORS):
        b.add_bytes_field(name, stored=True)
    for name in (SORT_TITLE, SORT_AUTHOR):
        b.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    b.add_integer_field(SORT_NEW, fast=True)
    return b.build()


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The tantivy fields of an engine-neutral document (:func:`indexes.documents.document`):
    plain values, so that they can be computed in another process."""
    out: dict[str, Any] = {ID: str(doc[ID])}
    for name in STEMMED:
        if doc.get(name):
            out[name] = stemmed(doc[name])
    for name in FOLDED:
        if doc.get(name):
            out[name] = simplified(doc[name])
    for name in (*VALUES, *FACETS.values()):
        if doc.get(name):
            out[name] = values(doc[name])
    year = str(doc.get(FACETS["year"], ""))
    if year.isdigit() and len(year) <= 9:
        out[YEAR_NUMBER] = int(year)
    out[DISPLAY_TITLE] = _text(doc.get(DISPLAY_TITLE, "")).encode("utf-8")
    out[SNIPPET] = _text(doc.get(SNIPPET, "")).encode("utf-8")
    out[SHOWN_AUTHORS] = _text(doc.get(AUTHORS, "")).encode("utf-8")
    out[SORT_TITLE] = _text(doc.get(SORT_TITLE, b""))
    author = doc.get(SORT_AUTHOR, b"")
    out[SORT_AUTHOR] = LAST if author in (b"\xff", b"") else _text(author)
    arrival = _text(doc.get(SORT_NEW, b"0"))
    out[SORT_NEW] = int(arrival) if arrival.isdigit() and len(arrival) <= 18 else 0
    return out


_JSON = msgspec.json.Encoder()


def as_json(doc: dict[str, Any]) -> str:
    """:func:`fields` as the JSON tantivy's ``add_json`` reads (bytes as base64)."""
    return _JSON.encode(fields(doc)).decode("utf-8")
