"""The search service: one long-lived reader per process, refreshed when the index moves.

Opening a reader costs tens of milliseconds and every cache of an engine is tied to one
index state, so a :class:`Searcher` keeps one open and checks, before each search,
whether it is stale: a new ``CURRENT`` generation (a rebuild was swapped in, perhaps
with another engine) or a new commit to the current one (an incremental update).
Either way the next search runs on the new index, without a restart.

Searches are serialised by a lock: it is what lets a refresh close the old reader
safely while other threads search. Results are cached per normalised request until the
index changes: OPAC traffic (facet clicks, paging) repeats itself.

A query that cannot be run as written runs again as plain words (``degraded``), and
both failures are logged with the query; no query text makes :meth:`Searcher.search`
raise. Only a missing index does (:class:`indexes.directory.IndexMissing`): that is a
deployment problem, not a query.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from indexes import directory, engine, spelling, syntax
from indexes.meaning import Inexact
from indexes.model import SearchRequest, SearchResult
from indexes.schema import FACETS, FILTER_ONLY, fulltext_fields

log = logging.getLogger("indexes.search")

#: At most this many hits make the query worth a spelling suggestion.
FEW_HITS = 3
RESULT_CACHE = 512


def _within(req: SearchRequest, node: syntax.Node) -> syntax.Node:
    """``node`` restricted to the request's year range, if it has one."""
    low, high = req.years
    if low is None and high is None:
        return node
    return syntax.AllOf((node, syntax.Years(low, high)))


#: Facets warmed by default: the counted ones (filter-only facets are never counted).
WARMED = tuple(name for name in FACETS if name not in FILTER_ONLY)


class QueryError(Exception):
    """A query that :meth:`Searcher.select` cannot evaluate as written."""


class _Generation:
    """One open state of the generation in service, and the results computed on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = engine.name_of(path)
        self.reader: engine.Reader = engine.get(self.engine).reader(path)
        self.results: OrderedDict[Any, SearchResult] = OrderedDict()


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
        if gen is not None and gen.path == path and gen.reader.up_to_date():
            return gen
        new = _Generation(path)
        if gen is not None:
            gen.reader.close()
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
                self._generation.reader.close()
                self._generation = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def warm(self, facets: tuple[str, ...] = WARMED, sorts: bool = True) -> None:
        """Load facet columns and sort keys now rather than in the first search.

        They cost 0.3-0.5 s at 100k records after opening and after every change: call
        this at start-up and after an import (from a background thread if need be).
        """
        with self._lock:
            self._fresh().reader.warm(tuple(f for f in facets if f in FACETS), sorts)

    def document_count(self) -> int:
        """How many records the index holds."""
        with self._lock:
            return self._fresh().reader.document_count()

    def engine(self) -> str:
        """The engine of the generation in service (``whoosh``, ``tantivy``)."""
        with self._lock:
            return self._fresh().engine

    # --- searching ----------------------------------------------------------------

    def search(self, request: SearchRequest | str) -> SearchResult:
        """Run one search; see :class:`indexes.model.SearchRequest` for what it can ask."""
        started = time.perf_counter()
        if isinstance(request, str):
            request = SearchRequest(query=request)
        req = request.bounded()
        key = (req.query, tuple(sorted(req.filters.items())), req.facets, req.sort, req.page,
               req.page_size, req.facet_limit, req.highlight, req.suggest, req.fulltext,
               req.years)
        with self._lock:
            gen = self._fresh()
            cached = gen.results.get(key)
            if cached is not None:
                gen.results.move_to_end(key)
                return cached
            try:
                result = self._run(gen, req, _within(req, syntax.parse(req.query)),
                                   degraded=False)
            except Exception:  # the query as written failed: plain words instead
                log.warning("search %r failed as written, run as plain words", req.query,
                            exc_info=True)
                try:
                    result = self._run(gen, req, _within(req, syntax.plain(req.query)),
                                       degraded=True)
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
            return gen.reader.count(req, syntax.parse(req.query))

    def select(self, query: str, filters: Mapping[str, tuple[str, ...]] | None = None,
               within: Collection[str] | None = None) -> frozenset[str]:
        """Global ids of every record matching, unranked and never degraded (DSI equations).

        Unlike :meth:`search`, a query that cannot be evaluated is an error: an alert must
        not silently turn into plain words and mail its subscriber unrelated records.

        With ``within`` (global ids), only those records are selected, exactly as the same
        query would select them from an index holding those records alone (a DSI run's
        new records), or :class:`Inexact` is raised when that cannot be promised: a prefix
        that expands to :data:`indexes.meaning.MAX_EXPANSIONS` words or more here, or a
        filter on a field this index was built without.

        Raises:
            QueryError: the query or a filter cannot be evaluated.
            Inexact: see ``within``.
        """
        unknown = sorted(set(filters or {}) - set(FACETS))
        if unknown:
            raise QueryError(f"unknown filter: {', '.join(unknown)}")
        req = SearchRequest(query=query, filters=filters or {}).bounded()
        given = None if within is None else frozenset(within)
        with self._lock:
            gen = self._fresh()
            if given is not None and not gen.reader.has_fields(
                    tuple(FACETS[name] for name in req.filters)):
                raise Inexact("a filter on a field this index was built without")
            try:
                return gen.reader.select(req, syntax.parse(req.query), given)
            except Inexact:
                raise
            except Exception as exc:
                raise QueryError(f"{type(exc).__name__}: {exc}") from exc

    def holding(self, global_ids: Collection[str]) -> frozenset[str]:
        """Which of ``global_ids`` the index holds (live documents)."""
        return self.select("", None, within=global_ids)

    def _run(self, gen: _Generation, req: SearchRequest, node: syntax.Node,
             degraded: bool) -> SearchResult:
        fields = fulltext_fields(req.fulltext)
        if gen.reader.has_fields(fields):  # an index built before full text has none
            node = syntax.widened(node, fields)
        counted = tuple(f for f in req.facets if gen.reader.has_fields((FACETS[f],)))
        if counted != req.facets:  # a facet newer than the index (territory): until a rebuild
            req = replace(req, facets=counted)
        result = gen.reader.search(req, node, degraded)
        if req.suggest and result.total <= FEW_HITS and not degraded:
            suggestion = self._suggest(gen, req, result.total)
            if suggestion is not None:
                result = SearchResult(result.request, result.total, result.hits,
                                      result.facets, suggestion, result.degraded)
        return result

    @staticmethod
    def _suggest(gen: _Generation, req: SearchRequest, total: int) -> str | None:
        corrected = spelling.correct(req.query, gen.reader.lexicon(), total)
        if corrected is None or corrected == req.query:
            return None
        found = gen.reader.count(req, _within(req, syntax.parse(corrected)))
        # Clearly more: any record when the query finds none, else three times as many
        # ("oeuvres choisies" suggested "oeuvres croisés" for one record more).
        return corrected if found > 0 and found >= 3 * total else None
