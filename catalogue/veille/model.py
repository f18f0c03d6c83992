"""The veille's values: a source, an item, a rule, and the error a form shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Item statuses: in the inbox, kept (published), discarded, past ``keep_months``.
NEW, KEPT, DISCARDED, EXPIRED = "new", "kept", "discarded", "expired"
STATUSES = (NEW, KEPT, DISCARDED, EXPIRED)
#: Rule actions: file under a theme, or discard.
THEME, DISCARD = "theme", "discard"
ACTIONS = (THEME, DISCARD)
MAX_LINES = 20
MAX_LINE = 200
MAX_NOTE = 2000


class VeilleError(Exception):
    """A refusal with a French message for the field named ``field``."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def lines(text: str) -> tuple[str, ...]:
    """One value a line (or separated by ';'), spaces normalised, empties and repeats dropped."""
    values = (" ".join(v.split()) for part in text.replace("\r", "").split("\n")
              for v in part.split(";"))
    return tuple(dict.fromkeys(v for v in values if v))


@dataclass(frozen=True, slots=True)
class Source:
    """A feed, sitemap or page the centre follows."""

    id: int
    name: str
    url: str
    kind: str
    themes: tuple[str, ...]
    territories: tuple[str, ...]
    every_hours: int
    active: bool
    etag: str
    last_modified: str
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    next_fetch_at: datetime | None
    failing_since: datetime | None
    failures: int
    last_status: str
    last_message: str
    items_found: int

    def failing_for(self, now: datetime, days: int) -> bool:
        """Whether it has failed for ``days`` days or more (flagged on the staff's pages)."""
        return (self.failing_since is not None
                and (now - self.failing_since).total_seconds() >= days * 86400)


@dataclass(frozen=True, slots=True)
class Item:
    """One item found, with its triage."""

    id: int
    source_id: int
    source_name: str
    url: str
    title: str
    summary: str
    published_at: datetime | None
    found_at: datetime
    also_from: tuple[str, ...]
    status: str
    themes: tuple[str, ...]
    descriptors: tuple[str, ...]
    territories: tuple[str, ...]
    note: str
    ruled: str
    record_id: str

    @property
    def day(self) -> datetime:
        """The item's date: published, else found."""
        return self.published_at or self.found_at


@dataclass(frozen=True, slots=True)
class Rule:
    """Pre-sorting: items of a source (or any) with a word (or any) go to a theme, or away."""

    id: int
    source_id: int | None
    word: str
    action: str
    theme: str

    def describe(self, source_names: dict[int, str]) -> str:
        where = source_names.get(self.source_id, "?") if self.source_id else "toute source"
        what = f"« {self.word} »" if self.word else "tout élément"
        then = f"thème {self.theme}" if self.action == THEME else "écarté"
        return f"{where}, {what} → {then}"
