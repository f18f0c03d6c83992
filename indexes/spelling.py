""""Did you mean": corrections for words the catalogue does not know.

Suggestions come from the ``words`` field (folded, unstemmed words of titles, authors,
subjects and abstracts), so they are real words of the catalogue rather than stems.
Only unknown or very rare words are corrected, each to the nearest frequent word within
two edits (one for short words) sharing its first letter; the caller keeps a suggestion
only if it finds clearly more records than the query as typed.

The rules live here; each engine only answers three questions about its lexicon
(:class:`Lexicon`), so both engines suggest the same corrections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from indexes.analysis import STOP_WORDS, WORD, simplify

#: A word found in at most this many records is worth correcting.
RARE = 1
#: Words this short or shorter are corrected by one edit at most.
SHORT_WORD = 5
#: Longer words are not corrected (the edit automaton grows with the word).
MAX_WORD = 30
#: Records whose stored text is read to find how a folded word is written.
SURFACE_DOCS = 20


class Lexicon(Protocol):
    """What spelling needs from an engine's ``words`` field."""

    def frequency(self, word: str) -> int:
        """How many records hold the folded ``word``."""

    def nearest(self, word: str, edits: int) -> str | None:
        """The best word within ``edits`` edits of ``word`` sharing its first letter:
        the fewest edits, then the most records (None when there is none)."""

    def texts(self, word: str, limit: int) -> Iterable[str]:
        """Stored texts (title, abstract, authors, descriptors, collections) of up to
        ``limit`` records holding ``word``."""


def correct(text: str, lexicon: Lexicon, total: int = 0) -> str | None:
    """``text`` with its unknown words corrected, or None when nothing was changed.

    When the query as typed finds records (``total``), a word the catalogue holds is
    never corrected: "Gréard", a name in one record, became "grand". Words of five
    letters or fewer get one edit, not two ("Albi" became "anlci").
    """
    replacements: dict[str, str] = {}
    for raw in WORD.findall(text):
        word = simplify(raw)
        if not 3 <= len(word) <= MAX_WORD or word in STOP_WORDS or word.isdigit() or raw in replacements:
            continue
        frequency = lexicon.frequency(word)
        if frequency > RARE or (total and frequency):
            continue
        edits = 1 if len(word) <= SHORT_WORD else 2
        found = lexicon.nearest(word, edits)
        if found and found != word and lexicon.frequency(found) > RARE:
            replacements[raw] = surface(found, lexicon)
    if not replacements:
        return None
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(r)}(?!\w)" for r in replacements))
    return pattern.sub(lambda m: replacements[m.group(0)], text)


def surface(word: str, lexicon: Lexicon) -> str:
    """How the catalogue writes the folded ``word``: ``delinquance`` -> ``délinquance``.

    The ``words`` lexicon is folded (so ``delinquance`` and ``délinquance`` are one
    term); a suggestion should still read as French. The stored text of the first few
    records holding the word gives its accented spelling, lower-cased; the folded word
    is kept when none of them shows it.
    """
    for text in lexicon.texts(word, SURFACE_DOCS):
        for raw in WORD.findall(text):
            if simplify(raw) == word:
                spelled: str = raw.lower()
                return spelled.split("'")[-1] if "'" in spelled else spelled
    return word
