"""The publication years of a results page as a compact histogram: one bar per year, or
per decade when the years span too many to read at a glance.

Built from the ``year`` facet's counts (what the index already counted for the page), so
it costs nothing more than the facet. Each bar carries the range it stands for, so that
choosing it is a plain link (``annee_de``/``annee_a``) and the page needs no script; its
length is a level from 0 to :data:`LEVELS`, which the stylesheet draws, since the page's
Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from indexes import FacetValue

#: Bar lengths the stylesheet knows (``bar-0`` ... ``bar-10``).
LEVELS = 10
#: More distinct years than this: one bar per decade.
MAX_YEAR_BARS = 12
#: Fewer bars than this tell nothing a list would not: no histogram.
MIN_BARS = 2


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: the years it covers (``low`` to ``high``), its count and drawn length."""

    low: int
    high: int
    count: int
    level: int

    @property
    def label(self) -> str:
        """``2015`` or ``2010-2019``."""
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


def histogram(values: Iterable[FacetValue], complete: bool = True) -> tuple[Bar, ...]:
    """The bars of a ``year`` facet's values, oldest first ('' and non-years ignored).

    ``complete`` is False when the facet was cut at its limit (it lists the newest
    years): the oldest decade may then lack years, so it is left out rather than drawn
    short. Empty when there are fewer than :data:`MIN_BARS` bars to draw.
    """
    counts: Counter[int] = Counter()
    for value in values:
        text = value.value.strip()
        if len(text) == 4 and text.isascii() and text.isdigit() and value.count > 0:
            counts[int(text)] += value.count
    if len(counts) > MAX_YEAR_BARS:
        decades: Counter[int] = Counter()
        for year, count in counts.items():
            decades[year - year % 10] += count
        if not complete:
            decades.pop(min(decades))
        spans = [(d, d + 9, n) for d, n in decades.items()]
    else:
        spans = [(y, y, n) for y, n in counts.items()]
    if len(spans) < MIN_BARS:
        return ()
    top = max(n for _, _, n in spans)
    return tuple(Bar(low, high, n, max(1, round(LEVELS * n / top)))
                 for low, high, n in sorted(spans))
