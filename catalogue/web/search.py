"""The search pages: home (search box, latest acquisitions), results, advanced search.

All GET: a search is a URL (see :mod:`catalogue.opac.params`). The advanced form is
turned into the query language and redirected to an ordinary results page, so what a
reader sees in the search box is what was searched, and can be edited.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from catalogue.opac.params import (
    ADVANCED_FIELDS,
    PAGE_SIZES,
    SearchParams,
    advanced_query,
    clean,
)
from catalogue.opac.years import histogram
from catalogue.web.documents import fulltext_levels, passages, without_hidden_levels
from catalogue.web.history import remember
from catalogue.web.service import opac

bp = Blueprint("search", __name__)

#: Advanced form fields that hold query text (the others are filters).
_TEXT_FIELDS = ("tous", "phrase", "aucun", *ADVANCED_FIELDS, "isbn", "cote", "annee_de",
                "annee_a")


@bp.get("/")
def home() -> str:
    """The home page: one search box and the latest acquisitions."""
    return render_template("home.html", latest=opac().latest())


@bp.get("/recherche")
def results() -> str:
    """A results page: works, facets, chips, sort, paging, spelling suggestion."""
    params = SearchParams.from_args(request.args)
    page = without_hidden_levels(opac().search(params, fulltext=fulltext_levels()))
    remember(page.params, page.total)
    years = page.found.facet("year")
    # A facet cut at its limit lists the newest years only (its oldest decade may be short).
    cut = years is not None and len(years.values) >= page.found.request.facet_limit
    return render_template("results.html", page=page, params=page.params,
                           passages=passages(page.params.query,
                                             [r.global_id for r in page.results]),
                           page_sizes=PAGE_SIZES,
                           bars=histogram(years.values if years else (), complete=not cut))


@bp.get("/recherche/avancee")
def advanced() -> str | Response:
    """The advanced search form; once filled in, its results page."""
    if any((request.args.get(name) or "").strip() for name in _TEXT_FIELDS) or any(
        request.args.getlist(name) for name in ("doctype", "language", "source")
    ):
        params = SearchParams.from_args(request.args)
        args = params.with_query(advanced_query(request.args)).args()
        # A year that is not one goes on as typed: the results page says so next to its
        # field (it vanished, and the reader's restriction with it, without a word).
        for name in params.bad_years:
            args[name] = clean(request.args.get(name, ""), 20)
        return redirect(url_for("search.results", **args), 303)
    return render_template("advanced.html", sources=opac().settings.sources)
