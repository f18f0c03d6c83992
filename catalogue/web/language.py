"""The language switch: a small POST form (CSRF-protected) that sets the ``lang`` cookie.

A POST because it changes what the site remembers about the reader; it then sends the
reader back to the page they were on, which must be a path of this site (never an
absolute URL: the switch must not become an open redirect).
"""

from __future__ import annotations

from flask import Blueprint, redirect, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField

from catalogue.web.i18n import COOKIE, COOKIE_MAX_AGE, DEFAULT, LANGUAGES

bp = Blueprint("language", __name__)


class LanguageForm(FlaskForm):  # type: ignore[misc]
    """The switch's fields: the language and the page to return to."""

    lang = HiddenField()  # checked against LANGUAGES by the view
    next = HiddenField()


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 for ch in target):
        return "/"
    return target


@bp.post("/langue")
def switch() -> Response:
    """Remember the chosen language and go back where the reader was."""
    form = LanguageForm()
    chosen = form.lang.data if form.validate_on_submit() else None
    response = redirect(safe_next(form.next.data), 303)
    if chosen in LANGUAGES:
        response.set_cookie(COOKIE, chosen if chosen != DEFAULT else DEFAULT,
                            max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response
