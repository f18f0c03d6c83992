"""The upload keys of the ``[import]`` table (stored on ``Settings.uploads``)."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class UploadSettings:
    """How large a file the staff import page takes, how soon the scheduler imports it, and
    how long a finished upload is kept."""

    upload_max_mb: int = 200  # largest file one upload may hold (Mo of 1024 x 1024 bytes)
    upload_seconds: int = 5  # how often `catalogue scheduler` looks at the upload queue
    upload_keep_days: int = 90  # how long a finished upload's file, report and line stay


def parse_uploads(t: TomlTable) -> UploadSettings:
    """The upload keys of ``[import]``, each within bounds."""
    return UploadSettings(**bounded_ints(
        t, {"upload_max_mb": (1, 4096), "upload_seconds": (1, 3600),
            "upload_keep_days": (1, 3650)}, UploadSettings()))
