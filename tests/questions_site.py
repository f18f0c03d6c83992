"""The questions/réponses service served by the real app over HTTP on 127.0.0.1: the
desk's small world (records with copies, a librarian, the desk's calendar), a
``[questions]`` table, a real SMTP server for the outbox, and a clock the tests move.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from catalogue import indexing
from catalogue.people import outbox
from catalogue.settings import load
from catalogue.store import database
from catalogue.web import create_app
from tests import stores
from tests.circulation_support import CONFIG, PASSWORD, World, build
from tests.desk_site import CSRF, Clock
from tests.oai_site import Serving, serve
from tests.signin import sign_in
from tests.smtp_sink import SmtpSink

QUESTIONS = """
[questions]
delay_days = 5
reminder_days = 2
keep_months = 12
asks_per_address = 3
asks_per_client = 6
"""

#: Wednesday 4 March 2026, 10:00 in Paris.
WEDNESDAY = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@dataclass
class QuestionSite:
    url: str
    world: World
    app: Flask
    clock: Clock
    serving: Serving
    sink: SmtpSink

    def staff(self) -> requests.Session:
        """A real HTTP client signed in as the librarian."""
        return sign_in(requests.Session(), self.url, self.world.librarian.email, PASSWORD,
                       "/questions/gestion/")

    def drain(self) -> int:
        """Send what the outbox holds, as the scheduler does; how many were sent."""
        return outbox.drain(self.world.engine, self.world.settings.mail, self.clock()).sent

    def stop(self) -> None:
        self.serving.stop()
        self.world.engine.dispose()


def start(folder: Path, sink: SmtpSink) -> QuestionSite:
    holder: dict[str, Any] = {}

    def late_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        return holder["app"](environ, start_response)  # type: ignore[no-any-return]

    serving, root = serve(late_app)
    path = folder / "config.toml"
    path.write_text(CONFIG.format(store_url=stores.store_url(folder, "questions"), base_url=root,
                                  smtp_port=sink.port, index_engine=stores.ENGINE)
                    + QUESTIONS, encoding="utf-8")
    settings = load(path, env={"CATALOGUE_SECRET_KEY": "secret de test des questions"})
    engine = database.open_store(settings.store_url)
    world = build(settings, engine)
    indexing.reindex(engine, settings.index.dir, engine_name=settings.index.engine)
    clock = Clock(WEDNESDAY)
    app = create_app(settings, engine=engine, clock=clock)
    holder["app"] = app.wsgi_app
    return QuestionSite(root, world, app, clock, serving, sink)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:800]
    return found.group(1)


def form_of(session: requests.Session, url: str) -> str:
    """The CSRF token of the form at ``url``."""
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    return csrf_of(page.text)


LINK = re.compile(r"(https?://[^\s]+/questions/(?:suivi|reponse)/[A-Za-z0-9_.\-]+)")
