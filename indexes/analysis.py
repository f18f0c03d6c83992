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
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import chain

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


def fold(text: str) -> str:
    """Lower-case ``text`` and remove its accents (``Œuvre Été`` -> ``oeuvre ete``).

    Word by word, each cached: a title or a name folds from words already seen. Every
    step is per character except the final sigma of ``lower``, which a space ends too.
    """
    if " " not in text:
        return _fold_word(text)
    return " ".join(map(_fold_word, text.split(" ")))


@lru_cache(maxsize=100_000)
def _fold_word(text: str) -> str:
    lowered = text.lower().translate(LIGATURES)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def elide(word: str) -> str:
    """Drop an elided article or pronoun (``l'``, ``qu'``...) from a lower-case word,
    and the apostrophes a word cannot begin or end with. The modifier letter apostrophe
    (U+02BC) is a letter to the word pattern, so ``jusqu'ʼà`` (two apostrophes typed) or
    ``ʼnous`` reach here as ``jusqu''à`` and ``'nous``: each is the word after them."""
    if "'" in word:
        word = word.strip("'")
        head, _, rest = word.partition("'")
        rest = rest.lstrip("'")
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


class _Memo(dict[str, tuple[str, ...]]):
    """A cache that computes what it lacks and empties itself when full: cheaper per hit
    than :func:`functools.lru_cache`, for lookups made once per word of every text."""

    def __init__(self, compute: Callable[[str], tuple[str, ...]], limit: int) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key: str) -> tuple[str, ...]:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.compute(key)
        return value


# Text is analysed by whitespace-separated chunk, each chunk's result cached: the regex
# scan costs ~50 ns a character while most chunks of a catalogue ("urbaine", "l'emploi",
# "Léa,") recur from record to record, so analysing a text is a C-level ``split``, one
# lookup per chunk and a join instead of a scan and a call per word. The result is the
# same as scanning the whole text: no word holds a whitespace character (``\w`` and the
# apostrophes exclude them) and the scan restarts afresh after one.


def _words_stems(chunk: str) -> tuple[str, ...]:
    return tuple(term for term in map(normalise, WORD.findall(chunk)) if term is not None)


def _words_simple(chunk: str) -> tuple[str, ...]:
    return tuple(word for word in map(simplify, WORD.findall(chunk)) if word)


_CHUNK_STEMS = _Memo(_words_stems, 100_000)
_CHUNK_SIMPLE = _Memo(_words_simple, 100_000)


# A document's fields repeat its parts (the catch-all ``all`` holds the title, authors,
# subjects... joined by " ; "; the phrase pairs stem each part; tantivy stems each field
# and folds the ``words`` field, the same parts joined by spaces), so each " ; "-separated
# piece is split into chunks once, and its stems and simplified words are kept: a field
# is then its pieces' results joined. NFC composes nothing across a space (nor does the
# split), so this is the whole text's analysis.
#: The separator of a document's parts (:mod:`indexes.documents`).
PARTS = " ; "


@lru_cache(maxsize=8192)
def _piece_chunks(piece: str) -> tuple[str, ...]:
    return tuple(nfc(piece).split())


@lru_cache(maxsize=8192)
def _piece_stems(piece: str) -> tuple[str, ...]:
    return tuple(chain.from_iterable(map(_CHUNK_STEMS.__getitem__, _piece_chunks(piece))))


@lru_cache(maxsize=8192)
def _piece_simple(piece: str) -> tuple[str, ...]:
    return tuple(chain.from_iterable(map(_CHUNK_SIMPLE.__getitem__, _piece_chunks(piece))))


#: Texts made by :func:`compose` -> their parts, for a few documents.
_COMPOSED: dict[str, tuple[str, ...]] = {}


def compose(parts: Iterable[str]) -> str:
    """The NFC text of ``parts`` joined by spaces, remembered for a while with its parts,
    so that :func:`simplified` of the text (a document's ``words`` field, analysed after
    the document is built) analyses the parts' pieces, already split for their stems,
    instead of splitting the whole text again."""
    kept = tuple(parts)
    text = nfc(" ".join(kept))
    if len(_COMPOSED) >= 64:
        _COMPOSED.clear()
    _COMPOSED[text] = kept
    return text


def _pieces(text: str) -> Iterable[str]:
    parts = _COMPOSED.get(text)
    if parts is None:
        return text.split(PARTS)
    return chain.from_iterable(part.split(PARTS) for part in parts)


def _words_stops(chunk: str) -> tuple[str, ...]:
    return tuple(word for word in _CHUNK_SIMPLE[chunk] if word in STOP_WORDS)


_CHUNK_STOPS = _Memo(_words_stops, 100_000)


def stop_words(text: str) -> Iterator[str]:
    """The stop words of ``text``, folded, in order (repeated as often as they occur):
    the words a query of stop words only looks for in a field (:func:`normalise` drops
    exactly these). By whitespace-separated chunk, as the other analyses."""
    return chain.from_iterable(map(_CHUNK_STOPS.__getitem__, nfc(text).split()))


def stems(text: str) -> list[str]:
    """The indexed terms of ``text``, in order, stop words removed."""
    return list(chain.from_iterable(map(_piece_stems, text.split(PARTS))))


def stem_tuple(text: str) -> tuple[str, ...]:
    """:func:`stems` as a tuple."""
    return tuple(chain.from_iterable(map(_piece_stems, text.split(PARTS))))


def stemmed(text: str) -> str:
    """:func:`stems` joined by spaces (what tantivy's whitespace tokenizer reads back)."""
    return " ".join(chain.from_iterable(map(_piece_stems, _pieces(text))))


def simplified(text: str) -> str:
    """The non-empty :func:`simplify` of every word of ``text``, joined by spaces."""
    return " ".join(chain.from_iterable(map(_piece_simple, _pieces(text))))


def joined_stems(text: str, separator: str = " ; ") -> list[str]:
    """:func:`stems` of parts joined by ``separator`` (no word spans it), part by part:
    with a separator that begins and ends with a space (the default), :func:`stems`."""
    return [t for part in text.split(separator) for t in stem_tuple(part)]


def pairs(text: str) -> list[str]:
    """Adjacent indexed terms of ``text`` as ``"a b"`` terms: phrases become lookups.

    A phrase of n words then matches the documents holding its n-1 pairs, with no
    position check (whoosh-performance.md: phrases over common words cost 0.25-0.5 s).
    The pairs inside each " ; "-separated piece are kept with its stems (names and
    subjects recur from record to record); only those across two pieces are made here.
    """
    out: list[str] = []
    last: str | None = None
    for piece in text.split(PARTS):
        terms = _piece_stems(piece)
        if terms:
            if last is not None:
                out.append(f"{last} {terms[0]}")
            out.extend(_piece_pairs(piece))
            last = terms[-1]
    return out


@lru_cache(maxsize=8192)
def _piece_pairs(piece: str) -> tuple[str, ...]:
    terms = _piece_stems(piece)
    return tuple(map(" ".join, zip(terms, terms[1:], strict=False)))


SEPARATOR = "\x1f"


#: Whoosh pickles its schema (with the analyzer classes, by module path) into every
#: index built before the engines moved to sub-packages: those names still resolve here.
_MOVED = frozenset({"FrenchAnalyzer", "FoldingAnalyzer", "ValuesAnalyzer"})


def __getattr__(name: str) -> object:
    if name in _MOVED:
        from indexes.whoosh import analyzers

        return getattr(analyzers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
