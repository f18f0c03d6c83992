"""How a view reaches the catalogue's services: one :class:`Opac` per application."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from flask import Flask, current_app
from sqlalchemy import Engine

from catalogue.clock import Clock
from catalogue.opac.service import Opac
from catalogue.settings import Settings
from indexes import IndexMissing

KEY = "catalogue.opac"


def attach(app: Flask, service: Opac) -> None:
    """Make ``service`` the one the views of ``app`` use."""
    app.extensions[KEY] = service


def opac() -> Opac:
    """The running application's catalogue service."""
    return cast(Opac, current_app.extensions[KEY])


def warm(app: Flask) -> str:
    """Load the index's facet columns and sort keys before the first visitor needs them.

    Returns a line for the operator; never raises (a missing index is said, not fatal:
    the app serves OAI and the home page meanwhile, and picks the index up once built).
    """
    try:
        app.extensions[KEY].searcher.warm()
    except IndexMissing as exc:
        return f"warning: {exc}"
    return "search index loaded"


def engine() -> Engine:
    """The running application's store."""
    return cast(Engine, current_app.extensions["catalogue.engine"])


def settings() -> Settings:
    """The running application's configuration."""
    return cast(Settings, current_app.extensions["catalogue.settings"])


def now() -> datetime:
    """The application clock's current time (tests inject their own clock)."""
    clock = cast(Clock, current_app.extensions["catalogue.clock"])
    return clock()
