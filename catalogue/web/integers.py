"""The one way a request's numbers are read: ASCII digits, bounded, or nothing.

Every id in a URL goes through :class:`IdConverter` (registered as ``int``, so a route's
``<int:...>`` is bounded too), every number in a form or a query string through
:func:`integer` (:mod:`catalogue.numbers`, re-exported here): anything else is "not a
number", a 404 or a message next to the field.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from catalogue.numbers import ID_MAX, integer, integers

__all__ = ["ID_MAX", "IdConverter", "integer", "integers"]


class IdConverter(IntegerConverter):
    """``<int:...>`` in a route: ASCII digits, 0 to :data:`ID_MAX`, else the route does
    not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)
