"""The public face of the veille (``/veille``): the newest watch entries, and a search and
an Atom feed per theme and per territory.

An entry is a record (document type ``v``): its page is the record page, which links to
the source; the search, its facets and its Atom feed are the catalogue's own, filtered
on the type. Staff pages: :mod:`catalogue.web.veille_staff`.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

from catalogue.opac.params import SearchParams
from catalogue.veille.publishing import DOC_TYPE
from catalogue.web.service import opac
from indexes import Facet

bp = Blueprint("veille", __name__)
NEWEST = 20


def register(app: Flask) -> None:
    """The public and the staff's blueprints."""
    from catalogue.web import veille_staff

    app.register_blueprint(bp)
    app.register_blueprint(veille_staff.bp)


@bp.get("/veille")
def index() -> str:
    """The newest entries; themes and territories, each with its search and its feed."""
    params = SearchParams(filters=(("doctype", (DOC_TYPE,)),), sort="newest")
    page = opac().search(params, page_size=NEWEST, facets=("descriptor", "territory"))
    places = page.found.facet("territory")
    themes = page.found.facet("descriptor")
    if themes is not None and places is not None:  # territories are descriptors too (607)
        named = {v.value for v in places.values}
        themes = Facet(themes.name, tuple(v for v in themes.values if v.value not in named))
    return render_template("veille/index.html", page=page, params=params, themes=themes,
                           places=places, doc_type=DOC_TYPE)
