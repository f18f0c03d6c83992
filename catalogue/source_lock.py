"""One writer per source at a time, across processes: ``catalogue harvest`` and the scheduler.

The scheduler runs its jobs one at a time, but a documentalist may type ``catalogue
harvest lyon`` while the nightly job is harvesting ``lyon``: two runs of one source
would interleave pages, mark each other's run as interrupted and resume from each
other's checkpoint. So every harvest or drop-folder pass of a source first takes an
exclusive ``flock`` on ``DATA_DIR/locks/source-<slug>.lock`` without waiting; a second
one is refused with :class:`SourceBusy`, naming the holder. The kernel releases the lock
when its holder dies, however it dies, so a crashed or killed harvest never blocks the
next one, and nothing has to be cleaned up. Lock files are never deleted (deleting a
file another process holds open would let a third lock a new file of the same name).

The lock is per machine: the scheduler and the command must share ``data_dir``, as
they do when they read the same config.toml.

The lock also tells a live run from a dead one: a run row still "running" while its
source's lock is free was left by a process that died (see :func:`held` and
:mod:`catalogue.stale_runs`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from catalogue.clock import utcnow

FOLDER = "locks"
#: How often, and how far apart, a refused writer tries again while the lock is held by
#: nobody it can name: a :func:`held` probe (an instant) or a holder not yet written.
PROBE_RETRIES, PROBE_PAUSE = 40, 0.005


class SourceBusy(Exception):
    """Another process (or thread) is harvesting or importing this source right now."""

    def __init__(self, slug: str, holder: str) -> None:
        self.slug, self.holder = slug, holder
        super().__init__(f"{slug}: already running ({holder or 'holder unknown'}); "
                         "nothing done - try again when it has finished")


def lock_path(data_dir: Path, slug: str) -> Path:
    """The lock file of ``slug`` under ``data_dir``."""
    return Path(data_dir) / FOLDER / f"source-{slug}.lock"


@contextlib.contextmanager
def source_lock(data_dir: Path, slug: str, what: str = "harvest") -> Iterator[None]:
    """Hold ``slug``'s lock for the block, or raise at once if someone else holds it.

    Args:
        what: what the holder does, shown to whoever is refused ("harvest", "folder").

    Raises:
        SourceBusy: the lock is held by another process or another open of the file.
    """
    path = lock_path(data_dir, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _take(fd, slug)
        os.ftruncate(fd, 0)
        os.pwrite(fd, (f"{what} by pid {os.getpid()} on {socket.gethostname()} since "
                       f"{utcnow():%Y-%m-%d %H:%M:%S}Z\n").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _take(fd: int, slug: str) -> None:
    """Lock ``fd`` exclusively, or raise :class:`SourceBusy` naming the holder.

    A holder writes its line just after locking and empties it just before unlocking,
    and a :func:`held` probe writes nothing: a lock held with an empty line is an
    instant's business, so it is tried again for a moment rather than refused (a report
    page looking at the lock must never make an import fail).
    """
    for _ in range(PROBE_RETRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = os.pread(fd, 400, 0).decode("utf-8", "replace").strip()
            if holder:
                raise SourceBusy(slug, holder) from None
            time.sleep(PROBE_PAUSE)
    raise SourceBusy(slug, "")


def held(data_dir: Path, slug: str) -> bool:
    """Whether some process holds ``slug``'s lock right now; nothing is written.

    A shared lock taken and dropped at once, without waiting: it fails only while a
    writer holds the exclusive one. A lock file never created was never held.
    """
    try:
        fd = os.open(lock_path(data_dir, slug), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
