"""The search history page: the session's last searches, to run again, turn into an
alert, or forget (see :mod:`catalogue.opac.history`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from catalogue.opac import history
from catalogue.opac.params import SearchParams

bp = Blueprint("history", __name__)

KEY = "history"


def remember(params: SearchParams, total: int) -> None:
    """Put the search just shown at the top of the session's history."""
    updated = history.remembered(session.get(KEY), params, total)
    if updated != session.get(KEY):
        session[KEY] = updated


def carried() -> dict[str, Any]:
    """What of the session a sign-in keeps (it starts a fresh session): the history."""
    stored = session.get(KEY)
    return {KEY: stored} if stored else {}


@bp.get("/recherche/historique")
def show() -> str:
    """The session's searches, newest first."""
    return render_template("history.html", searches=list(history.searches(session.get(KEY))),
                           history_size=history.HISTORY_SIZE)


@bp.post("/recherche/historique/effacer")
def clear() -> Response:
    """Forget the session's searches."""
    session.pop(KEY, None)
    return redirect(url_for("history.show"), 303)
