"""Document sets read straight from the postings, cached per index generation.

Counting, faceting and filtering need *every* matching document, and Whoosh's matchers
hand them out one Python call per document (``id()``, ``next()``, often through a tree
of union/intersection matchers). Here a term's documents are read a whole block at a
time into a Python ``set`` and combined with C-level set operations; the sets of the
most recently used terms are kept, bounded by the bytes they hold
(:data:`CACHE_BYTES`), until the index changes: ready to use first, then, pushed out of
those, packed in arrays (:data:`READY_SHARE`), then let go.

What a cached set costs is its hash table (about 40 bytes a document) plus, unless they
are shared, an ``int`` object per document (32 bytes) and, for term frequencies, a
``float`` per document (24 bytes). Every set and mapping here takes its document
numbers from one table of ``int`` objects per generation (:meth:`Postings.frozen`) and
its frequencies from one table of floats, so a cached document costs its table slot
only: about half of what it did. The cache counts the bytes of what it keeps
(:func:`footprint`), which ``tracemalloc`` confirms (tests/test_index_searcher_memory.py).
Terms with few documents are kept as the others: per byte they cost as much to keep and
more to read again (the term's lookup), so the bound in bytes alone decides.

Only this module touches Whoosh's block internals, and it falls back to the public
matcher walk (for good, in this process) the first time they do not have the shape it
was written for: another codec, another Whoosh (whoosh3).
"""

from __future__ import annotations

import sys
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import accumulate
from typing import Any

from whoosh.matching.wrappers import FilterMatcher  # type: ignore[import-untyped]

DocSet = set[int] | frozenset[int]
Key = tuple[str, str]
#: A set or mapping pushed out of the ready ones: its documents and, for a mapping, their
#: frequencies, in arrays.
Packed = tuple["array[int]", "array[float] | None"]

#: Upper bound on the bytes of the document sets and term frequencies kept by a
#: generation's term cache, ready and packed (:func:`footprint`): a bound per process (a
#: web worker's searcher, the scheduler's). Measured with bench/searcher_memory.py
#: ``--what codes`` (README, *Performance*): the 200 queries of bench/search.py need 52
#: MB at 20,000 records (all kept: warm times as before) and more than the former bound of
#: 4 million ids (337 MB as they were kept then) at 100,000, where 128 MB keeps warm p50
#: within 6% of before and p95 and the whole mix 10-30% faster (common words packed
#: instead of pushed out), with 220 MB of the worker's own memory instead of 450. 64 and
#: 96 MB kept 61-94 MB but made p50 13-60% slower at 100,000 (the mix cycles through more
#: than they hold). Read when a generation is opened.
CACHE_BYTES = 128 * 2**20
#: Share of :data:`CACHE_BYTES` that ready sets and mappings may take; the rest keeps those
#: pushed out of them packed in arrays (4 bytes a document, 12 with its frequency: a tenth
#: of a ready one's), which are turned back into a set 3-6 times faster than the postings
#: are read again. Measured at 100,000 records: half and half made warm p50 17-20% slower
#: than three quarters ready (the common words' sets unpacked on every search).
READY_SHARE = 0.75
#: Cost of an ``int`` (``float``) object that a cached value does not share: what
#: pymalloc hands out for it.
INT_BYTES = 32
FLOAT_BYTES = 24
#: What keeping one more value costs besides the value: its key (a tuple and a term), its
#: slot in the cache's ordered dictionary and in the dictionary of sizes (tracemalloc:
#: 150-250 bytes).
ENTRY_BYTES = 200


