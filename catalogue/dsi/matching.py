"""Which new records each equation matches: one small index of the run's candidates.

A run needs, for thousands of equations, only the records new since the oldest due
watermark: a week is about 1,000 records of a 100k catalogue. The run reads those
*candidates* from the store once, indexes them into a throw-away Whoosh index with the
catalogue's own analysis and query language (:mod:`indexes`), and evaluates each
*distinct* equation once against it (10,000 subscribers saving ``parentalité`` cost one
evaluation). Matching therefore costs a few milliseconds per distinct equation, does not
depend on the catalogue's size, and does not depend on the public index being up to
date: a record imported a minute before the run is matched like the others, because
the candidates come from the store, which is the truth.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine, select

from catalogue import territories
from catalogue.dsi import equations
from catalogue.dsi.equations import Equation, EquationError
from catalogue.lending.states import availability
from catalogue.records import Record, from_json
from catalogue.store.tables import records
from indexes import DEFAULT_ENGINE, QueryError, Searcher, rebuild

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Candidate:
    """A live record that may be new for some subscriber of this run."""

    record_id: int
    global_id: str
    first_seen: datetime
    datestamp: datetime
    record: Record

    def stamp(self, novelty: str) -> datetime:
        """The date novelty is judged by: first seen, or last updated."""
        return self.datestamp if novelty == "update" else self.first_seen


def _rows_to_candidates(rows: Iterable[object]) -> Iterator[Candidate]:
    for row in rows:
        record = from_json(row.data)  # type: ignore[attr-defined]
        yield Candidate(row.id, record.global_id, row.first_seen,  # type: ignore[attr-defined]
                        row.datestamp, record)  # type: ignore[attr-defined]


def candidates(engine: Engine, since: datetime, extra_ids: Iterable[int] = ()) -> dict[int, Candidate]:
    """Live records changed since ``since`` (and the ``extra_ids``: hand-picked ones)."""
    cols = (records.c.id, records.c.data, records.c.first_seen, records.c.datestamp)
    found: dict[int, Candidate] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).where(records.c.datestamp >= since,
                                                records.c.deleted.is_(False))
                            .order_by(records.c.id))
        for c in _rows_to_candidates(rows):
            found[c.record_id] = c
        missing = [i for i in dict.fromkeys(extra_ids) if i not in found]
        for i in range(0, len(missing), CHUNK):
            rows = conn.execute(select(*cols).where(records.c.id.in_(missing[i:i + CHUNK]),
                                                    records.c.deleted.is_(False)))
            for c in _rows_to_candidates(rows):
                found[c.record_id] = c
    return found


class Matcher:
    """Evaluates equations against the candidates (a context manager: it owns a temp index)."""

    def __init__(self, found: dict[int, Candidate], workdir: Path | None = None,
                 engine_name: str = DEFAULT_ENGINE) -> None:
        self.candidates = found
        self._by_global = {c.global_id: c.record_id for c in found.values()}
        self._dir = Path(tempfile.mkdtemp(prefix="dsi-match-", dir=workdir))
        self._cache: dict[Equation, frozenset[int]] = {}
        self._searcher: Searcher | None = None
        self.evaluations = 0
        if found:
            # The catalogued availability (an equation may filter on it) and the
            # catalogue's engine: an equation selects what the OPAC would show.
            rebuild((c.record for c in found.values()), self._dir, availability,
                    engine_name=engine_name, places=territories.containing)
            self._searcher = Searcher(self._dir, result_cache=0)

    def __enter__(self) -> Matcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Drop the temporary index."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def match(self, params: str) -> frozenset[int]:
        """Record ids of the candidates matching the equation ``params``.

        Raises:
            EquationError: the equation no longer parses or cannot be evaluated.
        """
        equation = equations.parse(params)
        hit = self._cache.get(equation)
        if hit is not None:
            return hit
        if self._searcher is None:
            result: frozenset[int] = frozenset()
        else:
            self.evaluations += 1
            try:
                ids = self._searcher.select(equation.query, equation.filter_map)
            except QueryError as exc:
                raise EquationError(f"Cette recherche ne peut plus être exécutée ({exc}).") from None
            result = frozenset(self._by_global[g] for g in ids if g in self._by_global)
        self._cache[equation] = result
        return result
