"""The record page: full description, items, attached documents, other centres, similar.

Its URL is the permalink: ``/notice/<source>/<source id>``, stable as long as the source
keeps its ids (PMB and Koha ids are stable); source ids may contain any character, so
the id is a path (slashes included) and URLs are built by ``url_for``, which quotes.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from catalogue.dsi import picks
from catalogue.opac.exports import FORMATS
from catalogue.web.documents import documents, visible
from catalogue.web.guards import current_person
from catalogue.web.service import engine, opac

bp = Blueprint("record", __name__)


@bp.get("/notice/<source>/<path:source_id>")
def show(source: str, source_id: str) -> str:
    """One record, or the French 404 page when the store has no such live record."""
    page = opac().record(source, source_id)
    if page is None:
        abort(404)
    person = current_person()
    # Staff may hand-pick the record for a curated list ("Ajouter à une liste").
    lists = picks.open_lists(engine()) if person is not None and person.is_staff else []
    files = documents()
    stored = visible(files.of_record(page.entry.id))
    can_attach = person is not None and person.is_staff and files.may_hold(page.record.source)
    return render_template("record.html", page=page, record=page.record, formats=FORMATS,
                           pick_lists=lists, stored_documents=stored, can_attach=can_attach)
