"""Document sets read straight from the postings, cached per index generation.

Counting, faceting and filtering need *every* matching document, and Whoosh's matchers
hand them out one Python call per document (``id()``, ``next()``, often through a tree
of union/intersection matchers). Here a term's documents are read a whole block at a
time into a Python ``set`` and combined with C-level set operations; the sets of the
most recently used terms are kept, bounded by the bytes they hold
(:data:`CACHE_BYTES`), until the index changes.

What a cached set costs is its hash table (about 40 bytes a document) plus, unless they
are shared, an ``int`` object per document (32 bytes) and, for term frequencies, a
``float`` per document (24 bytes). Every set and mapping here takes its document
numbers from one table of ``int`` objects per generation (:meth:`Postings.frozen`) and
its frequencies from one table of floats, so a cached document costs its table slot
only: about half of what it did. The cache counts the bytes of what it keeps
(:func:`footprint`), which ``tracemalloc`` confirms (tests/test_index_searcher_memory.py).

Only this module touches Whoosh's block internals, and it falls back to the public
matcher walk (for good, in this process) the first time they do not have the shape it
was written for: another codec, another Whoosh (whoosh3).
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import accumulate
from typing import Any

from whoosh.matching.wrappers import FilterMatcher  # type: ignore[import-untyped]

DocSet = set[int] | frozenset[int]

#: Upper bound on the bytes of the document sets and term frequencies kept by a
#: generation's term cache (:func:`footprint`). Measured (README, *Performance*): the 200
#: queries of bench/search.py filled 92 MB at 20,000 records and the former bound of 4
#: million ids (337 MB) at 100,000; with 64 MB their warm times stay within a few per
#: cent of an unbounded cache's, because what a search spends is mostly in counting facets
#: and scoring, not in re-reading the postings the cache let go. Read when a generation
#: is opened.
CACHE_BYTES = 64 * 2**20
#: Cost of an ``int`` (``float``) object that a cached value does not share: what
#: pymalloc hands out for it.
INT_BYTES = 32
FLOAT_BYTES = 24


def footprint(value: Any, shared: bool = True) -> int:
    """Bytes held by a cached set or document -> frequency mapping: its table, plus its
    own ``int`` and ``float`` objects unless they come from the shared tables."""
    own = 0 if shared else INT_BYTES + (FLOAT_BYTES if isinstance(value, dict) else 0)
    return sys.getsizeof(value) + own * len(value)


def _blocks(matcher: Any, weights: bool) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(ids, weights) of each block of a fresh leaf matcher (weights empty unless asked)."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        raw = matcher._data[0]
        ids = raw if matcher._byteids else list(accumulate(raw))
        found: Sequence[float] = ()
        if weights:
            data = matcher._data[1]
            found = [1.0] * len(ids) if data is None else (
                [data] * len(ids) if isinstance(data, float) else data
            )
        yield ids, found
        matcher._next_block()


#: Set once the block internals turned out not to be Whoosh 3's: the public walk only.
_PUBLIC_ONLY = False


def _public(matcher: Any, weights: bool) -> tuple[list[int], list[float]]:
    """Whoosh's public matcher walk (deleted documents already skipped by the matcher)."""
    ids: list[int] = []
    found: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        found.append(matcher.weight() if weights else 1.0)
        matcher.next()
    return ids, found


def _leaf(open_matcher: Callable[[], Any], weights: bool) -> tuple[list[int], list[float]]:
    """A term's (ids, weights) in one segment: block by block when the matcher is a Whoosh
    3 block matcher, else (another codec, another Whoosh) through the public walk of a
    fresh matcher, never an exception of the internals."""
    global _PUBLIC_ONLY
    if _PUBLIC_ONLY:
        return _public(open_matcher(), weights)
    matcher = open_matcher()
    deleted: frozenset[int] | set[int] = frozenset()
    ids: list[int] = []
    found: list[float] = []
    try:
        if isinstance(matcher, FilterMatcher):
            deleted, matcher = frozenset(matcher._ids), matcher.child
        for block_ids, block_weights in _blocks(matcher, weights):
            ids.extend(block_ids)
            found.extend(block_weights)
    except (AttributeError, TypeError, IndexError, KeyError, ValueError):
        _PUBLIC_ONLY = True  # not a Whoosh 3 block matcher: the slow, public way
        return _public(open_matcher(), weights)
    if deleted:
        keep = [n for n, d in enumerate(ids) if d not in deleted]
        ids = [ids[n] for n in keep]
        found = [found[n] for n in keep] if weights else found
    return ids, found


