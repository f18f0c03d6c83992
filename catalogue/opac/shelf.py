"""The shelf browser, "Sur le rayon à côté" (Koha's "Browse shelf"): the records whose
copies stand just before and after this one's on the centre's shelves, by call number.

Call numbers sort as a reader walks along a shelf, that is *naturally*: numbers by
value (``362.71 ABC`` before ``362.8 DUP``, ``A 2`` before ``A 10``), words without case
or accents. SQL cannot sort that way portably, so the centre's call numbers are read
once, sorted here, and kept until the store says the shelf changed
(:func:`catalogue.store.shelf.stamp`, one aggregate query per record page), so the sort
is paid once after each import. A record with several call numbers stands where
its first copy stands; the window moves along the shelf a window at a time (``start``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine

from catalogue.store import shelf as store

#: Records shown on each side of the record.
SIDE = 3
#: Places in a window: the record and its neighbours.
WIDTH = 2 * SIDE + 1
#: A number, with its decimal part if any: Dewey's ``362.71`` sorts before ``362.8``.
_PARTS = re.compile(r"(\d+(?:\.\d+)?)")
_PUNCTUATION = re.compile(r"[^\w]+")

Key = tuple[tuple[int, int, str, str] | tuple[int, str], ...]
#: (sort key, call number, record id, source id) of one record on the shelf.
Place = tuple[Key, str, int, str]


def _ascii_digits(text: str) -> str:
    """``text``'s digits (any script's, as ``\\d`` matches them) as ASCII digits."""
    return text if text.isascii() else "".join(str(unicodedata.digit(c, 0)) for c in text)


@lru_cache(maxsize=65536)
def natural_key(call_number: str) -> Key:
    """The sort key of a call number: numbers by value (decimals as decimals: the
    fraction compares as digits, ``.71`` before ``.8``), text without case or accents,
    punctuation and spacing ignored. Cached: copies share call numbers."""
    text = call_number.casefold()
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(ch))
    key: list[tuple[int, int, str, str] | tuple[int, str]] = []
    for n, part in enumerate(_PARTS.split(text)):
        if n % 2:
            # A number compares by its count of digits, then its digits: the value's
            # order without int(), which refuses more than 4,300 digits (a call number
            # is data: one such would break the shelf, so every page, of its centre).
            whole, _, fraction = part.partition(".")
            whole = _ascii_digits(whole).lstrip("0")
            key.append((0, len(whole), whole, _ascii_digits(fraction)))
        else:
            words = " ".join(_PUNCTUATION.sub(" ", part).split())
            if words:
                key.append((1, words))
    return tuple(key)


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A record on the shelf: its global id and the call number it stands under."""

    global_id: str
    call_number: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Shelf:
    """A window on the shelf: the places ``start`` to ``start + len(neighbours)`` of
    ``size``, the record among them unless the window was moved away from it."""

    neighbours: tuple[Neighbour, ...]
    start: int
    size: int

    @property
    def previous_start(self) -> int | None:
        """Where the window one page to the left starts (None: at the shelf's start)."""
        return max(0, self.start - WIDTH) if self.start > 0 else None

    @property
    def next_start(self) -> int | None:
        """Where the window one page to the right starts (None: at the shelf's end)."""
        following = self.start + WIDTH
        return following if following < self.size else None


class ShelfBrowser:
    """Sorted shelves per centre, rebuilt when the store changed (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._shelves: dict[str, tuple[tuple[int, int, str], list[Place]]] = {}

    def _places(self, source: str) -> list[Place]:
        """The centre's records in shelf order, each where its first copy stands."""
        stamp = store.stamp(self.engine, source)
        with self._lock:
            cached = self._shelves.get(source)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        rows = sorted((natural_key(call), call, record_id, source_id)
                      for call, record_id, source_id in store.call_numbers(self.engine, source))
        places: list[Place] = []
        seen: set[int] = set()
        for row in rows:
            if row[2] not in seen:
                seen.add(row[2])
                places.append(row)
        with self._lock:
            self._shelves[source] = (stamp, places)
        return places

    def around(self, source: str, record_id: int, call_numbers: list[str],
               start: int | None = None) -> Shelf | None:
        """The window of :data:`WIDTH` places centred on record ``record_id`` of ``source``,
        or starting at place ``start`` (paging); None when the record has no call number."""
        wanted = [c for c in call_numbers if c.strip()]
        if not wanted:
            return None
        places = self._places(source)
        if start is None:
            at = next((n for n, row in enumerate(places) if row[2] == record_id), None)
            if at is None:  # a copy the store's items do not hold: where it would stand
                at = bisect_left([row[0] for row in places], min(map(natural_key, wanted)))
            start = at - SIDE
        start = max(0, min(start, len(places) - WIDTH))
        window = places[start:start + WIDTH]
        return Shelf(tuple(Neighbour(f"{source}:{row[3]}", row[1], row[2] == record_id)
                           for row in window), start, len(places))
