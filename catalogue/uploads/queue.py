"""The upload queue: files sent from the staff import page, waiting for the scheduler.

A web request never imports (an import can take minutes and writes the index, which
has one writer): it only puts the file here, and ``catalogue scheduler`` imports it
through the drop-folder path (:mod:`catalogue.uploads.job`). Everything lives under
``DATA_DIR/uploads``::

    incoming/          files being received (a crash leaves only a temporary file here)
    queue/<source>/    one drop folder per source: <id>.<ext>, then processing/, done/, failed/
    meta/<id>.json     who sent what, when, its size, and where its import stands

The id is made here (time, then random), never from the client's file name: the name
is only shown, and a name meant to climb out of the folder (``../``, a NUL, a control
character) is refused outright. A file is written to ``incoming/``, fsynced, checked
(it must be a bibliographic file of a format the source can take: the same checks as
``catalogue import``, on its first records only), and only then renamed into its
source's queue, after its description: the scheduler never sees a file without one,
nor a half-written file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from catalogue.formats.base import FormatError
from catalogue.formats.detect import family, sniff
from catalogue.settings import Source
from harvesters.pmb import open_export

CHUNK = 1024 * 1024
#: Uploads the page lists (newest first).
LISTED = 50
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
_ID = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{8}$")
_EXTENSIONS = {"unimarc": ".mrc", "marc21": ".mrc", "pmbxml": ".xml", "marcxml": ".xml",
               "dc": ".xml"}
MAX_NAME = 255

#: Why an upload is refused (the web page says each in French, beside its field).
NO_SOURCE, UNKNOWN_SOURCE, NO_FILE, BAD_NAME = "no_source", "unknown_source", "no_file", "bad_name"
EMPTY, TOO_LARGE, NOT_CATALOGUE, WRONG_FORMAT, UNREADABLE = (
    "empty", "too_large", "not_catalogue", "wrong_format", "unreadable")


class Readable(Protocol):
    """A binary stream: the upload's body."""

    def read(self, size: int = -1, /) -> bytes: ...


class UploadRefused(Exception):
    """The upload cannot be queued: which field, why (a code), and the reader's detail."""

    def __init__(self, field: str, code: str, detail: str = "", **values: str) -> None:
        super().__init__(f"{field}: {code} {detail}".strip())
        self.field = field
        self.code = code
        self.detail = detail
        self.values = values


@dataclass(frozen=True, slots=True)
class Upload:
    """One sent file and where its import stands."""

    id: str
    source: str
    filename: str  # as the client named it (shown only, never a path)
    sender: str
    sent_at: str  # ISO 8601, UTC
    size: int
    format: str
    status: str = QUEUED
    started_at: str = ""
    finished_at: str = ""
    run_id: int | None = None
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    message: str = ""

    @property
    def stored_name(self) -> str:
        """The file's name in its source's queue folder."""
        return self.id + _EXTENSIONS.get(self.format, ".dat")

    @property
    def sent(self) -> datetime:
        return datetime.fromisoformat(self.sent_at)


def file_sources(sources: tuple[Source, ...]) -> tuple[Source, ...]:
    """The sources a file can be sent to (OAI partners are harvested, not uploaded)."""
    return tuple(s for s in sources if s.kind == "file")


def checked_name(name: str) -> str:
    """The client's file name, refused when it is not a plain file name.

    Browsers send the last part of the path only; anything else (``../``, a folder, a
    NUL or another control character, a name longer than a file system allows) was
    made by hand to probe the server.

    Raises:
        UploadRefused: no name, or a hostile one.
    """
    if not name:
        raise UploadRefused("file", NO_FILE)
    if (len(name) > MAX_NAME or "/" in name or "\\" in name or name.strip() in ("", ".", "..")
            or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)):
        raise UploadRefused("file", BAD_NAME)
    return name


