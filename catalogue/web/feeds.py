"""Atom feed of any search (``/recherche/atom?<same parameters>``) and OpenSearch.

The feed takes exactly the results page's parameters, so "follow this search" is the
results URL with ``/atom`` added; entries are the search's newest records.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for
from flask_babel import gettext

from catalogue.clock import utcnow
from catalogue.opac.description import year
from catalogue.opac.feeds import (
    ATOM_TYPE,
    OPENSEARCH_TYPE,
    Feed,
    FeedEntry,
    OpenSearchDescription,
    atom,
    opensearch,
)
from catalogue.opac.params import SearchParams
from catalogue.web.labels import doc_type_label
from catalogue.web.links import absolute, record_url
from catalogue.web.service import opac

bp = Blueprint("feeds", __name__)


def _scope(params: SearchParams) -> str:
    """The search's filters, for the feed's title: a feed reader lists feeds by title, and
    the veille's feeds per theme and per territory (``/recherche/atom?doctype=v&
    territory=Haute-Garonne+(31)``) all had the one title "<site> : nouveautés"."""
    parts: list[str] = []
    for name, values in params.filters:
        parts.extend(doc_type_label(v) if name == "doctype" else v for v in values)
    return " ; ".join(parts)[:300]


@bp.get("/recherche/atom")
def search_feed() -> Response:
    """The newest records of a search as an Atom feed."""
    service = opac()
    params = SearchParams.from_args(request.args)
    found, rows = service.feed_page(params)
    name = service.settings.name
    title = (gettext("%(site)s : « %(query)s »", site=name, query=params.query)
             if params.query else gettext("%(site)s : nouveautés", site=name))
    scope = _scope(params)
    if scope:
        title = gettext("%(title)s (%(scope)s)", title=title, scope=scope)
    entries = []
    for hit, entry in rows:
        record = entry.record
        summary = " ".join(record.abstracts)[:1000]
        categories = tuple(d.label for d in record.descriptors)
        entries.append(FeedEntry(
            id=record_url(record, external=True), title=record.title.display() or record.global_id,
            link=record_url(record, external=True), updated=entry.datestamp,
            summary=summary or " ; ".join(filter(None, [hit.authors, year(record)])),
            authors=tuple(a.display() for a in record.agents if a.level < 2),
            categories=categories))
    feed = Feed(
        id=absolute(url_for("feeds.search_feed", **params.args(page=False))),
        title=title, html_url=absolute(url_for("search.results", **params.args(page=False))),
        updated=max((e.updated for e in entries), default=utcnow()), entries=entries,
        total=found.total,
        subtitle=gettext("Les derniers documents correspondant à cette recherche."),
    )
    return Response(atom(feed), content_type=ATOM_TYPE)


@bp.get("/opensearch.xml")
def description() -> Response:
    """The OpenSearch description (browsers offer to add the catalogue as a search engine)."""
    settings = opac().settings
    root = absolute(url_for("search.results"))
    desc = OpenSearchDescription(
        short_name=gettext("Catalogue"),
        description=settings.name,
        html_template=f"{root}?q={{searchTerms}}&page={{startPage?}}",
        atom_template=absolute(url_for("feeds.search_feed")) + "?q={searchTerms}",
        json_template=absolute(url_for("api.search")) + "?q={searchTerms}&page={startPage?}",
        self_url=absolute(url_for("feeds.description")),
        contact=settings.oai.admin_emails[0] if settings.oai.admin_emails else "",
    )
    return Response(opensearch(desc), content_type=OPENSEARCH_TYPE)
