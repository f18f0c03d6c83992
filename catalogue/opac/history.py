"""The session's search history: the last searches a reader ran, to run again or to turn
into an alert (Koha's and VuFind's "Historique de recherche").

A search is kept as its results-page query string (without the page): that is all it
takes to run it again, and :class:`~catalogue.opac.params.SearchParams` reads it back
with the same tolerance as any URL. The history lives in the signed session cookie, so
it is the reader's own, costs no table, and ends with the browser session; it is kept
short (:data:`HISTORY_SIZE` searches, each bounded by :data:`MAX_ARGS` characters) so the
cookie stays far below browsers' 4 KB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import MultiDict

from catalogue.opac.params import SearchParams

#: Searches kept, the newest first.
HISTORY_SIZE = 10
#: A longer query string is not kept (a pasted page as a query).
MAX_ARGS = 200


@dataclass(frozen=True, slots=True)
class PastSearch:
    """One search of the history: its position (1 = newest), parameters and hit count."""

    number: int
    params: SearchParams
    total: int


def _encoded(params: SearchParams) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in params.args(page=False).items():
        pairs += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    return urlencode(pairs)


def remembered(stored: Any, params: SearchParams, total: int) -> list[list[Any]]:
    """The history ``stored`` (as the session holds it) with ``params`` first.

    The same search run again moves to the top with its new count; the whole catalogue
    (no words, no filter) is not a search worth keeping.
    """
    entries = [e for e in _valid(stored)]
    if params.is_empty:
        return entries
    encoded = _encoded(params)
    if len(encoded) > MAX_ARGS:
        return entries
    kept = [e for e in entries if e[0] != encoded]
    return [[encoded, max(int(total), 0)], *kept][:HISTORY_SIZE]


def _valid(stored: Any) -> list[list[Any]]:
    """The well-formed entries of what the session holds (anything else is dropped)."""
    if not isinstance(stored, list):
        return []
    return [[e[0], e[1]] for e in stored[:HISTORY_SIZE]
            if isinstance(e, list | tuple) and len(e) == 2 and isinstance(e[0], str)
            and len(e[0]) <= MAX_ARGS and isinstance(e[1], int)]


def searches(stored: Any) -> Iterator[PastSearch]:
    """The history's searches, newest first."""
    for number, (encoded, total) in enumerate(_valid(stored), start=1):
        args = MultiDict(parse_qsl(encoded, keep_blank_values=False))
        yield PastSearch(number, SearchParams.from_args(args), total)
