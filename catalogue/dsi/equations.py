"""Search equations: a results page's query string, saved as a profile's content.

A private alert is made by "Créer une alerte" on any results page, so its equation is
exactly that page's URL parameters (``q=parentalité&doctype=a``), read by the same
:class:`~catalogue.opac.params.SearchParams` as the page. Curated lists hold one or more
equations typed or pasted by the documentalist. An equation that names a parameter the
catalogue no longer knows (a facet renamed since it was saved) *no longer parses*: the
run skips its profile and says why, instead of mailing unrelated records.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from catalogue.opac.params import MAX_QUERY, YEAR_FIELDS, SearchParams
from indexes import FACETS

#: Results-page parameters that do not change what matches.
_IGNORED = frozenset({"sort", "page", "vue", "lang", "limit"})
MAX_PARAMS = 2000


class EquationError(Exception):
    """An equation that cannot be used; ``message`` is French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Equation:
    """What one equation matches: a query and facet filters (the grouping key of a run)."""

    query: str
    filters: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)

    def params(self) -> str:
        """The canonical query string (what is stored and linked to)."""
        pairs: list[tuple[str, str]] = [("q", self.query)] if self.query else []
        pairs += [(name, value) for name, values in self.filters for value in values]
        return urlencode(pairs)

    def describe(self) -> str:
        """A one-line French description: the words, then the filters."""
        parts = [f"« {self.query} »"] if self.query else ["toutes les nouveautés"]
        parts += [f"{name} : {', '.join(values)}" for name, values in self.filters]
        return " ; ".join(parts)


class _Args:
    def __init__(self, data: dict[str, list[str]]) -> None:
        self.data = data

    def getlist(self, key: str) -> list[str]:
        return self.data.get(key, [])


def parse(params: str) -> Equation:
    """The equation of a query string (a bare one or a whole results-page URL).

    Raises:
        EquationError: too long, or a parameter this catalogue does not know.
    """
    text = params.strip()
    if len(text) > MAX_PARAMS:
        raise EquationError("Cette équation est trop longue.")
    if "?" in text:
        text = urlsplit(text).query
    try:
        data = parse_qs(text, keep_blank_values=False, strict_parsing=False,
                        errors="strict", max_num_fields=100)
    except (ValueError, UnicodeDecodeError):
        raise EquationError("Cette équation ne peut pas être lue.") from None
    unknown = sorted(set(data) - {"q", *YEAR_FIELDS} - set(FACETS) - _IGNORED)
    if unknown:
        raise EquationError("Cette recherche ne peut plus être interprétée (critère inconnu : "
                            f"{', '.join(unknown)}).")
    search = SearchParams.from_args(_Args(data))
    if search.bad_years:
        raise EquationError("Cette équation ne peut pas être lue (année invalide).")
    if len(search.alert_query) >= MAX_QUERY:
        raise EquationError("Cette équation est trop longue.")
    return from_search(search)


def from_search(search: SearchParams) -> Equation:
    """The equation of a results page's search (``Créer une alerte``); its year range, if
    any, is kept in the query language (``annee:2010-2020``), which every run reads."""
    return Equation(search.alert_query, search.filters)
