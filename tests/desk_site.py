"""The lending desk served by the real app over HTTP on 127.0.0.1 (a real SQLite file,
a real index), with a clock the tests move, and sign-in helpers for real HTTP clients.

The fixtures ``site`` (one desk per test) and ``tab`` (a Chromium tab that fails the test
on a JavaScript error; it needs the ``browser`` fixture of tests/test_web_browser.py) are
imported by the desk and DSI test modules."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from catalogue import indexing
from catalogue.store import database
from catalogue.web import create_app
from tests.circulation_support import MONDAY, PASSWORD, World, build, write_config
from tests.oai_site import Serving, serve
from tests.signin import sign_in

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class Clock:
    """The app's clock: fixed, moved by tests."""

    def __init__(self, at: datetime = MONDAY) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class DeskSite:
    url: str
    world: World
    app: Flask
    clock: Clock
    serving: Serving

    def client(self) -> Any:
        return self.app.test_client()

    def http(self, email: str, password: str = PASSWORD) -> requests.Session:
        """A real HTTP client signed in with a password (staff)."""
        return sign_in(requests.Session(), self.url, email, password, "/guichet/")

    def stop(self) -> None:
        self.serving.stop()
        self.world.engine.dispose()


def start(folder: Path, *, store_url: str | None = None, smtp_port: int = 2525) -> DeskSite:
    holder: dict[str, Any] = {}

    def late_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        return holder["app"](environ, start_response)  # type: ignore[no-any-return]

    serving, root = serve(late_app)
    settings = write_config(folder, base_url=root, smtp_port=smtp_port,
                            **({"store_url": store_url} if store_url else {}))
    engine = database.open_store(settings.store_url)
    world = build(settings, engine)
    indexing.reindex(engine, settings.index.dir, engine_name=settings.index.engine)
    clock = Clock()
    app = create_app(settings, engine=engine, clock=clock)
    holder["app"] = app.wsgi_app
    return DeskSite(root, world, app, clock, serving)


def csrf(client: Any, path: str) -> str:
    page = client.get(path)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[DeskSite]:
    """A desk site for one test, stopped after it."""
    running = start(tmp_path)
    yield running
    running.stop()


@pytest.fixture()
def tab(browser: Any) -> Iterator[Any]:
    """A fresh Chromium tab in French; a JavaScript error on any page fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                  locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def sign_in_librarian(tab: Any, site: DeskSite) -> None:
    """On the sign-in page ``tab`` shows, sign the demo librarian in with the keyboard."""
    tab.fill("input[name=email]", site.world.librarian.email or "")
    tab.fill("input[name=password]", PASSWORD)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