class Postings:
    """Term document sets of one reader (one index generation), with a cache bounded by
    bytes (least recently used first out)."""

    def __init__(self, reader: Any, limit: int | None = None) -> None:
        self.reader = reader
        self.leaves: list[tuple[Any, int]] = list(reader.leaf_readers())
        #: Bytes the cache may hold (:data:`CACHE_BYTES` when the generation opened).
        self.limit = CACHE_BYTES if limit is None else limit
        self._cache: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._sizes: dict[tuple[str, str], int] = {}
        #: Bytes of what the cache holds now (:func:`footprint`).
        self.cached_bytes = 0
        self._all: frozenset[int] | None = None
        self._ints: list[int] | None = None
        self._floats: dict[float, float] = {}

    def docs(self, field: str, term: str) -> frozenset[int]:
        """The live documents containing ``term`` in ``field``."""
        key = (field, term)
        found: frozenset[int] | None = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        ids, _ = self._read(field, term, weights=False)
        result = frozenset(ids)
        self.remember(key, result)
        return result

    def weights(self, field: str, term: str) -> dict[int, float]:
        """Document -> term frequency (BM25's tf) of ``term`` in ``field``."""
        key = ("\x00tf:" + field, term)
        found: dict[int, float] | None = self._cache.get(key)
        if found is None:
            ids, weights = self._read(field, term, weights=True)
            floats = self._floats.setdefault  # a few distinct frequencies: one object each
            found = dict(zip(ids, map(floats, weights, weights), strict=True))
            self.remember(key, found)
        else:
            self._cache.move_to_end(key)
        return found

    def frozen(self, ids: Iterable[int]) -> frozenset[int]:
        """``ids`` as a set whose ``int`` objects are the generation's shared ones, so
        that keeping it costs its table only."""
        return frozenset(map(self._shared().__getitem__, ids))

    def _shared(self) -> list[int]:
        """Document number -> its one ``int`` object (about 4 MB at 100,000 records)."""
        if self._ints is None:
            self._ints = list(range(int(self.reader.doc_count_all())))
        return self._ints

    def _read(self, field: str, term: str, weights: bool) -> tuple[list[int], list[float]]:
        """A term's (global document numbers, frequencies), the numbers the shared ints."""
        ids: list[int] = []
        found: list[float] = []
        shared = self._shared().__getitem__
        for leaf, offset in self.leaves:
            if (field, term) not in leaf:
                continue
            local, local_weights = _leaf(partial(leaf.postings, field, term), weights)
            ids.extend(map(shared, local if offset == 0 else map(offset.__add__, local)))
            found.extend(local_weights)
        return ids, found

    def lookup(self, field: str, terms: Iterable[str]) -> dict[int, str]:
        """Live document -> its term, for exact terms of a unique field (global ids);
        not cached: one-off sets would push the shared terms out of the cache."""
        out: dict[int, str] = {}
        for term in terms:
            for doc in self._read(field, term, weights=False)[0]:
                out[doc] = term
        return out

    def union(self, field: str, terms: Iterable[str]) -> set[int]:
        """Documents containing any of ``terms`` in ``field``."""
        out: set[int] = set()
        for term in terms:
            out |= self.docs(field, term)
        return out

    def all_docs(self) -> frozenset[int]:
        """Every live document."""
        if self._all is None:
            self._all = self.frozen(self.reader.all_doc_ids())
        return self._all

    def frequency(self, field: str, term: str) -> int:
        """How many documents contain ``term`` (deleted ones included, as Whoosh counts)."""
        return int(self.reader.doc_frequency(field, term))

    def expand(self, field: str, prefix: str, limit: int) -> list[str]:
        """The ``limit`` most frequent terms of ``field`` beginning with ``prefix``."""
        found = [(self.reader.doc_frequency(field, t), t)
                 for t in self.reader.expand_prefix(field, prefix)]
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        return [_text(t) for _, t in found[:limit]]

    def values(self, field: str) -> list[str]:
        """Every term of ``field`` (facet values)."""
        return [_text(t) for t in self.reader.lexicon(field)]

    def cached(self, key: tuple[str, str]) -> Any:
        """A value kept by :meth:`remember`, or None."""
        return self._cache.get(key)

    def remember(self, key: tuple[str, str], ids: Any) -> None:
        """Keep a document set or mapping built by this class (its ints and floats the
        shared ones) until the bound pushes it out; one above a quarter of the bound is
        not kept (it would push out the many sets that make a search fast)."""
        size = footprint(ids)
        if size > self.limit // 4 or key in self._cache:
            return
        self._cache[key] = ids
        self._sizes[key] = size
        self.cached_bytes += size
        while self.cached_bytes > self.limit and self._cache:
            old, _ = self._cache.popitem(last=False)
            self.cached_bytes -= self._sizes.pop(old)


def _text(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
