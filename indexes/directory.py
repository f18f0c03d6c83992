"""Where an index lives on disk: generations, the ``CURRENT`` pointer and the writer lock.

``index_dir`` holds one sub-directory per *generation* (a complete index, of either engine) and a
small ``CURRENT`` file naming the generation in service. A rebuild writes a new
generation beside the old one and then replaces ``CURRENT`` with ``os.replace``, which
is atomic on POSIX: a reader sees either the old name or the new one, never a half
state, and keeps serving from the old generation until it next looks. The previous
generation is kept (a reader may still hold its files); older ones are removed.

Writers (incremental updates and rebuilds alike) take an exclusive ``flock`` on
``write.lock``: the kernel releases it if the process dies, so a crash never leaves a
stale lock behind. Readers take no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

POINTER = "CURRENT"
LOCK = "write.lock"
PREFIX = "gen-"


class IndexLocked(Exception):
    """Another writer holds the index lock and did not release it in time."""


class IndexMissing(Exception):
    """The index directory has no generation yet (run a rebuild first)."""


def current(index_dir: Path) -> Path | None:
    """The generation in service, or None when the index was never built."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if name.startswith(PREFIX) and path.is_dir() else None


def require_current(index_dir: Path) -> Path:
    """:func:`current`, raising :class:`IndexMissing` when there is none."""
    path = current(index_dir)
    if path is None:
        raise IndexMissing(f"no index in {index_dir} (run `catalogue reindex`)")
    return path


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation directory (not yet in service)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for n in range(1000):
        path = index_dir / f"{PREFIX}{stamp}-{os.getpid()}-{n}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"cannot create a generation directory in {index_dir}")


def publish(index_dir: Path, generation: Path) -> None:
    """Put ``generation`` in service atomically, then drop all but the previous one."""
    previous = current(index_dir)
    tmp = index_dir / f"{POINTER}.{os.getpid()}.tmp"
    tmp.write_text(generation.name + "\n", encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / POINTER)
    keep = {generation.name, previous.name if previous else ""}
    for path in index_dir.iterdir():
        if path.is_dir() and path.name.startswith(PREFIX) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the index's single-writer lock, waiting up to ``timeout`` seconds for it.

    Raises:
        IndexLocked: the lock was not free within ``timeout``.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(index_dir / LOCK, "a+b") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLocked(f"{index_dir / LOCK} is held by another writer") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
