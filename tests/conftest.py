"""Shared fixtures: the third-party data folder, a temporary deployment, the demo export."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.stores import store_url

if TYPE_CHECKING:
    from tests.oai_site import Site

#: ``site`` (a running lending desk, one per test) and ``tab`` (a Chromium tab that fails the
#: test on a JavaScript error) for the desk and DSI modules; a module that defines its own
#: ``site`` fixture uses that one instead.
pytest_plugins = ["tests.desk_site", "tests.documents_site"]

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CATALOGUE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (third-party MARC files, schemas, OAI responses)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is missing (set CATALOGUE_SHARED_DATA); looked in {SHARED_DATA}")
    return SHARED_DATA


CONFIG = """
[catalogue]
name = "Test"
data_dir = "var"

[store]
url = "{store}"

[import]
default_source = "crpv"
batch_size = {batch}

[[sources]]
slug = "crpv"
name = "Centre de ressources"

[[sources]]
slug = "partner"
name = "Partner centre"
kind = "oai"
"""


@pytest.fixture()
def config_path(tmp_path: Path) -> Path:
    """A config.toml in a temporary folder with its own SQLite store."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(batch=50, store=store_url(tmp_path)), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated demo PMB export (2,000 records), written once per test session."""
    from catalogue import demo

    path = tmp_path_factory.mktemp("demo") / "pmb-export.mrc"
    demo.write_export(path, count=2000, seed=1)
    return path


# --- OAI-PMH provider -------------------------------------------------------------------


@pytest.fixture(scope="session")
def oai_site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path,
             shared_data: Path) -> Iterator[Site]:
    """The demo catalogue served by the real app over HTTP on 127.0.0.1 (see tests/oai_site.py).

    Every response is validated against the official schemas; a test session with an
    invalid response fails here, at teardown, naming the request.
    """
    from tests.oai_site import start_site

    running = start_site(tmp_path_factory.mktemp("oai"), demo_export, shared_data)
    yield running.site
    running.serving.stop()
    running.site.engine.dispose()
    assert running.site.validator.failures == []
    assert all(status.startswith("200") for status in running.site.middleware.statuses)


@pytest.fixture(scope="session")
def demo_records(demo_export: Path) -> list[Any]:
    """The demo export's 2,000 records, read once per test session."""
    from catalogue.formats import unimarc

    with open(demo_export, "rb") as fh:
        return [p.record for p in unimarc.read(fh, "crpv") if p.record is not None]


@pytest.fixture(scope="session", params=["whoosh", "tantivy"])
def index_engine(request: pytest.FixtureRequest) -> str:
    """Each search engine in turn: the tests that use it are the engines' contract suite."""
    return str(request.param)


@pytest.fixture(scope="session")
def demo_index(demo_records: list[Any], tmp_path_factory: pytest.TempPathFactory,
               index_engine: str) -> Path:
    """A real index of the demo records, on each engine (read-only: tests that write
    build their own), with the availability the lending rules compute.

    Built in three segments (Whoosh), as big rebuilds are, so every search test also
    covers reading postings and columns across segments.
    """
    from catalogue.lending.states import availability
    from indexes import rebuild

    path = tmp_path_factory.mktemp(f"demo-index-{index_engine}")
    rebuild(demo_records, path, availability, segment_docs=700, engine_name=index_engine)
    return path


# --- the public catalogue ----------------------------------------------------------------


@pytest.fixture(scope="session")
def web_site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path) -> Iterator[Any]:
    """The demo union catalogue served by the real app on 127.0.0.1 (tests/web_site.py)."""
    from tests.web_site import start_site

    site = start_site(tmp_path_factory.mktemp("web"), demo_export)
    yield site
    site.serving.stop()
    site.engine.dispose()


# --- Mail -------------------------------------------------------------------------------


@pytest.fixture()
def smtp_sink() -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 recording what it accepts (see tests/smtp_sink.py)."""
    from tests.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the PostgreSQL databases the session created (tests/stores.py)."""
    from tests.stores import drop_all

    drop_all()
