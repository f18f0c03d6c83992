"""What a query tree means, once for every engine: each engine only supplies the algebra.

The rules: plain words are ANDed stems (folded, unstemmed words in ``auteur:``); a word
of eight digits or more also looks in the identifiers; a phrase on the catch-all field is
the AND of its adjacent pairs (:func:`indexes.analysis.pairs`), elsewhere a positional
phrase; a prefix expands over the unstemmed ``words`` lexicon (``authors`` for
``auteur:``) to its :data:`MAX_EXPANSIONS` most frequent words, stemmed again for a
stemmed field; identifiers match exactly, by prefix, and ISBNs in both forms; years are
a range. Excluding nothing excludes nothing, and ``OR`` with an unconstrained side is
unconstrained.

Stop words: a query with real words ignores its stop words (``politique de la ville``
finds what ``politique ville`` finds), but a query whose words are *all* stop words
(``Vous et nous``, ``Nous``, ``de la``, ``"vous et nous"``, ``titre:nous``) is a title
readers type, not a request for the whole catalogue: its words, folded but neither
stemmed nor dropped, are all required in the ``words`` field (which keeps stop words;
it has no positions, so a phrase of stop words is its words). In a named field
(``titre:nous``, ``collection:``, ``editeur:``: :data:`~indexes.schema.STOP_FIELDS`),
whose stemmed terms have no stop words, they are required among that field's stop words
as ``title_key`` holds them (:func:`indexes.schema.stop_key`); a document built before
those values (without :data:`~indexes.schema.STOP_KEYS`) is searched in its ``words`` as
before, until ``catalogue reindex``, and so is ``sujet:de``. The same holds for each side of an
``OR`` (``elles OR nous``) and beside a year range. A stop-word clause inside a query
with real words, or excluded (``-le``), still constrains nothing. Such a clause is
evaluated to a :class:`Stopped` until it is known whether the query around it has real
words: :meth:`Meaning.of` turns what is left of it into a ``words`` lookup.

Such a query is ranked by title (:meth:`Meaning.tiers`): the records whose title is
exactly its words (folded, not stemmed), then those whose main title is, then those whose
title holds them all, then the rest, newest first in each tier.

An engine implements :class:`Algebra` over its own values (Whoosh: document sets;
tantivy: query objects), and :class:`Meaning` walks the tree with it: both engines then
find the same records for the same query by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeAlias, TypeVar

from indexes.analysis import normalise, simplify, stems, words
from indexes.documents import identifier_key, isbn_variants
from indexes.schema import (
    ALL,
    AUTHORS,
    FOLDED_FIELDS,
    IDENTIFIERS,
    PAIRS,
    STOP_FIELDS,
    STOP_KEYS,
    STOP_MAIN_TITLE,
    STOP_TITLE,
    SUBJECTS,
    TITLE,
    TITLE_KEY,
    WORDS,
    stop_key,
)
from indexes.syntax import AllOf, AnyOf, Node, Not, Phrase, Prefix, Word, Years

#: Prefix expansion bound: the most frequent words beginning with the prefix.
MAX_EXPANSIONS = 64
#: Fields with positions, where a phrase is a phrase (the catch-all field uses pairs).
POSITIONAL = frozenset({ALL, TITLE, AUTHORS, SUBJECTS})
#: Digits in a word from which it may be an identifier (an ISBN typed without hyphens).
IDENTIFIER_DIGITS = 8

T = TypeVar("T")


class Inexact(Exception):
    """A selection among given records that could differ from the same query run on an
    index of those records alone: a prefix expansion reached :data:`MAX_EXPANSIONS`
    (over a larger lexicon the most frequent words need not be those of the records), or
    the index lacks a field the query filters on (built before it existed)."""


class Algebra(Protocol[T]):
    """An engine's operations on the records a clause matches."""

    def every(self, field: str, terms: list[str]) -> T:
        """Records holding every one of ``terms`` (at least one) in ``field``."""

    def any(self, field: str, terms: list[str]) -> T:
        """Records holding any of ``terms`` in ``field`` (none: no record)."""

    def expand(self, field: str, prefix: str, limit: int) -> list[str]:
        """The ``limit`` most frequent terms of ``field`` beginning with ``prefix``."""

    def phrase(self, field: str, terms: list[str]) -> T:
        """Records holding ``terms`` (two or more) next to each other in ``field``."""

    def years(self, low: int, high: int) -> T:
        """Records published from ``low`` to ``high`` (both included)."""

    def union(self, parts: list[T]) -> T:
        """Records of any of ``parts`` (none: no record)."""

    def restrict(self, required: list[T], excluded: list[T]) -> T:
        """Records of every one of ``required`` (all records when empty) and of none of
        ``excluded``; never both empty."""


