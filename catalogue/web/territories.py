"""``/territoires?q=toul``: territory suggestions as JSON, for the fields that name one.

Progressive enhancement: ``catalogue.js`` fills the field's ``<datalist>`` from here as
one types; without JavaScript the field stays free text, resolved on submit
(:func:`catalogue.territories.resolve`).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from catalogue import territories

bp = Blueprint("territories", __name__)
LIMIT = 20


@bp.get("/territoires")
def suggest() -> Response:
    """Up to 20 territories matching ``q``: label, kind, code, département."""
    found = territories.find(request.args.get("q", "")[:100], LIMIT)
    response = jsonify([{"label": t.label, "kind": t.kind, "code": t.code,
                         "departement": t.departement} for t in found])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
