"""French text analysis, the same at index time and at query time.

The chain is the classic one (tokenizer, lowercase, elision, French stop words, accent
folding, Snowball French stemmer) but it runs as *one* Python step per word, cached:
Whoosh's own ``RegexTokenizer | LowercaseFilter | StopFilter | ...`` composition costs
one generator layer per filter and per token, which dominates indexing time in pure
Python. :func:`normalise` is the chain for one word; the analyzers only split text and
look words up.

Folding happens *before* stemming so that ``délinquance`` and ``delinquance`` reach the
stemmer as the same string (the Snowball rules look at accented vowels, so stemming
first would let accent variants diverge). Stop words are compared folded too.

Input is NFC-normalised first: some sources (Kentika) write decomposed accents, whose
combining marks are not word characters and would split words in two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import Analyzer, Token  # type: ignore[import-untyped]
from whoosh.lang import stopwords_for_language  # type: ignore[import-untyped]
from whoosh.lang.snowball.french import FrenchStemmer  # type: ignore[import-untyped]

#: A word: letters or digits, with inner apostrophes kept so elision can see them.
WORD = re.compile(r"\w+(?:['’ʼ]\w+)*")
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})

#: Elided articles and pronouns: ``l'insertion`` is indexed as ``insertion``.
ELISIONS = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
     "presqu", "quelqu"}
)
#: Letters that NFKD does not decompose into a base letter plus a mark.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l"})


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case ``text`` and remove its accents (``Œuvre Été`` -> ``oeuvre ete``)."""
    lowered = text.lower().translate(LIGATURES)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def elide(word: str) -> str:
    """Drop an elided article or pronoun (``l'``, ``qu'``...) from a lower-case word."""
    if "'" in word:
        head, _, rest = word.partition("'")
        if head in ELISIONS and rest:
            return rest
    return word


STOP_WORDS = frozenset(fold(w) for w in stopwords_for_language("fr")) | frozenset(
    {"a", "or", "ni", "car", "donc", "ete"}
)
_STEMMER = FrenchStemmer()


@lru_cache(maxsize=200_000)
def normalise(raw: str) -> str | None:
    """The indexed form of one word (``L'Insertion`` -> ``insert``), None for a stop word."""
    word = fold(elide(raw.translate(APOSTROPHES).lower()))
    if word in STOP_WORDS:
        return None
    if word.isdigit() or len(word) < 3:
        return word
    stem: str = _STEMMER.stem(word)
    return stem


@lru_cache(maxsize=100_000)
def simplify(raw: str) -> str:
    """A word lower-cased, elided and folded but not stemmed (prefixes, spelling, names)."""
    return fold(elide(raw.translate(APOSTROPHES).lower()))


def nfc(text: str) -> str:
    """Text with composed accents, so every accent stays inside its word."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def words(text: str) -> list[str]:
    """The raw words of ``text`` as the analyzers see them (no normalisation)."""
    return WORD.findall(nfc(text))


def stems(text: str) -> list[str]:
    """The indexed terms of ``text``, in order, stop words removed."""
    out = []
    for raw in WORD.findall(nfc(text)):
        term = normalise(raw)
        if term is not None:
            out.append(term)
    return out


def pairs(text: str) -> list[str]:
    """Adjacent indexed terms of ``text`` as ``"a b"`` terms: phrases become lookups.

    A phrase of n words then matches the documents holding its n-1 pairs, with no
    position check (whoosh-performance.md: phrases over common words cost 0.25-0.5 s).
    """
    terms = stems(text)
    return [f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)]


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


SEPARATOR = "\x1f"
