"""Atom feeds of searches and the OpenSearch description, built with lxml.

Any search can be followed in a feed reader (Koha and VuFind offer RSS of results, PMB
of its "nouveautés"): the feed is the search sorted newest first, each entry a record
with its permalink as id, so a reader shows a record once however often it polls. The
OpenSearch description lets a browser add the catalogue as a search engine and tells
clients where the HTML, Atom and JSON results live. Inputs are plain values (the web
layer builds the URLs); text is escaped by lxml, never concatenated into markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from catalogue.formats.printable import visible

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
OPENSEARCH_TYPE = "application/opensearchdescription+xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One record in a feed."""

    id: str  # the record's permalink
    title: str
    link: str
    updated: datetime
    summary: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    """The feed of one search."""

    id: str  # the feed's own URL
    title: str
    html_url: str
    updated: datetime
    entries: Sequence[FeedEntry]
    total: int = 0
    subtitle: str = ""
    generator: str = "catalogue-cohesion"


def _text(parent: etree._Element, name: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", attrib=attrs)
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    """Text without control characters (those XML 1.0 cannot carry, and NSB/NSE)."""
    return visible(text)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def atom(feed: Feed) -> bytes:
    """The Atom 1.0 document of ``feed`` (RFC 4287), UTF-8."""
    nsmap: Any = {None: ATOM, "opensearch": OPENSEARCH}
    root = etree.Element(f"{{{ATOM}}}feed", nsmap=nsmap)
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", _stamp(feed.updated))
    _text(root, "generator", feed.generator)
    etree.SubElement(root, f"{{{ATOM}}}link", rel="self", href=feed.id,
                     type="application/atom+xml")
    etree.SubElement(root, f"{{{ATOM}}}link", rel="alternate", href=feed.html_url,
                     type="text/html")
    total = etree.SubElement(root, f"{{{OPENSEARCH}}}totalResults")
    total.text = str(feed.total)
    if not feed.entries:
        author = etree.SubElement(root, f"{{{ATOM}}}author")
        _text(author, "name", feed.title)
    for item in feed.entries:
        entry = etree.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", _stamp(item.updated))
        etree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=item.link,
                         type="text/html")
        # Atom wants an author per entry or on the feed: a record without one names
        # the catalogue, which is who describes it.
        for name in item.authors or (feed.title,):
            author = etree.SubElement(entry, f"{{{ATOM}}}author")
            _text(author, "name", name)
        for category in item.categories:
            etree.SubElement(entry, f"{{{ATOM}}}category", term=_xml_safe(category))
        if item.summary:
            _text(entry, "summary", item.summary, type="text")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data


@dataclass(frozen=True, slots=True)
class OpenSearchDescription:
    """What the OpenSearch description announces."""

    short_name: str
    description: str
    html_template: str  # URL with {searchTerms} and {startPage?}
    atom_template: str
    json_template: str
    self_url: str
    language: str = "fr-FR"
    contact: str = ""


def opensearch(desc: OpenSearchDescription) -> bytes:
    """The OpenSearch 1.1 description document."""
    nsmap: Any = {None: OPENSEARCH}
    root = etree.Element(f"{{{OPENSEARCH}}}OpenSearchDescription", nsmap=nsmap)

    def add(name: str, text: str, **attrs: str) -> None:
        element = etree.SubElement(root, f"{{{OPENSEARCH}}}{name}", attrib=attrs)
        if text:
            element.text = _xml_safe(text)

    add("ShortName", desc.short_name[:16])
    add("Description", desc.description[:1024])
    add("InputEncoding", "UTF-8")
    add("OutputEncoding", "UTF-8")
    add("Language", desc.language)
    if desc.contact:
        add("Contact", desc.contact)
    add("Url", "", type="text/html", template=desc.html_template, method="get")
    add("Url", "", type="application/atom+xml", template=desc.atom_template)
    add("Url", "", type="application/json", template=desc.json_template)
    add("Url", "", type="application/opensearchdescription+xml", rel="self",
        template=desc.self_url)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data
