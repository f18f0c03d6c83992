"""RIS (Research Information Systems) export: Record -> text, for Zotero and EndNote.

Written, never read: users take references *out* of the catalogue into their reference
manager (PMB's ``pmbxml2ris``, Koha's ``opac-export.pl`` and VuFind's ``export.ini`` all
offer it). Each record becomes one ``TY`` ... ``ER`` block of ``TAG  - value`` lines,
separated by CRLF as the format's specification asks; values are flattened to one line,
since a line break would start a new (unknown) tag in every reader.

Type choice follows what a reader imports best: articles (bibliographic level ``a``) are
``JOUR`` with their periodical in ``T2``, serials ``JFULL``, printed monographs ``BOOK``,
and the UNIMARC document types that RIS names (video, sound, maps, music, electronic
resources) their own type; the rest is ``GEN``. This module imports nothing else of ours
but the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from catalogue.records import DOC_TYPES, Record

EOL = "\r\n"
MEDIA_TYPE = "application/x-research-info-systems"

_DOC_TYPE_RIS = {
    "a": "BOOK", "b": "BOOK", "c": "MUSIC", "d": "MUSIC", "e": "MAP", "f": "MAP",
    "g": "VIDEO", "i": "SOUND", "j": "SOUND", "k": "ART", "l": "ELEC", "m": "GEN", "r": "GEN",
}
_PAGES = re.compile(r"(\d+)\s*(?:-|–|à)\s*(\d+)")
#: The word PMB's issue numbers start with ("n° 357", "no. 12", "numéro 4").
_NUMBER_WORD = re.compile(r"^\s*(?:n\s*[°º]|no\.?|num(?:é|e)ro)\s*(?=\d)", re.IGNORECASE)


def ris_type(record: Record) -> str:
    """The RIS reference type of ``record`` (see the module docstring)."""
    if record.bib_level == "a":
        return "JOUR"
    if record.bib_level in ("s", "b") or record.is_issue:
        return "JFULL"
    return _DOC_TYPE_RIS.get(record.doc_type, "GEN")


def publication_year(record: Record) -> str:
    """The year of publication, or of the issue an article appeared in; '' when unknown."""
    year = record.year()
    if year:
        return str(year)
    for link in record.serial_links:
        found = re.search(r"\b(\d{4})\b", link.date)
        if found:
            return found.group(1)
    return ""


def issue_number(text: str) -> str:
    """An issue number as reference managers want it: ``n° 357`` -> ``357`` (Zotero
    printed "no. n° 357"); a number without that word is kept as catalogued."""
    return _NUMBER_WORD.sub("", text)


def article_pages(record: Record) -> tuple[str, str] | None:
    """First and last page of an article, from its page field or its extent ("p. 3-9")."""
    if record.bib_level != "a":
        return None
    texts = [link.page for link in record.serial_links] + [p.extent for p in record.physical]
    for text in texts:
        found = _PAGES.search(text)
        if found:
            return found.group(1), found.group(2)
    return None


def flat(text: str) -> str:
    """One line of text: every run of whitespace (line breaks included) made one space."""
    return " ".join(text.split())


def _lines(record: Record, permalink: str) -> Iterator[tuple[str, str]]:
    kind = ris_type(record)
    yield "TY", kind
    yield "TI", record.title.display()
    for title in record.title.parallel:
        yield "TT", title
    for agent in record.agents:
        # RIS: AU authors, ED editors, A4 translators, A2 other contributors.
        tag = {"author": "AU", "editor": "ED", "translator": "A4"}.get(agent.credit(), "A2")
        yield tag, agent.display()
    year = publication_year(record)
    if year:
        yield "PY", year
    for link in record.serial_links:
        if link.tag == "461" and link.title.strip():
            yield "T2", link.title
            if link.issn and not record.issns():
                yield "SN", link.issn
        if link.tag in ("461", "463") and link.number:
            yield "IS", issue_number(link.number)
    for series in record.distinct_series():
        yield "T3", " ; ".join(p for p in (series.title, series.number) if p)
    for edition in record.edition:
        yield "ET", edition
    for publication in [p for p in [record.main_publication()] if p]:
        for publisher in publication.publishers:
            yield "PB", publisher
        for place in publication.places:
            yield "CY", place
    for ident in record.identifiers:
        if ident.scheme in ("isbn", "issn") and not ident.invalid:
            yield "SN", ident.value
        elif ident.scheme == "doi":
            yield "DO", ident.value
    pages = article_pages(record)
    if pages:
        yield "SP", pages[0]
        yield "EP", pages[1]
    for physical in record.physical[:1]:
        if physical.extent and not pages:
            yield "M2", physical.extent
    yield "M3", DOC_TYPES.get(record.doc_type, "")
    for language in record.languages:
        yield "LA", language
    for descriptor in record.descriptors:
        yield "KW", descriptor.display()
    for keyword in record.keywords:
        yield "KW", keyword
    if record.abstracts:
        yield "AB", " ".join(record.abstracts)
    for note in (*record.general_notes, *record.contents_notes):
        yield "N1", note
    for url in record.links:
        yield "UR", url.url
    if not record.links and permalink:
        # No 856: the record's page is the one address a reader can go back to.
        yield "UR", permalink
    for document in record.documents:
        yield "L1", document.url
    calls = dict.fromkeys(item.call_number for item in record.items if item.call_number)
    for call_number in calls:
        yield "CN", call_number
    yield "AN", record.global_id


def to_ris(record: Record, permalink: str = "") -> str:
    """``record`` as one RIS reference (``TY`` to ``ER``), CRLF line ends.

    ``permalink``, the record's page in the catalogue, is its ``UR`` when the record has
    no link (856) of its own.
    """
    out = [f"{tag}  - {value}" for tag, value in
           ((tag, flat(value)) for tag, value in _lines(record, permalink)) if value]
    out.append("ER  - ")
    return EOL.join(out) + EOL


def records_to_ris(records: Iterable[Record],
                   permalink: Callable[[Record], str] | None = None) -> str:
    """Several references, one after the other, separated by a blank line."""
    return EOL.join(to_ris(record, permalink(record) if permalink else "")
                    for record in records)
