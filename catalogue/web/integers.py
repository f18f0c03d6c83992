"""The one way a request's numbers are read: ASCII digits, bounded, or nothing.

``str.isdigit()`` accepts "²" (which ``int()`` refuses: a ValueError, an HTTP 500) and
``int()`` accepts 99999999999999999999999 (which SQLite refuses: OverflowError, an HTTP
500). Every id in a URL goes through :class:`IdConverter` (registered as ``int``, so a
route's ``<int:...>`` is bounded too), every number in a form or a query string through
:func:`integer`: anything else is "not a number", a 404 or a message next to the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from werkzeug.routing import IntegerConverter, Map

#: The largest id a URL or a form may name: PostgreSQL's INTEGER, SQLite's is wider.
ID_MAX: Final = 2**31 - 1
_DIGITS: Final = re.compile(r"-?[0-9]{1,10}\Z")


def integer(text: str | None, default: int | None = None, *, low: int = 0,
            high: int = ID_MAX) -> int | None:
    """``text`` as an integer from ``low`` to ``high``, else ``default``."""
    value = (text or "").strip()
    if not _DIGITS.match(value):
        return default
    number = int(value)
    return number if low <= number <= high else default


def integers(texts: Iterable[str], *, low: int = 0, high: int = ID_MAX) -> list[int]:
    """The values of a repeated field that are integers in bounds; the others dropped."""
    found = (integer(text, low=low, high=high) for text in texts)
    return [n for n in found if n is not None]


class IdConverter(IntegerConverter):
    """``<int:...>`` in a route: ASCII digits, 0 to :data:`ID_MAX`, else the route does
    not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)
