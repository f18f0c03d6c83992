"""OAI-PMH 2.0 responses read into plain values, and the errors a harvest can meet.

Responses come from partners we do not control, so every document goes through the
hardened parser (no entities, no DTD, no network) and a document declaring a DTD is
refused outright: an OAI-PMH response has no use for one, and refusing it closes the
door on entity expansion whatever libxml2's limits are. Lookups go by local name, so a
response written without the OAI namespace (some servers do) is read all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from catalogue.formats import xmlsafe

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
DAY = "YYYY-MM-DD"
SECOND = "YYYY-MM-DDThh:mm:ssZ"


class HarvestError(Exception):
    """A harvest cannot go on; the message says what to check, for an operator."""


class EndpointUnreachable(HarvestError):
    """The partner could not be reached (refused, timed out, kept failing with 5xx)."""


class NotAnEndpoint(HarvestError):
    """The URL answers, but not with OAI-PMH."""


class MalformedResponse(HarvestError):
    """A response that is not usable XML: not XML, undefined entity, wrong root, a DTD,
    or larger than the configured limit."""


class UnsupportedFormat(HarvestError):
    """The configured metadata format cannot be mapped, or the partner does not serve it."""


class OAIError(HarvestError):
    """An ``<error code=...>`` answer; ``code`` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}" if message else f"OAI-PMH error {code}")
        self.code = code
        self.detail = message


class BadResumptionToken(OAIError):
    """The partner refused a resumption token (expired, or lost by the server)."""


@dataclass(frozen=True, slots=True)
class Identify:
    """What a harvester needs from Identify."""

    repository_name: str
    base_url: str
    granularity: str  # DAY or SECOND
    deleted_record: str  # no, transient, persistent
    earliest_datestamp: str
    response_date: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Header:
    """A record header; ``identifier`` is empty when the partner left it out."""

    identifier: str
    datestamp: str
    deleted: bool
    sets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """One ListRecords answer: its record elements and where to go next."""

    records: list[etree._Element]
    token: str | None
    response_date: str
    cursor: int | None = None
    complete_list_size: int | None = None
    body: bytes = b""  # the response as received, for a mapping worker


def localname(element: etree._Element) -> str:
    """The tag without namespace ('' for comments and processing instructions)."""
    return xmlsafe.localname(element)


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Child elements called ``name``, whatever their namespace.

    lxml matches ``{*}name`` in C (any namespace or none), sparing a Python local-name
    split per child of every record of a harvest. It is the same test as comparing
    :func:`localname`: an element whose prefix was never declared, the one tag where
    the two could differ, makes :func:`parse` refuse the response.
    """
    return element.iterchildren(f"{{*}}{name}")


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child element called ``name``."""
    return next(children(element, name), None)


def text_of(element: etree._Element | None) -> str:
    """Stripped text of an element ('' when absent)."""
    if element is None:
        return ""
    if not len(element):  # no child: its text is all there is (most header values)
        return (element.text or "").strip()
    return "".join(str(t) for t in element.itertext()).strip()


