"""What crosses the ``indexes`` boundary: plain, engine-neutral request and result values.

The web app, the feeds and the DSI matcher only ever see these; no engine object leaves
the package: both engines answer through the same search function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from indexes.schema import FACETS, FULLTEXT_FIELDS, SORTS

#: Page size and page number bounds: a request outside them is clamped, never refused.
MAX_PAGE_SIZE = 100
MAX_PAGE = 500
DEFAULT_PAGE_SIZE = 20
#: The years a range may name (the query language's four digits).
MIN_YEAR = 1000
MAX_YEAR = 9999


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search as a user asked for it.

    ``filters`` maps a facet name (``doctype``, ``year``, ``language``, ``source``,
    ``descriptor``, ``collection``, ``author``, ``availability``) to the selected values: values of
    one facet are OR-ed, facets are AND-ed. ``facets`` names the facets to count.
    ``sort`` is ``relevance``, ``newest``, ``title`` or ``author``; pages start at 1.
    """

    query: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    facet_limit: int = 30
    highlight: bool = True
    suggest: bool = True
    #: Access levels whose documents' full text the reader may search (what they may
    #: download): ``public`` for anyone, plus ``readers`` signed in, plus ``staff``.
    fulltext: tuple[str, ...] = ("public",)
    #: Publication years from / to (either end open): the year range of a results page,
    #: applied as ``annee:low-high`` would be, without being written into the query
    #: (so highlighting and spelling suggestions read the reader's words only).
    years: tuple[int | None, int | None] = (None, None)

    def bounded(self) -> SearchRequest:
        """The same request with page, page size and sort brought within their bounds."""
        size = min(max(int(self.page_size), 1), MAX_PAGE_SIZE)
        page = min(max(int(self.page), 1), MAX_PAGE)
        sort = self.sort if self.sort in SORTS else "relevance"
        filters = {
            name: tuple(dict.fromkeys(str(v) for v in values if str(v)))[:50]
            for name, values in self.filters.items() if name in FACETS
        }
        facets = tuple(f for f in dict.fromkeys(self.facets) if f in FACETS)
        return SearchRequest(
            query=str(self.query), filters={k: v for k, v in filters.items() if v},
            facets=facets, sort=sort, page=page, page_size=size,
            facet_limit=min(max(int(self.facet_limit), 1), 500), highlight=self.highlight,
            suggest=self.suggest,
            fulltext=tuple(v for v in FULLTEXT_FIELDS if v in self.fulltext),
            years=_years(self.years),
        )


def _years(years: tuple[int | None, int | None]) -> tuple[int | None, int | None]:
    """A year range with each end a year of four digits or open, in order."""
    low, high = (int(y) if y is not None and MIN_YEAR <= int(y) <= MAX_YEAR else None
                 for y in (tuple(years) + (None, None))[:2])
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the record's global id, its score, and HTML-safe display fragments.

    ``title_html`` and ``snippet_html`` are HTML-escaped with the matched words wrapped in
    ``<mark>``; they can be inserted as they are.
    """

    global_id: str
    score: float
    title_html: str
    snippet_html: str = ""
    authors: str = ""


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet with the number of matching records, and whether selected."""

    value: str
    count: int
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Facet:
    """The counts of one facet under the query and the *other* facets' filters."""

    name: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of results with the exact total, facets and an optional spelling suggestion.

    ``degraded`` is True when the query could not be read as written and was run as
    plain words instead; ``suggestion`` is a corrected query worth offering ("did you
    mean") when the query found few or no records.
    """

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: tuple[Facet, ...] = ()
    suggestion: str | None = None
    degraded: bool = False
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least 1), capped at the page bound."""
        return min(max(1, -(-self.total // self.request.page_size)), MAX_PAGE)

    def facet(self, name: str) -> Facet | None:
        """The counted facet called ``name``, if it was requested."""
        return next((f for f in self.facets if f.name == name), None)
