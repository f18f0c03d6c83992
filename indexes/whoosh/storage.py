"""Reading a Whoosh generation's files without copying them into memory.

Whoosh's ``FileStorage`` maps each compound segment file with ``mmap`` and opens each
file inside it as a ``BufferFile``, which wraps its slice of the map in a ``BytesIO``:
that copies the slice whole. A searcher opens every segment's terms, postings, stored
fields and columns, so it held a private copy of the whole index, in every web worker:
one search at 100,000 records peaked at 504 MB (130 MB read from the map as here).

:class:`MappedStorage` hands Whoosh files that read straight from the map instead
(:class:`MappedFile`: each read is a slice of the map, the bytes asked for and no
more): the kernel's page cache holds the index once for every process that maps it,
and pages a searcher does not touch are never read. With ``FileStorage``'s
``supports_mmap=False`` (Whoosh's public way out, the writer's
(:func:`indexes.whoosh.writer.open_unmapped`)), Whoosh reads each file through
``seek`` and ``read`` on a file object instead, which copies nothing either but
searched 5-10% slower (against 2-3% for the map, cold searches no slower: README,
*Performance*), so it is only the fallback.

Whoosh opens a compound file with ``open_file`` and, when it is not to map it itself,
takes each inner file with the ``subset`` method of the file it got back: both public
names of Whoosh's storage and file classes. If another Whoosh does otherwise, it still
reads through these files (read, seek, tell: the mapped ones as plain ones); only a
``StructFile`` that will not take them (:func:`supported`) sends the searcher to
``FileStorage(supports_mmap=False)``.
"""

from __future__ import annotations

import inspect
import logging
import mmap
import os
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]
from whoosh.filedb.structfile import StructFile  # type: ignore[import-untyped]

log = logging.getLogger("indexes.whoosh")

#: How a searcher reads segments: "mapped" (:class:`MappedStorage`), "files"
#: (``FileStorage(supports_mmap=False)``), "whoosh" (Whoosh's default: ``mmap`` and a
#: copy of each file). A module constant for the benchmark and the tests.
MODES = ("mapped", "files", "whoosh")
MODE = "mapped"
#: Bytes a ``peek`` returns at most: pickle's loader reads ahead through ``peek`` (one
#: call, then one ``read`` of what it used) instead of one ``read`` per opcode, 20 calls
#: for a posting block's header. Whoosh's pickles are small; a longer one peeks again.
PEEK = 4096


class _Window:
    """A read-only file object over ``length`` bytes of ``source`` from ``start``."""

    __slots__ = ("source", "start", "end", "pos", "closed")

    def __init__(self, source: mmap.mmap, start: int, length: int) -> None:
        self.source = source
        self.start = start
        self.end = start + length
        self.pos = start
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        pos = self.pos
        end = self.end if size is None or size < 0 else min(pos + size, self.end)
        if end <= pos:
            return b""
        self.pos = end
        return self.source[pos:end]

    def peek(self, size: int = 0) -> bytes:
        return self.source[self.pos:min(self.pos + PEEK, self.end)]

    def readline(self, size: int | None = -1) -> bytes:
        pos = self.pos
        end = self.end if size is None or size < 0 else min(pos + size, self.end)
        found = self.source.find(b"\n", pos, end)
        stop = end if found < 0 else found + 1
        if stop <= pos:
            return b""
        self.pos = stop
        return self.source[pos:stop]

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            pos = self.start + offset
        elif whence == os.SEEK_CUR:
            pos = self.pos + offset
        elif whence == os.SEEK_END:
            pos = self.end + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if pos < self.start:
            raise ValueError(f"negative seek position {pos - self.start}")
        self.pos = pos
        return pos - self.start

    def tell(self) -> int:
        return self.pos - self.start

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


class MappedFile(StructFile):  # type: ignore[misc]
    """A Whoosh ``StructFile`` reading its bytes from a shared map, without a copy.

    Its inner files (``subset``) read from the same map. Closing the file that
    :class:`MappedStorage` opened unmaps it, as Whoosh unmaps a compound file when its
    storage is closed (its inner files are dead then); no buffer of the map is ever
    handed out, so the unmapping never waits on one.
    """

    def __init__(self, source: mmap.mmap, start: int, length: int, name: str | None = None,
                 onclose: Any = None, owner: bool = False) -> None:
        super().__init__(_Window(source, start, length), name=name, onclose=onclose)
        self._source = source
        self._start = start
        self._end = start + length
        self._owner = owner

    def get(self, position: int, length: int) -> bytes:
        start = self._start + position
        return self._source[start:min(start + length, self._end)]

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        start = self._start + position
        return MappedFile(self._source, start, min(length, self._end - start),
                          name=name or self._name)

    def close(self) -> None:
        super().close()
        if self._owner:
            self._source.close()


class MappedStorage(FileStorage):  # type: ignore[misc]
    """A ``FileStorage`` whose files read from ``mmap`` without copying (module docstring).

    ``supports_mmap`` is False so that a compound file is not mapped (and copied) by
    Whoosh: it asks the file it opened for the ``subset`` of each inner file.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)

    def open_file(self, name: str, **kwargs: Any) -> Any:
        plain = super().open_file(name)
        try:
            fileno = plain.raw_file().fileno()
            size = os.fstat(fileno).st_size
            if size == 0:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
            source = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
        finally:
            plain.close()
        return MappedFile(source, 0, size, name=name, owner=True, **kwargs)


def supported() -> bool:
    """Whether this Whoosh's file class takes :class:`MappedFile`'s way in: a
    ``StructFile(fileobj, name, onclose)`` whose reads go through its file object, and
    a storage whose ``open_file`` gives it a real file (``raw_file``)."""
    try:
        params = list(inspect.signature(StructFile.__init__).parameters)
    except (TypeError, ValueError):
        return False
    return (params[1:4] == ["fileobj", "name", "onclose"]
            and callable(getattr(FileStorage, "open_file", None))
            and all(callable(getattr(StructFile, n, None))
                    for n in ("read", "seek", "tell", "get", "subset", "read_pickle",
                              "raw_file")))


def storage(path: Path, mode: str | None = None) -> Any:
    """The storage a searcher of the generation at ``path`` reads through (:data:`MODE`)."""
    mode = MODE if mode is None else mode
    if mode == "mapped":
        if supported():
            return MappedStorage(str(path))
        log.warning("Whoosh segments read through files: this Whoosh's StructFile differs")
        mode = "files"
    if mode == "files":
        return FileStorage(str(path), supports_mmap=False)
    if mode == "whoosh":
        return FileStorage(str(path))
    raise ValueError(f"unknown way of reading a Whoosh index: {mode!r} (one of {MODES})")
