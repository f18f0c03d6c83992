"""The one way the catalogue reads a number from outside: ASCII digits, bounded, or nothing.

``str.isdigit()`` accepts "²" (which ``int()`` refuses: a ValueError, an HTTP 500) and
``int()`` accepts 99999999999999999999999 (which SQLite refuses: OverflowError, an HTTP
500). Forms, query strings and saved search equations all read their numbers through
:func:`integer`; the web's URL converter (:mod:`catalogue.web.integers`) bounds ids with
:data:`ID_MAX`. A module of its own, below both the web app and the OPAC service, so that
neither imports the other to read a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

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
