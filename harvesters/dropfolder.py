"""A drop folder: PMB's scheduled exports land here and are imported once complete.

PMB (or a person, or an rsync) writes export files into the folder; a file is taken
only once it is complete, which nothing announces, so two signs are required: its name
is not a temporary one (``.part``, ``.tmp``, ``~``, dot-files...), and its size and
modification time have not moved for ``settle_seconds``. A file that is still growing
is left for the next pass. A taken file is first moved into ``processing/`` (so two
passes never import it twice), imported by the injected importer (this package does
not know the store), then moved to ``done/`` or ``failed/`` with a ``.report.txt``
beside it saying what happened, so the documentalist sees the outcome where the file
went.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download",
                      ".swp", ".lock", "~")
SUBFOLDERS = ("processing", "done", "failed")


class FolderUnavailable(Exception):
    """The drop folder cannot be created or used (a path under a file, no permission)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the importer says about one file: whether it went in, and the report text."""

    ok: bool
    report: str


@dataclass(frozen=True, slots=True)
class Processed:
    """One file handled by a pass: where it ended and its report file."""

    name: str
    ok: bool
    path: Path
    report_path: Path
    report: str


Importer = Callable[[Path], Outcome]


def is_temporary(name: str) -> bool:
    """A name a writer uses while the file is incomplete (or a hidden file)."""
    lowered = name.lower()
    return name.startswith((".", "~")) or lowered.endswith(TEMPORARY_SUFFIXES)


class DropFolder:
    """One source's drop folder.

    Args:
        folder: the folder watched; ``processing/``, ``done/`` and ``failed/`` are made in it.
        settle_seconds: how long size and mtime must stay unchanged.
        now: the current time as epoch seconds (injected; ``time.time`` by default).
    """

    def __init__(self, folder: Path, *, settle_seconds: float = 60.0,
                 now: Callable[[], float] = time.time) -> None:
        self.folder = folder
        self.settle_seconds = settle_seconds
        self.now = now
        self._seen: dict[str, tuple[int, int]] = {}

    def candidates(self) -> list[Path]:
        """Regular files with a final name, oldest first."""
        if not self.folder.is_dir():
            return []
        found = [p for p in self.folder.iterdir()
                 if p.is_file() and not is_temporary(p.name) and not p.name.endswith(".report.txt")]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))

    def ready(self) -> list[Path]:
        """The candidates whose size and mtime have been still for ``settle_seconds``.

        A file is also held back when its size or mtime changed since the previous pass
        of this object, whatever its mtime says (a writer may set mtimes in the past).
        """
        out = []
        now = self.now()
        for path in self.candidates():
            st = path.stat()
            signature = (st.st_size, st.st_mtime_ns)
            previous = self._seen.get(path.name)
            self._seen[path.name] = signature
            if previous is not None and previous != signature:
                continue
            if now - st.st_mtime < self.settle_seconds or st.st_size == 0:
                continue
            out.append(path)
        return out

    def process(self, importer: Importer) -> list[Processed]:
        """Import every ready file, one at a time, and file it in ``done/`` or ``failed/``.

        The folder and its subfolders are created when missing: a folder named in the
        configuration before PMB ever wrote to it is simply empty.

        Raises:
            FolderUnavailable: the folder cannot be created or listed.
        """
        try:
            for name in SUBFOLDERS:
                (self.folder / name).mkdir(parents=True, exist_ok=True)
            ready = self.ready()
        except OSError as exc:
            raise FolderUnavailable(f"drop folder {self.folder} cannot be used: "
                                    f"{exc.strerror or exc}") from exc
        results = []
        for path in ready:
            working = self.folder / "processing" / path.name
            try:
                os.replace(path, working)
            except FileNotFoundError:
                continue  # taken by another pass meanwhile
            try:
                outcome = importer(working)
            except Exception as exc:  # a crash in one file must not block the folder
                outcome = Outcome(False, f"import failed: {type(exc).__name__}: {exc}\n")
            results.append(self._file(working, outcome))
        return results

    def _file(self, working: Path, outcome: Outcome) -> Processed:
        stamp = datetime.fromtimestamp(self.now(), UTC).strftime("%Y%m%dT%H%M%SZ")
        target_dir = self.folder / ("done" if outcome.ok else "failed")
        target = target_dir / f"{stamp}-{working.name}"
        os.replace(working, target)
        report_path = target_dir / f"{target.name}.report.txt"
        header = f"{working.name}: {'imported' if outcome.ok else 'NOT imported'} at {stamp}\n"
        report_path.write_text(header + outcome.report, encoding="utf-8")
        return Processed(name=working.name, ok=outcome.ok, path=target, report_path=report_path,
                         report=outcome.report)
