"""Files kept by content hash under the data dir: a re-upload of the same bytes costs nothing.

A file lives at ``<dir>/<first two hex digits>/<sha-256>``; the only name ever joined to
the directory is a hash this module computed or checked to be 64 hex digits, so no path
from a request reaches the file system. Writing goes to a temporary file in the same
directory, fsynced and renamed into place: a crash leaves no half file under a hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Readable(Protocol):
    """A binary stream: a file, an upload, a download's body."""

    def read(self, size: int = -1, /) -> bytes: ...


_HASH = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The file is larger than the store accepts (its size so far is given)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes > {limit}")
        self.size = size
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Stored:
    """A file in the store: its hash, its size and whether these bytes were new."""

    sha256: str
    size: int
    new: bool


class FileStore:
    """The content-addressed files of one deployment."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` lives (ValueError for anything but a hash)."""
        if not _HASH.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return _HASH.match(sha256) is not None and self.path(sha256).is_file()

    def put(self, stream: Readable, limit: int | None = None) -> Stored:
        """Store what ``stream`` holds (at most ``limit`` bytes, else :class:`TooLarge`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise TooLarge(size, limit)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.is_file():
                return Stored(sha, size, False)
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
            tmp = ""
            return Stored(sha, size, True)
        finally:
            if tmp:
                Path(tmp).unlink(missing_ok=True)

    def put_bytes(self, data: bytes) -> Stored:
        import io

        return self.put(io.BytesIO(data))