@dataclass(frozen=True)
class Stopped(Generic[T]):
    """A clause whose words are all stop words: ``words`` (field, folded unstemmed word;
    the field is :data:`~indexes.schema.WORDS` for the whole record) plus what else it
    requires (``also``: year ranges) and excludes. Around real words it is its ``also``
    and ``excluded`` alone, as before; on its own, its words are required too."""

    words: tuple[tuple[str, str], ...]
    also: tuple[T, ...] = ()
    excluded: tuple[T, ...] = ()

    def texts(self) -> tuple[str, ...]:
        """Its distinct words, whatever their field, in order."""
        return tuple(dict.fromkeys(word for _, word in self.words))


#: What a clause evaluates to: records, no constraint (None), or a stop-word clause.
Part: TypeAlias = T | Stopped[T] | None


class Meaning(Generic[T]):
    """Evaluates query trees with one engine's :class:`Algebra` (see the module docstring)."""

    def __init__(self, algebra: Algebra[T]) -> None:
        self.algebra = algebra
        #: Raise :class:`Inexact` on a saturated expansion (a selection among given
        #: records, :meth:`indexes.searcher.Searcher.select` with ``within``).
        self.strict = False

    def _expand(self, field: str, prefix: str) -> list[str]:
        found = self.algebra.expand(field, prefix, MAX_EXPANSIONS)
        if self.strict and len(found) >= MAX_EXPANSIONS:
            raise Inexact(f"{prefix!r} has {MAX_EXPANSIONS} or more words in {field}")
        return found

    def of(self, node: Node) -> T | None:
        """The records matching ``node``; None means every record (no constraint)."""
        return self._required(self._of(node))

    def tiers(self, node: Node) -> list[T] | None:
        """For a query of stop words only: the records to rank first, best first (title
        exactly its words, main title exactly them, title holding them all), each tier
        ranked before the next (an engine removes the earlier tiers' records from a
        later one); None for any other query. On an index built before the values they
        look up (:mod:`indexes.schema`), every tier is empty: newest first, as before."""
        words = stop_words(node)
        if not words:
            return None
        every = self.algebra
        text = " ".join(words)
        return [every.any(TITLE_KEY, [STOP_TITLE + text]),
                every.any(TITLE_KEY, [STOP_MAIN_TITLE + text]),
                every.every(TITLE_KEY, [stop_key(TITLE, w) for w in words])]

    def _required(self, part: Part[T]) -> T | None:
        """``part`` as a whole query: a stop-word clause requires its words."""
        if not isinstance(part, Stopped):
            return part
        by_field: dict[str, list[str]] = {}
        for field, word in part.words:
            by_field.setdefault(field, []).append(word)
        required: list[T] = [self._in_field(field, found) for field, found in by_field.items()]
        required += part.also
        if len(required) == 1 and not part.excluded:
            return required[0]
        return self.algebra.restrict(required, list(part.excluded))

    def _in_field(self, field: str, found: list[str]) -> T:
        """Records holding every one of the stop words ``found`` in ``field``: among the
        field's stop words in ``title_key``, or in ``words`` for a document built without
        them (:data:`~indexes.schema.STOP_KEYS`)."""
        anywhere = self.algebra.every(WORDS, found)
        if field == WORDS:
            return anywhere
        held = self.algebra.every(TITLE_KEY, [stop_key(field, w) for w in found])
        older = self.algebra.restrict([anywhere], [self.algebra.any(TITLE_KEY, [STOP_KEYS])])
        return self.algebra.union([held, older])

    def _ignored(self, part: Part[T]) -> T | None:
        """``part`` beside real words (or excluded): a stop-word clause's words count for
        nothing, what else it requires or excludes still counts."""
        if not isinstance(part, Stopped):
            return part
        if not part.also and not part.excluded:
            return None
        if len(part.also) == 1 and not part.excluded:
            only: T = part.also[0]
            return only
        return self.algebra.restrict(list(part.also), list(part.excluded))

    def _of(self, node: Node) -> Part[T]:
        if isinstance(node, Word):
            return self._word(node)
        if isinstance(node, Phrase):
            return self._phrase(node)
        if isinstance(node, Prefix):
            return self._prefix(node)
        if isinstance(node, Years):
            return self._years(node)
        if isinstance(node, Not):
            excluded = self._ignored(self._of(node.node))
            return None if excluded is None else self.algebra.restrict([], [excluded])
        if isinstance(node, AnyOf):
            return self._any_of(node)
        return self._all_of(node)

    def _years(self, node: Years) -> T:
        return self.algebra.years(node.low if node.low is not None else 0,
                                  node.high if node.high is not None else 9999)

    def _any_of(self, node: AnyOf) -> Part[T]:
        parts = [self._of(child) for child in node.nodes]
        if any(part is None for part in parts):
            return None
        first = parts[0]
        # A word widened to the documents' text (one side per field) is one clause.
        if isinstance(first, Stopped) and all(part == first for part in parts):
            return first
        found: list[T] = []
        for part in parts:
            each = self._required(part)  # each side of an OR is a query of its own
            if each is None:
                return None
            found.append(each)
        return self.algebra.union(found)

    def _all_of(self, node: AllOf) -> Part[T]:
        required: list[T] = []
        years: list[T] = []
        excluded: list[T] = []
        stopped: list[Stopped[T]] = []
        for child in node.nodes:
            if isinstance(child, Not):
                part = self._ignored(self._of(child.node))
                if part is not None:
                    excluded.append(part)
                continue
            found = self._of(child)
            if isinstance(found, Stopped):
                stopped.append(found)
            elif found is not None:
                (years if isinstance(child, Years) else required).append(found)
        for each in stopped:
            years.extend(each.also)
            excluded.extend(each.excluded)
        if not required and stopped:  # stop words only (beside year ranges, exclusions)
            held = tuple(dict.fromkeys(pair for each in stopped for pair in each.words))
            return Stopped(held, tuple(years), tuple(excluded))
        required += years
        if not required and not excluded:
            return None
        if len(required) == 1 and not excluded:
            return required[0]
        return self.algebra.restrict(required, excluded)

    def terms(self, field: str, terms: Iterable[str]) -> T | None:
        """Every one of ``terms`` in ``field``; None when there is none (stop words)."""
        unique = list(dict.fromkeys(terms))
        return self.algebra.every(field, unique) if unique else None

    def _word(self, node: Word) -> Part[T]:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        found = self.terms(field, analysed(node.text, field))
        if node.field is None and sum(ch.isdigit() for ch in node.text) >= IDENTIFIER_DIGITS:
            numbers = self._identifier(node.text)
            return numbers if found is None else self.algebra.union([found, numbers])
        return self._stopped(node.text, field) if found is None else found

    @staticmethod
    def _stopped(text: str, field: str) -> Stopped[T] | None:
        """The stop-word clause of ``text`` in ``field`` (words that all analyse to
        nothing), or None when it has no word at all."""
        where = field if field in STOP_FIELDS else WORDS
        found = tuple(dict.fromkeys((where, w) for w in analysed(text, WORDS)))
        return Stopped(found) if found else None

    def _identifier(self, text: str) -> T:
        key = identifier_key(text)
        terms = {*isbn_variants(text), key}
        if len(key) >= 3:
            terms.update(self._expand(IDENTIFIERS, key))
        return self.algebra.any(IDENTIFIERS, sorted(t for t in terms if t))

    def _phrase(self, node: Phrase) -> Part[T]:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        terms = analysed(node.text, field)
        if not terms:
            return self._stopped(node.text, field)
        if len(terms) < 2 or field not in POSITIONAL:
            return self.terms(field, terms)
        if field == ALL:
            return self.terms(PAIRS, [f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)])
        return self.algebra.phrase(field, terms)

    def _prefix(self, node: Prefix) -> T:
        field = node.field or ALL
        if field == IDENTIFIERS:
            return self._identifier(node.text)
        source = AUTHORS if field == AUTHORS else WORDS
        prefix = simplify(node.text)
        expansions = self._expand(source, prefix) if prefix else []
        if field in (ALL, AUTHORS):
            return self.algebra.any(source, expansions)
        stemmed = (t for t in (normalise(w) for w in expansions) if t)
        return self.algebra.any(field, list(dict.fromkeys(stemmed)))


class _Blank:
    """An :class:`Algebra` that looks nothing up: what a query means, without its records."""

    def every(self, field: str, terms: list[str]) -> object:
        return None

    def any(self, field: str, terms: list[str]) -> object:
        return None

    def expand(self, field: str, prefix: str, limit: int) -> list[str]:
        return []

    def phrase(self, field: str, terms: list[str]) -> object:
        return None

    def years(self, low: int, high: int) -> object:
        return None

    def union(self, parts: list[object]) -> object:
        return None

    def restrict(self, required: list[object], excluded: list[object]) -> object:
        return None


def stop_words(node: Node) -> tuple[str, ...]:
    """The words of a query made of stop words only (folded, distinct, in order; beside
    year ranges and exclusions), or () for any other query."""
    part = Meaning(_Blank())._of(node)
    return part.texts() if isinstance(part, Stopped) else ()


def analysed(text: str, field: str) -> list[str]:
    """The terms of ``text`` as ``field`` indexes them (stems, or folded words)."""
    if field in FOLDED_FIELDS:
        return [w for w in (simplify(x) for x in words(text)) if w]
    return stems(text)

