"""Export formats offered to readers: one record or a selection, as a file to download.

The five formats of the issue, the ones PMB, Koha and VuFind users expect (anchors table
1e): RIS (Zotero, EndNote), BibTeX, UNIMARC ISO 2709 (back into a PMB), MARCXML (MARC 21
slim, what most other tools read) and simple Dublin Core. Each writer takes a batch of
records and returns bytes; a record a writer cannot serialise (an ISO 2709 record over
99,999 bytes, say) is left out of the file rather than failing the whole export.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from catalogue.formats import bibtex, dublincore, marcxml, ris, unimarc
from catalogue.formats.printable import visible
from catalogue.records import Record

log = logging.getLogger(__name__)

#: A record's permalink, for the formats that carry one (RIS ``UR``); None: not known.
Permalink = Callable[[Record], str] | None


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """A downloadable format: its parameter value, label, media type and file extension."""

    name: str
    label: str
    media_type: str
    extension: str
    write: Callable[[Sequence[Record], Permalink], bytes]
    binary: bool = False  # ISO 2709 bytes; the others are UTF-8 text

    @property
    def content_type(self) -> str:
        """The media type with its character set when it is text."""
        return self.media_type if self.binary else f"{self.media_type}; charset=utf-8"


def _each(write: Callable[[Record], bytes], records: Sequence[Record]) -> list[bytes]:
    out = []
    for record in records:
        try:
            out.append(write(record))
        except (ValueError, UnicodeError) as exc:  # one unwritable record, not the file
            log.warning("export: %s left out: %s", record.global_id, exc)
    return out


def _unimarc(records: Sequence[Record], _: Permalink = None) -> bytes:
    return b"".join(_each(unimarc.to_iso2709, records))


def _marcxml(records: Sequence[Record], _: Permalink = None) -> bytes:
    return marcxml.records_to_xml(records, flavour="marc21")


def _dublin_core(records: Sequence[Record], _: Permalink = None) -> bytes:
    """One ``oai_dc:dc`` document, or several inside a plain ``<records>`` root."""
    if len(records) == 1:
        return dublincore.to_xml(records[0])
    root = etree.Element("records")
    for record in records:
        root.append(dublincore.to_element(record))
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data


FORMATS: dict[str, ExportFormat] = {
    f.name: f for f in (
        ExportFormat("ris", "RIS (Zotero, EndNote)", ris.MEDIA_TYPE, "ris",
                     lambda rs, link: visible(ris.records_to_ris(rs, link)).encode("utf-8")),
        ExportFormat("bibtex", "BibTeX", bibtex.MEDIA_TYPE, "bib",
                     lambda rs, _: visible(bibtex.records_to_bibtex(rs)).encode("utf-8")),
        ExportFormat("unimarc", "UNIMARC ISO 2709", "application/marc", "mrc", _unimarc,
                     binary=True),
        ExportFormat("marcxml", "MARCXML", "application/marcxml+xml", "xml", _marcxml),
        ExportFormat("dc", "Dublin Core", "application/xml", "dc.xml", _dublin_core),
    )
}


def file_name(fmt: ExportFormat, records: Sequence[Record]) -> str:
    """``notice-crpv-10.ris`` for one record, ``notices.ris`` for a selection."""
    if len(records) == 1:
        slug = "".join(ch if ch.isalnum() else "-" for ch in records[0].global_id)[:60]
        return f"notice-{slug}.{fmt.extension}"
    return f"notices.{fmt.extension}"
