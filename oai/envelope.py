"""The XML around every answer: the OAI-PMH root, responseDate, request, headers, errors.

Built with lxml and serialised once, in UTF-8 (the only encoding OAI-PMH allows), except
the records of the lists: their metadata arrives already serialised (the store keeps it,
see :class:`oai.repository.Dissemination`), so each ``<record>`` or ``<header>`` is
written as text around it (:func:`record`, :func:`header`), a placeholder stands for it
in the tree, and :func:`serialise` puts the bytes in its place. Building a hundred
headers element by element cost as much as serving the kept metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from oai import datestamps, identifiers
from oai.errors import OaiError
from oai.repository import Entry, Origin

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = f"{OAI_IDENTIFIER} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
PROVENANCE = "http://www.openarchives.org/OAI/2.0/provenance"
PROVENANCE_SCHEMA = f"{PROVENANCE} http://www.openarchives.org/OAI/2.0/provenance.xsd"


def q(name: str) -> str:
    """An element name in the OAI-PMH namespace."""
    return f"{{{OAI}}}{name}"


def sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append an OAI-PMH element with optional text and attributes."""
    element = etree.SubElement(parent, q(name), attrs)
    if text is not None:
        element.text = text
    return element


def root(now: datetime, base_url: str, echo: Mapping[str, str]) -> etree._Element:
    """``<OAI-PMH>`` with its responseDate and request elements."""
    nsmap: Any = {None: OAI, "xsi": XSI}
    element = etree.Element(q("OAI-PMH"), nsmap=nsmap)
    element.set(f"{{{XSI}}}schemaLocation", OAI_SCHEMA)
    sub(element, "responseDate", datestamps.format(now))
    sub(element, "request", base_url, **echo)
    return element


#: The placeholder as lxml serialises it. A processing instruction cannot occur inside
#: text or attributes, where lxml escapes '<', so only our placeholders produce it.
_PLACEHOLDER = b"<?oai-piece ?>"


def _piece(parent: etree._Element, data: bytes, pieces: list[bytes]) -> None:
    parent.append(etree.ProcessingInstruction("oai-piece"))
    pieces.append(data)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header_text(repository: str, entry: Entry) -> str:
    status = ' status="deleted"' if entry.deleted else ""
    identifier = _escape(identifiers.make(repository, entry.source, entry.source_id))
    specs = "".join(f"<setSpec>{_escape(spec)}</setSpec>" for spec in entry.sets)
    return (f"<header{status}><identifier>{identifier}</identifier>"
            f"<datestamp>{datestamps.format(entry.datestamp)}</datestamp>{specs}</header>")


def header(parent: etree._Element, repository: str, entry: Entry, pieces: list[bytes]) -> None:
    """Append a record's ``<header>``: identifier, datestamp, sets, deleted status.

    Args:
        parent: the element the header goes into.
        repository: the repositoryIdentifier.
        entry: the record.
        pieces: where the serialised header waits for :func:`serialise`.
    """
    _piece(parent, _header_text(repository, entry).encode("utf-8"), pieces)


def record(parent: etree._Element, repository: str, entry: Entry, pieces: list[bytes]) -> None:
    """Append a ``<record>``: its header, its metadata unless deleted, its provenance.

    Args:
        parent: the element the record goes into.
        repository: the repositoryIdentifier.
        entry: the record, with its serialised metadata.
        pieces: where the serialised record waits for :func:`serialise`.
    """
    parts = [f"<record>{_header_text(repository, entry)}".encode()]
    if not entry.deleted and entry.metadata is not None:
        parts += (b"<metadata>", entry.metadata, b"</metadata>")
        if entry.origin is not None:
            parts.append(etree.tostring(provenance(entry.origin), encoding="UTF-8",
                                        xml_declaration=False))
    parts.append(b"</record>")
    _piece(parent, b"".join(parts), pieces)


def serialise(element: etree._Element, pieces: Sequence[bytes] = ()) -> bytes:
    """The document as UTF-8 bytes with its XML declaration.

    Args:
        element: the root.
        pieces: the serialised records and headers given to :func:`record` and
            :func:`header`, in document order.
    """
    data: bytes = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    if not pieces:
        return data
    parts = data.split(_PLACEHOLDER)
    if len(parts) != len(pieces) + 1:
        raise AssertionError(f"{len(parts) - 1} placeholders for {len(pieces)} pieces")
    out = [parts[0]]
    for piece, part in zip(pieces, parts[1:], strict=True):
        out += (piece, part)
    return b"".join(out)


def errors(now: datetime, base_url: str, echo: Mapping[str, str],
           problems: Sequence[OaiError]) -> bytes:
    """An error response (HTTP 200) with one ``<error>`` per problem."""
    element = root(now, base_url, echo)
    for problem in problems:
        sub(element, "error", problem.message, code=problem.code)
    return serialise(element)


def provenance(origin: Origin) -> etree._Element:
    """An ``<about>`` holding the provenance of a re-exposed record (provenance.xsd)."""
    outer: Any = {None: OAI}
    about = etree.Element(q("about"), nsmap=outer)
    inner: Any = {None: PROVENANCE, "xsi": XSI}
    block = etree.SubElement(about, f"{{{PROVENANCE}}}provenance", nsmap=inner)
    block.set(f"{{{XSI}}}schemaLocation", PROVENANCE_SCHEMA)
    described = etree.SubElement(block, f"{{{PROVENANCE}}}originDescription",
                                 harvestDate=datestamps.format(origin.harvest_date),
                                 altered="true")
    for name, value in (("baseURL", origin.base_url), ("identifier", origin.identifier),
                        ("datestamp", datestamps.format(origin.datestamp)),
                        ("metadataNamespace", origin.metadata_namespace)):
        etree.SubElement(described, f"{{{PROVENANCE}}}{name}").text = value
    return about


def oai_identifier(parent: etree._Element, repository: str, sample: str) -> etree._Element:
    """Identify's ``<description>`` declaring the oai-identifier scheme."""
    description = sub(parent, "description")
    nsmap: Any = {None: OAI_IDENTIFIER, "xsi": XSI}
    block = etree.SubElement(description, f"{{{OAI_IDENTIFIER}}}oai-identifier", nsmap=nsmap)
    block.set(f"{{{XSI}}}schemaLocation", OAI_IDENTIFIER_SCHEMA)
    for name, value in (("scheme", "oai"), ("repositoryIdentifier", repository),
                        ("delimiter", ":"), ("sampleIdentifier", sample)):
        etree.SubElement(block, f"{{{OAI_IDENTIFIER}}}{name}").text = value
    return description
