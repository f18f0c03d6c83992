"""How a view reaches the catalogue's services: one :class:`Opac` per application."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app

from catalogue.opac.service import Opac
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
