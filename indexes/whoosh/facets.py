"""Facet columns, filter sets and counts, built once per index generation.

A facet column maps every document number to its values, read from the facet field's
postings (one pass per value); counting a result's facets is then a C-level
``Counter`` over the matching documents, about 0.1 µs per hit and facet, instead of
Whoosh's ``groupedby`` which re-walks the matchers. Filter sets (the documents having
any of the selected values of one facet) come from the same postings and are cached
by :class:`indexes.whoosh.postings.Postings`.

Multi-select faceting: the counts of facet F are taken over the query's documents
filtered by every *other* facet's selection, so the values of F that the user could
add to an OR selection keep their counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

from indexes.model import Facet, FacetValue
from indexes.schema import FACETS
from indexes.whoosh.postings import DocSet, Postings

#: Facets whose values are few and single per record: stored as one value, not a tuple.
SINGLE = frozenset({"doctype", "year", "source", "availability"})


class FacetColumns:
    """Per-document facet values and filter sets of one index generation."""

    def __init__(self, postings: Postings) -> None:
        self.postings = postings
        self.size = int(postings.reader.doc_count_all())
        self._columns: dict[str, list[Any]] = {}

    def column(self, name: str) -> list[Any]:
        """Document number -> value (single facets) or tuple of values (the others)."""
        column = self._columns.get(name)
        if column is None:
            field = FACETS[name]
            single = name in SINGLE
            column = [None if single else () for _ in range(self.size)]
            for value in self.postings.values(field):
                for doc in self.postings.docs(field, value):
                    column[doc] = value if single else (*column[doc], value)
            self._columns[name] = column
        return column

    def filter_set(self, name: str, values: Iterable[str]) -> set[int]:
        """Documents having any of ``values`` for facet ``name``."""
        return self.postings.union(FACETS[name], values)

    def count(self, name: str, docs: Iterable[int]) -> Counter[str]:
        """How many of ``docs`` have each value of facet ``name``."""
        column = self.column(name)
        if name in SINGLE:
            counts: Counter[Any] = Counter(map(column.__getitem__, docs))
            counts.pop(None, None)
            return counts
        return Counter(chain.from_iterable(map(column.__getitem__, docs)))


def restrict(docs: DocSet, filters: Mapping[str, set[int]], skip: str | None = None) -> DocSet:
    """``docs`` intersected with every filter set except ``skip``'s."""
    sets = [s for name, s in filters.items() if name != skip]
    if not sets:
        return docs
    candidates: list[DocSet] = [docs, *sets]
    candidates.sort(key=len)
    result = set(candidates[0])
    for other in candidates[1:]:
        result &= other
    return result


def count_facets(columns: FacetColumns, names: Iterable[str], docs: DocSet,
                 filters: Mapping[str, set[int]], selected: Mapping[str, tuple[str, ...]],
                 limit: int) -> tuple[Facet, ...]:
    """The requested facets with their counts, most frequent first (years: newest first).

    Selected values are always listed, even when their count fell to zero, so that a
    filter chip can always be removed.
    """
    out = []
    for name in names:
        base = restrict(docs, filters, skip=name)
        counts = columns.count(name, base)
        chosen = selected.get(name, ())
        if name == "year":
            ordered = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
        else:
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        top = ordered[:limit]
        listed = {value for value, _ in top}
        top.extend((value, counts.get(value, 0)) for value in chosen if value not in listed)
        out.append(Facet(name, tuple(FacetValue(v, n, v in chosen) for v, n in top)))
    return tuple(out)
