"""A query tree -> the exact set of documents it matches, on a Whoosh generation.

Totals, facets, filters and ranking all work on this set, computed with set algebra
over cached postings (:mod:`indexes.whoosh.postings`) instead of Whoosh's matcher trees:
words are intersections, ``OR`` a union, exclusions a difference; what each clause
means is :mod:`indexes.meaning`'s, shared with the tantivy engine. Prefix expansions
never score: scoring a union of hundreds of expansions is what made Whoosh take seconds
(whoosh-performance.md, 4).
"""

from __future__ import annotations

from typing import Any, cast

from whoosh import query as wq  # type: ignore[import-untyped]

from indexes.meaning import Meaning
from indexes.schema import FACETS
from indexes.syntax import Node
from indexes.whoosh.postings import DocSet, Postings


class SetAlgebra:
    """:class:`indexes.meaning.Algebra` over document sets of one generation."""

    def __init__(self, postings: Postings, searcher: Any) -> None:
        self.postings = postings
        self.searcher = searcher

    def every(self, field: str, terms: list[str]) -> DocSet:
        sets = sorted((self.postings.docs(field, t) for t in terms), key=len)
        result: DocSet = sets[0]
        for other in sets[1:]:
            result = result & other
        return result

    def any(self, field: str, terms: list[str]) -> DocSet:
        return self.postings.union(field, terms)

    def expand(self, field: str, prefix: str, limit: int) -> list[str]:
        return self.postings.expand(field, prefix, limit)

    def phrase(self, field: str, terms: list[str]) -> DocSet:
        key = ("\x00phrase:" + field, " ".join(terms))
        cached = self.postings.cached(key)
        if cached is not None:
            return cast(DocSet, cached)
        if not self.every(field, terms):
            return frozenset()
        found = self.postings.frozen(self.searcher.docs_for_query(wq.Phrase(field, terms)))
        self.postings.remember(key, found)
        return found

    def years(self, low: int, high: int) -> DocSet:
        field = FACETS["year"]
        chosen = [v for v in self.postings.values(field) if v.isdigit() and low <= int(v) <= high]
        return self.postings.union(field, chosen)

    def union(self, parts: list[DocSet]) -> DocSet:
        out: set[int] = set()
        for part in parts:
            out |= part
        return out

    def restrict(self, required: list[DocSet], excluded: list[DocSet]) -> DocSet:
        if required:
            ordered = sorted(required, key=len)
            result = set(ordered[0])
            for other in ordered[1:]:
                result &= other
        else:
            result = set(self.postings.all_docs())
        for other in excluded:
            result -= other
        return result


class Evaluator:
    """Evaluates query trees against one index generation (see the module docstring)."""

    def __init__(self, postings: Postings, searcher: Any) -> None:
        self.meaning = Meaning(SetAlgebra(postings, searcher))

    def docs(self, node: Node) -> DocSet | None:
        """The documents matching ``node``; None means every document (no constraint)."""
        return self.meaning.of(node)
