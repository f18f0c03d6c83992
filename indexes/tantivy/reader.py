"""Searching one tantivy generation.

The matching set is one tantivy query (:mod:`indexes.tantivy.query`) with the filters
as further required clauses; relevance is tantivy's BM25 on the catch-all field plus
the same title bonuses as the Whoosh engine (each query word in the title, and a large
one for a query that *is* a title or a main title), scored only over the matching set.
Facets are terms aggregations over fast columns, one call for the facets that share
the same filters; sorts are fast-column orders; totals are tantivy's counts.

A reader is pinned to the generation's state when it was opened (manual reload): the
facade reopens it when ``meta.json`` changed, which a commit replaces atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import tantivy
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from indexes.analysis import stems
from indexes.highlight import mark, snippet
from indexes.model import Facet, FacetValue, Hit, SearchRequest, SearchResult
from indexes.schema import (
    ALL,
    DISPLAY_TITLE,
    FACETS,
    FULLTEXT_WEIGHT,
    ID,
    SNIPPET,
    SORT_AUTHOR,
    SORT_NEW,
    SORT_TITLE,
    TITLE,
    TITLE_KEY,
    WORDS,
    fulltext_fields,
)
from indexes.syntax import Node, marks
from indexes.tantivy.query import Must, MustNot, Should, Translator
from indexes.tantivy.schema import SHOWN_AUTHORS, STORED_FACETS

#: Added for each query word found in the title (tantivy's BM25 on ``title`` times this).
TITLE_BONUS = 1.5
#: For a query whose words are exactly a title: an exact title comes first.
EXACT_TITLE_BONUS = 1000.0
#: Facet buckets asked beyond the limit, so that ties at the limit sort as in Whoosh.
FACET_SLACK = 50
_SORTS = {"title": (SORT_TITLE, tantivy.Order.Asc), "author": (SORT_AUTHOR, tantivy.Order.Asc),
          "newest": (SORT_NEW, tantivy.Order.Desc)}


def _stamp(path: Path) -> tuple[int, int, int]:
    """What changes when a commit replaces ``meta.json``."""
    try:
        st = os.stat(path / "meta.json")
    except FileNotFoundError:
        return (0, 0, 0)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class TantivyLexicon:
    """The ``words`` lexicon for :mod:`indexes.spelling`."""

    def __init__(self, reader: TantivyReader) -> None:
        self.reader = reader

    def frequency(self, word: str) -> int:
        return int(self.reader.searcher.doc_freq(WORDS, word)) if word else 0

    def nearest(self, word: str, edits: int) -> str | None:
        found = dict(self.reader.searcher.terms_with_prefix(WORDS, word[:1]))
        found.pop(word, None)
        near = extract(word, list(found), scorer=Levenshtein.distance, score_cutoff=edits,
                       limit=None)
        if not near:
            return None
        best = min(near, key=lambda m: (m[1], -found[m[0]], m[0]))
        return str(best[0])

    def texts(self, word: str, limit: int) -> Iterator[str]:
        searcher = self.reader.searcher
        query = tantivy.Query.term_query(self.reader.schema, WORDS, word)
        for _, address in searcher.search(query, limit, count=False).hits:
            stored = searcher.doc(address).to_dict()
            for field in (DISPLAY_TITLE, SNIPPET, SHOWN_AUTHORS, *STORED_FACETS):
                yield " ".join(_text(v) for v in stored.get(field, ()))


class TantivyReader:
    """See :class:`indexes.engine.Reader`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = _stamp(path)
        self.index = tantivy.Index.open(str(path))
        self.index.config_reader(reload_policy="Manual")
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.translate = Translator(self.schema, self.searcher)

    def up_to_date(self) -> bool:
        return _stamp(self.path) == self._stamp

    def has_fields(self, fields: tuple[str, ...]) -> bool:
        for field in fields:
            try:
                tantivy.Query.term_query(self.schema, field, "x")
            except ValueError:
                return False
        return True

    def close(self) -> None:
        self.searcher = None  # type: ignore[assignment]

    def warm(self, facets: tuple[str, ...], sorts: bool) -> None:
        if facets:  # loads the fast columns
            self._aggregate(tantivy.Query.all_query(), facets, 1)

    def document_count(self) -> int:
        return int(self.searcher.num_docs)

    def lexicon(self) -> TantivyLexicon:
        return TantivyLexicon(self)

    # --- matching -----------------------------------------------------------------

    def _filter(self, name: str, values: tuple[str, ...]) -> tantivy.Query:
        return self.translate.any_term(FACETS[name], values)

    def _restricted(self, match: tantivy.Query | None, req: SearchRequest,
                    skip: str | None = None) -> tantivy.Query:
        clauses = [q for q in [match] if q is not None]
        clauses += [self._filter(name, values) for name, values in req.filters.items()
                    if name != skip]
        if not clauses:
            return tantivy.Query.all_query()
        if len(clauses) == 1:
            return clauses[0]
        return tantivy.Query.boolean_query([(Must, q) for q in clauses])

    def _count(self, query: tantivy.Query) -> int:
        return int(self.searcher.search(query, 1, count=True).count)  # type: ignore[attr-defined]

    def count(self, req: SearchRequest, node: Node) -> int:
        return self._count(self._restricted(self.translate.query(node), req))

    def select(self, req: SearchRequest, node: Node,
               within: frozenset[str] | None = None) -> frozenset[str]:
        if within is not None and not within:
            return frozenset()
        self.translate.meaning.strict = within is not None
        try:
            query = self._restricted(self.translate.query(node), req)
        finally:
            self.translate.meaning.strict = False
        if within is not None:
            query = tantivy.Query.boolean_query([
                (Must, query), (Must, self.translate.any_term(ID, sorted(within)))])
        total = self._count(query)
        if not total:
            return frozenset()
        hits = self.searcher.search(query, total, count=False).hits
        return frozenset(str(self.searcher.doc(a).get_first(ID)) for _, a in hits)

    # --- searching ----------------------------------------------------------------

    def search(self, req: SearchRequest, node: Node, degraded: bool) -> SearchResult:
        match = self.translate.query(node)
        final = self._restricted(match, req)
        terms, prefixes = marks(node)
        offset = (req.page - 1) * req.page_size
        tiers = (self.translate.meaning.tiers(node)
                 if req.sort == "relevance" and not terms else None)
        if tiers:  # stop words only: by title first (indexes.meaning)
            ranked, total = self._tiered(final, tiers, req.page_size, offset)
        else:
            if req.sort == "relevance" and terms:
                found = self.searcher.search(
                    self._scored(final, req.query, terms, req.fulltext), req.page_size,
                    count=True, offset=offset)
                ranked = [(a, float(score)) for score, a in found.hits]
            else:
                field, order = _SORTS.get(req.sort, _SORTS["newest"])
                found = self.searcher.search(final, req.page_size, count=True,
                                             order_by_field=field, offset=offset, order=order)
                ranked = [(a, 0.0) for _, a in found.hits]
            total = int(found.count)  # type: ignore[attr-defined]
        hits = tuple(self._hit(a, score, terms, prefixes, req.highlight) for a, score in ranked)
        # An index built before a facet existed has no column for it: that facet is left
        # out (until ``catalogue reindex``) rather than failing the whole search.
        known = tuple(n for n in req.facets if self.has_fields((FACETS[n],)))
        facets = self._facets(match, replace(req, facets=known)) if known else ()
        return SearchResult(req, total, hits, facets, None, degraded)

    def _tiered(self, final: tantivy.Query, tiers: list[tantivy.Query], size: int,
                offset: int) -> tuple[list[tuple[Any, float]], int]:
        """A page of ``final``'s records, those of each of ``tiers`` (best first) before
        the next's and the rest last, newest first in each; and how many there are. One
        ordered search per tier, from where the page begins (a score cannot carry the
        arrival key: tantivy's scores are 32-bit floats)."""
        field, order = _SORTS["newest"]
        ranked: list[tuple[Any, float]] = []
        total = 0
        earlier: list[tantivy.Query] = []
        for tier in [*tiers, None]:
            clauses = [(Must, final), *((MustNot, q) for q in earlier)]
            if tier is not None:
                clauses.append((Must, tier))
                earlier.append(tier)
            query = tantivy.Query.boolean_query(clauses)
            want, skip = size - len(ranked), max(offset - total, 0)
            if want <= 0:
                total += self._count(query)
                continue
            found = self.searcher.search(query, want, count=True, order_by_field=field,
                                         offset=skip, order=order)
            ranked.extend((a, 0.0) for _, a in found.hits)
            total += int(found.count)  # type: ignore[attr-defined]
        return ranked, total

    def _scored(self, final: tantivy.Query, text: str, terms: frozenset[str],
                levels: tuple[str, ...] = ()) -> tantivy.Query:
        """``final``'s records ranked by BM25 on ``all`` plus the title bonuses, plus
        :data:`FULLTEXT_WEIGHT` times BM25 on the full text the reader may search."""
        ordered = sorted(terms)
        fields = fulltext_fields(levels)
        if not self.has_fields(fields):
            fields = ()
        clauses = [(Must, tantivy.Query.const_score_query(final, 0.0))]
        clauses += [(Should, tantivy.Query.term_query(self.schema, ALL, t)) for t in ordered]
        clauses += [(Should, tantivy.Query.boost_query(
            tantivy.Query.term_query(self.schema, TITLE, t), TITLE_BONUS)) for t in ordered]
        clauses += [(Should, tantivy.Query.boost_query(
            tantivy.Query.term_query(self.schema, field, t), FULLTEXT_WEIGHT))
            for field in fields for t in ordered]
        title = " ".join(stems(text))
        if title:
            clauses.append((Should, tantivy.Query.const_score_query(
                tantivy.Query.term_query(self.schema, TITLE_KEY, title), EXACT_TITLE_BONUS)))
            clauses.append((Should, tantivy.Query.const_score_query(
                tantivy.Query.term_query(self.schema, TITLE_KEY, "~" + title),
                EXACT_TITLE_BONUS / 2)))
        return tantivy.Query.boolean_query(clauses)

    def _hit(self, address: Any, score: float, terms: frozenset[str],
             prefixes: tuple[str, ...], highlight: bool) -> Hit:
        stored = self.searcher.doc(address)
        title = _text(stored.get_first(DISPLAY_TITLE) or b"")
        abstract = _text(stored.get_first(SNIPPET) or b"")
        if not highlight:
            terms, prefixes = frozenset(), ()
        return Hit(
            global_id=str(stored.get_first(ID)), score=round(score, 4),
            title_html=mark(title, terms, prefixes),
            snippet_html=snippet(abstract, terms, prefixes),
            authors=_text(stored.get_first(SHOWN_AUTHORS) or b""),
        )

    # --- facets -------------------------------------------------------------------

    def _aggregate(self, query: tantivy.Query, names: Iterable[str],
                   limit: int) -> dict[str, dict[str, int]]:
        spec: dict[str, Any] = {}
        for name in names:
            terms: dict[str, Any] = {"field": FACETS[name], "size": limit + FACET_SLACK}
            if name == "year":
                terms["order"] = {"_key": "desc"}
            spec[name] = {"terms": terms}
        result = self.searcher.aggregate(query, spec)
        return {name: {str(b["key"]): int(b["doc_count"]) for b in result[name]["buckets"]}
                for name in spec}

    def _facets(self, match: tantivy.Query | None, req: SearchRequest) -> tuple[Facet, ...]:
        """Each facet counted under the query and the *other* facets' filters."""
        shared = [n for n in req.facets if n not in req.filters]
        counts: dict[str, dict[str, int]] = {}
        if shared:
            counts.update(self._aggregate(self._restricted(match, req), shared,
                                          req.facet_limit))
        for name in req.facets:
            if name in req.filters:
                base = self._restricted(match, req, skip=name)
                counts.update(self._aggregate(base, [name], req.facet_limit))
                for value in req.filters[name]:
                    if value not in counts[name]:
                        counts[name][value] = self._count(tantivy.Query.boolean_query(
                            [(Must, base), (Must, self._filter(name, (value,)))]))
        out = []
        for name in req.facets:
            found = {v: n for v, n in counts[name].items() if n}
            chosen = req.filters.get(name, ())
            if name == "year":
                ordered = sorted(found.items(), key=lambda kv: kv[0], reverse=True)
            else:
                ordered = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
            top = ordered[:req.facet_limit]
            listed = {value for value, _ in top}
            top.extend((value, counts[name].get(value, 0)) for value in chosen
                       if value not in listed)
            out.append(Facet(name, tuple(FacetValue(v, n, v in chosen) for v, n in top)))
        return tuple(out)
