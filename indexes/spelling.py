""""Did you mean": corrections for words the catalogue does not know.

Suggestions come from the ``words`` field (folded, unstemmed words of titles, authors,
subjects and abstracts), so they are real words of the catalogue rather than stems.
Only unknown or very rare words are corrected, each to the most frequent word within
two edits sharing its first letter; the caller keeps a suggestion only if it finds more
records than the query as typed.
"""

from __future__ import annotations

import re
from typing import Any

from indexes.analysis import STOP_WORDS, WORD, simplify
from indexes.postings import Postings
from indexes.schema import WORDS

#: A word found in at most this many records is worth correcting.
RARE = 1
#: Longer words are not corrected (the edit automaton grows with the word).
MAX_WORD = 30


def correct(text: str, postings: Postings, searcher: Any) -> str | None:
    """``text`` with its unknown words corrected, or None when nothing was changed."""
    corrector = searcher.corrector(WORDS)
    replacements: dict[str, str] = {}
    for raw in WORD.findall(text):
        word = simplify(raw)
        if not 3 <= len(word) <= MAX_WORD or word in STOP_WORDS or word.isdigit() or raw in replacements:
            continue
        if postings.frequency(WORDS, word) > RARE:
            continue
        found = corrector.suggest(word, limit=1, maxdist=2, prefix=1)
        if found and found[0] != word and postings.frequency(WORDS, found[0]) > RARE:
            replacements[raw] = found[0]
    if not replacements:
        return None
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(r)}(?!\w)" for r in replacements))
    return pattern.sub(lambda m: replacements[m.group(0)], text)
