"""The index fields, engine-neutral: which exist, how each is analysed, their public names.

One catch-all ``all`` field carries every searchable text (the title twice, which is
the title boost: a single-field query is several times cheaper than an OR
over four fields, see whoosh-performance.md). The narrower text fields exist only for
field queries (``titre:``, ``auteur:``, ``sujet:``). ``words`` holds the same text
folded but *not stemmed*, stop words kept, without frequencies or positions: prefix
expansion and spelling suggestions read its lexicon, so ``polit*`` expands over real word
beginnings rather than over stems, and a query of stop words only (``Vous et nous``)
requires its words there (:mod:`indexes.meaning`). ``pairs`` holds each pair of adjacent terms of the catch-all
text as one term, so that a phrase is a few term lookups instead of a position check.
The catch-all field keeps frequencies but no positions: its phrases are ``pairs``
lookups, and positions cost a tenth of the index update (pickled per posting).
``title_key`` holds the whole title (and the main title alone) as one term of its
analysed words, so a query that *is* a title finds it with one lookup and ranks it first.

It also holds, for queries made only of stop words (which the stemmed fields drop), the
stop words of each field a query may name (:data:`STOP_FIELDS`: ``title=nous``), a title
made only of stop words as its folded words (``=vous et nous``; ``~=`` for the main title
alone) and :data:`STOP_KEYS`, which every document built with those values carries
(:mod:`indexes.meaning` searches a document without it, built before, as before).

Facet fields hold exact values (one term per value); sort keys are per-document
columns. Each engine maps these fields onto its own schema (:mod:`indexes.whoosh.schema`,
:mod:`indexes.tantivy.schema`). Nothing here leaves the package: callers name facets and
sorts by the public names in :data:`FACETS` and :data:`SORTS`.
"""

from __future__ import annotations

ID = "id"
ALL = "all"
TITLE = "title"
AUTHORS = "authors"
SUBJECTS = "subjects"
COLLECTION_TEXT = "collection"
PUBLISHER = "publisher"
WORDS = "words"
PAIRS = "pairs"
TITLE_KEY = "title_key"
IDENTIFIERS = "ids"
DISPLAY_TITLE = "display_title"
SNIPPET = "snippet"
SORT_TITLE = "s_title"
SORT_AUTHOR = "s_author"
SORT_NEW = "s_new"
#: The text of a record's attached documents, one field per access level: a search reads
#: only the fields of the levels its reader may download (``SearchRequest.fulltext``).
FULLTEXT = "fulltext"
FULLTEXT_FIELDS: dict[str, str] = {
    "public": FULLTEXT,
    "readers": "fulltext_readers",
    "staff": "fulltext_staff",
}
#: Weight of a query word found in a document's text, against the record's own words
#: (BM25 on the catch-all field, weight 1): a record matched by its description ranks
#: before one matched only somewhere in a 200-page report.
FULLTEXT_WEIGHT = 0.3


def fulltext_fields(levels: tuple[str, ...]) -> tuple[str, ...]:
    """The full-text fields a search with these access levels reads."""
    return tuple(FULLTEXT_FIELDS[level] for level in levels if level in FULLTEXT_FIELDS)

#: Public facet name -> index field. Values are exact strings (codes or labels).
FACETS: dict[str, str] = {
    "doctype": "f_doctype",
    "year": "f_year",
    "language": "f_language",
    "source": "f_source",
    "descriptor": "f_descriptor",
    "collection": "f_collection",
    "author": "f_author",  # every agent as the card shows it ("Surname, Forename")
    "availability": "f_availability",
    "fulltext": "f_fulltext",  # the access levels of the record's documents with text
    "territory": "f_territory",  # geographic subjects (UNIMARC 607): the watch's territories
    "parent": "f_parent",  # global ids of the periodical and issue an issue or article is in
}
#: Facets that only filter (never counted nor warmed): a periodical's page asks for its
#: issues and articles by ``parent``; one value per periodical would only fill memory.
FILTER_ONLY = frozenset({"parent"})

#: Public sort name -> column (None: relevance).
SORTS: dict[str, str | None] = {
    "relevance": None,
    "newest": SORT_NEW,
    "title": SORT_TITLE,
    "author": SORT_AUTHOR,
}

#: Query prefixes (French and English) -> the field they search.
FIELD_PREFIXES: dict[str, str] = {
    "titre": TITLE, "title": TITLE,
    "auteur": AUTHORS, "author": AUTHORS,
    "sujet": SUBJECTS, "subject": SUBJECTS, "descripteur": SUBJECTS,
    "collection": COLLECTION_TEXT, "serie": COLLECTION_TEXT,
    "editeur": PUBLISHER, "publisher": PUBLISHER,
    "isbn": IDENTIFIERS, "issn": IDENTIFIERS, "cote": IDENTIFIERS, "callnumber": IDENTIFIERS,
    "codebarre": IDENTIFIERS, "barcode": IDENTIFIERS, "id": IDENTIFIERS,
}
#: Prefixes of the year range (``annee:2010-2020``).
YEAR_PREFIXES = frozenset({"annee", "year", "date"})

#: Fields whose stop words ``title_key`` holds as ``<field>=<word>``: stemmed fields a
#: query may name (``authors`` keeps its stop words itself). Not ``subjects``: its text
#: seldom recurs whole, and finding its stop words cost ~2.5% more instructions per
#: document prepared (callgrind over bench20k.db); ``sujet:de`` looks in the record's words.
STOP_FIELDS = (TITLE, COLLECTION_TEXT, PUBLISHER)
#: The ``title_key`` value of every document that holds the values above.
STOP_KEYS = "="
#: ``title_key`` prefixes of a whole title, and of a main title, made only of stop words.
STOP_TITLE, STOP_MAIN_TITLE = "=", "~="


def stop_key(field: str, word: str) -> str:
    """The ``title_key`` value saying that ``field`` holds the stop word ``word``."""
    return f"{field}={word}"

#: Analyser of each text field, for query-time analysis identical to index time.
FRENCH_FIELDS = frozenset({ALL, TITLE, SUBJECTS, COLLECTION_TEXT, PUBLISHER,
                           *FULLTEXT_FIELDS.values()})
FOLDED_FIELDS = frozenset({AUTHORS, WORDS})
