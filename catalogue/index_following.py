"""The search index following a harvest while it runs, instead of after it.

A harvest and the index update that follows it used to run one after the other: a
partner's first harvest of 100,000 records stored for a minute, then indexed for
another, with one of the two cores idle much of the time (the harvest's mapping
worker waits for pages, the index's preparing workers wait for the store). Here a
*follower* process applies the store's committed pages to the index while the harvest
goes on, through the same :func:`catalogue.indexing.update_index` as ever (its
watermark says what is applied; a page committed during a pass is read by the next),
and the caller's own update after the harvest only catches up the last pages.

The follower is a convenience, never a condition: it starts only once the harvest has
run :data:`FOLLOW_AFTER` seconds (most scheduled harvests are over by then and keep
the single update after them); if it fails or is killed, the update after the harvest
applies everything it missed (the index is derived from the store, and re-applying a
record is harmless). It is a separate *process* (the harvest's thread holds the GIL)
spawned, not forked (the scheduler has threads), and it is killed with the harvest's
thread (:func:`harvesters.lifeline.die_with_parent`). It imports the catalogue only
once the delay has passed, so a short harvest pays for an idle interpreter only.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the follower process imports this module: keep it light
    from catalogue.settings import Settings

log = logging.getLogger(__name__)

#: Seconds a harvest runs before the index starts following it.
FOLLOW_AFTER = 2.0
#: The engine whose index follows harvests (see :func:`following_harvest`).
FOLLOWS = "tantivy"
#: Seconds between two passes that found nothing new.
PAUSE = 1.0
#: Seconds the end of a harvest waits for the follower's pass in progress (it holds the
#: index's write lock; the update after the harvest would wait for it anyway).
JOIN_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Followed:
    """What the follower applied while the harvest ran (zero when it never started)."""

    indexed: int = 0
    deleted: int = 0
    passes: int = 0


def _follow(parent: int, store_url: str, index_dir: str, procs: int, engine_name: str,
            access: str, after: float, stop: Any, counts: Any) -> None:
    """The follower process: wait ``after`` seconds, then update the index until ``stop``."""
    from harvesters.lifeline import die_with_parent

    die_with_parent(parent)
    if stop.wait(after):
        return
    from catalogue.indexing import update_index
    from catalogue.store.database import create

    engine = create(store_url)  # the harvest's process has migrated it
    try:
        while not stop.is_set():
            run = update_index(engine, Path(index_dir), procs=procs,
                               engine_name=engine_name, documents_access=access)
            with counts.get_lock():
                counts[0] += run.indexed
                counts[1] += run.deleted
                counts[2] += 1
            if run.indexed == 0 and run.deleted == 0:
                stop.wait(PAUSE)
    finally:
        engine.dispose()


@contextmanager
def following(store_url: str, index_dir: Path, procs: int = 1, engine_name: str = "whoosh",
              documents_access: str = "public",
              after: float = FOLLOW_AFTER) -> Iterator[list[Followed]]:
    """Keep the index in ``index_dir`` following the store while the block runs.

    Yields a list that holds, once the block is left, the :class:`Followed` counts.
    The caller still updates the index after the block: the follower stops between two
    passes and leaves the pages committed since its last one.
    """
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    counts = context.Array("q", 3)
    process = context.Process(
        target=_follow, name="index follower",
        args=(os.getpid(), store_url, str(index_dir), procs, engine_name, documents_access,
              after, stop, counts))
    process.start()
    result: list[Followed] = []
    try:
        yield result
    finally:
        stop.set()
        process.join(JOIN_SECONDS)
        if process.is_alive():  # a pass stuck for ten minutes: the update after takes over
            process.kill()
            process.join()
        if process.exitcode not in (0, None):
            log.warning("the index follower ended with status %s; the update after the "
                        "harvest applies what it missed", process.exitcode)
        with counts.get_lock():
            result.append(Followed(int(counts[0]), int(counts[1]), int(counts[2])))


def following_harvest(settings: Settings, index_dir: Path | None) -> (
        AbstractContextManager[list[Followed]]):
    """:func:`following` with the ``[index]`` settings, or nothing when no index is kept
    (``index_dir`` None or absent: the harvest's caller decides, as for the update after)
    or the engine is Whoosh: its updates pay a commit and segment merges each, and
    following a 20,000-record harvest pass after pass made the whole job 23% slower than
    one update after it (tantivy: 9% faster at 100,000 records, even at 20,000)."""
    if index_dir is None or not Path(index_dir).is_dir() or settings.index.engine != FOLLOWS:
        return nullcontext([])
    return following(settings.store_url, Path(index_dir), settings.index.procs,
                     settings.index.engine, settings.documents.access, FOLLOW_AFTER)
