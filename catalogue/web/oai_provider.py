"""Wiring of the OAI-PMH provider: settings -> OaiConfig, store -> SqlRepository, blueprint.

The base URL harvesters see is ``[catalogue] base_url`` + ``/oai``; every record served
carries its page in the OPAC on that same base URL (:func:`catalogue.web.links.permalinks`).
The published entries of the questions/réponses base (source ``questions``) and the
watch's entries (source ``veille``) are exposed as the centre's own.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import Engine

from catalogue.clock import Clock
from catalogue.questions import publishing
from catalogue.settings import Settings, Source
from catalogue.store.oai_repository import SqlRepository
from catalogue.veille import publishing as veille
from catalogue.web.links import permalinks
from catalogue.web.secret import secret_key
from oai.blueprint import create_blueprint
from oai.config import OaiConfig

PATH = "/oai"


def config_of(settings: Settings) -> OaiConfig:
    """The protocol core's configuration from config.toml's ``[oai]`` table."""
    oai = settings.oai
    return OaiConfig(
        repository_name=oai.repository_name,
        base_url=settings.base_url + PATH,
        repository_identifier=oai.repository_identifier,
        admin_emails=oai.admin_emails,
        secret_key=secret_key(settings),
        local_source=oai.local_source,
        page_size=oai.page_size,
        token_ttl=timedelta(hours=oai.token_ttl_hours),
        include_items=oai.include_items,
        set_hierarchy=oai.set_hierarchy,
        record_page=permalinks(settings.base_url),
    )


def repository_of(settings: Settings, engine: Engine) -> SqlRepository:
    """The store as the provider exposes it."""
    own = Source(slug=publishing.SOURCE, name=publishing.SOURCE_NAME, redistribute=True)
    watch = Source(slug=veille.SOURCE, name=veille.SOURCE_NAME, redistribute=True)
    return SqlRepository(engine, (*settings.sources, own, watch), settings.oai.local_source,
                         settings.oai.selections, settings.base_url, own=(own.slug, watch.slug),
                         documents_access=settings.documents.access)


def register(app: Flask, settings: Settings, engine: Engine, clock: Clock) -> None:
    """Serve OAI-PMH at ``/oai``."""
    blueprint = create_blueprint(repository_of(settings, engine), config_of(settings), clock)
    app.register_blueprint(blueprint, url_prefix=PATH)
