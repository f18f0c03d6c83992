"""The JSON API: search and records, for partners' portals and scripts.

``GET /api/search`` takes the results page's parameters (``q``, facet names, ``sort``,
``page``) plus ``page_size`` (1-100) and answers works with their holdings, facets with
counts, and paging links; ``GET /api/records/<source>/<source id>`` answers one record
in the canonical model (:func:`catalogue.records.to_dict`) with its items' availability
and the centres holding the same work. Read-only and public, so any origin may call it
(``Access-Control-Allow-Origin: *``); errors are ``{"error": {...}}`` with the HTTP status.
The README documents the shapes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for

from catalogue.documents import access
from catalogue.formats.printable import visible_tree
from catalogue.opac.description import year
from catalogue.opac.params import SearchParams, number
from catalogue.opac.service import Holding, ResultPage
from catalogue.records import to_dict
from catalogue.web.documents import (
    documents,
    fulltext_levels,
    visible,
    without_hidden_levels,
)
from catalogue.web.guards import current_person
from catalogue.web.labels import (
    availability_label,
    doc_type_label,
    facet_title,
    section_label,
    value_label,
)
from catalogue.web.links import absolute, record_path
from catalogue.web.service import opac

bp = Blueprint("api", __name__)
VERSION = 1


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _holding(h: Holding) -> dict[str, Any]:
    return {"id": h.global_id, "source": h.source, "source_name": h.source_name,
            "availability": h.availability, "url": absolute(record_path(h.global_id))}


def _search_json(page: ResultPage) -> dict[str, Any]:
    params = page.params
    names = opac().source_name

    def link(target: int) -> str:
        args = params.at_page(target).args()
        if page.page_size != opac().settings.web.page_size:
            args["page_size"] = str(page.page_size)
        return absolute(url_for("api.search", **args))

    results = []
    for r in page.results:
        record = r.record
        results.append({
            "position": r.position,
            "id": r.global_id,
            "url": absolute(record_path(r.global_id)),
            "api_url": absolute(url_for("api.record", source=r.global_id.partition(":")[0],
                                        source_id=r.global_id.partition(":")[2])),
            "title": record.title.display() if record else "",
            "title_html": r.hit.title_html,
            "snippet_html": r.hit.snippet_html,
            "authors": [a.display() for a in record.agents] if record else [],
            "year": year(record) if record else "",
            # The type the pages show and the doctype filter selects (``s`` for a periodical
            # and its issues); leader/06 as catalogued stays in ``leader_type``.
            "doc_type": record.shown_type if record else "",
            "doc_type_label": doc_type_label(record.shown_type) if record else "",
            "leader_type": record.doc_type if record else "",
            "holdings": [_holding(h) for h in r.holdings],
        })
    return {
        "api_version": VERSION,
        "query": params.query,
        "filters": params.filter_map,
        "sort": params.effective_sort,
        "total": page.total,
        "works": page.works,
        "page": page.page,
        "pages": page.pages,
        "page_size": page.page_size,
        "degraded": page.found.degraded,
        "suggestion": page.found.suggestion,
        "facets": {
            f.name: {"title": facet_title(f.name), "values": [
                {"value": v.value, "label": value_label(f.name, v.value, names),
                 "count": v.count, "selected": v.selected} for v in f.values]}
            for f in page.found.facets
        },
        "results": results,
        "links": {
            "self": link(page.page),
            "html": absolute(url_for("search.results", **params.args())),
            "atom": absolute(url_for("feeds.search_feed", **params.args(page=False))),
            **({"next": link(page.page + 1)} if page.has_next else {}),
            **({"prev": link(page.page - 1)} if page.page > 1 else {}),
        },
    }


def _documents(record_id: int) -> list[dict[str, Any]]:
    viewer = access.level_of(current_person())
    out = []
    for doc in visible(documents().of_record(record_id)):
        allowed = access.allows(viewer, doc.access)
        out.append({"id": doc.id, "filename": doc.filename,
                    "media_type": doc.media_type, "size": doc.size, "access": doc.access,
                    "pages": doc.page_count, "full_text": doc.has_text,
                    **({"download_url": absolute(url_for("documents.download",
                                                         document_id=doc.id)),
                        "url": absolute(url_for("documents.show", document_id=doc.id))}
                       if allowed else {})})
    return out


@bp.get("/api")
def index() -> Response:
    """What the API offers (a starting point for a client)."""
    return jsonify({"api_version": VERSION,
                    "search": absolute(url_for("api.search")) + "?q={query}",
                    "record": absolute("/api/records/{source}/{source_id}"),
                    "opensearch": absolute(url_for("feeds.description"))})


@bp.get("/api/search")
def search() -> Response:
    """A page of search results as JSON."""
    params = SearchParams.from_args(request.args)
    size = min(max(number(request.args.get("page_size"), opac().settings.web.page_size), 1), 100)
    page = opac().search(params, page_size=size, fulltext=fulltext_levels())
    return jsonify(visible_tree(_search_json(without_hidden_levels(page))))


@bp.get("/api/records/<source>/<path:source_id>")
def record(source: str, source_id: str) -> Response:
    """One record as JSON, with availability and the other centres holding the work."""
    page = opac().record(source, source_id)
    if page is None:
        abort(404)
    rec = page.record
    return jsonify(visible_tree({
        "api_version": VERSION,
        "id": rec.global_id,
        "url": absolute(record_path(rec.global_id)),
        "source_name": opac().source_name(rec.source),
        "availability": page.availability,
        "availability_label": availability_label(page.availability),
        "first_seen": page.entry.first_seen.isoformat(),
        "datestamp": page.entry.datestamp.isoformat(),
        # The copies as the record page shows them: the desk's loans and holds included
        # (the catalogued status alone said "available" for a copy on loan).
        "doc_type": rec.shown_type,
        "doc_type_label": doc_type_label(rec.shown_type),
        "items": [{"barcode": c.barcode, "call_number": c.call_number,
                   "location": c.location, "status": c.status, "availability": c.state,
                   "section": c.section or section_label(c.section_code), "note": c.note,
                   **({"due_on": c.due_on.isoformat()} if c.due_on else {})}
                  for c in page.copies],
        "holdings": [_holding(h) for h in page.holdings],
        # The centre's files of the record; a download URL only for those the caller
        # (anonymous, or the browser's session) may download: each download checks again.
        "documents": _documents(page.entry.id),
        "similar": [{"id": h.global_id, "url": absolute(record_path(h.global_id))}
                    for h in page.similar],
        "record": to_dict(rec),
    }))
