"""One harvested ``<record>`` -> one :class:`Parsed`, through ``catalogue.formats``.

The OAI identifier is the record's id in its source (``source_id``): it is the only id
the protocol guarantees stable, and the only one a deleted header carries. What the
payload says its own id is (001) stays in the raw payload. A deleted header becomes a
``Parsed(deleted=True)``, which the store turns into a tombstone. A record that cannot
be mapped becomes a rejected ``Parsed`` naming its identifier and why, so the rest of
its page is kept.
"""

from __future__ import annotations

from lxml import etree

from catalogue.formats import dublincore, marcxml, pmbxml
from catalogue.formats.base import Parsed
from catalogue.records import Record, Title, replace
from harvesters.oai_protocol import Header, UnsupportedFormat, localname, payload

#: metadataPrefix -> our reader, for the prefixes PMB, Koha, VuFind and DSpace serve.
PREFIXES = {
    "oai_dc": "dc",
    "marcxml": "marcxml",
    "marc21": "marc21",
    "marc": "marcxml",
    "unimarc": "unimarc",
    "pmb_xml_unimarc": "pmbxml",
}
#: config.toml ``format`` of an OAI source -> the prefix asked for when none is configured.
DEFAULT_PREFIX = {"auto": "oai_dc", "dc": "oai_dc", "marcxml": "marcxml", "marc21": "marc21",
                  "unimarc": "unimarc", "pmbxml": "pmb_xml_unimarc"}
READERS = ("dc", "marcxml", "marc21", "unimarc", "pmbxml")


def reader_for(metadata_prefix: str, configured: str = "auto") -> str:
    """Which reader maps ``metadata_prefix`` (the source's ``format`` wins unless 'auto').

    Raises:
        UnsupportedFormat: neither the prefix nor the configured format is one we map.
    """
    if configured in READERS:
        return configured
    if configured not in ("auto", ""):
        raise UnsupportedFormat(f"format {configured!r} cannot be harvested "
                                f"(choose {', '.join(READERS)})")
    try:
        return PREFIXES[metadata_prefix]
    except KeyError:
        raise UnsupportedFormat(
            f"metadata format {metadata_prefix!r} is not supported "
            f"(supported: {', '.join(PREFIXES)}; or set the source's format)"
        ) from None


def _rejected(position: int, page: int, raw: bytes, source_id: str, why: str) -> Parsed:
    return Parsed(position=position, offset=page, raw=raw, error=why, source_id=source_id)


def _serialise(element: etree._Element) -> bytes:
    data: bytes = etree.tostring(element, encoding="utf-8", with_tail=False)
    return data


def _marc_element(element: etree._Element) -> etree._Element | None:
    """The MARC ``<record>`` (or PMB ``<notice>``) inside a payload, or the payload itself."""
    if localname(element) in ("record", "notice"):
        return element
    for inner in element.iterdescendants():
        if localname(inner) in ("record", "notice"):
            return inner
    return None


def _dc_parsed(element: etree._Element, source: str, oai_id: str, position: int,
               page: int) -> Parsed:
    """An oai_dc payload as its final Parsed at once, the record built with its identity.

    Every record of an oai_dc harvest comes here: no intermediate Parsed (a frozen
    dataclass costs a setattr per field) and no copy of the record to stamp its id.
    """
    mapped = dublincore.from_payload(element, source, oai_id)
    if mapped is None:
        raise ValueError(f"the <{localname(element)}> payload holds no Dublin Core element")
    record, notes = mapped
    return Parsed(position=position, offset=page, raw=_serialise(element), record=record,
                  warnings=tuple(notes), source_id=oai_id, charset="utf-8")


def _mapped(element: etree._Element, reader: str, source: str, position: int) -> Parsed:
    marc = _marc_element(element)
    if marc is None:
        raise ValueError(f"no MARC record in the <{localname(element)}> payload")
    if localname(marc) == "notice" or reader == "pmbxml":
        if localname(marc) != "notice":
            raise ValueError(f"expected a PMB <notice>, found <{localname(marc)}>")
        return pmbxml.parsed_from_notice(marc, source, position)
    flavour = {"marcxml": "auto", "marc21": "marc21", "unimarc": "unimarc"}[reader]
    return marcxml.parsed_from_element(marc, source, position, flavour)


def parsed_from_record(
    element: etree._Element, header: Header, reader: str, source: str, position: int, page: int
) -> Parsed:
    """Map one ``<record>`` of a ListRecords page; never raises for its content.

    ``position`` counts records over the whole harvest, ``page`` is the page number
    (kept as the offset so a report says where the record came from).
    """
    oai_id = header.identifier
    if not oai_id:
        return _rejected(position, page, _serialise(element), "",
                         "record header has no <identifier>: cannot be stored or deleted")
    if header.deleted:
        tombstone = Record(source=source, source_id=oai_id, title=Title(main=""))
        return Parsed(position=position, offset=page, raw=_serialise(element), record=tombstone,
                      source_id=oai_id, deleted=True)
    body = payload(element)
    if body is None:
        return _rejected(position, page, _serialise(element), oai_id,
                         f"{oai_id}: live record without <metadata>")
    try:
        if reader == "dc":
            return _dc_parsed(body, source, oai_id, position, page)
        parsed = _mapped(body, reader, source, position)
    except Exception as exc:  # one unmappable record must never stop its page
        return _rejected(position, page, _serialise(body), oai_id,
                         f"{oai_id}: cannot be mapped from {reader}: {exc}")
    if parsed.record is None:
        return _rejected(position, page, parsed.raw, oai_id, f"{oai_id}: {parsed.error}")
    return Parsed(
        position=position, offset=page, raw=parsed.raw,
        record=replace(parsed.record, source=source, source_id=oai_id),
        warnings=parsed.warnings, source_id=oai_id, charset=parsed.charset or "utf-8",
    )
