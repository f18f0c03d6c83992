"""Access levels of a document, and the level of whoever asks for it.

Three levels, each including the ones before it: ``public`` (anyone, the portal's
visitors and partners' harvesters), ``readers`` (any signed-in person) and ``staff``
(librarians and administrators). Every download and every full-text search is checked
against the asker's level at the moment of the request: nothing is remembered in a URL.
"""

from __future__ import annotations

from typing import Protocol

PUBLIC, READERS, STAFF = "public", "readers", "staff"
LEVELS = (PUBLIC, READERS, STAFF)
_RANK = {level: n for n, level in enumerate(LEVELS)}


class Viewer(Protocol):
    """What the access rule reads of a signed-in person."""

    @property
    def is_staff(self) -> bool: ...


def level_of(person: Viewer | None) -> str:
    """The highest level ``person`` may read (``public`` for an anonymous visitor)."""
    if person is None:
        return PUBLIC
    return STAFF if person.is_staff else READERS


def allows(viewer_level: str, document_level: str) -> bool:
    """Whether a viewer of ``viewer_level`` may download a document of ``document_level``."""
    return _RANK.get(viewer_level, -1) >= _RANK.get(document_level, len(LEVELS))


def readable(viewer_level: str) -> tuple[str, ...]:
    """The document levels a viewer of ``viewer_level`` may download."""
    return tuple(level for level in LEVELS if allows(viewer_level, level))
