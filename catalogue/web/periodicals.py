"""What the record page adds for periodicals, their issues and articles.

A periodical's page lists its issues newest first (``?numeros=N`` pages them), each with
its articles; an issue's page lists its articles; an issue and an article name the
periodical and issue they belong to, as links; a periodical's holdings statements and frequency are shown where it has them.
The work is in :mod:`catalogue.opac.periodicals`; this module only reads the request.
"""

from __future__ import annotations

from typing import Any

from flask import request

from catalogue.opac import periodicals
from catalogue.records import Record
from catalogue.web.integers import integer
from catalogue.web.service import engine, opac

#: The query parameter of the issues' pager.
PAGE_ARG = "numeros"


def context(record: Record) -> dict[str, Any]:
    """The record page's periodical parts (empty lists for any other record)."""
    issue_list = None
    contents: tuple[object, ...] = ()
    if record.is_issue:
        try:
            contents = periodicals.articles(engine(), opac().searcher, record)
        except Exception:  # the index may be missing or rebuilding: the page still shows
            contents = ()
    if record.is_serial:
        page = integer(request.args.get(PAGE_ARG), 1, low=1, high=periodicals.MAX_ISSUES) or 1
        try:
            issue_list = periodicals.issues(engine(), opac().searcher, record, page)
        except Exception:  # the index may be missing or rebuilding: the page still shows
            issue_list = None
    return {"parents": periodicals.parents(engine(), record),
            "holding_statements": periodicals.holdings(record),
            "frequency": periodicals.frequency(record),
            "issue_list": issue_list, "issues_arg": PAGE_ARG, "issue_articles": contents}
