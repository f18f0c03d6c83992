"""Which new records each equation matches: the public index, asked about the new ones.

A run needs, for thousands of equations, only the records new since the oldest due
watermark: a week is about 1,000 records of a 100k catalogue. The run reads those
*candidates* from the store once (the store is the truth: what was deleted is not one)
and evaluates each *distinct* equation once (10,000 subscribers saving ``parentalité``
cost one evaluation), with the catalogue's own analysis and query language
(:mod:`indexes`), *among the candidates only*.

Where: in the public index, restricted to the candidates (``Searcher.select(within=)``),
for the candidates it holds as the store does: those its watermark covers, by the rule
its own updates trust (:func:`catalogue.indexing.applied`), and found in it. The others
(imported since the index's last update, or changed since) go to a throw-away index of
those records alone, as all candidates did before (7-8 s for the 4,000 records of the
demo's first week, 1.5 s for a week of 1,000); nothing is missed for an index late or
missing, it only costs that build. An equation the public index cannot answer
exactly as an index of the candidates alone would is evaluated on a throw-away index of
all the candidates: one whose prefix expands to 64 words or more (the most frequent
words of a large lexicon are not those of the week), one filtering on a field that
index lacks, or on ``availability`` or ``fulltext``, which the public index holds live
(loans, attached documents) where the run's own index holds the catalogued availability
and no documents. The selection is thus the same, record for record, on both paths.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, select

from catalogue import territories
from catalogue.dsi import equations
from catalogue.dsi.equations import Equation, EquationError
from catalogue.indexing import applied
from catalogue.lending.states import availability
from catalogue.records import Record, from_json, global_id_of
from catalogue.store.tables import records
from indexes import DEFAULT_ENGINE, IndexMissing, Inexact, QueryError, Searcher, rebuild

CHUNK = 500
#: Facets the public index holds live where the run's own index holds the catalogued
#: value or nothing: equations filtering on them are evaluated on the run's own index.
LIVE_FACETS = frozenset({"availability", "fulltext"})


@dataclass(frozen=True)
class Candidate:
    """A live record that may be new for some subscriber of this run.

    Its record is decoded from the store's JSON on first use: a run or a preview shows a
    few hundred of the week's thousands (4,000 decoded cost the demo's preview half a
    second), and the public index needs none of them.
    """

    record_id: int
    global_id: str
    first_seen: datetime
    datestamp: datetime
    data: str | bytes = field(repr=False)

    @cached_property
    def record(self) -> Record:
        """The record, as the store holds it."""
        return from_json(self.data)

    def stamp(self, novelty: str) -> datetime:
        """The date novelty is judged by: first seen, or last updated."""
        return self.datestamp if novelty == "update" else self.first_seen


def _rows_to_candidates(rows: Iterable[Any]) -> Iterator[Candidate]:
    for row in rows:
        yield Candidate(row.id, global_id_of(row.data), row.first_seen, row.datestamp,
                        row.data)


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


def settled(engine: Engine, found: dict[int, Candidate], index: Searcher) -> frozenset[int]:
    """The candidates ``index`` holds as the store does: by its watermark
    (:func:`catalogue.indexing.applied`, read first: the searches that follow see at least
    the state it records), and found in it."""
    covered = applied(engine, index.index_dir)
    before = [c for c in found.values() if covered(c.datestamp)]
    try:
        held = index.holding([c.global_id for c in before]) if before else frozenset()
    except IndexMissing:  # a watermark without an index (a deployment being set up)
        return frozenset()
    return frozenset(c.record_id for c in before if c.global_id in held)


@contextmanager
def public_index(index_dir: Path, given: Searcher | None = None) -> Iterator[Searcher]:
    """``given`` (the web app's, warm), else a searcher of ``index_dir`` for this run."""
    if given is not None:
        yield given
        return
    with Searcher(index_dir, result_cache=0) as opened:
        yield opened


class _Local:
    """A throw-away index of some candidates (the run's own, as every run once had)."""

    def __init__(self, found: Collection[Candidate], workdir: Path | None,
                 engine_name: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="dsi-match-", dir=workdir))
        self.searcher: Searcher | None = None
        if found:
            # The catalogued availability (an equation may filter on it) and the
            # catalogue's engine: an equation selects what the OPAC would show.
            rebuild((c.record for c in found), self.dir, availability,
                    engine_name=engine_name, places=territories.containing)
            self.searcher = Searcher(self.dir, result_cache=0)

    def select(self, equation: Equation) -> frozenset[str]:
        if self.searcher is None:
            return frozenset()
        return self.searcher.select(equation.query, equation.filter_map)

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None
        shutil.rmtree(self.dir, ignore_errors=True)


class Matcher:
    """Evaluates equations against the candidates (a context manager: it may own
    throw-away indexes, built on first need).

    With ``index`` (the public index) and ``store`` (the store it follows, for its
    watermark) the candidates it holds as the store does are
    selected in it, the others in a throw-away index of their own; without, every
    candidate is selected in a throw-away index of them all (see the module docstring).
    """

    def __init__(self, found: dict[int, Candidate], workdir: Path | None = None,
                 engine_name: str = DEFAULT_ENGINE, index: Searcher | None = None,
                 store: Engine | None = None) -> None:
        self.candidates = found
        self._by_global = {c.global_id: c.record_id for c in found.values()}
        self._workdir = workdir
        self._engine_name = engine_name
        self._cache: dict[Equation, frozenset[int]] = {}
        self._index = index if found and store is not None else None
        self.settled: frozenset[int] = (settled(store, found, self._index)
                                        if store is not None and self._index is not None
                                        else frozenset())
        self._within = frozenset(found[r].global_id for r in self.settled)
        self._locals: dict[str, _Local] = {}
        self.evaluations = 0
        self.fallbacks = 0  # equations the public index could not answer exactly

    def __enter__(self) -> Matcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Drop the throw-away indexes."""
        for local in self._locals.values():
            local.close()
        self._locals.clear()

    def _local(self, which: str) -> _Local:
        """The throw-away index of ``all`` the candidates or of the ``rest`` (unsettled)."""
        local = self._locals.get(which)
        if local is None:
            chosen = [c for c in self.candidates.values()
                      if which == "all" or c.record_id not in self.settled]
            local = self._locals[which] = _Local(chosen, self._workdir, self._engine_name)
        return local

    def _select(self, equation: Equation) -> frozenset[str]:
        if self._index is not None and self._within and not LIVE_FACETS & set(
                equation.filter_map):
            try:
                found = self._index.select(equation.query, equation.filter_map,
                                           within=self._within)
            except Inexact:
                self.fallbacks += 1
            else:
                if len(self.settled) == len(self.candidates):
                    return found
                return found | self._local("rest").select(equation)
        return self._local("all").select(equation)

    def match(self, params: str) -> frozenset[int]:
        """Record ids of the candidates matching the equation ``params``.

        Raises:
            EquationError: the equation no longer parses or cannot be evaluated.
        """
        equation = equations.parse(params)
        hit = self._cache.get(equation)
        if hit is not None:
            return hit
        if not self.candidates:
            result: frozenset[int] = frozenset()
        else:
            self.evaluations += 1
            try:
                ids = self._select(equation)
            except QueryError as exc:
                raise EquationError(f"Cette recherche ne peut plus être exécutée ({exc}).") from None
            result = frozenset(self._by_global[g] for g in ids if g in self._by_global)
        self._cache[equation] = result
        return result
