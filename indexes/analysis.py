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

Every engine indexes the output of these functions (Whoosh through the analyzers of
:mod:`indexes.whoosh.analyzers`, tantivy as pre-analysed words), so a query gives the
same hits whatever the engine.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
    return list(stem_tuple(text))


@lru_cache(maxsize=1024)
def stem_tuple(text: str) -> tuple[str, ...]:
    """:func:`stems` as a tuple, the last texts' kept: building a document stems each of
    its parts for the phrase pairs, and an engine that indexes analysed words (tantivy)
    stems the same parts again."""
    out = []
    for raw in WORD.findall(nfc(text)):
        term = normalise(raw)
        if term is not None:
            out.append(term)
    return tuple(out)


def joined_stems(text: str, separator: str = " ; ") -> list[str]:
    """:func:`stems` of parts joined by ``separator`` (no word spans it), part by part so
    that parts already stemmed come from the cache."""
    return [t for part in text.split(separator) for t in stem_tuple(part)]


def pairs(text: str) -> list[str]:
    """Adjacent indexed terms of ``text`` as ``"a b"`` terms: phrases become lookups.

    A phrase of n words then matches the documents holding its n-1 pairs, with no
    position check (whoosh-performance.md: phrases over common words cost 0.25-0.5 s).
    """
    terms = stem_tuple(text)
    return [f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)]


SEPARATOR = "\x1f"


#: Whoosh pickles its schema (with the analyzer classes, by module path) into every
#: index built before the engines moved to sub-packages: those names still resolve here.
_MOVED = frozenset({"FrenchAnalyzer", "FoldingAnalyzer", "ValuesAnalyzer"})


def __getattr__(name: str) -> object:
    if name in _MOVED:
        from indexes.whoosh import analyzers

        return getattr(analyzers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
