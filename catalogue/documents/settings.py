"""The ``[documents]`` table of config.toml (parsed here, stored on ``Settings.documents``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from catalogue.documents.access import LEVELS
from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class DocumentSettings:
    """Where documents are kept, who may download them by default, how text is extracted."""

    dir: Path = Path("var/documents")  # the content-addressed files and nothing else
    access: str = "readers"  # default access level: public, readers or staff
    max_upload_mb: int = 100  # largest file staff may upload (and the folder may bring)
    extraction_seconds: int = 60  # CPU seconds of one extraction process
    extraction_memory_mb: int = 512  # address space of one extraction process
    max_pages: int = 2000  # pages read from one document (the rest is reported, not read)
    folder: Path | None = None  # drop folder of files to attach (by 897 name or sidecar)
    pmb_url: str = ""  # the centre's own PMB: 897 URLs starting with it may be fetched once
    schedule: str = ""  # crontab line: when `catalogue scheduler` reads the folder (UTC)


def parse_documents(t: TomlTable, base: Path, data_dir: Path) -> DocumentSettings:
    """The ``[documents]`` table, checked; relative folders resolve against ``base``."""
    defaults = DocumentSettings()
    ints = bounded_ints(t, {"max_upload_mb": (1, 2048), "extraction_seconds": (1, 3600),
                            "extraction_memory_mb": (64, 16_384), "max_pages": (1, 100_000)},
                        defaults)
    folder = t.file_name("dir")
    drop = t.file_name("folder")
    url = t.get("pmb_url", str, "").strip()
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise t.fail("pmb_url", f"must be an http:// or https:// URL (got {url!r})")
    schedule = t.get("schedule", str, "").strip()
    if schedule:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(schedule, timezone="UTC")
        except ValueError as exc:
            raise t.fail("schedule", f"must be a crontab line such as '*/15 * * * *' ({exc})"
                         ) from None
        if not drop:
            raise t.fail("schedule", "applies to the documents folder: set 'folder' too")
    return DocumentSettings(
        dir=(base / folder).resolve() if folder else data_dir / "documents",
        access=t.choice("access", LEVELS, defaults.access),
        folder=(base / drop).resolve() if drop else None,
        pmb_url=url,
        schedule=schedule,
        **ints,
    )