def footprint(value: Any, shared: bool = True) -> int:
    """Bytes held by a cached set or document -> frequency mapping: its table, plus its
    own ``int`` and ``float`` objects unless they come from the shared tables."""
    own = 0 if shared else INT_BYTES + (FLOAT_BYTES if isinstance(value, dict) else 0)
    return ENTRY_BYTES + sys.getsizeof(value) + own * len(value)


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
    bytes: ready, then packed, least recently used first out of each."""

    def __init__(self, reader: Any, limit: int | None = None) -> None:
        self.reader = reader
        self.leaves: list[tuple[Any, int]] = list(reader.leaf_readers())
        #: Bytes the cache may hold (:data:`CACHE_BYTES` when the generation opened).
        self.limit = CACHE_BYTES if limit is None else limit
        self._ready_limit = int(self.limit * READY_SHARE)
        self._cache: OrderedDict[Key, Any] = OrderedDict()
        self._sizes: dict[Key, int] = {}
        self._packed: OrderedDict[Key, Packed] = OrderedDict()
        self._packed_sizes: dict[Key, int] = {}
        #: Bytes of the ready sets and mappings, and of the packed ones (:func:`footprint`).
        self.ready_bytes = 0
        self.packed_bytes = 0
        self._all: frozenset[int] | None = None
        self._ints: list[int] | None = None
        self._floats: dict[float, float] = {}

    @property
    def cached_bytes(self) -> int:
        """Bytes the cache holds now, never above :attr:`limit`."""
        return self.ready_bytes + self.packed_bytes

    def docs(self, field: str, term: str) -> frozenset[int]:
        """The live documents containing ``term`` in ``field``."""
        key = (field, term)
        found: frozenset[int] | None = self.cached(key)
        if found is None:
            ids, _ = self._read(field, term, weights=False)
            found = frozenset(ids)
            self.remember(key, found)
        return found

    def weights(self, field: str, term: str) -> dict[int, float]:
        """Document -> term frequency (BM25's tf) of ``term`` in ``field``."""
        key = ("\x00tf:" + field, term)
        found: dict[int, float] | None = self.cached(key)
        if found is None:
            ids, weights = self._read(field, term, weights=True)
            found = self._mapping(ids, weights)
            self.remember(key, found)
        return found

    def _mapping(self, ids: Iterable[int], weights: Iterable[float]) -> dict[int, float]:
        floats = self._floats.setdefault  # a few distinct frequencies: one object each
        return dict(zip(ids, map(floats, weights, weights), strict=True))

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

    def cached(self, key: Key) -> Any:
        """A value kept by :meth:`remember` (unpacked again if it was packed), or None."""
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        packed = self._packed.pop(key, None)
        if packed is None:
            return None
        self.packed_bytes -= self._packed_sizes.pop(key)
        ids, weights = packed
        shared = map(self._shared().__getitem__, ids)
        found = frozenset(shared) if weights is None else self._mapping(shared, weights)
        self.remember(key, found)
        return found

    def remember(self, key: Key, ids: Any) -> None:
        """Keep a document set or mapping built by this class (its ints and floats the
        shared ones) until the bound pushes it out, packed first; one above a quarter of
        the bound is not kept (it would push out the many sets that make a search fast)."""
        size = footprint(ids)
        if size > self.limit // 4 or key in self._cache:
            return
        self._cache[key] = ids
        self._sizes[key] = size
        self.ready_bytes += size
        while self.ready_bytes > self._ready_limit and self._cache:
            old, value = self._cache.popitem(last=False)
            self.ready_bytes -= self._sizes.pop(old)
            self._pack(old, value)

    def _pack(self, key: Key, value: Any) -> None:
        """Keep ``value`` in arrays, the least recently packed going first to make room."""
        if isinstance(value, dict):
            packed: Packed = (array("i", value.keys()), array("d", value.values()))
        else:
            packed = (array("i", value), None)
        size = ENTRY_BYTES + sys.getsizeof(packed) + sys.getsizeof(packed[0]) + (
            0 if packed[1] is None else sys.getsizeof(packed[1]))
        self._packed[key] = packed
        self._packed_sizes[key] = size
        self.packed_bytes += size
        while self.cached_bytes > self.limit and self._packed:
            old, _ = self._packed.popitem(last=False)
            self.packed_bytes -= self._packed_sizes.pop(old)


def _text(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
