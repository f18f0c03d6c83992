"""A search as URL parameters: read from any query string, bounded, and written back.

Every page of the catalogue (results, facets, chips, paging, sort, Atom feed, JSON API)
is a GET URL, so a search can be bookmarked, shared, followed in a feed reader and
crawled. This module is the one reader and writer of those URLs::

    q=prévention&doctype=a&descriptor=Jeunesse&descriptor=Violence&sort=newest&page=2
    &annee_de=2010&annee_a=2020&limit=50

Facet filters use the index's public facet names; several values of one facet are
OR-ed, facets are AND-ed. Reading never fails: an unknown sort is the default one, a
page that is not a positive number is the first, over-long text is cut, control
characters are dropped. What comes out is safe to hand to the search service and to
echo (templates escape it).

The advanced search form is turned into the same query language a documentalist could
type (``titre:(...) auteur:(...) annee:2010-2020``), so its results page is an ordinary
one with the query visible and editable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from catalogue.numbers import integer
from indexes import FACETS, SORTS, SearchRequest
from indexes.model import MAX_YEAR, MIN_YEAR
from indexes.syntax import AllOf, Years, parse

MAX_QUERY = 1000
MAX_VALUE = 200
MAX_VALUES = 20
MAX_PAGE_DIGITS = 9
HUGE_PAGE = 1_000_000_000  # what a longer number reads as (clamped to the last page)
_DIGITS = re.compile(r"^[0-9]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


#: The results-per-page choices a reader is offered (``limit=``); any other value is the
#: configured page size, so a hand-typed ``limit=100000`` costs nothing.
PAGE_SIZES = (10, 20, 50, 100)
#: The year range's fields on a results page (from, to).
YEAR_FIELDS = ("annee_de", "annee_a")


class Args(Protocol):
    """What a query string offers (werkzeug's ``MultiDict`` has it)."""

    def getlist(self, key: str) -> list[str]: ...


def first(args: Args, key: str) -> str:
    """The first value of ``key`` in a query string ('' when absent)."""
    values = args.getlist(key)
    return values[0] if values else ""


def clean(text: str | None, limit: int) -> str:
    """User text made safe to search and show: NFC, no control characters, one line."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text[: limit * 2])
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def number(text: str | None, default: int = 1) -> int:
    """A positive page number from user text; anything else is ``default``."""
    text = (text or "").strip()
    if not _DIGITS.match(text):
        return default
    if len(text) > MAX_PAGE_DIGITS:
        return HUGE_PAGE
    return max(int(text), 1)


@dataclass(frozen=True, slots=True)
class SearchParams:
    """One search as its URL says it: query, facet filters, sort (``''``: default), page,
    results per page (0: the configured size) and a year range (``annee_de``, ``annee_a``).

    ``bad_years`` names the year fields whose text was not a year (or a "to" before the
    "from"): the page says so next to the field, and the range is not applied.
    """

    query: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sort: str = ""
    page: int = 1
    page_size: int = 0
    year_from: int | None = None
    year_to: int | None = None
    bad_years: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: Args) -> SearchParams:
        """Read a query string; see the module docstring for what is tolerated."""
        filters = []
        for name in FACETS:
            values = [clean(v, MAX_VALUE) for v in args.getlist(name)[:MAX_VALUES * 2]]
            kept = tuple(dict.fromkeys(v for v in values if v))[:MAX_VALUES]
            if kept:
                filters.append((name, kept))
        sort = clean(first(args, "sort"), 20)
        size = integer(clean(first(args, "limit"), 10), 0)
        years: list[int | None] = []
        bad: list[str] = []
        for name in YEAR_FIELDS:
            text = clean(first(args, name), 20)
            year = integer(text, low=MIN_YEAR, high=MAX_YEAR)
            if text and year is None:
                bad.append(name)
            years.append(year)
        low, high = years
        if low is not None and high is not None and low > high:
            bad.append(YEAR_FIELDS[1])
        if bad:
            low = high = None
        return cls(query=clean(first(args, "q"), MAX_QUERY), filters=tuple(filters),
                   sort=sort if sort in SORTS else "", page=number(first(args, "page")),
                   page_size=size if size in PAGE_SIZES else 0, year_from=low, year_to=high,
                   bad_years=tuple(bad))

    # --- meaning ----------------------------------------------------------------------

    @property
    def effective_sort(self) -> str:
        """The sort in force: as asked, else relevance for a query and newest for browsing."""
        return self.sort or ("relevance" if self.query else "newest")

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        """Facet name -> selected values."""
        return dict(self.filters)

    @property
    def is_empty(self) -> bool:
        """Neither a query nor a filter: the whole catalogue."""
        return not self.query and not self.filters and not self.has_years

    @property
    def has_years(self) -> bool:
        """Whether a year range restricts the search."""
        return self.year_from is not None or self.year_to is not None

    @property
    def years_query(self) -> str:
        """The year range in the query language (``annee:2010-2020``), '' when none."""
        if not self.has_years:
            return ""
        low, high = (str(y) if y is not None else "" for y in (self.year_from, self.year_to))
        return f"annee:{low}" if low == high else f"annee:{low}-{high}"

    @property
    def alert_query(self) -> str:
        """The query an alert of this search keeps: the words and the year range."""
        return clean(" ".join(p for p in (self.query, self.years_query) if p), MAX_QUERY)

    def selected(self, name: str, value: str) -> bool:
        """Whether ``value`` of facet ``name`` is among the filters."""
        return value in self.filter_map.get(name, ())

    def _query_year(self) -> tuple[int, str] | None:
        """The one year the query's own words restrict it to (``annee:2015``,
        ``annee:2015-2015``, ``2015..2015``, as the advanced form writes a one-year range),
        with the query without that term; None when the query says no single year, or
        says it under a NOT, an OR or a group."""
        if ":" not in self.query and ".." not in self.query:
            return None
        tree = parse(self.query)
        top = tree.nodes if isinstance(tree, AllOf) else (tree,)
        spans = [n for n in top if isinstance(n, Years)]
        if len(spans) != 1 or spans[0].low is None or spans[0].low != spans[0].high:
            return None
        tokens = self.query.split()
        kept = [t for t in tokens if t.startswith(("-", "(")) or parse(t) != spans[0]]
        if len(tokens) - len(kept) != 1:
            return None
        return spans[0].low, " ".join(kept)

    def without_year(self, value: str) -> SearchParams | None:
        """This search freed from the one year ``value`` of the year facet, when that year
        is what restricts it: a ticked year, a one-year range (``annee_de`` = ``annee_a``)
        or a one-year term of the query. None when ``value`` is not such a year.

        The results page shows that year ticked, its link removing it, whichever way
        it was chosen (a one-year range used to list it unticked, its link adding a
        facet filter that changed nothing)."""
        found = self
        if self.selected("year", value):
            found = found.toggled("year", value)
        if self.year_from is not None and str(self.year_from) == value == str(self.year_to):
            found = found.without_years()
        in_query = self._query_year()
        if in_query is not None and str(in_query[0]) == value:
            found = found.with_query(in_query[1])
        return None if found is self else found

    def request(self, page_size: int, facets: tuple[str, ...] = ()) -> SearchRequest:
        """The index request for this search (the page is set by the caller)."""
        return SearchRequest(query=self.query, filters=self.filter_map, facets=facets,
                             sort=self.effective_sort, page=1, page_size=page_size,
                             years=(self.year_from, self.year_to))

    # --- variations (each one a link of the results page) -----------------------------

    def _with_filters(self, filters: Mapping[str, tuple[str, ...]]) -> SearchParams:
        ordered = tuple((name, filters[name]) for name in FACETS if filters.get(name))
        return replace(self, filters=ordered, page=1)

    def toggled(self, name: str, value: str) -> SearchParams:
        """This search with ``value`` of facet ``name`` added, or removed if it was there."""
        current = self.filter_map
        values = current.get(name, ())
        if value in values:
            current[name] = tuple(v for v in values if v != value)
        else:
            current[name] = (*values, value)[:MAX_VALUES]
        return self._with_filters(current)

    def unfiltered(self) -> SearchParams:
        """This search without any facet filter nor year range."""
        return replace(self, filters=(), page=1, year_from=None, year_to=None, bad_years=())

    def without_years(self) -> SearchParams:
        """This search without its year range."""
        return replace(self, page=1, year_from=None, year_to=None, bad_years=())

    def years_between(self, low: int | None, high: int | None) -> SearchParams:
        """This search restricted to the years ``low`` to ``high``, from its first page."""
        return replace(self, page=1, year_from=low, year_to=high, bad_years=())

    def sized(self, page_size: int) -> SearchParams:
        """The same search with another number of results per page, from its first page."""
        return replace(self, page_size=page_size if page_size in PAGE_SIZES else 0, page=1)

    def at_page(self, page: int) -> SearchParams:
        """The same search at another page."""
        return replace(self, page=max(page, 1))

    def sorted_by(self, sort: str) -> SearchParams:
        """The same search in another order, from its first page."""
        return replace(self, sort=sort if sort in SORTS else "", page=1)

    def with_query(self, query: str) -> SearchParams:
        """Another query with the same filters (a spelling suggestion)."""
        return replace(self, query=clean(query, MAX_QUERY), page=1)

    def args(self, *, page: bool = True) -> dict[str, Any]:
        """The query string parameters of this search (default values left out).

        Values are strings or lists of strings (a facet's values), as ``url_for`` takes.
        """
        out: dict[str, Any] = {}
        if self.query:
            out["q"] = self.query
        for name, values in self.filters:
            out[name] = list(values)
        if self.year_from is not None:
            out[YEAR_FIELDS[0]] = str(self.year_from)
        if self.year_to is not None:
            out[YEAR_FIELDS[1]] = str(self.year_to)
        if self.sort:
            out["sort"] = self.sort
        if self.page_size:
            out["limit"] = str(self.page_size)
        if page and self.page > 1:
            out["page"] = str(self.page)
        return out


# --- the advanced search form ------------------------------------------------------------

#: Form field -> query prefix of the words typed in it.
ADVANCED_FIELDS = {"titre": "titre", "auteur": "auteur", "sujet": "sujet",
                   "collection": "collection", "editeur": "editeur"}
_SYNTAX = re.compile(r'["()]')
_YEAR = re.compile(r"^\d{4}$")


def _words(text: str) -> str:
    """Words with the query language's grouping and quoting characters removed."""
    words = _SYNTAX.sub(" ", text).split()
    return " ".join(w.lstrip("-+") for w in words if w.lstrip("-+"))


def advanced_query(args: Args) -> str:
    """The query language equivalent of the advanced search form's fields.

    ``tous`` (all these words), ``phrase`` (this exact phrase), ``aucun`` (none of
    these words), one field per prefix of :data:`ADVANCED_FIELDS`, ``isbn``, ``cote``
    (call number), and ``annee_de`` / ``annee_a`` (years).
    """
    parts: list[str] = []
    every = _words(clean(first(args, "tous"), MAX_VALUE))
    if every:
        parts.append(every)
    phrase = _words(clean(first(args, "phrase"), MAX_VALUE))
    if phrase:
        parts.append(f'"{phrase}"')
    for name, prefix in ADVANCED_FIELDS.items():
        text = _words(clean(first(args, name), MAX_VALUE))
        if text:
            parts.append(f"{prefix}:({text})" if " " in text else f"{prefix}:{text}")
    isbn = re.sub(r"[^0-9Xx-]", "", clean(first(args, "isbn"), 40))
    if isbn:
        parts.append(f"isbn:{isbn}")
    call = _words(clean(first(args, "cote"), 80))
    if call:
        parts.append(f'cote:"{call}"' if " " in call else f"cote:{call}")
    low, high = (clean(first(args, k), 4) for k in ("annee_de", "annee_a"))
    low, high = (y if _YEAR.match(y) else "" for y in (low, high))
    if low or high:
        parts.append(f"annee:{low}-{high}" if low != high else f"annee:{low}")
    none = _words(clean(first(args, "aucun"), MAX_VALUE))
    parts += [f"-{w}" for w in none.split()]
    return clean(" ".join(parts), MAX_QUERY)
