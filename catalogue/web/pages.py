"""What every page shares: template helpers, the language switch, and security headers.

The headers are the cheap, strict kind: a Content-Security-Policy allowing only our own
scripts, styles and images (covers are served from our own URL, see
:mod:`catalogue.web.covers`, so no other server's image is ever loaded),
no framing, no MIME sniffing. Templates autoescape everything; the only markup that is
inserted as it is comes from the index's highlighter, which escapes the text itself
(:mod:`indexes.highlight`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_decimal, get_locale
from markupsafe import Markup
from werkzeug.wrappers import Response

from catalogue.formats.printable import visible
from catalogue.opac import embedded
from catalogue.opac.description import (
    agent_role,
    identifiers,
    other_scripts,
    physical,
    publication,
    published_in,
    safe_url,
    serial,
    series,
    statements,
    year,
)
from catalogue.opac.params import SearchParams
from catalogue.records import Record
from catalogue.web import labels
from catalogue.web.i18n import LANGUAGES
from catalogue.web.language import LanguageForm
from catalogue.web.links import absolute, record_path, record_url
from catalogue.web.service import opac

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


#: Staff and personal pages: sent with Cache-Control: no-store.
PRIVATE_PATHS = ("/guichet", "/admin", "/compte", "/connexion", "/selection")


def _visible(value: Any) -> Any:
    """Every value a template prints, without control characters (NSB/NSE included)."""
    if isinstance(value, Markup):
        return Markup(visible(str(value)))
    return visible(value) if isinstance(value, str) else value


def _search_url(params: SearchParams, endpoint: str = "search.results") -> str:
    return url_for(endpoint, **params.args())


def _facet_url(facet: str, value: str) -> str:
    """The results page of a facet value alone (a descriptor or collection link)."""
    return url_for("search.results", **SearchParams().toggled(facet, value).args())


def _query_url(query: str) -> str:
    return url_for("search.results", q=query)


def _language_form() -> LanguageForm:
    current = str(get_locale() or "fr")
    other = next(code for code in LANGUAGES if code != current)
    path = request.full_path if request.query_string else request.path
    return LanguageForm(formdata=None, lang=other, next=path)


def _number(value: int) -> str:
    return str(format_decimal(value))


def _highlighted(html: str) -> Markup:
    """Index highlighting (already escaped, ``<mark>`` added) made insertable."""
    return Markup(html)  # escaped by indexes.highlight before <mark> was added


def _coins(record: Record) -> str:
    """The COinS ``title`` of a hit: its OpenURL ContextObject, the permalink as its id."""
    return embedded.coins(record, record_url(record, external=True))


def register(app: Flask) -> None:
    """Install the template helpers and the response headers on ``app``."""

    @app.context_processor
    def shared() -> dict[str, Any]:
        service = opac()
        locale = str(get_locale() or "fr")
        return {
            "site_name": service.settings.name,
            "locale": locale,
            "languages": LANGUAGES,
            "language_form": _language_form(),
            "source_name": labels.own_source_names(service.source_name),
        }

    app.jinja_env.globals.update(
        search_url=_search_url, facet_url=_facet_url, query_url=_query_url,
        record_path=record_path, record_url=record_url, absolute=absolute,
        safe_url=safe_url, publication=publication, statements=statements, physical=physical, series_text=series,
        serial_text=serial, published_in=published_in, agent_role=agent_role, identifiers=identifiers, year=year,
        other_scripts=other_scripts,
        facet_title=labels.facet_title, value_label=labels.value_label,
        sort_label=labels.sort_label, statement_label=labels.statement_label,
        doc_type_label=labels.doc_type_label,
        availability_label=labels.availability_label, role_label=labels.role_label,
        status_note=labels.status_note, section_label=labels.section_label,
        language_name=labels.language_name, identifier_label=labels.identifier_label,
        periodicity_label=labels.periodicity_label, weekday_names=labels.weekday_names,
        highlighted=_highlighted, number=_number, coins=_coins,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.finalize = _visible

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith(PRIVATE_PATHS):
            # Borrowers' names, loans and staff screens: never kept by a browser or proxy.
            response.headers["Cache-Control"] = "no-store"
        return response
