"""Text as people read it: no control characters, and titles sorted past their article.

UNIMARC and MARC 21 mark the part of a title that does not sort ("L'" in "L'altra
faccia") with NSB/NSE: C1 controls, U+0088/U+0089 as PMB and the BnF write them in
UTF-8, U+0098/U+009C as ISO 5426 and MARC-8 define them. The model keeps them, so that
the MARC writers give back the bytes they read; everything a person sees (pages, feeds,
the API, RIS, BibTeX, Dublin Core) goes through :func:`visible`, and sort keys through
:func:`sortable`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

#: (begin, end) of the non-sorting part, in both conventions.
NON_SORTING: Final = (("\x88", "\x89"), ("\x98", "\x9c"))
_SKIPPED: Final = re.compile("\x88[^\x89]*\x89|\x98[^\x9c]*\x9c")
_CONTROLS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` without any C0 control (but tab and line ends) or C1 control."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def sortable(text: str) -> str:
    """``text`` without its non-sorting part, then without control characters."""
    return visible(_SKIPPED.sub("", text))


def visible_tree(value: Any) -> Any:
    """:func:`visible` over every string of a JSON-like value (dicts, lists, tuples)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, Mapping):
        return {k: visible_tree(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [visible_tree(v) for v in value]
    return value
