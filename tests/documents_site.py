"""A small running catalogue for the documents' tests: a few records, staff, a reader, real HTTP.

The centre's own source ``crpv`` may hold files; ``lyon`` is a partner whose source does
not allow redistribution (its documents stay links). Served by werkzeug on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine

from catalogue import indexing
from catalogue.people import accounts
from catalogue.records import Record, Title
from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.web import create_app
from catalogue.web.documents import documents
from tests.dsi_support import ingest
from tests.oai_site import Serving, serve
from tests.signin import sign_in
from tests.stores import ENGINE, store_url

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
PASSWORD = "mot de passe des documents"
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

CONFIG = """
[catalogue]
name = "Catalogue des documents"
base_url = "{base_url}"
data_dir = "var"

[store]
url = "{store}"

[import]
default_source = "crpv"

[index]
dir = "var/index"
engine = "{engine}"

[documents]
access = "readers"
max_upload_mb = {max_upload_mb}
extraction_seconds = 20
extraction_memory_mb = 768

[[sources]]
slug = "crpv"
name = "Centre de ressources politique de la ville"

[[sources]]
slug = "lyon"
name = "Centre de Lyon"
redistribute = false

[oai]
repository_identifier = "crpv.example.fr"
local_source = "crpv"
"""

RECORDS = [
    Record(source="crpv", source_id="1", title=Title("Rapport sur la rénovation urbaine")),
    Record(source="crpv", source_id="2", title=Title("Étude des contrats de ville")),
    Record(source="crpv", source_id="3", title=Title("Dossier documentaire sur la médiation")),
]
PARTNER = [Record(source="lyon", source_id="9", title=Title("Guide lyonnais de la médiation"))]


@dataclass
class DocumentsSite:
    url: str
    settings: Settings
    engine: Engine
    app: Flask
    serving: Serving

    def http(self, email: str | None = None, password: str = PASSWORD) -> requests.Session:
        """A real HTTP client, signed in with a password when ``email`` is given."""
        session = requests.Session()
        if email is None:
            return session
        return sign_in(session, self.url, email, password)

    def token(self, session: requests.Session, path: str = "/notice/crpv/1") -> str:
        found = CSRF.search(session.get(self.url + path, timeout=10).text)
        assert found
        return found.group(1)

    def upload(self, session: requests.Session, name: str, data: bytes, notice: str = "crpv:1",
               level: str = "") -> requests.Response:
        return session.post(self.url + "/documents/ajout", timeout=60, allow_redirects=False,
                            data={"csrf_token": self.token(session), "notice": notice,
                                  "access": level},
                            files={"file": (name, data)})

    def reindex(self) -> None:
        indexing.reindex(self.engine, self.settings.index.dir,
                         engine_name=self.settings.index.engine,
                         documents_access=self.settings.documents.access)

    def stop(self) -> None:
        self.serving.stop()
        self.engine.dispose()


def documents_of(app: Flask) -> Any:
    with app.app_context():
        return documents()


def start(folder: Path, *, max_upload_mb: int = 1, engine_name: str = ENGINE) -> DocumentsSite:
    holder: dict[str, Any] = {}

    def late_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return holder["app"](environ, start_response)

    serving, root = serve(late_app)
    config = folder / "config.toml"
    config.write_text(CONFIG.format(base_url=root, store=store_url(folder, "docs"),
                                    engine=engine_name, max_upload_mb=max_upload_mb),
                      encoding="utf-8")
    settings = load(config, env={})
    engine = database.open_store(settings.store_url)
    ingest(engine, RECORDS, NOW)
    ingest(engine, PARTNER, NOW, source="lyon")
    accounts.create(engine, NOW, email="doc@crpv.example.fr", role="librarian",
                    password=PASSWORD, confirmed=True, name="Documentaliste")
    accounts.create(engine, NOW, email="lecteur@example.fr", password=PASSWORD,
                    confirmed=True, name="Lecteur")
    app = create_app(settings, engine=engine, clock=lambda: NOW)
    holder["app"] = app.wsgi_app
    site = DocumentsSite(root, settings, engine, app, serving)
    return site


@pytest.fixture()
def docsite(tmp_path: Path) -> Iterator[DocumentsSite]:
    running = start(tmp_path)
    yield running
    running.stop()
