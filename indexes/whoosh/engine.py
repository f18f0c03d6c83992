"""The Whoosh engine (whoosh-reloaded, pure Python): the default, the design card's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index  # type: ignore[import-untyped]

from indexes.whoosh.reader import WhooshReader
from indexes.whoosh.schema import build
from indexes.whoosh.writer import WhooshWriter


class WhooshEngine:
    """See :class:`indexes.engine.Engine`."""

    name = "whoosh"
    parallel_prepare = False  # its writer processes analyse (indexes.whoosh.parallel)

    def prepare(self, doc: dict[str, Any]) -> dict[str, Any]:
        return doc

    def create(self, path: Path) -> None:
        whoosh_index.create_in(str(path), build()).close()

    def reader(self, path: Path) -> WhooshReader:
        return WhooshReader(path)

    def writer(self, path: Path, procs: int = 1, segment_docs: int | None = None,
               building: bool = False) -> WhooshWriter:
        return WhooshWriter(path, procs, segment_docs, building)


def engine() -> WhooshEngine:
    """The engine (for :func:`indexes.engine.get`)."""
    return WhooshEngine()
