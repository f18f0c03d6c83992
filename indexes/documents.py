"""Record -> index document: a pure function, the only place that knows both shapes.

The document is a plain dict of strings (and bytes for sort columns), so it can be
tested without an index and handed to any engine, which maps it onto its own schema.
Availability is not decided here: the lending rules compute it (from the items as
catalogued and the desk's live states) and writers take them as an :data:`Availability`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from catalogue.records import Record, from_json
from indexes.analysis import (
    SEPARATOR,
    compose,
    fold,
    nfc,
    pairs,
    simplified,
    stems,
    stop_words,
)
from indexes.schema import (
    ALL,
    AUTHORS,
    COLLECTION_TEXT,
    DISPLAY_TITLE,
    FACETS,
    FULLTEXT_FIELDS,
    ID,
    IDENTIFIERS,
    PAIRS,
    PUBLISHER,
    SNIPPET,
    SORT_AUTHOR,
    SORT_NEW,
    SORT_TITLE,
    STOP_FIELDS,
    STOP_KEYS,
    STOP_MAIN_TITLE,
    STOP_TITLE,
    SUBJECTS,
    TITLE,
    TITLE_KEY,
    WORDS,
    stop_key,
)

#: Record -> its availability (``available``, ``onsite``, ``reserved``, ``on_loan``,
#: ``unavailable`` or ''), computed by the lending rules
#: (:func:`catalogue.lending.states.availability`): the index stores the value as given.
Availability = Callable[[Record], str]

#: Global id -> the text of the record's attached documents by access level (``public``,
#: ``readers``, ``staff``; see :data:`indexes.schema.FULLTEXT_FIELDS`), or None. The
#: catalogue reads it from its store (a dict's ``get`` will do); each level's text goes
#: to its own field, so a search reads only what its reader may download.
FullText = Callable[[str], Mapping[str, str] | None]

#: A geographic subject's label (UNIMARC 607) -> the labels of the territories it lies
#: in (:func:`catalogue.territories.containing`: "Villeurbanne (69)" -> "Métropole de Lyon
#: (69)", "Rhône (69)", "Auvergne-Rhône-Alpes"). They join the ``territory`` facet, so
#: that filtering on a département finds what was filed under one of its communes, on
#: every engine alike, and its count is what lies anywhere inside it.
Places = Callable[[str], Iterable[str]]

#: What writers take: a record, or a record with the moment it entered the catalogue.
#: That moment (the store's ``first_seen``) is the "newest" sort key: new acquisitions
#: and feeds follow arrival in the catalogue, not publication years. Without it, the
#: record's own creation date (100$a) stands in. The record may come as its canonical
#: JSON (the store's): it is then decoded where its document is built, in a writer
#: process when there are several. A third member, when present, is the record's full text
#: by access level (see :data:`FullText`; ``{}``: none), carried with the record so that a
#: rebuild streams the documents' text instead of holding all of it.
Texts = Mapping[str, str]
Indexable = (Record | tuple[Record | str | bytes, datetime | None]
             | tuple[Record | str | bytes, datetime | None, Texts | None])


def unpack(item: Indexable) -> tuple[Record, datetime | None, Texts | None]:
    """The record, its arrival moment and its full text, each if given."""
    if not isinstance(item, tuple):
        return item, None, None
    record, added, *rest = item
    texts = rest[0] if rest else None
    return (record if isinstance(record, Record) else from_json(record)), added, texts


SNIPPET_SOURCE_CHARS = 1500
_LEADING_ARTICLES = ("l'", "le ", "la ", "les ", "un ", "une ", "des ", "the ", "a ", "an ")
def _arrival(record: Record, added: datetime | None, year: int | None) -> bytes:
    """The "newest" key: arrival (else catalogue creation date), then publication year."""
    when = (added.astimezone(UTC).strftime("%Y%m%d%H%M%S") if added is not None
            else (record.created or "00000000")[:8].ljust(8, "0") + "000000")
    return f"{when}{year or 0:04d}".encode("ascii")


#: Runs of letters and digits (``\w`` is ``str.isalnum`` plus the underscore).
_ALNUM = re.compile(r"[^\W_]+")


def identifier_key(text: str) -> str:
    """Identifiers compared without case, accents, spaces or punctuation; digits of any
    script read as ASCII ones (folding already turns full-width and superscript digits
    into them, not Arabic-Indic or Devanagari ones), so an ISBN typed in them has the
    same key and the same 10/13-digit variants."""
    key = "".join(_ALNUM.findall(fold(text)))
    return key if key.isascii() else "".join(map(_ascii_digit, key))


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return char if value is None else str(value)


def isbn_variants(value: str) -> tuple[str, ...]:
    """An ISBN's key in both its 10- and 13-digit forms (when it is a valid-looking one)."""
    key = identifier_key(value).upper()
    if len(key) == 10 and key[:9].isdigit():
        core = "978" + key[:9]
        check = (10 - sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(core)) % 10) % 10
        return key.lower(), core + str(check)
    if len(key) == 13 and key.isdigit() and key.startswith("978"):
        core = key[3:12]
        total = sum(int(d) * (10 - n) for n, d in enumerate(core))
        check10 = (11 - total % 11) % 11
        return key, core + ("x" if check10 == 10 else str(check10))
    return (key.lower(),) if key else ()


