"""A disk cache of covers, bounded in time and size, shared by every worker process.

One file per source (a URL, an attached file's hash), named by the SHA-256 of that key:
``<hash>.jpg`` / ``<hash>.png`` for a cover, ``<hash>.miss`` (empty) when the source had
none, so a broken or slow source is asked again only after ``retry_minutes``. Files are
written to a temporary name and renamed, so a reader never sees half a cover; the file's
modification time is when it was fetched. Beyond ``cache_mb`` the oldest files go first.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Media type of each stored suffix.
SUFFIXES = {".jpg": "image/jpeg", ".png": "image/png"}
MISS = ".miss"


@dataclass(frozen=True, slots=True)
class Cached:
    """What the cache knows of a source: its cover (None: the source had none)."""

    data: bytes | None
    media_type: str = ""


class CoverCache:
    """Covers on disk under ``folder`` (created when first written)."""

    def __init__(self, folder: Path, max_bytes: int, max_age: float, retry: float,
                 clock: Callable[[], float]) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.retry = retry
        self.clock = clock  # wall-clock seconds (compared with file times)

    @staticmethod
    def name(key: str) -> str:
        """The file stem of ``key``."""
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Cached | None:
        """The fresh entry of ``key``, or None (never fetched, or too old)."""
        stem = self.name(key)
        now = self.clock()
        for suffix in (*SUFFIXES, MISS):
            path = self.folder / f"{stem}{suffix}"
            try:
                age = now - path.stat().st_mtime
                if age > (self.retry if suffix == MISS else self.max_age):
                    continue
                if suffix == MISS:
                    return Cached(None)
                return Cached(path.read_bytes(), SUFFIXES[suffix])
            except OSError:  # absent, or removed by another worker meanwhile
                continue
        return None

    def put(self, key: str, data: bytes | None, media_type: str = "") -> None:
        """Keep ``data`` (None: the source had no cover) as ``key``'s entry."""
        stem = self.name(key)
        suffix = next((s for s, t in SUFFIXES.items() if t == media_type), "") if data else MISS
        if not suffix:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for other in (*SUFFIXES, MISS):
            if other != suffix:
                (self.folder / f"{stem}{other}").unlink(missing_ok=True)
        path = self.folder / f"{stem}{suffix}"
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data or b"")
        now = self.clock()
        os.utime(tmp, (now, now))
        os.replace(tmp, path)
        self.trim()

    def size(self) -> int:
        """Bytes the cache holds."""
        return sum(f.stat().st_size for f in self._files())

    def trim(self) -> None:
        """Remove the oldest entries until the cache fits in ``max_bytes``."""
        files = []
        total = 0
        for path in self._files():
            try:
                stat = path.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
            total += stat.st_size
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return [p for p in self.folder.iterdir()
                if p.suffix in (*SUFFIXES, MISS) and p.is_file()]
