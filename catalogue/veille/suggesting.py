"""Descriptors suggested for a watch item, from the catalogue's own indexing.

The thesaurus is the one the documentalists already use: the descriptors of the
catalogue's records, as the index counts them. A descriptor whose words occur in the
item's title or summary comes first; then the descriptors most used by the records that
share the item's significant words. A suggestion only: the documentalist ticks or types.
"""

from __future__ import annotations

from catalogue.veille import keys
from catalogue.veille.model import Item
from indexes import Searcher, SearchRequest
from indexes.analysis import STOP_WORDS

MAX_WORDS = 8
SHOWN = 8


def _significant(text: str) -> list[str]:
    words = [w for w in keys.fold(text).split() if len(w) > 3 and w not in STOP_WORDS]
    return sorted(dict.fromkeys(words), key=len, reverse=True)[:MAX_WORDS]


def descriptors(searcher: Searcher, item: Item) -> list[str]:
    """Up to 8 descriptor labels for ``item`` (none when the index cannot say)."""
    text = f"{item.title} {item.summary}"
    words = _significant(text)
    if not words:
        return []
    request = SearchRequest(query=" OR ".join(words), facets=("descriptor",), page_size=1,
                            facet_limit=200, highlight=False, suggest=False,
                            filters={})
    try:
        found = searcher.search(request).facet("descriptor")
    except Exception:
        return []
    if found is None:
        return []
    folded = f" {keys.fold(text)} "
    direct, used = [], []
    for value in found.values:
        label_words = [w for w in keys.fold(value.value).split()
                       if len(w) > 3 and w not in STOP_WORDS]
        if label_words and all(f" {w}" in folded for w in label_words):
            direct.append(value.value)
        else:
            used.append(value.value)  # the index counts them most used first
    chosen = [d for d in dict.fromkeys([*direct, *used]) if d not in item.descriptors]
    return chosen[:SHOWN]
