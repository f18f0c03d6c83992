"""A partner centre's demo export, so that ``make run`` shows the union catalogue at work.

With one centre's records alone, the catalogue never has to say "held by" two centres.
This export is another centre's PMB catalogue: every third record of the centre's own
demo export that is a book with an ISBN (the same manifestation: ISBN, title, authors,
publisher, year) appears in it under the partner's own record number, barcodes and
lender, and the other records are the partner's own (the generator's records for another
seed). Imported as a second source, the shared books come out once in the results with
both centres and each one's availability, and the record page lists each centre's
version; the partner's own records add a second value to the "centre" facet.

Deterministic, like the centre's export: same arguments, same bytes.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pymarc

from catalogue.demo.generator import kind_at, record_at, write_records

#: Every this many positions, the partner holds the centre's book (when it is one).
SHARED_EVERY = 3
#: The partner numbers its copies of the centre's books from here (its own ids are 1..count).
SHARED_IDS = 500_000
PARTNER_SEED = 2
BARCODE_PREFIX = "GR"
LENDER = "CR Grenoble"


def _as_partners(record: pymarc.Record) -> pymarc.Record:
    """The partner's copies: its barcodes and lender; PMB's 996 item dump left out."""
    for field in record.get_fields("996"):
        record.remove_field(field)
    for field in record.get_fields("995"):
        for code in ("a", "c"):
            if field.get(code):
                field[code] = LENDER
        barcode = field.get("f")
        if barcode:
            field["f"] = BARCODE_PREFIX + barcode[2:]
    return record


def _digits(isbn: str) -> str:
    """An ISBN as its digits (the generator writes some with hyphens, some without)."""
    return "".join(ch for ch in isbn if ch.isdigit() or ch in "xX")


def _isbns(record: pymarc.Record) -> list[str]:
    return [_digits(f["a"]) for f in record.get_fields("010") if f.get("a")]


def centre_isbns(count: int, seed: int = 1) -> frozenset[str]:
    """The ISBNs of the centre's first ``count`` books."""
    return frozenset(i for k in range(count) if kind_at(k, seed) == "mono"
                     for i in _isbns(record_at(k, seed)))


def partner_record(k: int, seed: int = 1, taken: frozenset[str] = frozenset()) -> pymarc.Record:
    """Record ``k`` of the partner's export of the centre's demo export for ``seed``.

    A book of the partner's own whose generated ISBN is one of ``taken`` (the centre's:
    the generator draws ISBNs at random within a publisher's range) loses it, so that
    two different books never share an ISBN and the union never merges them.
    """
    if k % SHARED_EVERY == 0 and kind_at(k, seed) == "mono":
        record = record_at(k, seed)
        if _isbns(record):
            record["001"].data = str(SHARED_IDS + k + 1)
            return _as_partners(record)
    record = record_at(k, PARTNER_SEED + seed)
    for field in record.get_fields("010"):
        if _digits(field.get("a") or "") in taken:
            field.delete_subfield("a")
            if not field.subfields:
                record.remove_field(field)
    return _as_partners(record)


def generate_partner(count: int = 2000, seed: int = 1) -> Iterator[pymarc.Record]:
    """Yield the partner's ``count`` records (beside the centre's ``count``), one at a time."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    taken = centre_isbns(count, seed)
    return (partner_record(k, seed, taken) for k in range(count))


def write_partner_export(path: pathlib.Path, count: int = 2000, seed: int = 1) -> int:
    """Write the partner's export as an ISO 2709 file in UTF-8; return the number of records."""
    return write_records(path, generate_partner(count, seed))
