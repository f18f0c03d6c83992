"""A store and settings for the veille tests, and a recorded ``sleep`` (the one seam)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.veille.tables import veille_items
from tests import stores

#: Tuesday 3 March 2026, 08:00 UTC.
TUESDAY = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)

CONFIG = """
[catalogue]
name = "Centre de ressources Politique de la ville"
base_url = "http://catalogue.test"
data_dir = "var"

[store]
url = "{store_url}"

[index]
dir = "var/index"
engine = "{engine}"

[veille]
keep_months = 6
failing_days = 2
host_delay_seconds = 3
timeout_seconds = 5
max_seconds = 10
max_kilobytes = 1024
"""


def setup(folder: Path, **veille: Any) -> tuple[Settings, Engine]:
    """Settings (``[veille]`` overridable) and a migrated store in ``folder``."""
    path = folder / "config.toml"
    path.write_text(CONFIG.format(store_url=stores.store_url(folder, "veille"),
                                  engine=stores.ENGINE), encoding="utf-8")
    settings = load(path, env={})
    if veille:
        settings = dataclasses.replace(
            settings, veille=dataclasses.replace(settings.veille, **veille))
    return settings, database.open_store(settings.store_url)


class Sleeps(list[float]):
    """``sleep`` that records its delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def items(engine: Engine) -> list[Any]:
    """Every stored item, in id order."""
    with engine.connect() as conn:
        return list(conn.execute(select(veille_items).order_by(veille_items.c.id)).all())
