"""The ``[veille]`` table of config.toml: retention, failure flag, the fetcher's bounds."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class VeilleSettings:
    """How long watch entries stay public and how politely sources are fetched."""

    keep_months: int = 12  # published entries leave the OPAC this long after they were found
    failing_days: int = 3  # a source failing this long is flagged on the staff's pages
    check_minutes: int = 30  # the scheduler looks for due sources this often
    timeout_seconds: int = 20  # connect/read timeout of one request
    max_seconds: int = 60  # a whole download (a feed that never ends is cut here)
    max_kilobytes: int = 5120  # the largest body kept, after decompression
    host_delay_seconds: int = 2  # between two requests to the same host


def parse_veille(t: TomlTable) -> VeilleSettings:
    """The ``[veille]`` table, every number within bounds."""
    return VeilleSettings(**bounded_ints(
        t, {"keep_months": (1, 240), "failing_days": (1, 90), "check_minutes": (5, 1440),
            "timeout_seconds": (1, 300), "max_seconds": (1, 3600),
            "max_kilobytes": (16, 100 * 1024), "host_delay_seconds": (0, 600)},
        VeilleSettings()))
