"""Availability rules: the state of a copy, and of a record from its copies.

The catalogued state comes from the export (995 status code, PMB status label, 996
loanable flag); the desk knows better (live loans, holds, copies set aside), through a
:data:`LiveStatus` hook (:func:`catalogue.lending.availability.hook`). The index only
receives the computed value of each record (its ``availability`` facet); the French
labels of these states are the web app's (:data:`catalogue.web.labels.AVAILABILITY_LABELS`,
translated).
"""

from __future__ import annotations

from collections.abc import Callable

from catalogue.records import Item, Record
from indexes.analysis import fold

AVAILABLE, ON_SITE, ON_LOAN, UNAVAILABLE = "available", "onsite", "on_loan", "unavailable"
#: Only a live state (the lending desk): a returned copy set aside for a borrower.
RESERVED = "reserved"
#: Best first: a record is as available as its most available copy.
AVAILABILITY_ORDER = (AVAILABLE, ON_SITE, RESERVED, ON_LOAN, UNAVAILABLE)

#: (global_id, item) -> live state of that item, or None to keep the catalogued one.
LiveStatus = Callable[[str, Item], str | None]

_ON_LOAN_WORDS = ("en pret", "emprunte", "on loan")
_ON_SITE_WORDS = ("sur place", "consultation", "exclu du pret", "reference")
_UNAVAILABLE_WORDS = ("repar", "perdu", "pilon", "retire", "commande", "indisponible",
                      "manquant", "traitement")


def item_state(item: Item) -> str:
    """The state of one copy as catalogued: PMB status label, 995$o code, loanable flag."""
    label = fold(item.status_label)
    if any(w in label for w in _ON_LOAN_WORDS):
        return ON_LOAN
    if any(w in label for w in _UNAVAILABLE_WORDS) or (not label and item.status == "r"):
        return UNAVAILABLE
    if item.loanable is False or any(w in label for w in _ON_SITE_WORDS) or (
        not label and item.status == "c"
    ):
        return ON_SITE
    return AVAILABLE


def availability(record: Record, live: LiveStatus | None = None) -> str:
    """The record's availability: its best copy's state, '' when it has no copies."""
    states = set()
    for item in record.items:
        state = live(record.global_id, item) if live else None
        states.add(state or item_state(item))
    for state in AVAILABILITY_ORDER:
        if state in states:
            return state
    return ""
