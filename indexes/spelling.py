""""Did you mean": corrections for words the catalogue does not know.

Suggestions come from the ``words`` field (folded, unstemmed words of titles, authors,
subjects and abstracts), so they are real words of the catalogue rather than stems.
Only unknown or very rare words are corrected, each to the most frequent word within
two edits (one for short words) sharing its first letter; the caller keeps a suggestion
only if it finds clearly more records than the query as typed.
"""

from __future__ import annotations

import re
from typing import Any

from whoosh.reading import TermNotFound  # type: ignore[import-untyped]

from indexes.analysis import STOP_WORDS, WORD, simplify
from indexes.facets import FacetColumns
from indexes.postings import Postings
from indexes.schema import AUTHORS, DISPLAY_TITLE, SNIPPET, WORDS

#: A word found in at most this many records is worth correcting.
RARE = 1
#: Words this short or shorter are corrected by one edit at most.
SHORT_WORD = 5
#: Longer words are not corrected (the edit automaton grows with the word).
MAX_WORD = 30
#: Records whose stored text is read to find how a folded word is written.
SURFACE_DOCS = 20


def correct(text: str, postings: Postings, searcher: Any,
            columns: FacetColumns | None = None, total: int = 0) -> str | None:
    """``text`` with its unknown words corrected, or None when nothing was changed.

    ``columns`` (the generation's facet columns) lets a correction found only in
    descriptors or collections be spelled as there. When the query as typed finds
    records (``total``), a word the catalogue holds is never corrected: "Gréard", a name
    in one record, became "grand". Words of five letters or fewer get one edit, not two
    ("Albi" became "anlci").
    """
    corrector = searcher.corrector(WORDS)
    replacements: dict[str, str] = {}
    for raw in WORD.findall(text):
        word = simplify(raw)
        if not 3 <= len(word) <= MAX_WORD or word in STOP_WORDS or word.isdigit() or raw in replacements:
            continue
        frequency = postings.frequency(WORDS, word)
        if frequency > RARE or (total and frequency):
            continue
        edits = 1 if len(word) <= SHORT_WORD else 2
        found = corrector.suggest(word, limit=1, maxdist=edits, prefix=1)
        if found and found[0] != word and postings.frequency(WORDS, found[0]) > RARE:
            replacements[raw] = surface(found[0], searcher, columns)
    if not replacements:
        return None
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(r)}(?!\w)" for r in replacements))
    return pattern.sub(lambda m: replacements[m.group(0)], text)


def surface(word: str, searcher: Any, columns: FacetColumns | None = None) -> str:
    """How the catalogue writes the folded ``word``: ``delinquance`` -> ``délinquance``.

    The ``words`` lexicon is folded (so ``delinquance`` and ``délinquance`` are one
    term); a suggestion should still read as French. The stored text (and descriptors
    and collections) of the first few records holding the word gives its accented
    spelling, lower-cased; the folded word is kept when none of them shows it.
    """
    try:
        matcher = searcher.postings(WORDS, word)
    except TermNotFound:
        return word
    seen = 0
    while matcher.is_active() and seen < SURFACE_DOCS:
        doc = matcher.id()
        stored = searcher.stored_fields(doc)
        texts = [str(stored.get(field) or "") for field in (DISPLAY_TITLE, SNIPPET, AUTHORS)]
        if columns is not None:
            texts += [" ".join(columns.column(name)[doc]) for name in ("descriptor", "collection")]
        for text in texts:
            for raw in WORD.findall(text):
                if simplify(raw) == word:
                    spelled: str = raw.lower()
                    return spelled.split("'")[-1] if "'" in spelled else spelled
        seen += 1
        matcher.next()
    return word
