"""Downloads of one record or a selection: ``/export?format=ris&id=crpv:10&id=crpv:12``.

Session-less on purpose: the selection is the ids in the URL (the results page's
checkboxes submit them with a GET form), so nothing is stored between requests, a
selection can be bookmarked, and a reader without cookies can export too. Exporting
changes nothing, which is why it is a GET and needs no CSRF token.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from catalogue.opac.exports import FORMATS, file_name
from catalogue.opac.params import clean
from catalogue.web.errors import PageError
from catalogue.web.language import safe_next
from catalogue.web.links import record_url
from catalogue.web.service import opac

bp = Blueprint("exports", __name__)


@bp.get("/export")
def download() -> BaseResponse:
    """The selected records in the chosen format, as an attachment."""
    fmt = FORMATS.get(request.args.get("format", "ris"))
    if fmt is None:
        raise PageError(400, gettext("Format d'export inconnu."))
    limit = opac().settings.web.max_export
    ids = [clean(i, 250) for i in request.args.getlist("id")[: limit * 2]]
    ids = [i for i in ids if i]
    if not ids:
        back = _results_page()
        if back:  # "Exporter" pressed with nothing ticked: stay on the results, say why
            flash(gettext("Cochez d'abord les notices à exporter."), "selection")
            return redirect(back, 303)
        raise PageError(400, gettext("Aucune notice sélectionnée : cochez les notices à exporter."))
    if len(ids) > limit:
        raise PageError(400, gettext("Trop de notices sélectionnées (%(limit)d au plus).",
                                     limit=limit))
    records = opac().records(ids)
    if not records:
        abort(404)
    response = Response(fmt.write(records, lambda r: record_url(r, external=True)),
                        content_type=fmt.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(fmt, records)}"'
    return response


def _results_page() -> str:
    """The results page whose export form was sent (its path and query), else ''.

    Pressing "Exporter" there with no box ticked showed a bare "Requête incorrecte" page
    whose only way on was the home page: the search was lost. The message is a flash of
    the selection's kind, as "Ajouter les notices cochées" with nothing ticked gives (a
    reader without cookies is sent back without it)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path != url_for("search.results"):
        return ""
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
