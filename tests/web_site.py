"""A running public catalogue for the tests: a demo store, a real index, the real app.

The store is filled by the real import of the generated demo export: the local centre
(``crpv``, 1,800 records) and a partner (``partner``) whose 150 records are copies of
crpv records (same ISBNs, so :mod:`catalogue.union` clusters them: works held by two
centres) plus 54 of its own, four with ids that URLs must survive (:data:`ODD_IDS`).
The index is built by :func:`catalogue.indexing.reindex`,
as ``catalogue reindex`` does. The app is the real ``create_app`` served by werkzeug on
127.0.0.1 in a thread (the pattern of ``tests/oai_site.py``); tests that do not need a
socket use its Flask test client.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from catalogue import indexing, union
from catalogue.formats import unimarc
from catalogue.records import Record, replace
from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.store.ingest import Ingest
from catalogue.web import create_app
from tests.oai_site import Serving, serve, split_export
from tests.stores import ENGINE, store_url

CONFIG = """
[catalogue]
name = "Catalogue de test"
base_url = "{base_url}"
data_dir = "var"

[store]
url = "{store}"

[import]
default_source = "crpv"

[index]
dir = "var/index"
engine = "{index_engine}"

[web]
page_size = {page_size}
max_results = 3000
max_export = 50

[[sources]]
slug = "crpv"
name = "Centre de ressources politique de la ville"

[[sources]]
slug = "partner"
name = "Centre partenaire de Lyon"
kind = "oai"
redistribute = true
url = "https://partner.example.org/oai"

[oai]
repository_identifier = "crpv.example.fr"
local_source = "crpv"

{covers}
"""
#: The covers' tests give their own ``[covers]`` table (the default fetches nothing).
NO_COVERS = ""

#: crpv records (by position in the demo export) that the partner also holds.
SHARED = range(0, 150)
#: Partner record ids that URLs must survive (slashes, reserved and markup characters).
ODD_IDS = ("a b/c", "é#?&=+", "<b>\"x'", "x//y")


def _import(engine: Engine, source: str, data: bytes) -> None:
    ingest = Ingest(engine, source=source, format="unimarc", batch_size=500)
    ingest.add_all(unimarc.read(io.BytesIO(data), source))
    ingest.finish()
    union.refresh(engine, source)


def fill_store(engine: Engine, export: Path) -> None:
    """The demo catalogue of the web tests (see the module docstring)."""
    chunks = split_export(export.read_bytes())
    _import(engine, "crpv", b"".join(chunks[:1800]))
    odd = []
    for n, sid in enumerate(ODD_IDS):
        record = next(unimarc.read(io.BytesIO(chunks[1850 + n]), "partner")).record
        assert record is not None
        odd.append(unimarc.to_iso2709(replace(record, source_id=sid)))
    _import(engine, "partner", b"".join(chunks[i] for i in SHARED)
            + b"".join(chunks[1800:1850]) + b"".join(odd))


@dataclass
class WebSite:
    """Everything a test needs from the running catalogue."""

    url: str
    settings: Settings
    engine: Engine
    app: Flask
    serving: Serving

    def client(self) -> Any:
        """A Flask test client of the same app (no socket)."""
        return self.app.test_client()


def start_site(folder: Path, export: Path, page_size: int = 20,
               fill: Callable[[Engine, Path], None] = fill_store,
               covers: str = NO_COVERS) -> WebSite:
    """Build store and index in ``folder``, start the app, return the running site."""
    holder: dict[str, Any] = {}

    def late_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        return holder["app"](environ, start_response)  # type: ignore[no-any-return]

    serving, root = serve(late_app)
    config = folder / "config.toml"
    config.write_text(CONFIG.format(base_url=root, page_size=page_size,
                                     store=store_url(folder, "web"), index_engine=ENGINE,
                                     covers=covers),
                      encoding="utf-8")
    settings = load(config, env={})
    engine = database.open_store(settings.store_url)
    fill(engine, export)
    indexing.reindex(engine, settings.index.dir, engine_name=settings.index.engine)
    app = create_app(settings, engine=engine)
    holder["app"] = app.wsgi_app
    return WebSite(root, settings, engine, app, serving)


def records_site(folder: Path, records: Iterable[Record]) -> Iterator[WebSite]:
    """A running site whose catalogue is ``records`` (source ``crpv``), stopped after:
    the body of a module fixture for tests that need a few records of their own."""
    data = b"".join(unimarc.to_iso2709(r) for r in records)

    def fill(engine: Engine, _export: Path) -> None:
        _import(engine, "crpv", data)

    running = start_site(folder, folder / "unused.mrc", fill=fill)
    yield running
    running.serving.stop()
    running.engine.dispose()