def parse(body: bytes) -> etree._Element:
    """The ``OAI-PMH`` root of a response.

    Raises:
        MalformedResponse: not well-formed XML (undefined entity included), a DTD, or
            another root element.
    """
    if not body.strip():
        raise MalformedResponse("empty response")
    try:
        root = xmlsafe.fromstring(body)
    except etree.XMLSyntaxError as exc:
        message = (exc.msg or str(exc)).strip()
        if "amplification" in message:
            raise MalformedResponse(f"XML refused, entity expansion beyond limits: {message}") from None
        raise MalformedResponse(f"not well-formed XML: {message}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise MalformedResponse("XML refused: the response declares a DTD (entity expansion risk)")
    if localname(root) != "OAI-PMH" or xmlsafe.namespace(root) not in (OAI_NS, None):
        raise MalformedResponse(f"root element is <{localname(root) or root.tag}>, not <OAI-PMH>")
    return root


def errors(root: etree._Element) -> list[tuple[str, str]]:
    """The (code, message) pairs of the response's ``<error>`` elements."""
    return [(e.get("code", "") or "", text_of(e)) for e in children(root, "error")]


def raise_errors(root: etree._Element) -> None:
    """Raise the first error of a response (badResumptionToken as its own class)."""
    found = errors(root)
    if not found:
        return
    code, message = found[0]
    if code == "badResumptionToken":
        raise BadResumptionToken(code, message)
    raise OAIError(code, message)


def parse_datestamp(value: str) -> datetime | None:
    """A UTC datetime from an OAI datestamp (day or second granularity), None if invalid."""
    value = value.strip()
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    # Some servers add fractions of a second; the protocol does not, but nothing is lost.
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datestamp(moment: datetime, granularity: str) -> str:
    """``moment`` as the partner's granularity wants it (truncated, never rounded up)."""
    moment = moment.astimezone(UTC)
    if granularity == DAY:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_identify(root: etree._Element) -> Identify:
    """The Identify answer; unusable optional values become warnings, not failures.

    Raises:
        NotAnEndpoint: the response holds no ``<Identify>``.
        OAIError: the response is an OAI error.
    """
    raise_errors(root)
    ident = child(root, "Identify")
    if ident is None:
        raise NotAnEndpoint("the answer to Identify holds no <Identify> element")
    warnings: list[str] = []
    granularity = text_of(child(ident, "granularity"))
    if granularity not in (DAY, SECOND):
        warnings.append(f"granularity {granularity!r} is not valid: using {DAY}")
        granularity = DAY
    deleted = text_of(child(ident, "deletedRecord"))
    if deleted not in ("no", "transient", "persistent"):
        warnings.append(f"deletedRecord {deleted!r} is not valid: read as 'no'")
        deleted = "no"
    earliest = text_of(child(ident, "earliestDatestamp"))
    if earliest and parse_datestamp(earliest) is None:
        warnings.append(f"earliestDatestamp {earliest!r} is not a date: ignored")
        earliest = ""
    return Identify(
        repository_name=text_of(child(ident, "repositoryName")),
        base_url=text_of(child(ident, "baseURL")),
        granularity=granularity,
        deleted_record=deleted,
        earliest_datestamp=earliest,
        response_date=text_of(child(root, "responseDate")),
        warnings=tuple(warnings),
    )


def read_formats(root: etree._Element) -> list[str]:
    """The metadataPrefix values of a ListMetadataFormats answer."""
    raise_errors(root)
    listing = child(root, "ListMetadataFormats")
    if listing is None:
        return []
    return [text_of(child(f, "metadataPrefix")) for f in children(listing, "metadataFormat")]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def read_page(root: etree._Element, verb: str = "ListRecords") -> Page:
    """A ListRecords (or ListIdentifiers) answer; ``noRecordsMatch`` is an empty last page.

    The page's ``records`` are the ``<record>`` elements (the ``<header>`` elements of a
    ListIdentifiers answer).

    Raises:
        BadResumptionToken, OAIError: the partner answered with an error.
        MalformedResponse: neither an error nor a ``<ListRecords>``.
    """
    response_date = text_of(child(root, "responseDate"))
    found = errors(root)
    if found and found[0][0] == "noRecordsMatch":
        return Page(records=[], token=None, response_date=response_date)
    raise_errors(root)
    listing = child(root, verb)
    if listing is None:
        raise MalformedResponse(f"the response holds neither <{verb}> nor <error>")
    token_el = child(listing, "resumptionToken")
    token = text_of(token_el) or None
    return Page(
        records=list(children(listing, "record" if verb == "ListRecords" else "header")),
        token=token,
        response_date=response_date,
        cursor=_int(token_el.get("cursor")) if token_el is not None else None,
        complete_list_size=_int(token_el.get("completeListSize")) if token_el is not None else None,
    )


def read_header(record: etree._Element) -> Header:
    """The header of a ``<record>``, or a ListIdentifiers ``<header>`` itself (empty
    identifier when it has none)."""
    header = record if localname(record) == "header" else child(record, "header")
    if header is None:
        return Header(identifier="", datestamp="", deleted=False, sets=())
    # One pass over the header's few children, run for every record of a harvest.
    identifier: etree._Element | None = None
    datestamp: etree._Element | None = None
    sets: list[str] = []
    for item in header:
        name = localname(item)
        if name == "setSpec":
            sets.append(text_of(item))
        elif name == "identifier":
            identifier = item if identifier is None else identifier
        elif name == "datestamp":
            datestamp = item if datestamp is None else datestamp
    return Header(
        identifier=text_of(identifier),
        datestamp=text_of(datestamp),
        deleted=header.get("status") == "deleted",
        sets=tuple(sets),
    )


def payload(record: etree._Element) -> etree._Element | None:
    """The metadata element of a ``<record>`` (the first element inside ``<metadata>``)."""
    metadata = child(record, "metadata")
    if metadata is None:
        return None
    return next((c for c in metadata if isinstance(c.tag, str)), None)
