"""Query trees (:mod:`indexes.syntax`) as tantivy queries.

What each clause means is :mod:`indexes.meaning`'s, shared with the Whoosh engine; this
module only says it in tantivy's terms: term, term-set, phrase and range queries
combined in boolean queries, prefixes expanded over the term dictionary
(``terms_with_prefix``, most frequent first, as the Whoosh engine expands them).
"""

from __future__ import annotations

import tantivy

from indexes.meaning import Meaning
from indexes.syntax import Node
from indexes.tantivy.schema import YEAR_NUMBER

Must, Should, MustNot = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


class QueryAlgebra:
    """:class:`indexes.meaning.Algebra` over tantivy queries against one searcher."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self.schema = schema
        self.searcher = searcher

    def every(self, field: str, terms: list[str]) -> tantivy.Query:
        if len(terms) == 1:
            return tantivy.Query.term_query(self.schema, field, terms[0])
        return tantivy.Query.boolean_query(
            [(Must, tantivy.Query.term_query(self.schema, field, t)) for t in terms])

    def any(self, field: str, terms: list[str]) -> tantivy.Query:
        unique = list(dict.fromkeys(t for t in terms if t))
        if not unique:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self.schema, field, unique)

    def expand(self, field: str, prefix: str, limit: int) -> list[str]:
        if not prefix:
            return []
        return [str(t) for t, _ in self.searcher.terms_with_prefix(field, prefix, limit=limit)]

    def phrase(self, field: str, terms: list[str]) -> tantivy.Query:
        return tantivy.Query.phrase_query(self.schema, field, list[str | tuple[int, str]](terms))

    def years(self, low: int, high: int) -> tantivy.Query:
        return tantivy.Query.range_query(self.schema, YEAR_NUMBER, tantivy.FieldType.Integer,
                                         low, high)

    def union(self, parts: list[tantivy.Query]) -> tantivy.Query:
        if not parts:
            return tantivy.Query.empty_query()
        return parts[0] if len(parts) == 1 else tantivy.Query.boolean_query(
            [(Should, q) for q in parts])

    def restrict(self, required: list[tantivy.Query],
                 excluded: list[tantivy.Query]) -> tantivy.Query:
        if not required:
            required = [tantivy.Query.all_query()]
        return tantivy.Query.boolean_query(
            [*((Must, q) for q in required), *((MustNot, q) for q in excluded)])


class Translator:
    """The tantivy query of a tree, against one searcher (for its term dictionaries)."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self.algebra = QueryAlgebra(schema, searcher)
        self.meaning = Meaning(self.algebra)

    def query(self, node: Node) -> tantivy.Query | None:
        """The query matching ``node``'s records; None means every record."""
        return self.meaning.of(node)

    def any_term(self, field: str, terms: list[str] | tuple[str, ...]) -> tantivy.Query:
        """Records holding any of ``terms`` in ``field`` (facet filters)."""
        return self.algebra.any(field, list(terms))
