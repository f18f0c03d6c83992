"""The web application factory: the composition root of everything served over HTTP.

``create_app(settings)`` opens the store and registers each part; today the OAI-PMH
provider at ``/oai`` (see :mod:`catalogue.web.oai_provider`).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine

from catalogue.clock import Clock, utcnow
from catalogue.settings import Settings
from catalogue.store import database
from catalogue.web import oai_provider
from catalogue.web.secret import secret_key


def create_app(settings: Settings, *, engine: Engine | None = None,
               clock: Clock = utcnow) -> Flask:
    """The Flask application for ``settings``.

    Args:
        settings: the loaded configuration.
        engine: an open store (default: open ``settings.store_url``, migrating it).
        clock: the wall clock (tests pass their own).
    """
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret_key(settings)
    app.extensions["catalogue.settings"] = settings
    store = engine if engine is not None else database.open_store(settings.store_url)
    app.extensions["catalogue.engine"] = store
    oai_provider.register(app, settings, store, clock)
    return app
