"""The ``[covers]`` table of config.toml (parsed here, stored on ``Settings.covers``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class CoverSettings:
    """Where covers come from, how long they may take, how much of them is kept."""

    #: URL template of a cover service by ISBN (``{isbn}`` replaced); '' (the default):
    #: no service, so no third-party call at all for covers without a thumbnail.
    isbn_url: str = ""
    #: Fetch the records' own thumbnails (PMB 896 $a) through our server (see
    #: :mod:`catalogue.covers.service` for why they are not linked directly). Off by
    #: default: an 896 may name any server (a vendor's, a partner's), and no other
    #: server is called unless the centre says so.
    thumbnails: bool = False
    dir: Path = Path("var/covers")  # the disk cache, nothing else
    timeout_seconds: int = 4  # one fetch, from connection to last byte
    max_kb: int = 2048  # the largest image accepted from a source
    cache_mb: int = 200  # the cache's size: the oldest entries go first beyond it
    max_age_hours: int = 168  # a found cover is fetched again after this
    retry_minutes: int = 60  # a source that failed is not asked again before this
    concurrent: int = 4  # fetches under way at once; beyond, the placeholder at once
    #: Fetch from hosts on private, loopback or link-local addresses too (a cover
    #: service inside the centre's network). Off: such URLs are never fetched.
    private_hosts: bool = False


def parse_covers(t: TomlTable, base: Path, data_dir: Path) -> CoverSettings:
    """The ``[covers]`` table, checked; a relative ``dir`` resolves against ``base``."""
    defaults = CoverSettings()
    ints = bounded_ints(t, {"timeout_seconds": (1, 60), "max_kb": (1, 51_200),
                            "cache_mb": (1, 100_000), "max_age_hours": (1, 24 * 366),
                            "retry_minutes": (1, 24 * 60 * 31), "concurrent": (1, 64)},
                        defaults)
    url = t.get("isbn_url", str, "").strip()
    if url and not re.match(r"^https?://[^\s/]+\S*$", url):
        raise t.fail("isbn_url", f"must be an http:// or https:// URL (got {url!r})")
    if url and "{isbn}" not in url:
        raise t.fail("isbn_url", "must contain {isbn}, where the ISBN goes")
    folder = t.file_name("dir")
    return CoverSettings(
        isbn_url=url,
        thumbnails=t.get("thumbnails", bool, False),
        private_hosts=t.get("private_hosts", bool, False),
        dir=(base / folder).resolve() if folder else data_dir / "covers",
        **ints,
    )
