"""UNIMARC as PMB writes it: fields <-> Record, and ISO 2709 in and out.

``reader`` maps decoded fields to the canonical model, ``writer`` maps it back; this
package's namespace is the format's public face (``unimarc.read``, ``unimarc.to_iso2709``).
"""

from catalogue.formats.unimarc.reader import (
    content_id,
    parsed_from_raw,
    read,
    source_id_of,
    to_record,
)
from catalogue.formats.unimarc.writer import (
    CHARSET_CODES,
    fields_to_iso2709,
    to_fields,
    to_iso2709,
)

__all__ = [
    "CHARSET_CODES",
    "content_id",
    "fields_to_iso2709",
    "parsed_from_raw",
    "read",
    "source_id_of",
    "to_fields",
    "to_iso2709",
    "to_record",
]
