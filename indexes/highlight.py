"""Highlighting: HTML-escaped text with the matched words wrapped in ``<mark>``.

Words are matched by their analysed form (the same chain as the index), so a query
``délinquances`` marks ``Délinquance`` and ``delinquance`` alike; prefixes mark words
whose folded form begins with them. Everything outside the marks goes through
``html.escape``: titles and abstracts come from partners' catalogues and must never be
able to inject markup into our pages.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from indexes.analysis import APOSTROPHES, ELISIONS, WORD, nfc, normalise, simplify

SNIPPET_CHARS = 240


def _matches(text: str, terms: frozenset[str], prefixes: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for match in WORD.finditer(text):
        raw = match.group(0)
        term = normalise(raw)
        if term is None:
            continue
        if term in terms or (prefixes and simplify(raw).startswith(prefixes)):
            start = match.start()
            head, apostrophe, _ = raw.translate(APOSTROPHES).partition("'")
            if apostrophe and head.lower() in ELISIONS:
                start += len(head) + 1
            spans.append((start, match.end()))
    return spans


def _render(text: str, spans: Iterable[tuple[int, int]]) -> str:
    out = []
    last = 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def mark(text: str, terms: frozenset[str], prefixes: tuple[str, ...] = ()) -> str:
    """The whole of ``text``, escaped, with matched words marked."""
    text = nfc(text)
    return _render(text, _matches(text, terms, prefixes))


def snippet(text: str, terms: frozenset[str], prefixes: tuple[str, ...] = (),
            size: int = SNIPPET_CHARS) -> str:
    """About ``size`` characters of ``text`` around its first matched word, escaped.

    Cut at word boundaries, with an ellipsis where text was left out; the beginning of
    the text when nothing matches.
    """
    text = nfc(" ".join(text.split()))
    if not text:
        return ""
    spans = _matches(text, terms, prefixes)
    start = 0
    if spans and spans[0][1] > size:
        start = max(0, spans[0][0] - size // 4)
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 else start
    end = start + size
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    window = [(max(a, start) - start, min(b, end) - start) for a, b in spans
              if a >= start and b <= end]
    body = _render(text[start:end], window)
    return ("… " if start else "") + body + (" …" if end < len(text) else "")
