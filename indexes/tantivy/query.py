"""Query trees (:mod:`indexes.syntax`) as tantivy queries, with the Whoosh engine's meaning.

The rules are those of :mod:`indexes.whoosh.evaluation`, clause for clause: words are
ANDed stems (folded words in ``auteur:``), a phrase on the catch-all field is its
adjacent pairs, elsewhere a positional phrase; a prefix expands over the ``words``
lexicon to its :data:`MAX_EXPANSIONS` most frequent words; identifiers match exactly
or by prefix, ISBNs in both forms; a clause of stop words only constrains nothing
(``None``), and excluding nothing excludes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import tantivy

from indexes.analysis import normalise, simplify, stems, words
from indexes.documents import identifier_key, isbn_variants
from indexes.schema import ALL, AUTHORS, FOLDED_FIELDS, IDENTIFIERS, PAIRS, TITLE, WORDS
from indexes.syntax import AllOf, AnyOf, Node, Not, Phrase, Prefix, Word, Years
from indexes.tantivy.schema import YEAR_NUMBER

#: Prefix expansion bound: the most frequent words beginning with the prefix.
MAX_EXPANSIONS = 64
_POSITIONAL = frozenset({ALL, TITLE, AUTHORS, "subjects"})
Must, Should, MustNot = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot


class Translator:
    """Builds the tantivy query of a tree against one searcher (for its lexicons)."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher) -> None:
        self.schema = schema
        self.searcher = searcher

    def query(self, node: Node) -> tantivy.Query | None:
        """The query matching ``node``'s records; None means every record."""
        if isinstance(node, Word):
            return self._word(node)
        if isinstance(node, Phrase):
            return self._phrase(node)
        if isinstance(node, Prefix):
            return self._prefix(node)
        if isinstance(node, Years):
            return tantivy.Query.range_query(self.schema, YEAR_NUMBER, tantivy.FieldType.Integer,
                                             node.low if node.low is not None else 0,
                                             node.high if node.high is not None else 9999)
        if isinstance(node, Not):
            excluded = self.query(node.node)
            return None if excluded is None else self.all_but([excluded])
        if isinstance(node, AnyOf):
            found = []
            for child in node.nodes:
                q = self.query(child)
                if q is None:
                    return None
                found.append(q)
            return tantivy.Query.boolean_query([(Should, q) for q in found])
        return self._all_of(node)

    def all_but(self, excluded: list[tantivy.Query]) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [(Must, tantivy.Query.all_query()), *((MustNot, q) for q in excluded)])

    def _all_of(self, node: AllOf) -> tantivy.Query | None:
        required: list[tantivy.Query] = []
        excluded: list[tantivy.Query] = []
        for child in node.nodes:
            if isinstance(child, Not):
                q = self.query(child.node)
                if q is not None:
                    excluded.append(q)
            else:
                q = self.query(child)
                if q is not None:
                    required.append(q)
        if not required and not excluded:
            return None
        if not required:
            return self.all_but(excluded)
        if len(required) == 1 and not excluded:
            return required[0]
        return tantivy.Query.boolean_query(
            [*((Must, q) for q in required), *((MustNot, q) for q in excluded)])

    def terms(self, field: str, terms: Iterable[str]) -> tantivy.Query | None:
        """Every one of ``terms`` in ``field`` (None when there is none)."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return None
        if len(unique) == 1:
            return tantivy.Query.term_query(self.schema, field, unique[0])
        return tantivy.Query.boolean_query(
            [(Must, tantivy.Query.term_query(self.schema, field, t)) for t in unique])

    def any_term(self, field: str, terms: Iterable[str]) -> tantivy.Query:
        unique = list(dict.fromkeys(t for t in terms if t))
        if not unique:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self.schema, field, unique)

    def expand(self, field: str, prefix: str) -> list[str]:
        """The :data:`MAX_EXPANSIONS` most frequent terms of ``field`` starting ``prefix``."""
        if not prefix:
            return []
        return [str(t) for t, _ in self.searcher.terms_with_prefix(field, prefix,
                                                                   limit=MAX_EXPANSIONS)]

    def _word(self, node: Word) -> tantivy.Query | None:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        found = self.terms(field, self._analysed(node.text, field))
        if node.field is None and sum(ch.isdigit() for ch in node.text) >= 8:
            numbers = self._identifier(node.text)
            return numbers if found is None else tantivy.Query.boolean_query(
                [(Should, found), (Should, numbers)])
        return found

    def _identifier(self, text: str) -> tantivy.Query:
        key = identifier_key(text)
        terms = {*isbn_variants(text), key}
        if len(key) >= 3:
            terms.update(self.expand(IDENTIFIERS, key))
        return self.any_term(IDENTIFIERS, sorted(terms))

    def _phrase(self, node: Phrase) -> tantivy.Query | None:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        terms = self._analysed(node.text, field)
        if len(terms) < 2 or field not in _POSITIONAL:
            return self.terms(field, terms)
        if field == ALL:
            return self.terms(PAIRS, [f"{a} {b}" for a, b in zip(terms, terms[1:],
                                                                 strict=False)])
        return tantivy.Query.phrase_query(self.schema, field, list[str | tuple[int, str]](terms))

    def _prefix(self, node: Prefix) -> tantivy.Query:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        source = AUTHORS if field == AUTHORS else WORDS
        expansions = self.expand(source, simplify(node.text))
        if field in (ALL, AUTHORS):
            return self.any_term(source, expansions)
        return self.any_term(field, (t for t in (normalise(w) for w in expansions) if t))

    @staticmethod
    def _analysed(text: str, field: str) -> list[str]:
        if field in FOLDED_FIELDS:
            return [w for w in (simplify(x) for x in words(text)) if w]
        return stems(text)
