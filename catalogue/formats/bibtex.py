"""BibTeX export: Record -> ``@type{key, field = {value}, ...}`` text, for LaTeX users.

Written, never read (like :mod:`catalogue.formats.ris`). The text is UTF-8, which biber,
biblatex and every reference manager read; only the characters BibTeX itself gives a
meaning to are escaped (``{ } \\ % & $ # _ ^ ~``), so a catalogue's stray brace can never
unbalance an entry and make the whole file unreadable. Titles are wrapped in a second
pair of braces: French titles are capitalised as catalogued, and a style must not
lower-case them.

Articles are ``@article`` with their periodical as ``journal``, printed monographs
``@book`` (``@misc`` when they have no publisher, which BibTeX requires of a book), and
every other document ``@misc``. Keys are ASCII: the first author's surname, the year and
the record's id, unique within one export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from catalogue.formats.ris import article_pages, flat, issue_number, publication_year
from catalogue.records import DOC_TYPES, Agent, Record

MEDIA_TYPE = "application/x-bibtex"

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
    "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
}
_SPECIAL_RE = re.compile(r"[\\{}%&$#_^~]")
_KEY_CHARS = re.compile(r"[^A-Za-z0-9]+")


def escape(text: str) -> str:
    """``text`` on one line with BibTeX's special characters escaped."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], flat(text))


def verbatim(text: str) -> str:
    """A URL or DOI as biblatex reads it (verbatim): only braces and backslashes encoded."""
    return flat(text).replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def entry_type(record: Record) -> str:
    """``article``, ``book`` or ``misc`` (see the module docstring)."""
    if record.bib_level == "a":
        return "article"
    publishers = any(p.publishers for p in record.publications)
    if record.doc_type in ("a", "b") and record.bib_level in ("m", "c") and publishers:
        return "book"
    return "misc"


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def base_key(record: Record) -> str:
    """``surname`` + ``year`` + ``_`` + record id, reduced to ASCII letters and digits."""
    author = next((a.name for a in record.agents if a.credit() == "author"), "")
    head = _KEY_CHARS.sub("", _ascii(author)).lower()[:20]
    tail = _KEY_CHARS.sub("", _ascii(record.global_id)).lower()[:40]
    return f"{head}{publication_year(record)}_{tail}".lstrip("_") or "notice"


def _people(agents: Iterable[Agent]) -> str:
    """Names joined by ``and``; a corporate body braced, so BibTeX never splits it."""
    return " and ".join(escape(a.display()) if a.kind == "person" else f"{{{escape(a.display())}}}"
                        for a in agents)


def _fields(record: Record) -> Iterator[tuple[str, str]]:
    title = record.title.display()
    if title:
        yield "title", f"{{{escape(title)}}}"
    for credit in ("author", "editor", "translator"):  # translator: biblatex's field
        agents = [a for a in record.agents if a.credit() == credit]
        if agents:
            yield credit, _people(agents)
    year = publication_year(record)
    if year:
        yield "year", year
    for link in record.serial_links:
        if link.tag == "461" and link.title.strip():
            yield "journal", escape(link.title)
            if link.issn:
                yield "issn", escape(link.issn)
        if link.tag == "463" and link.number:
            yield "number", escape(issue_number(link.number))
    pages = article_pages(record)
    if pages:
        yield "pages", f"{pages[0]}--{pages[1]}"
    publication = record.main_publication()
    if publication and publication.publishers:
        yield "publisher", escape(" ; ".join(publication.publishers))
    if publication and publication.places:
        yield "address", escape(" ; ".join(publication.places))
    if record.edition:
        yield "edition", escape(record.edition[0])
    series = record.distinct_series()
    if series:
        yield "series", escape(series[0].title)
        if series[0].number:
            yield "number", escape(series[0].number)
    isbns = [i.value for i in record.identifiers if i.scheme == "isbn" and not i.invalid]
    if isbns:
        yield "isbn", escape(", ".join(isbns))
    issns = [i.value for i in record.identifiers if i.scheme == "issn" and not i.invalid]
    if issns:
        yield "issn", escape(", ".join(issns))
    doi = next((i.value for i in record.identifiers if i.scheme == "doi"), "")
    if doi:
        yield "doi", verbatim(doi)
    if record.languages:
        yield "language", escape(", ".join(record.languages))
    keywords = [d.display() for d in record.descriptors] + list(record.keywords)
    if keywords:
        yield "keywords", escape(", ".join(dict.fromkeys(keywords)))
    if record.abstracts:
        yield "abstract", escape(" ".join(record.abstracts))
    notes = [*record.general_notes, *record.contents_notes]
    if entry_type(record) == "misc" and record.doc_type in DOC_TYPES:
        notes.insert(0, DOC_TYPES[record.doc_type])
    if notes:
        yield "note", escape(" ; ".join(notes))
    url = next((lk.url for lk in record.links), "") or next(
        (d.url for d in record.documents), "")
    if url:
        yield "url", verbatim(url)


def to_bibtex(record: Record, key: str | None = None) -> str:
    """``record`` as one BibTeX entry (``key`` defaults to :func:`base_key`)."""
    seen: set[str] = set()
    lines = []
    for name, value in _fields(record):
        if name in seen:  # BibTeX rejects a repeated field: the first one wins
            continue
        seen.add(name)
        lines.append(f"  {name} = {{{value}}}")
    return f"@{entry_type(record)}{{{key or base_key(record)},\n" + ",\n".join(lines) + "\n}\n"


def records_to_bibtex(records: Iterable[Record]) -> str:
    """Several entries separated by a blank line, their keys made unique (``a``, ``b``...)."""
    used: dict[str, int] = {}
    out = []
    for record in records:
        key = base_key(record)
        count = used.get(key, 0)
        used[key] = count + 1
        if count:
            key = f"{key}{_suffix(count)}"
        out.append(to_bibtex(record, key))
    return "\n".join(out)


def _suffix(n: int) -> str:
    """1 -> 'a', 26 -> 'z', 27 -> 'aa': the letters a second, third... twin gets."""
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
