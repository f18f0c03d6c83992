"""What the harvesting tests share: a deployment around a partner URL, and store checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from catalogue.formats import dublincore
from catalogue.records import Record, from_json, replace
from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.store.tables import records
from oai.formats import FORMATS
from tests.stores import store_url

REPO = Path(__file__).resolve().parents[1]

CONFIG = """
[catalogue]
name = "Test"
data_dir = "var"

[store]
url = "{store}"

[import]
default_source = "crpv"

[harvest]
attempts = 4
backoff_seconds = 1
overlap_seconds = 2
workers = {workers}

[[sources]]
slug = "crpv"
name = "Centre de ressources"
{local}

{partners}
"""


def partner(slug: str, url: str, **keys: object) -> str:
    """A ``[[sources]]`` table for an OAI partner."""
    lines = [f'slug = "{slug}"', f'name = "Partner {slug}"', 'kind = "oai"', f'url = "{url}"']
    for key, value in keys.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, tuple | list):
            lines.append(f"{key} = [" + ", ".join(f'"{v}"' for v in value) + "]")
        else:
            lines.append(f"{key} = {str(value).lower()}")
    return "[[sources]]\n" + "\n".join(lines) + "\n"


def deployment(tmp_path: Path, partners: str, local: str = "",
               workers: int = 0) -> tuple[Path, Settings, Engine]:
    """A config.toml in ``tmp_path`` with its store opened (and migrated).

    Mapping happens in the test's process unless ``workers`` asks for worker processes.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(partners=partners, local=local, workers=workers,
                                  store=store_url(tmp_path)), encoding="utf-8")
    settings = load(path)
    return path, settings, database.open_store(settings.store_url)


@dataclass
class Sleeps:
    """The injected ``sleep``: records what the client asked for, waits for nothing."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class StepClock:
    """The injected clock: a second later at every call."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def stored(engine: Engine, source: str) -> dict[str, Record]:
    """The live records of ``source`` in the store, by source id."""
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.source_id, records.c.data)
                            .where(records.c.source == source, records.c.deleted.is_(False)))
        return {r.source_id: from_json(r.data) for r in rows}


def tombstones(engine: Engine, source: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.source_id)
                            .where(records.c.source == source, records.c.deleted.is_(True)))
        return {r.source_id for r in rows}


def as_dc(record: Record, source: str, identifier: str, permalink: str = "") -> Record:
    """What a record served in ``oai_dc`` (with its ``permalink``, the last
    ``dc:identifier``) becomes once harvested (DC carries what it can)."""
    element = FORMATS["oai_dc"].write(record, permalink)
    mapped, _ = dublincore.from_element(element, source, identifier)
    return replace(mapped, source=source, source_id=identifier)