class UploadQueue:
    """The upload queue of one deployment (``DATA_DIR/uploads``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.incoming = self.root / "incoming"
        self.meta = self.root / "meta"

    def folder(self, slug: str) -> Path:
        """The drop folder of ``slug``'s uploads (a configured slug, never a request's text)."""
        return self.root / "queue" / slug

    def put(self, stream: Readable, filename: str, source: Source | None, sender: str,
            now: datetime, limit: int) -> Upload:
        """Receive one file for ``source`` and queue it for import.

        Raises:
            UploadRefused: no source, no file, a hostile name, an empty or too large
                file, or not a bibliographic file ``source`` can import. Nothing is
                queued, and nothing is left behind.
        """
        if source is None:
            raise UploadRefused("source", NO_SOURCE)
        name = checked_name(filename)
        self.incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".upload-", dir=self.incoming)
        tmp = Path(tmp_name)
        try:
            size = _receive(fd, stream, limit)
            fmt = check(tmp, source)
            upload = Upload(id=f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}",
                            source=source.slug, filename=name, sender=sender,
                            sent_at=now.isoformat(), size=size, format=fmt)
            target = self.folder(source.slug) / upload.stored_name
            target.parent.mkdir(parents=True, exist_ok=True)
            self.save(upload)
            try:
                os.replace(tmp, target)
            except OSError:
                (self.meta / f"{upload.id}.json").unlink(missing_ok=True)
                raise
            return upload
        finally:
            tmp.unlink(missing_ok=True)

    def save(self, upload: Upload) -> None:
        """Write ``upload``'s description (atomically: a reader sees the old or the new)."""
        self.meta.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".meta-", dir=self.meta)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(asdict(upload), out, ensure_ascii=False)
            os.replace(tmp, self.meta / f"{upload.id}.json")
        finally:
            Path(tmp).unlink(missing_ok=True)

    def get(self, upload_id: str) -> Upload | None:
        """The upload ``upload_id`` (None for an unknown or malformed id)."""
        if not _ID.match(upload_id):
            return None
        try:
            data = json.loads((self.meta / f"{upload_id}.json").read_text(encoding="utf-8"))
            return Upload(**data)
        except (OSError, ValueError, TypeError):
            return None

    def recent(self, limit: int = LISTED) -> list[Upload]:
        """The latest ``limit`` uploads, newest first (ids begin with the time sent)."""
        if not self.meta.is_dir():
            return []
        ids = sorted((p.stem for p in self.meta.glob("*.json") if _ID.match(p.stem)),
                     reverse=True)
        found = (self.get(i) for i in ids[:limit])
        return [u for u in found if u is not None]

    def by_stored_name(self, name: str) -> Upload | None:
        """The upload whose queued file is called ``name``."""
        return self.get(name.partition(".")[0])

    def update(self, upload: Upload, **changes: object) -> Upload:
        """Save ``upload`` with ``changes`` and return it."""
        changed = replace(upload, **changes)  # type: ignore[arg-type]
        self.save(changed)
        return changed

    def prune(self, before: datetime) -> list[Upload]:
        """Forget the uploads that finished before ``before``: their file and report in
        ``queue/<source>/done/`` or ``failed/``, then their description.

        A queued or running upload is never pruned, nor a file without a description
        (put in the folder by hand). The description goes last, so a pass stopped
        midway leaves it for the next pass to finish.
        """
        if not self.meta.is_dir():
            return []
        pruned = []
        sent_before = f"{before:%Y%m%dT%H%M%S%fZ}"  # ids begin with the time sent
        for path in sorted(self.meta.glob("*.json")):
            if path.stem >= sent_before:
                break  # sent since: cannot have finished before
            upload = self.get(path.stem)
            if (upload is None or upload.status not in (DONE, FAILED) or not upload.finished_at
                    or datetime.fromisoformat(upload.finished_at) >= before):
                continue
            for kept in ("done", "failed"):
                folder = self.folder(upload.source) / kept
                for name in (f"*-{upload.stored_name}", f"*-{upload.stored_name}.report.txt"):
                    for old in folder.glob(name):
                        old.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            pruned.append(upload)
        return pruned

    def waiting(self) -> Iterator[str]:
        """The slugs that have a queue folder (configured or not any more)."""
        queue = self.root / "queue"
        if queue.is_dir():
            yield from sorted(p.name for p in queue.iterdir() if p.is_dir())


def _receive(fd: int, stream: Readable, limit: int) -> int:
    """Copy ``stream`` into the open file ``fd`` (fsynced), at most ``limit`` bytes."""
    size = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadRefused("file", TOO_LARGE)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if size == 0:
        raise UploadRefused("file", EMPTY)
    return size


def check(path: Path, source: Source) -> str:
    """The format ``path`` will be imported as into ``source`` (its first records read).

    Raises:
        UploadRefused: not a bibliographic file, a format the source does not take, or
            a file ``catalogue import`` would refuse.
    """
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    try:
        found = sniff(head)
    except FormatError as exc:
        raise UploadRefused("file", NOT_CATALOGUE, str(exc)) from None
    if source.format != "auto" and family(source.format) != family(found):
        raise UploadRefused("file", WRONG_FORMAT, found=found, expected=source.format)
    try:
        return open_export(path, source.format, source.encoding).format
    except FormatError as exc:
        raise UploadRefused("file", UNREADABLE, str(exc)) from None
