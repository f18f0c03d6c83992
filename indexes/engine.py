"""The engine boundary: what an index engine does, and which engine a generation uses.

Everything engine-neutral lives at the top of :mod:`indexes` (the request and result
model, the query syntax, the document built from a record, the French analysis,
highlighting, spelling rules, generations and their atomic swap). An engine only
stores documents and evaluates query trees, behind the two protocols below; each lives
in its own sub-package (:mod:`indexes.whoosh`, :mod:`indexes.tantivy`) and nothing
outside :mod:`indexes` imports either.

Each generation records the engine that built it (a ``ENGINE`` file): readers open
whatever the generation in service is, writers update it with the engine it was built
with, and only a rebuild (``catalogue reindex``) moves the index to the engine the
configuration names (``[index] engine``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from indexes.model import SearchRequest, SearchResult
from indexes.spelling import Lexicon
from indexes.syntax import Node

#: The engines, by their configuration name; the first is the default.
ENGINES = ("whoosh", "tantivy")
DEFAULT = ENGINES[0]
MARKER = "ENGINE"


class UnknownEngine(ValueError):
    """An engine name that is not one of :data:`ENGINES`."""


class Reader(Protocol):
    """One open state of a generation: searches run against it until it is stale."""

    def up_to_date(self) -> bool:
        """False once a writer committed to the generation since it was opened."""

    def close(self) -> None:
        """Release its files."""

    def warm(self, facets: tuple[str, ...], sorts: bool) -> None:
        """Load what the first search would otherwise load (facet columns, sort keys)."""

    def document_count(self) -> int:
        """How many records it holds."""

    def has_fields(self, fields: tuple[str, ...]) -> bool:
        """Whether its schema has every one of ``fields`` (older generations lack some)."""

    def search(self, req: SearchRequest, node: Node, degraded: bool) -> SearchResult:
        """A page of results for the (bounded) request, its query read as ``node``.

        Hits, exact total, the requested facets (each counted under the query and the
        *other* facets' filters) and highlights; the caller adds the suggestion.
        May raise on a query it cannot evaluate: the caller retries as plain words.
        """

    def count(self, req: SearchRequest, node: Node) -> int:
        """How many records match the query and filters."""

    def lexicon(self) -> Lexicon:
        """Its ``words`` lexicon, for spelling suggestions."""

    def select(self, req: SearchRequest, node: Node,
               within: frozenset[str] | None = None) -> frozenset[str]:
        """The global ids of every record matching the query and filters (of ``within``
        only, when given: then a saturated prefix expansion raises
        :class:`indexes.meaning.Inexact`)."""


class Writer(Protocol):
    """Changes to one generation, made visible to readers at :meth:`commit`.

    Documents come as their engine's :meth:`Engine.prepare` made them.
    """

    def add(self, doc: Any) -> None:
        """A document known to be new (a rebuild): no replacement check."""

    def upsert(self, global_id: str, doc: Any) -> None:
        """Add the document of ``global_id``, replacing any with the same global id."""

    def delete(self, global_id: str) -> int:
        """Remove the document of that global id; how many were removed (0 or 1)."""

    def commit(self) -> None:
        """Make every change visible and release the writer."""

    def cancel(self) -> None:
        """Drop the changes since the last commit and release the writer."""


class Engine(Protocol):
    """An index engine: creates, reads and writes generations in its own format."""

    name: str
    #: Whether :meth:`prepare` is worth running in worker processes when a write is given
    #: several (``procs``): the engine indexes in native threads but analyses in Python.
    #: An engine with processes of its own (Whoosh) says False.
    parallel_prepare: bool

    def prepare(self, doc: dict[str, Any]) -> Any:
        """What this engine's writers take for the document ``doc`` (a pure function of
        it, picklable: it may run in another process)."""

    def create(self, path: Path) -> None:
        """An empty index in the (empty) generation directory ``path``."""

    def reader(self, path: Path) -> Reader:
        """A reader of the generation at ``path``."""

    def writer(self, path: Path, procs: int = 1, segment_docs: int | None = None,
               building: bool = False) -> Writer:
        """A writer of the generation at ``path``.

        ``procs``: processes (or threads) to analyse with; ``segment_docs``: commit a
        segment of its own every that many documents where the engine gains from it
        (then a failure cancels only the changes since); ``building``: a fresh
        generation being filled by a rebuild.
        """


_FACTORIES: dict[str, str] = {
    "whoosh": "indexes.whoosh.engine",
    "tantivy": "indexes.tantivy.engine",
}


def get(name: str) -> Engine:
    """The engine called ``name``.

    Raises:
        UnknownEngine: ``name`` is not one of :data:`ENGINES`.
    """
    if name not in _FACTORIES:
        raise UnknownEngine(f"unknown index engine {name!r} (one of: {', '.join(ENGINES)})")
    factory: Callable[[], Engine] = import_module(_FACTORIES[name]).engine
    return factory()


def name_of(generation: Path) -> str:
    """The engine that built ``generation`` (Whoosh for generations older than the marker)."""
    try:
        name = (generation / MARKER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return DEFAULT
    return name if name in ENGINES else DEFAULT


def of(generation: Path) -> Engine:
    """The engine to read and update ``generation`` with."""
    return get(name_of(generation))


def mark(generation: Path, name: str) -> None:
    """Record that ``generation`` is built with engine ``name``."""
    (generation / MARKER).write_text(name + "\n", encoding="utf-8")
