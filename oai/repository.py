"""What the protocol core asks of the catalogue: a read-only view of exposed records.

The core never sees SQL: the store's implementation
(``catalogue.store.oai_repository.SqlRepository``) decides which sources are exposed
(the local one and partners marked ``redistribute = true``), what each set means and how
to page. Everything returned is already filtered by those rules, so a record that is
not exposed simply does not exist for the protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from catalogue.records import Record


@dataclass(frozen=True, slots=True)
class SetInfo:
    """One set of ListSets."""

    spec: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a re-exposed record comes from (the ``<provenance>`` block)."""

    base_url: str
    identifier: str
    datestamp: datetime
    metadata_namespace: str
    harvest_date: datetime


@dataclass(frozen=True, slots=True)
class Dissemination:
    """One metadata format as a repository is asked to write it.

    ``write`` turns a record into its serialised metadata element (UTF-8, no XML
    declaration). ``key`` changes whenever ``write`` could give another result for the
    same record content (another version of the mapping code, other options), so a
    repository may keep what ``write`` returned for a record and serve it again for as
    long as both the record's content and ``key`` are unchanged.
    """

    prefix: str
    key: str
    write: Callable[[Record], bytes]


@dataclass(frozen=True, slots=True)
class Entry:
    """A record as the protocol sees it: header facts and, when asked for, its metadata.

    ``position`` is the store's row id, the tie-breaker of the (datestamp, id) order.
    ``metadata`` is the record written by the requested :class:`Dissemination`; it is
    None for deleted records and when only headers were requested.
    """

    source: str
    source_id: str
    datestamp: datetime
    position: int
    deleted: bool
    sets: tuple[str, ...] = ()
    metadata: bytes | None = None
    origin: Origin | None = None

    @property
    def key(self) -> tuple[datetime, int]:
        """The keyset position."""
        return (self.datestamp, self.position)


@dataclass(frozen=True, slots=True)
class Selector:
    """Which records a list request covers: a set, a datestamp window, a start position."""

    set_spec: str | None
    start: datetime | None
    end: datetime
    after: tuple[datetime, int] | None = None


class Repository(Protocol):
    """The catalogue seen through the exposure rules."""

    def earliest_datestamp(self) -> datetime | None:
        """The oldest datestamp of an exposed record (deleted ones included)."""

    def sets(self) -> Sequence[SetInfo]:
        """Every set, parents ('centre', 'type', 'selection') included."""

    def has_set(self, spec: str) -> bool:
        """Whether ``spec`` names a set."""

    def get(self, source: str, source_id: str,
            dissemination: Dissemination | None = None) -> Entry | None:
        """One exposed record, live or deleted, or None; with its metadata if asked."""

    def at(self, position: int, dissemination: Dissemination | None = None) -> Entry | None:
        """The exposed record with this store id, or None; with its metadata if asked."""

    def page(self, selector: Selector, limit: int,
             dissemination: Dissemination | None = None) -> list[Entry]:
        """Up to ``limit`` records of ``selector`` after its position, in (datestamp, id) order.

        Live records carry their metadata written by ``dissemination`` when one is given.
        """

    def count(self, selector: Selector) -> int:
        """How many records ``selector`` covers from its start (completeListSize)."""
