"""Searching one Whoosh generation: query trees evaluated as document sets.

Opening a Whoosh searcher costs 55-70 ms at 100k records and every cache below is tied
to one generation, so the facade (:class:`indexes.searcher.Searcher`) keeps one
:class:`WhooshReader` open until a commit makes it stale. Totals, facets and filters
work on exact document sets (:mod:`indexes.whoosh.evaluation`), relevance on cached
postings (:mod:`indexes.whoosh.ranking`).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexes.analysis import stems
from indexes.highlight import mark, snippet
from indexes.model import Hit, SearchRequest, SearchResult
from indexes.schema import (
    AUTHORS,
    DISPLAY_TITLE,
    FACETS,
    ID,
    SNIPPET,
    SORT_NEW,
    SORTS,
    fulltext_fields,
)
from indexes.syntax import Node, marks
from indexes.whoosh.evaluation import Evaluator
from indexes.whoosh.facets import FacetColumns, count_facets, restrict
from indexes.whoosh.lexicon import WhooshLexicon
from indexes.whoosh.postings import DocSet, Postings
from indexes.whoosh.ranking import Ranker
from indexes.whoosh.storage import storage

#: Attempts at opening a generation that a writer commits to at the same moment.
OPEN_ATTEMPTS = 5


def open_searcher(path: Path) -> Any:
    """A Whoosh searcher over the generation at ``path``.

    A commit (the catch-up update right after a rebuild, a harvest's update) writes a
    new table of contents and deletes the old one: an open that listed the old one can
    then find it gone (FileNotFoundError, an HTTP 500 on a search during `catalogue
    reindex`). The open is tried again on the new one.

    Its segments are read without a copy of their files in memory
    (:mod:`indexes.whoosh.storage`).
    """
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return storage(path).open_index().searcher()
        except FileNotFoundError:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _tier_of(tiers: list[DocSet]) -> Callable[[int], int]:
    """A document's tier among ``tiers`` (best first) as a number, higher first."""
    top = len(tiers)

    def tier(doc: int) -> int:
        for n, docs in enumerate(tiers):
            if doc in docs:
                return top - n
        return 0

    return tier


class WhooshReader:
    """Everything tied to one state of a Whoosh generation: searcher, postings, caches."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.searcher = open_searcher(path)
        self.postings = Postings(self.searcher.reader())
        self.columns = FacetColumns(self.postings)
        self.evaluator = Evaluator(self.postings, self.searcher)
        self.ranker = Ranker(self.postings)
        self._lexicon = WhooshLexicon(self.postings, self.searcher, self.columns)
        self._sort_keys: dict[str, list[bytes]] = {}
        self._global_ids: dict[int, str] | None = None
        self._within: tuple[frozenset[str], dict[int, str]] | None = None

    # --- lifecycle ----------------------------------------------------------------

    def up_to_date(self) -> bool:
        return bool(self.searcher.up_to_date())

    def has_fields(self, fields: tuple[str, ...]) -> bool:
        names = set(self.searcher.schema.names())
        return all(f in names for f in fields)

    def close(self) -> None:
        self.searcher.close()

    def warm(self, facets: tuple[str, ...], sorts: bool) -> None:
        for name in facets:
            self.columns.column(name)
        if sorts:
            for column in SORTS.values():
                self.sort_key(column or SORT_NEW)

    def document_count(self) -> int:
        return int(self.searcher.doc_count())

    def lexicon(self) -> WhooshLexicon:
        return self._lexicon

    def global_ids(self) -> dict[int, str]:
        """Document number -> global id of every live document (read once)."""
        if self._global_ids is None:
            self._global_ids = {doc: str(fields[ID])
                                for doc, fields in self.searcher.reader().iter_docs()}
        return self._global_ids

    def sort_key(self, column: str) -> list[bytes]:
        keys = self._sort_keys.get(column)
        if keys is None:
            keys = list(self.searcher.reader().column_reader(column))
            self._sort_keys[column] = keys
        return keys

    # --- searching ----------------------------------------------------------------

    def count(self, req: SearchRequest, node: Node) -> int:
        return len(self._matching(req, node)[0])

    def select(self, req: SearchRequest, node: Node,
               within: frozenset[str] | None = None) -> frozenset[str]:
        if within is None:
            final = self._matching(req, node)[0]
            ids = self.global_ids()
            return frozenset(ids[doc] for doc in final)
        # Among given records (a DSI run's new ones): their documents through the id
        # field's postings, not the stored fields of the whole index (1-2 s at 100k).
        given = self._given(within)
        if not given:
            return frozenset()
        self.evaluator.meaning.strict = True
        try:
            final = self._matching(req, node)[0]
        finally:
            self.evaluator.meaning.strict = False
        return frozenset(given[doc] for doc in given.keys() & final)

    def _given(self, within: frozenset[str]) -> dict[int, str]:
        """Document -> global id of ``within``'s documents, kept for the next call: a run
        asks about the same records for each of its equations."""
        if self._within is None or self._within[0] != within:
            self._within = (within, self.postings.lookup(ID, within))
        return self._within[1]

    def _matching(self, req: SearchRequest,
                  node: Node) -> tuple[DocSet, DocSet, dict[str, set[int]]]:
        matched = self.evaluator.docs(node)
        base = self.postings.all_docs() if matched is None else matched
        filters = {name: self.columns.filter_set(name, values)
                   for name, values in req.filters.items()}
        return restrict(base, filters), base, filters

    def search(self, req: SearchRequest, node: Node, degraded: bool) -> SearchResult:
        final, base, filters = self._matching(req, node)
        total = len(final)
        # A facet newer than the index (built before it existed) is left out until a rebuild.
        known = tuple(n for n in req.facets if self.has_fields((FACETS[n],)))
        facets = count_facets(self.columns, known, base, filters, req.filters,
                              req.facet_limit) if known else ()
        terms, prefixes = marks(node)
        offset = (req.page - 1) * req.page_size
        need = offset + req.page_size
        ranked: list[tuple[int, float]] = []
        if offset < total:
            if req.sort == "relevance" and terms:
                fields = fulltext_fields(req.fulltext)
                ranked = self.ranker.top(sorted(terms), final, need,
                                         title=" ".join(stems(req.query)),
                                         fulltext=fields if self.has_fields(fields) else ())
            else:
                column = SORTS[req.sort] or SORT_NEW
                keys = self.sort_key(column)
                tiers = (self.evaluator.meaning.tiers(node) or []
                         if req.sort == "relevance" else [])
                if any(tiers):  # stop words only: by title first (indexes.meaning)
                    tier = _tier_of(tiers)
                    order = heapq.nlargest(need, final, key=lambda d: (tier(d), keys[d], -d))
                elif column == SORT_NEW:
                    order = heapq.nlargest(need, final, key=lambda d: (keys[d], -d))
                else:
                    order = heapq.nsmallest(need, final, key=lambda d: (keys[d], d))
                ranked = [(d, 0.0) for d in order]
        hits = tuple(self._hit(doc, score, terms, prefixes, req.highlight)
                     for doc, score in ranked[offset:need])
        return SearchResult(req, total, hits, facets, None, degraded)

    def _hit(self, doc: int, score: float, terms: frozenset[str],
             prefixes: tuple[str, ...], highlight: bool) -> Hit:
        stored = self.searcher.stored_fields(doc)
        title = str(stored.get(DISPLAY_TITLE, ""))
        abstract = str(stored.get(SNIPPET, ""))
        if not highlight:
            terms, prefixes = frozenset(), ()
        return Hit(
            global_id=str(stored[ID]), score=round(score, 4),
            title_html=mark(title, terms, prefixes),
            snippet_html=snippet(abstract, terms, prefixes),
            authors=str(stored.get(AUTHORS, "")),
        )
