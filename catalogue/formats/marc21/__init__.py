"""MARC 21 bibliographic: fields <-> :class:`Record`, and ISO 2709 in and out.

Partners on Koha and the LoC-style files we are sent speak MARC 21; the canonical model
follows UNIMARC, so codes are translated on the way in (leader values, relator codes,
subject subdivisions) and back on the way out. The writer serves any record, whatever
its flavour: it is what the OAI ``marcxml`` format exposes.

Three choices keep ``to_record(read(to_iso2709(r))) == r`` for every MARC 21 record:

- ISBD punctuation ending a subfield (" /", " :", " ;", ",", a final period that is not
  an initial's or an abbreviation's) is dropped on reading and never written back; the
  leader says so (leader/18 ``c``, "ISBD punctuation omitted").
- Fields are read in a canonical order: by tag, except the 5XX, 6XX, 7XX and 8XX
  blocks, whose order is the cataloguer's (notes, subject and author order matter),
  and the writer emits that same order.
- Every value is NFC, without the C0 controls ISO 2709 and XML cannot carry; invalid
  indicators and subfield codes are repaired the same way on reading and on writing, so
  that the output is valid against MARC21slim.xsd.
"""

from catalogue.formats.marc21.fields import clean, clean_field, order_key, text
from catalogue.formats.marc21.reader import parsed_from_raw, read, to_record
from catalogue.formats.marc21.writer import to_fields, to_iso2709

__all__ = [
    "clean",
    "clean_field",
    "order_key",
    "parsed_from_raw",
    "read",
    "text",
    "to_fields",
    "to_iso2709",
    "to_record",
]
