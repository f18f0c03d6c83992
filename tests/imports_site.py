"""A running catalogue for the staff import page: real HTTP, a temporary store, a real index.

Sources: ``crpv`` takes any format, ``bnf`` only UNIMARC (its exports are ISO 2709),
``lyon`` is an OAI partner (not offered on the page). Served by werkzeug on 127.0.0.1;
the scheduler's upload job runs in a real APScheduler background scheduler.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import Engine, func, select

from catalogue import indexing, scheduler
from catalogue.people import accounts
from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.store.tables import records
from catalogue.web import create_app
from tests.oai_site import Serving, serve
from tests.signin import sign_in
from tests.stores import ENGINE, store_url

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
PASSWORD = "mot de passe des imports"
STAFF, READER = "doc@crpv.example.fr", "lecteur@example.fr"
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

SOURCES = """
[[sources]]
slug = "crpv"
name = "Centre de ressources politique de la ville"
full = true
folder = "depot-crpv"

[[sources]]
slug = "bnf"
name = "Notices BnF"
format = "unimarc"

[[sources]]
slug = "lyon"
name = "Centre de Lyon"
kind = "oai"
url = "http://127.0.0.1:9/oai"
"""

CONFIG = """
[catalogue]
name = "Catalogue des imports"
base_url = "{base_url}"
data_dir = "var"

[store]
url = "{store}"

[import]
upload_max_mb = {max_mb}
upload_seconds = {every}

[index]
dir = "var/index"
engine = "{engine}"

[oai]
repository_identifier = "crpv.example.fr"
{sources}
"""


@dataclass
class ImportSite:
    url: str
    settings: Settings
    engine: Engine
    app: Flask
    serving: Serving

    def http(self, email: str | None = STAFF) -> requests.Session:
        """A real HTTP client, signed in with a password when ``email`` is given."""
        session = requests.Session()
        if email is None:
            return session
        return sign_in(session, self.url, email, PASSWORD)

    def token(self, session: requests.Session) -> str:
        found = CSRF.search(session.get(self.url + "/admin/imports/", timeout=10).text)
        assert found
        return found.group(1)

    def send(self, session: requests.Session, name: str, data: bytes,
             source: str | None = "crpv", token: str | None = None) -> requests.Response:
        fields = {"csrf_token": self.token(session) if token is None else token}
        if source is not None:
            fields["source"] = source
        return session.post(self.url + "/admin/imports/", timeout=60, allow_redirects=False,
                            data=fields, files={"file": (name, data)})

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    def queued_files(self) -> list[Path]:
        """Every file under the upload folder (queue, meta, incoming), whatever its state."""
        if not self.uploads_dir.is_dir():
            return []
        return sorted(p for p in self.uploads_dir.rglob("*") if p.is_file())

    def count(self, source: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(records).where(
                records.c.source == source, records.c.deleted.is_(False))).scalar_one())

    def run_scheduler_until(self, done: Callable[[], bool], timeout: float = 120.0) -> None:
        """Run the scheduler's upload job (every ``upload_seconds``) until ``done()``."""
        sched = BackgroundScheduler(timezone="UTC")
        scheduler.add_uploads_job(sched, self.settings, self.engine)
        sched.start()
        try:
            deadline = time.monotonic() + timeout
            while not done():
                assert time.monotonic() < deadline, "the upload job did not finish in time"
                time.sleep(0.2)
        finally:
            sched.shutdown(wait=True)

    def stop(self) -> None:
        self.serving.stop()
        self.engine.dispose()


def start(folder: Path, *, max_mb: int = 1, sources: str = SOURCES, every: int = 1
          ) -> ImportSite:
    holder: dict[str, Any] = {}

    def late_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return holder["app"](environ, start_response)

    serving, root = serve(late_app)
    config = folder / "config.toml"
    config.write_text(CONFIG.format(base_url=root, store=store_url(folder, "imports"),
                                    engine=ENGINE, max_mb=max_mb, sources=sources,
                                    every=every),
                      encoding="utf-8")
    settings = load(config, env={})
    engine = database.open_store(settings.store_url)
    accounts.create(engine, NOW, email=STAFF, role="librarian", password=PASSWORD,
                    confirmed=True, name="Documentaliste Martin")
    accounts.create(engine, NOW, email=READER, password=PASSWORD, confirmed=True,
                    name="Lecteur")
    indexing.reindex(engine, settings.index.dir, engine_name=settings.index.engine)
    ticks = itertools.count()
    # The wall clock seam: each reading one second after the last (uploads sort by time).
    app = create_app(settings, engine=engine,
                     clock=lambda: NOW + timedelta(seconds=next(ticks)))
    holder["app"] = app.wsgi_app
    return ImportSite(root, settings, engine, app, serving)


@pytest.fixture()
def isite(tmp_path: Path) -> Iterator[ImportSite]:
    running = start(tmp_path)
    yield running
    running.stop()
