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
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from catalogue.clock import utcnow

FOLDER = "locks"


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
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 400, 0).decode("utf-8", "replace").strip()
            raise SourceBusy(slug, holder) from None
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
