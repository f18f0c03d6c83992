"""The web application factory: the composition root of everything served over HTTP.

``create_app(settings)`` opens the store and the search index and registers each part:
the public catalogue (blueprints ``search``, ``record``, ``exports``, ``feeds``,
``api``, ``language``) and the OAI-PMH provider at ``/oai``
(:mod:`catalogue.web.oai_provider`). Views are thin: they call
:class:`catalogue.opac.service.Opac` and render Jinja templates, server-side, with a
little optional JavaScript; every page works without it.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine

from catalogue.clock import Clock, utcnow
from catalogue.opac.service import Opac
from catalogue.settings import Settings
from catalogue.store import database
from catalogue.web import (
    account,
    api,
    covers,
    desk,
    documents,
    dsi,
    errors,
    exports,
    feeds,
    field_messages,
    guards,
    harvest_admin,
    history,
    i18n,
    imports,
    language,
    loans,
    oai_provider,
    pages,
    questions,
    reasons,
    record,
    search,
    selection,
    sharing,
    territories,
    veille,
)
from catalogue.web.integers import IdConverter
from catalogue.web.secret import secret_key
from catalogue.web.service import attach
from indexes import Searcher


def create_app(settings: Settings, *, engine: Engine | None = None,
               clock: Clock = utcnow, searcher: Searcher | None = None) -> Flask:
    """The Flask application for ``settings``.

    Args:
        settings: the loaded configuration.
        engine: an open store (default: open ``settings.store_url``, migrating it).
        clock: the wall clock (tests pass their own).
        searcher: the search service (default: one over ``[index] dir``, opened lazily,
            so the app starts, and OAI answers, before the first index is built).
    """
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(settings),
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session: forms never expire
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # the API's documented order
    app.url_map.merge_slashes = False  # a partner's record id may hold "//"
    app.url_map.converters["int"] = IdConverter  # bounded: no OverflowError from the store
    app.extensions["catalogue.settings"] = settings
    store = engine if engine is not None else database.open_store(settings.store_url)
    app.extensions["catalogue.engine"] = store
    app.extensions["catalogue.clock"] = clock
    attach(app, Opac(settings, store, searcher or Searcher(settings.index.dir)))
    i18n.init(app, settings.data_dir / "cache" / "translations", settings.harvest.timezone)
    csrf = CSRFProtect(app)
    guards.init(app, settings, store, app.config["SECRET_KEY"])
    oai_provider.register(app, settings, store, clock)
    csrf.exempt(app.blueprints["oai"])  # harvesters POST without a session: OAI-PMH allows it
    for part in (search, history, record, sharing, exports, feeds, api, language, account,
                 desk, loans, harvest_admin, territories):
        app.register_blueprint(part.bp)
    dsi.register(app)
    questions.register(app)
    veille.register(app)
    documents.register(app)
    imports.register(app)
    selection.register(app)
    covers.register(app)
    pages.register(app)
    reasons.register(app)
    field_messages.register(app)
    errors.register(app)
    return app
