"""Whoosh analyzers over :mod:`indexes.analysis`: the same words, as Whoosh tokens.

The analysis itself is engine-neutral (one cached Python step per word); these classes
only split text and hand Whoosh the words with positions and character offsets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Analyzer, Token  # type: ignore[import-untyped]

from indexes.analysis import APOSTROPHES, ELISIONS, SEPARATOR, WORD, nfc, normalise, simplify


class _Whole:
    """A stand-in for a regex match covering a whole value."""

    def __init__(self, value: str) -> None:
        self.value = value

    def group(self, _: int) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


class _Stateless(Analyzer):  # type: ignore[misc]
    """An analyzer without settings: two of the same class are equal (Whoosh compares
    schemas field by field when it opens an index)."""

    def __eq__(self, other: object) -> bool:
        return other is not None and self.__class__ is other.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)


class _WordAnalyzer(_Stateless):
    """Split text into words and map each through ``_convert`` (None drops the word).

    Positions are renumbered over the kept words, so a phrase with stop words inside
    (``politique de la ville``) matches the same adjacent terms at index and query time.
    """

    def _convert(self, raw: str) -> str | None:
        raise NotImplementedError

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Any]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        convert = self._convert
        pos = start_pos
        # tokenize=False (Whoosh's own parser, for prefixes and ranges): the whole value
        # is one word
        matches = WORD.finditer(nfc(value)) if tokenize else [_Whole(value)]
        for match in matches:
            raw = match.group(0)
            text = convert(raw)
            if text is None:
                continue
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = raw
            if positions:
                token.pos = pos
            pos += 1
            if chars:
                start = match.start()
                head = raw.translate(APOSTROPHES).partition("'")[0].lower()
                if "'" in raw.translate(APOSTROPHES) and head in ELISIONS:
                    start += len(head) + 1
                token.startchar = start_char + start
                token.endchar = start_char + match.end()
            yield token


class FrenchAnalyzer(_WordAnalyzer):
    """Full French chain: elision, stop words, accent folding, Snowball stemming."""

    def _convert(self, raw: str) -> str | None:
        return normalise(raw)


class FoldingAnalyzer(_WordAnalyzer):
    """Words lower-cased, elided and folded, not stemmed: names, prefixes, spelling."""

    def _convert(self, raw: str) -> str | None:
        word = simplify(raw)
        return word or None


class ValuesAnalyzer(_Stateless):
    """Each ``\\x1f``-separated value is one exact term (facet and identifier fields)."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Any]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        parts = value.split(SEPARATOR) if tokenize else [value]
        for n, part in enumerate(p for p in parts if p):
            token.text = part
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = part
            if positions:
                token.pos = start_pos + n
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(part)
            yield token
