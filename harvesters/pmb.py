"""Reading a PMB export file (or any supported catalogue file) into Parsed records.

Everything that can make the whole file unusable is found before a single record is
written: a missing or empty file, a binary file, an unknown format, or a forced character
set the file is clearly not in. Then records stream one by one, so memory stays flat.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from catalogue.formats.base import FormatError, Parsed
from catalogue.formats.charsets import CHARSETS
from catalogue.formats.detect import family, reader, resolve

PREFLIGHT_RECORDS = 20


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A checked input file: its path, size, resolved format and encoding."""

    path: Path
    size: int
    format: str
    encoding: str

    def read(self, source: str, stream: BinaryIO | None = None) -> Iterator[Parsed]:
        """Stream the file's records (from ``stream`` if given, e.g. a progress wrapper)."""
        read = reader(self.format)
        if stream is not None:
            yield from read(stream, source, self.encoding)
            return
        with open(self.path, "rb") as fh:
            yield from read(fh, source, self.encoding)


def _non_ascii_utf8(sample: bytes) -> bool:
    if sample.isascii():
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A sample cut in the middle of a character is still UTF-8.
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"
    return True


def open_export(path: str | os.PathLike[str], fmt: str = "auto", encoding: str = "auto") -> ExportFile:
    """Check a file before import and resolve its format.

    Raises:
        FormatError: the file cannot be imported at all; nothing has been written.
    """
    file = Path(path)
    if encoding != "auto" and encoding not in CHARSETS:
        raise FormatError(f"unknown encoding {encoding!r} (choose auto, {', '.join(CHARSETS)})")
    if not file.exists():
        raise FormatError(f"file not found: {file}")
    if not file.is_file():
        raise FormatError(f"not a regular file: {file}")
    try:
        with open(file, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError as exc:
        raise FormatError(f"cannot read {file}: {exc.strerror}") from None
    resolved = resolve(fmt, head)
    export = ExportFile(path=file, size=file.stat().st_size, format=resolved, encoding=encoding)
    if encoding != "auto":
        _preflight(export, head)
    if fmt not in ("auto", ""):
        _check_format(export, head)
    return export


def _check_format(export: ExportFile, head: bytes) -> None:
    """Refuse a forced format that the file's first records plainly contradict.

    ``--format marc21`` on a UNIMARC file read every record "fine": empty titles, the
    100$a date as an author. A forced format that is not what the file looks like, under
    which not one of the first records has a title, is refused.
    """
    try:
        seen = resolve("auto", head)
    except FormatError:
        return
    if seen == export.format:
        return
    sample = list(itertools.islice(export.read("preflight"), PREFLIGHT_RECORDS))
    if sample and not any(p.record is not None and p.record.title.display() for p in sample):
        raise FormatError(
            f"--format {export.format} does not fit: the file looks like {seen} and none "
            f"of its first {len(sample)} record(s) has a title read as {export.format} "
            f"(use --format auto or {seen})"
        )


def _preflight(export: ExportFile, head: bytes) -> None:
    """Refuse a forced character set that the file contradicts: the first records all
    unreadable, or any record the set cannot decode."""
    if family(export.format) == "iso2709" and export.encoding != "utf-8" and _non_ascii_utf8(head):
        raise FormatError(
            f"--encoding {export.encoding} does not fit: the data is UTF-8 "
            "(use --encoding auto or utf-8)"
        )
    sample = list(itertools.islice(export.read("preflight"), PREFLIGHT_RECORDS))
    if sample and not any(p.ok for p in sample):
        raise FormatError(
            f"--encoding {export.encoding} does not fit: none of the first {len(sample)} "
            f"record(s) can be read (record {sample[0].position}: {sample[0].error})"
        )
    # Records of plain ASCII read in any character set: one record the forced set cannot
    # decode says the file is not in it (MARC-8 forced to UTF-8 imported a part of it).
    # The whole file is read once for this, before anything is written.
    contradicted = next((p for p in export.read("preflight") if not p.ok
                         and f"the record is not in {export.encoding}" in p.error), None)
    if contradicted is not None:
        raise FormatError(
            f"--encoding {export.encoding} does not fit: record {contradicted.position} "
            f"cannot be read in it ({contradicted.error.split(';')[0]}); use --encoding auto"
        )
