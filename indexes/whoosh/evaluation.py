"""A query tree -> the exact set of documents it matches.

Totals, facets, filters and ranking all work on this set, computed with set algebra
over cached postings (:mod:`indexes.whoosh.postings`) instead of Whoosh's matcher trees:
words and phrases are intersections (a phrase on the catch-all field is the
intersection of its adjacent pairs, see :func:`indexes.analysis.pairs`), ``OR`` a
union, exclusions a difference. Prefixes expand over the unstemmed ``words`` lexicon to
the :data:`MAX_EXPANSIONS` most frequent words and never score: scoring a union of
hundreds of expansions is what made Whoosh take seconds (whoosh-performance.md, 4).
"""

from __future__ import annotations

from typing import Any, cast

from whoosh import query as wq  # type: ignore[import-untyped]

from indexes.analysis import normalise, simplify, stems, words
from indexes.documents import identifier_key, isbn_variants
from indexes.schema import (
    ALL,
    AUTHORS,
    FACETS,
    FOLDED_FIELDS,
    IDENTIFIERS,
    PAIRS,
    TITLE,
    WORDS,
)
from indexes.syntax import AllOf, AnyOf, Node, Not, Phrase, Prefix, Word, Years
from indexes.whoosh.postings import DocSet, Postings

#: Prefix expansion bound: the most frequent words beginning with the prefix.
MAX_EXPANSIONS = 64
_POSITIONAL = frozenset({ALL, TITLE, AUTHORS, "subjects"})


class Evaluator:
    """Evaluates query trees against one index generation (see the module docstring)."""

    def __init__(self, postings: Postings, searcher: Any) -> None:
        self.postings = postings
        self.searcher = searcher

    # --- exact document sets ------------------------------------------------------

    def docs(self, node: Node) -> DocSet | None:
        """The documents matching ``node``; None means every document (no constraint)."""
        if isinstance(node, Word):
            return self._word(node)
        if isinstance(node, Phrase):
            return self._phrase(node)
        if isinstance(node, Prefix):
            return self._prefix(node)
        if isinstance(node, Years):
            return self._years(node)
        if isinstance(node, Not):  # excluding a stop word or nothing excludes nothing
            excluded = self.docs(node.node)
            return None if excluded is None else self.postings.all_docs() - excluded
        if isinstance(node, AnyOf):
            out: set[int] = set()
            for child in node.nodes:
                found = self.docs(child)
                if found is None:
                    return None
                out |= found
            return out
        return self._all_of(node)

    def _all_of(self, node: AllOf) -> DocSet | None:
        required: list[DocSet] = []
        excluded: list[DocSet] = []
        for child in node.nodes:
            if isinstance(child, Not):
                found = self.docs(child.node)
                if found is not None:
                    excluded.append(found)
            else:
                found = self.docs(child)
                if found is not None:
                    required.append(found)
        if not required and not excluded:
            return None
        if required:
            required.sort(key=len)
            result = set(required[0])
            for other in required[1:]:
                result &= other
        else:
            result = set(self.postings.all_docs())
        for other in excluded:
            result -= other
        return result

    def _intersect(self, field: str, terms: list[str]) -> DocSet | None:
        if not terms:
            return None
        sets = sorted((self.postings.docs(field, t) for t in dict.fromkeys(terms)), key=len)
        result: DocSet = sets[0]
        for other in sets[1:]:
            result = result & other
        return result

    def _word(self, node: Word) -> DocSet | None:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        found = self._intersect(field, self._terms(node.text, field))
        if node.field is None and sum(ch.isdigit() for ch in node.text) >= 8:
            numbers = self._identifier(node.text)
            return numbers if found is None else set(found) | numbers
        return found

    def _identifier(self, text: str) -> set[int]:
        key = identifier_key(text)
        terms = set(isbn_variants(text)) | {key}
        found = self.postings.union(IDENTIFIERS, (t for t in terms if t))
        if len(key) >= 3:
            found |= self.postings.union(
                IDENTIFIERS, self.postings.expand(IDENTIFIERS, key, MAX_EXPANSIONS)
            )
        return found

    def _phrase(self, node: Phrase) -> DocSet | None:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        terms = self._terms(node.text, field)
        if len(terms) < 2 or field not in _POSITIONAL:
            return self._intersect(field, terms)
        if field == ALL:
            return self._intersect(PAIRS, [f"{a} {b}" for a, b in zip(terms, terms[1:],
                                                                      strict=False)])
        key = ("\x00phrase:" + field, " ".join(terms))
        cached = self.postings.cached(key)
        if cached is not None:
            return cast(DocSet, cached)
        if not self._intersect(field, terms):
            return frozenset()
        found = frozenset(self.searcher.docs_for_query(wq.Phrase(field, terms)))
        self.postings.remember(key, found)
        return found

    def _prefix(self, node: Prefix) -> DocSet:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        source = AUTHORS if field == AUTHORS else WORDS
        expansions = self.postings.expand(source, simplify(node.text), MAX_EXPANSIONS)
        if field in (ALL, AUTHORS):
            return self.postings.union(source, expansions)
        terms = {t for t in (normalise(w) for w in expansions) if t}
        return self.postings.union(field, terms)

    def _years(self, node: Years) -> set[int]:
        low = node.low if node.low is not None else 0
        high = node.high if node.high is not None else 9999
        field = FACETS["year"]
        chosen = [v for v in self.postings.values(field) if v.isdigit() and low <= int(v) <= high]
        return self.postings.union(field, chosen)

    @staticmethod
    def _terms(text: str, field: str) -> list[str]:
        if field in FOLDED_FIELDS:
            return [w for w in (simplify(x) for x in words(text)) if w]
        return stems(text)