def sort_title(text: str) -> bytes:
    """A title's sort key: folded, leading article ignored (``Les acteurs`` -> ``acteurs``)."""
    key = fold(text).strip(" «»\"'[(")
    for article in _LEADING_ARTICLES:
        if key.startswith(article):
            key = key[len(article):]
            break
    return key.encode("utf-8")


def title_key(text: str) -> str:
    """A title as one comparable string of its analysed words."""
    return " ".join(stems(text))


def stop_title_key(prefix: str, text: str) -> str:
    """A title made only of stop words as ``prefix`` and its distinct folded words ('' for
    a title without words): what a query of those words ranks first."""
    found = dict.fromkeys(simplified(text).split())
    return prefix + " ".join(found) if found else ""


class _StopKeys(dict[str, tuple[str, ...]]):
    """A field's text -> its ``title_key`` stop-word values, each once, remembered
    (emptied when full): collections and publishers recur from record to record, and
    the words of titles, which are looked up one whitespace-free chunk at a time."""

    LIMIT = 20_000

    def __init__(self, field: str) -> None:
        super().__init__()
        self.prefix = stop_key(field, "")

    def __missing__(self, text: str) -> tuple[str, ...]:
        if len(self) >= self.LIMIT:
            self.clear()
        keys = self[text] = tuple(map(self.prefix.__add__, dict.fromkeys(stop_words(text))))
        return keys


_FIELD_STOP_KEYS = {field: _StopKeys(field) for field in STOP_FIELDS if field != TITLE}
#: A title's chunks (words with their punctuation) -> its stop-word values.
_TITLE_CHUNKS = _StopKeys(TITLE)


def _title_keys(display: str, titles: Iterable[str], text: str,
                fields: tuple[tuple[str, str], ...]) -> list[str]:
    """The ``title_key`` values (:mod:`indexes.schema`): the title's and each main title's
    stems (the folded words of one made only of stop words), :data:`STOP_KEYS`, the stop
    words of the title field's ``text`` and those of ``fields`` (name, text; a word
    repeated is joined once)."""
    whole = title_key(display)
    keys = [whole or stop_title_key(STOP_TITLE, display)]
    for main in titles:
        key = title_key(main)
        keys.append("~" + key if key else stop_title_key(STOP_MAIN_TITLE, main))
    keys.append(STOP_KEYS)
    keys.extend(chain.from_iterable(map(_TITLE_CHUNKS.__getitem__, nfc(text).split())))
    for field, value in fields:
        if value:
            keys.extend(_FIELD_STOP_KEYS[field][value])
    return keys


#: Field values made by :func:`_join` -> their values, for a few documents.
_JOINED: dict[str, list[str]] = {}


def _join(values: Iterable[str]) -> str:
    """The distinct non-empty values, in order, as one separated field value, remembered
    for a while when no value holds the separator (:func:`values` reads it back)."""
    distinct = list(filter(None, dict.fromkeys(values)))
    text = SEPARATOR.join(distinct)
    if len(distinct) > 1 and text.count(SEPARATOR) == len(distinct) - 1:
        if len(_JOINED) >= 512:
            _JOINED.clear()
        _JOINED[text] = distinct
    return text


