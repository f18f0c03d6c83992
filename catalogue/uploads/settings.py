"""The upload keys of the ``[import]`` table (stored on ``Settings.uploads``)."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class UploadSettings:
    """How large a file the staff import page takes, and how soon the scheduler imports it."""

    upload_max_mb: int = 200  # largest file one upload may hold (Mo of 1024 x 1024 bytes)
    upload_seconds: int = 5  # how often `catalogue scheduler` looks at the upload queue


def parse_uploads(t: TomlTable) -> UploadSettings:
    """The upload keys of ``[import]``, each within bounds."""
    return UploadSettings(**bounded_ints(
        t, {"upload_max_mb": (1, 4096), "upload_seconds": (1, 3600)}, UploadSettings()))
