"""The search service: one long-lived searcher per process, refreshed when the index moves.

Opening a Whoosh searcher costs 55-70 ms at 100k records and every cache below is tied
to one index generation, so a :class:`Searcher` keeps one open and checks, before each
search, whether it is stale: a new ``CURRENT`` generation (a rebuild was swapped in) or
a new commit to the current one (an incremental update). Either way the next search
runs on the new index, without a restart.

Searches are serialised by a lock. Python runs one thread at a time anyway, and the
lock is what lets a refresh close the old Whoosh searcher safely while other threads
search. Results are cached per normalised request until the index changes: OPAC
traffic (facet clicks, paging) repeats itself.

A query that cannot be run as written runs again as plain words (``degraded``); no query
text makes :meth:`Searcher.search` raise. Only a missing index does
(:class:`indexes.directory.IndexMissing`): that is a deployment problem, not a query.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index  # type: ignore[import-untyped]

from indexes import directory, spelling, syntax
from indexes.analysis import stems
from indexes.evaluation import Evaluator
from indexes.facets import FacetColumns, count_facets, restrict
from indexes.highlight import mark, snippet
from indexes.model import Hit, SearchRequest, SearchResult
from indexes.postings import DocSet, Postings
from indexes.ranking import Ranker
from indexes.schema import AUTHORS, DISPLAY_TITLE, FACETS, ID, SNIPPET, SORT_NEW, SORTS

log = logging.getLogger("indexes.search")

#: At most this many hits make the query worth a spelling suggestion.
FEW_HITS = 3
RESULT_CACHE = 512


class QueryError(Exception):
    """A query that :meth:`Searcher.select` cannot evaluate as written."""


class _Generation:
    """Everything tied to one state of the index: searcher, postings, caches."""

    def __init__(self, path: Path, searcher: Any) -> None:
        self.path = path
        self.searcher = searcher
        self.postings = Postings(searcher.reader())
        self.columns = FacetColumns(self.postings)
        self.evaluator = Evaluator(self.postings, searcher)
        self.ranker = Ranker(self.postings)
        self.results: OrderedDict[Any, SearchResult] = OrderedDict()
        self._sort_keys: dict[str, list[bytes]] = {}
        self._global_ids: dict[int, str] | None = None

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


#: Attempts at opening a generation that a writer commits to at the same moment.
OPEN_ATTEMPTS = 5


def _open(path: Path) -> Any:
    """A Whoosh searcher over the generation at ``path``.

    A commit (the catch-up update right after a rebuild, a harvest's update) writes a
    new table of contents and deletes the old one: an open that listed the old one can
    then find it gone (FileNotFoundError, an HTTP 500 on a search during `catalogue
    reindex`). The open is tried again on the new one.
    """
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return whoosh_index.open_dir(str(path)).searcher()
        except FileNotFoundError:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


class Searcher:
    """Thread-safe search over the index in ``index_dir`` (see the module docstring).

    ``result_cache`` bounds the cached results per index state (0: no result cache, as
    the benchmark uses to measure the search itself).
    """

    def __init__(self, index_dir: Path, result_cache: int = RESULT_CACHE) -> None:
        self.index_dir = Path(index_dir)
        self.result_cache = result_cache
        self._lock = threading.Lock()
        self._generation: _Generation | None = None

    # --- lifecycle ----------------------------------------------------------------

    def _fresh(self) -> _Generation:
        """The current generation, reopened or refreshed if the index changed."""
        path = directory.require_current(self.index_dir)
        gen = self._generation
        if gen is not None and gen.path == path and gen.searcher.up_to_date():
            return gen
        # A full reopen, not Whoosh's refresh(): refresh() reuses the readers of segments
        # it thinks unchanged, and with them their stale deleted-document sets.
        new = _Generation(path, _open(path))
        if gen is not None:
            gen.searcher.close()
        self._generation = new
        return new

    def refresh(self) -> None:
        """Pick up a rebuilt or updated index now rather than at the next search."""
        with self._lock:
            self._fresh()

    def close(self) -> None:
        """Release the open index files."""
        with self._lock:
            if self._generation is not None:
                self._generation.searcher.close()
                self._generation = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self, facets: tuple[str, ...] = tuple(FACETS), sorts: bool = True) -> None:
        """Load facet columns and sort keys now rather than in the first search.

        They cost 0.3-0.5 s at 100k records after opening and after every change: call
        this at start-up and after an import (from a background thread if need be).
        """
        with self._lock:
            gen = self._fresh()
            for name in facets:
                if name in FACETS:
                    gen.columns.column(name)
            if sorts:
                for column in SORTS.values():
                    gen.sort_key(column or SORT_NEW)

    def document_count(self) -> int:
        """How many records the index holds."""
        with self._lock:
            return int(self._fresh().searcher.doc_count())

    # --- searching ----------------------------------------------------------------

    def search(self, request: SearchRequest | str) -> SearchResult:
        """Run one search; see :class:`indexes.model.SearchRequest` for what it can ask."""
        started = time.perf_counter()
        if isinstance(request, str):
            request = SearchRequest(query=request)
        req = request.bounded()
        key = (req.query, tuple(sorted(req.filters.items())), req.facets, req.sort, req.page,
               req.page_size, req.facet_limit, req.highlight, req.suggest)
        with self._lock:
            gen = self._fresh()
            cached = gen.results.get(key)
            if cached is not None:
                gen.results.move_to_end(key)
                return cached
            try:
                result = self._run(gen, req, syntax.parse(req.query), degraded=False)
            except Exception:  # the query as written failed: plain words instead
                log.warning("search %r failed as written, run as plain words", req.query,
                            exc_info=True)
                try:
                    result = self._run(gen, req, syntax.plain(req.query), degraded=True)
                except Exception:  # the reader gets the page's polite "degraded" message
                    log.error("search %r failed even as plain words", req.query,
                              exc_info=True)
                    result = SearchResult(req, 0, (), degraded=True)
            result = SearchResult(
                result.request, result.total, result.hits, result.facets, result.suggestion,
                result.degraded, time.perf_counter() - started,
            )
            gen.results[key] = result
            while len(gen.results) > self.result_cache:
                gen.results.popitem(last=False)
            return result

    def count(self, query: str, filters: Mapping[str, tuple[str, ...]] | None = None) -> int:
        """How many records match (no ranking, no facets): for alerts and suggestions."""
        req = SearchRequest(query=query, filters=filters or {}).bounded()
        with self._lock:
            gen = self._fresh()
            return len(self._matching(gen, req, syntax.parse(req.query))[0])

    def select(self, query: str,
               filters: Mapping[str, tuple[str, ...]] | None = None) -> frozenset[str]:
        """Global ids of every record matching, unranked and never degraded (DSI equations).

        Unlike :meth:`search`, a query that cannot be evaluated is an error: an alert must
        not silently turn into plain words and mail its subscriber unrelated records.

        Raises:
            QueryError: the query or a filter cannot be evaluated.
        """
        unknown = sorted(set(filters or {}) - set(FACETS))
        if unknown:
            raise QueryError(f"unknown filter: {', '.join(unknown)}")
        req = SearchRequest(query=query, filters=filters or {}).bounded()
        with self._lock:
            gen = self._fresh()
            try:
                final = self._matching(gen, req, syntax.parse(req.query))[0]
            except Exception as exc:
                raise QueryError(f"{type(exc).__name__}: {exc}") from exc
            ids = gen.global_ids()
            return frozenset(ids[doc] for doc in final)

    def _matching(self, gen: _Generation, req: SearchRequest,
                  node: syntax.Node) -> tuple[DocSet, DocSet, dict[str, set[int]]]:
        matched = gen.evaluator.docs(node)
        base = gen.postings.all_docs() if matched is None else matched
        filters = {name: gen.columns.filter_set(name, values)
                   for name, values in req.filters.items()}
        return restrict(base, filters), base, filters

    def _run(self, gen: _Generation, req: SearchRequest, node: syntax.Node,
             degraded: bool) -> SearchResult:
        final, base, filters = self._matching(gen, req, node)
        total = len(final)
        facets = count_facets(gen.columns, req.facets, base, filters, req.filters,
                              req.facet_limit) if req.facets else ()
        terms, prefixes = gen.evaluator.marks(node)
        offset = (req.page - 1) * req.page_size
        need = offset + req.page_size
        ranked: list[tuple[int, float]] = []
        if offset < total:
            if req.sort == "relevance" and terms:
                ranked = gen.ranker.top(sorted(terms), final, need,
                                        title=" ".join(stems(req.query)))
            else:
                column = SORTS[req.sort] or SORT_NEW
                keys = gen.sort_key(column)
                if column == SORT_NEW:
                    order = heapq.nlargest(need, final, key=lambda d: (keys[d], -d))
                else:
                    order = heapq.nsmallest(need, final, key=lambda d: (keys[d], d))
                ranked = [(d, 0.0) for d in order]
        hits = tuple(self._hit(gen, doc, score, terms, prefixes, req.highlight)
                     for doc, score in ranked[offset:need])
        suggestion = None
        if req.suggest and total <= FEW_HITS and not degraded:
            suggestion = self._suggest(gen, req, total)
        return SearchResult(req, total, hits, facets, suggestion, degraded)

    @staticmethod
    def _hit(gen: _Generation, doc: int, score: float, terms: frozenset[str],
             prefixes: tuple[str, ...], highlight: bool) -> Hit:
        stored = gen.searcher.stored_fields(doc)
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

    def _suggest(self, gen: _Generation, req: SearchRequest, total: int) -> str | None:
        corrected = spelling.correct(req.query, gen.postings, gen.searcher, gen.columns,
                                     total)
        if corrected is None or corrected == req.query:
            return None
        found = len(self._matching(gen, req, syntax.parse(corrected))[0])
        # Clearly more: any record when the query finds none, else three times as many
        # ("oeuvres choisies" suggested "oeuvres croisés" for one record more).
        return corrected if found > 0 and found >= 3 * total else None
