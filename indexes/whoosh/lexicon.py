"""The ``words`` lexicon of a Whoosh generation, for :mod:`indexes.spelling`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.reading import TermNotFound  # type: ignore[import-untyped]

from indexes.schema import AUTHORS, DISPLAY_TITLE, SNIPPET, WORDS
from indexes.whoosh.facets import FacetColumns
from indexes.whoosh.postings import Postings


class WhooshLexicon:
    """Frequencies from the cached postings, neighbours from Whoosh's edit automaton."""

    def __init__(self, postings: Postings, searcher: Any, columns: FacetColumns) -> None:
        self.postings = postings
        self.searcher = searcher
        self.columns = columns

    def frequency(self, word: str) -> int:
        return int(self.postings.frequency(WORDS, word))

    def nearest(self, word: str, edits: int) -> str | None:
        found = self.searcher.corrector(WORDS).suggest(word, limit=1, maxdist=edits, prefix=1)
        return str(found[0]) if found else None

    def texts(self, word: str, limit: int) -> Iterator[str]:
        try:
            matcher = self.searcher.postings(WORDS, word)
        except TermNotFound:
            return
        seen = 0
        while matcher.is_active() and seen < limit:
            doc = matcher.id()
            stored = self.searcher.stored_fields(doc)
            for field in (DISPLAY_TITLE, SNIPPET, AUTHORS):
                yield str(stored.get(field) or "")
            for name in ("descriptor", "collection"):
                yield " ".join(self.columns.column(name)[doc])
            seen += 1
            matcher.next()