def values(text: str) -> list[str]:
    """The distinct non-empty values of a separated field value, in order: the values of
    a document just built come back without splitting and comparing them again."""
    known = _JOINED.get(text)
    if known is not None:
        return list(known)
    return list(filter(None, dict.fromkeys(text.split(SEPARATOR))))


def _identifiers(record: Record) -> list[str]:
    keys = [identifier_key(record.global_id), identifier_key(record.source_id)]
    for ident in record.identifiers:
        if ident.scheme == "isbn":
            keys.extend(isbn_variants(ident.value))
        else:
            keys.append(identifier_key(ident.value))
    keys.extend(identifier_key(s.issn) for s in record.series if s.issn)
    keys.extend(identifier_key(s.issn) for s in record.serial_links if s.issn)
    for item in record.items:
        keys.append(identifier_key(item.barcode))
        keys.append(identifier_key(item.call_number))
    return keys


def document(record: Record, availability: Availability | None = None,
             added: datetime | None = None, fulltext: FullText | None = None,
             texts: Texts | None = None, places: Places | None = None) -> dict[str, Any]:
    """The index document of ``record`` (field name -> value); ``added``: see :data:`Indexable`."""
    title = record.title
    display = nfc(title.display())
    titles = " ; ".join([display, *title.parallel, *title.part_number, *title.part_name])
    names = [agent.display() for agent in record.agents]
    authors = " ; ".join(names)
    subjects = " ; ".join(
        [*(d.display() for d in record.descriptors), *record.keywords,
         *(i.label for i in record.indexing if i.label)]
    )
    collections = [s.title for s in record.series] + [s.title for s in record.serial_links]
    publishers = [p for pub in record.publications for p in pub.publishers]
    notes = [*record.abstracts, *record.general_notes, *record.contents_notes]
    collection_text = " ; ".join(dict.fromkeys(c for c in collections if c))
    publisher_text = " ; ".join(dict.fromkeys(publishers))
    parts = [titles, *title.responsibility, *title.other_author, authors, subjects,
             collection_text, publisher_text, *record.edition, *notes]
    body = " ; ".join([titles, *parts])
    year = record.year()
    snippet = next((n for n in notes if n.strip()), "")[:SNIPPET_SOURCE_CHARS]
    doc: dict[str, Any] = {
        ID: record.global_id,
        ALL: body,
        TITLE: titles,
        AUTHORS: authors,
        SUBJECTS: subjects,
        COLLECTION_TEXT: collection_text,
        PUBLISHER: publisher_text,
        WORDS: compose([titles, authors, subjects, collection_text, publisher_text, *notes]),
        IDENTIFIERS: _join(_identifiers(record)),
        PAIRS: _join(chain.from_iterable(map(pairs, parts))),
        TITLE_KEY: _join(_title_keys(display, (title.main, *title.parallel), titles, (
            (COLLECTION_TEXT, collection_text), (PUBLISHER, publisher_text)))),
        DISPLAY_TITLE: display,
        SNIPPET: nfc(snippet),
        SORT_TITLE: sort_title(title.sort_text()),
        SORT_AUTHOR: fold(names[0]).encode("utf-8") if names else b"\xff",
        SORT_NEW: _arrival(record, added, year),
    }
    facets = {
        "doctype": record.shown_type,
        "year": str(year) if year else "",
        "language": _join(record.languages),
        "source": record.source,
        "descriptor": _join(nfc(d.label) for d in record.descriptors),
        "collection": _join(nfc(s.title) for s in record.series),
        "author": _join(map(nfc, names)),
        "territory": _join(nfc(label) for d in record.descriptors if d.tag == "607"
                           for label in (d.label, *(places(d.label) if places else ()))),
        "availability": availability(record) if availability else "",
        "parent": _join(record.parent_ids() + record.serial_keys()),
    }
    if texts is None:
        texts = (fulltext(record.global_id) if fulltext is not None else None) or {}
    levels = [level for level, field in FULLTEXT_FIELDS.items() if texts.get(level, "").strip()]
    for level in levels:
        doc[FULLTEXT_FIELDS[level]] = nfc(texts[level])
    facets["fulltext"] = _join(levels)
    for name, value in facets.items():
        if value and name in FACETS:  # the schema's facets only (an older one lacks some)
            doc[FACETS[name]] = value
    return doc
