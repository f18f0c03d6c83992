"""Relevance: BM25 on the catch-all field plus a title bonus, over the exact result set.

Whoosh scores by walking its matcher tree one document at a time (about 3.5 µs per
hit on two common terms, 100 ms for 28k hits at 100k records). Here the result set is
already known (:mod:`indexes.whoosh.evaluation`), the term frequencies come from cached
postings, and scoring is a few dictionary lookups per document.

When the set is large, only documents whose *title* holds the query words are scored
(all of the words if enough documents have them, else any): the title is indexed twice
in the catch-all field, so those documents hold the top BM25 scores anyway, and an
exact title match ranks first thanks to the bonus. Small sets are scored whole.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from typing import Any

from indexes.schema import ALL, FULLTEXT_WEIGHT, TITLE, TITLE_KEY
from indexes.whoosh.postings import DocSet, Postings

K1 = 1.2
B = 0.75
#: Added for each query word found in the title, times the word's idf.
TITLE_BONUS = 1.5
#: Added when the query's words are exactly a title's: an exact title comes first.
EXACT_TITLE_BONUS = 1000.0
#: Above this many results, score title matches only (see the module docstring).
SCORE_ALL_BELOW = 3000


class Ranker:
    """Scores documents of one index generation."""

    def __init__(self, postings: Postings) -> None:
        self.postings = postings
        reader = postings.reader
        self.count = max(int(reader.doc_count()), 1)
        total = reader.field_length(ALL) or 1
        self.average = max(total / max(int(reader.doc_count_all()), 1), 1.0)
        self._lengths: dict[int, float] = {}
        self._reader: Any = reader

    def _norm(self, doc: int) -> float:
        norm = self._lengths.get(doc)
        if norm is None:
            # None for a record whose catch-all text is all stop words ("Vous et nous"),
            # which an OR with a stop-word side finds (it crashed the scoring)
            length = self._reader.doc_field_length(doc, ALL, 1) or 0
            norm = K1 * (1 - B + B * length / self.average)
            self._lengths[doc] = norm
        return norm

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency (Lucene's variant, never negative)."""
        df = self.postings.frequency(ALL, term)
        return math.log(1 + (self.count - df + 0.5) / (df + 0.5))

    def candidates(self, terms: Sequence[str], docs: DocSet, need: int) -> DocSet:
        """The documents worth scoring to find the best ``need`` of ``docs``."""
        if len(docs) <= SCORE_ALL_BELOW:
            return docs
        titled = [self.postings.docs(TITLE, t) for t in terms]
        every = set(docs)
        for found in sorted(titled, key=len):
            every &= found
        if len(every) >= need:
            return every
        anyone: set[int] = set()
        for found in titled:
            anyone |= found
        anyone &= docs
        return anyone if len(anyone) >= need else docs

    def top(self, terms: Sequence[str], docs: DocSet, need: int,
            title: str = "", fulltext: Sequence[str] = ()) -> list[tuple[int, float]]:
        """The ``need`` best (document, score) pairs of ``docs`` for ``terms``.

        ``title`` is the query's analysed words in order (see
        :func:`indexes.documents.title_key`): documents with exactly that title get
        :data:`EXACT_TITLE_BONUS`, those whose main title (without subtitle) it is half.
        ``fulltext`` names the full-text fields the reader may search: a word found there
        adds its idf times a saturated frequency times :data:`FULLTEXT_WEIGHT`.
        """
        terms = list(dict.fromkeys(terms))
        if not terms:
            return []
        exact = self.postings.docs(TITLE_KEY, title) & docs if title else frozenset()
        main = self.postings.docs(TITLE_KEY, "~" + title) & docs if title else frozenset()
        pool = self.candidates(terms, docs, need)
        if exact or main:
            pool = set(pool) | exact | main
        parts = [(self.idf(t), self.postings.weights(ALL, t), self.postings.docs(TITLE, t))
                 for t in terms]
        texts = [(self.idf(t) * FULLTEXT_WEIGHT, self.postings.weights(field, t))
                 for field in fulltext for t in terms]
        norm = self._norm
        k1 = K1 + 1

        def score(doc: int) -> float:
            total = 0.0
            nd = norm(doc)
            for idf, tf_of, titled in parts:
                tf = tf_of.get(doc)
                if tf:
                    total += idf * tf * k1 / (tf + nd)
                if doc in titled:
                    total += TITLE_BONUS * idf
            for weight, tf_of in texts:
                tf = tf_of.get(doc)
                if tf:
                    total += weight * tf * k1 / (tf + K1)
            if doc in exact:
                return total + EXACT_TITLE_BONUS
            return total + EXACT_TITLE_BONUS / 2 if doc in main else total

        best = heapq.nlargest(need, ((score(d), -d) for d in pool))
        return [(-neg, s) for s, neg in best]
