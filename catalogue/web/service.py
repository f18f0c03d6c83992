"""How a view reaches the catalogue's services: one :class:`Opac` per application."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app

from catalogue.opac.service import Opac

KEY = "catalogue.opac"


def attach(app: Flask, service: Opac) -> None:
    """Make ``service`` the one the views of ``app`` use."""
    app.extensions[KEY] = service


def opac() -> Opac:
    """The running application's catalogue service."""
    return cast(Opac, current_app.extensions[KEY])
