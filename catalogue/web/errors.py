"""Error pages: in the reader's language (French by default), never a traceback.

Every error a visitor can meet is a page of the catalogue with a search box and a way
home: an unknown record (404), a bad export request (400, :class:`PageError` carrying
its message), an expired form (CSRF, 400), a missing index (503, "come back in a
moment" while ``catalogue reindex`` runs) and anything unexpected (500, logged with its
traceback for the operator, shown as one sentence). Under ``/api/`` the same errors are
JSON. The OAI-PMH blueprint keeps its own protocol errors (HTTP 200 with ``<error>``).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from indexes import IndexMissing

log = logging.getLogger("catalogue.web")


class PageError(Exception):
    """An error a view reports to the reader with its own message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _titles() -> dict[int, str]:
    return {
        400: gettext("Requête incorrecte"),
        403: gettext("Accès refusé"),
        404: gettext("Page introuvable"),
        405: gettext("Méthode non autorisée"),
        413: gettext("Requête trop volumineuse"),
        414: gettext("Adresse trop longue"),
        431: gettext("En-têtes trop volumineux"),
        500: gettext("Erreur interne"),
        503: gettext("Service momentanément indisponible"),
    }


def _messages() -> dict[int, str]:
    return {
        404: gettext("Cette page n'existe pas, ou la notice a été supprimée du catalogue."),
        500: gettext("Une erreur inattendue s'est produite. Elle a été enregistrée ; "
                     "vous pouvez réessayer dans un instant."),
        503: gettext("Le catalogue est en cours d'indexation. Réessayez dans quelques minutes."),
    }


def render_error(status: int, message: str = "") -> tuple[Response | str, int]:
    """The error page (or JSON under ``/api/``) for ``status``."""
    title = _titles().get(status, gettext("Erreur"))
    text = message or _messages().get(status, "")
    if request.path.startswith("/api/") or request.path == "/api":
        return jsonify({"error": {"status": status, "title": title, "message": text}}), status
    return render_template("error.html", status=status, title=title, message=text), status


def _no_nul() -> None:
    """The edge check every text passes before any query: no NUL character.

    PostgreSQL refuses NUL in text (a DataError, an HTTP 500 on /notice/crpv/%00x), and
    no id, form field or search holds one: the path gives 404, a value 400. The OAI-PMH
    endpoint answers in its protocol instead (an identifier with NUL names no record).
    """
    if request.blueprint == "oai":
        return
    if "\x00" in request.path:
        abort(404)
    try:
        form = request.form
    except RequestEntityTooLarge:
        # Left to the view: an upload form says so beside its field (reading the form
        # again raises it again, so every other view still answers 413).
        return
    for values in (request.args, form):
        if any("\x00" in value for value in values.values()) or any(
                "\x00" in key for key in values):
            abort(400)


def register(app: Flask) -> None:
    app.before_request(_no_nul)
    """Install the handlers on ``app``."""

    @app.errorhandler(PageError)
    def page_error(exc: PageError) -> tuple[Response | str, int]:
        return render_error(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> tuple[Response | str, int]:
        return render_error(400, gettext(
            "Le formulaire a expiré. Rechargez la page et recommencez."))

    @app.errorhandler(IndexMissing)
    def index_missing(exc: IndexMissing) -> tuple[Response | str, int]:
        log.error("search index missing: %s", exc)
        return render_error(503)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response | str, int]:
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response | str, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        try:
            return render_error(500)
        except Exception:  # the error page itself failed: plain text, still no traceback
            log.exception("the error page failed too")
            return Response(gettext("Erreur interne"), mimetype="text/plain"), 500
