"""URLs the pages hand out: record links, permalinks, and absolute URLs for feeds and API.

Absolute URLs are built on ``[catalogue] base_url``, the address the public knows, not
on the request's host: behind a reverse proxy the app may be reached as
``127.0.0.1:5000`` while readers, feed readers and partners use the public name.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from werkzeug.routing import Map, Rule

from catalogue.records import Record
from catalogue.store.opac import split_id
from catalogue.web.service import opac

#: The record page's URL rule (:func:`catalogue.web.record.show`): the permalink.
RECORD_RULE = "/notice/<source>/<path:source_id>"


def absolute(path: str) -> str:
    """``path`` (from ``url_for``) on the public base URL."""
    return opac().settings.base_url + path


def record_path(global_id: str) -> str:
    """The record page of ``source:source_id``."""
    source, source_id = split_id(global_id)
    return url_for("record.show", source=source, source_id=source_id)


def record_url(record: Record, external: bool = False) -> str:
    """The record page of ``record``; ``external``: its permalink (absolute URL)."""
    path = record_path(record.global_id)
    return absolute(path) if external else path


def permalinks(base_url: str) -> Callable[[str, str], str]:
    """(source, source id) -> the record page's absolute URL, outside any request.

    For the OAI-PMH provider, whose records carry their page in our OPAC: the same rule
    built by the same werkzeug code as ``url_for`` (same quoting of odd ids), on
    ``[catalogue] base_url`` as :func:`record_url` with ``external``, but with no app or
    request context needed (the protocol core and its tests run without one).
    """
    adapter = Map([Rule(RECORD_RULE, endpoint="record.show")]).bind("localhost")

    def permalink(source: str, source_id: str) -> str:
        return base_url + adapter.build("record.show", {"source": source, "source_id": source_id})

    return permalink
