"""The protocol core: request parameters in, an OAI-PMH response out. No Flask, no SQL.

``handle`` is a pure function of its inputs (the repository's content aside): the clock
is read by the caller, so tests can replay a harvest at any instant, and the answer to a
bad request is always an OAI error with HTTP 200, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from lxml import etree

from oai import arguments, envelope, verbs
from oai.config import OaiConfig
from oai.errors import BadResumptionToken, OaiError
from oai.repository import Repository

Verb = Callable[[verbs.Context, arguments.Request, etree._Element], None]

VERBS: dict[str, Verb] = {
    "Identify": verbs.identify,
    "ListMetadataFormats": verbs.list_metadata_formats,
    "ListSets": verbs.list_sets,
    "GetRecord": verbs.get_record,
    "ListIdentifiers": verbs.list_items,
    "ListRecords": verbs.list_items,
}


def handle(params: Mapping[str, Sequence[str]], repo: Repository, now: datetime,
           config: OaiConfig) -> bytes:
    """Answer one OAI-PMH request.

    Args:
        params: every argument of the request with all its values (GET or POST alike).
        repo: the catalogue as exposed.
        now: the instant of the request (aware UTC); it fixes responseDate and the upper
            bound of a new list.
        config: the deployment's facts.

    Returns:
        The UTF-8 XML document, an error response included.
    """
    try:
        request = arguments.parse(params)
    except OaiError as exc:
        return envelope.errors(now, config.base_url, {}, [exc])
    echo = arguments.echoable(request)
    root = envelope.root(now, config.base_url, echo)
    context = verbs.Context(repo, now, config)
    try:
        VERBS[request.verb](context, request, root)
    except OaiError as exc:
        if isinstance(exc, BadResumptionToken):
            echo.pop("resumptionToken", None)  # as the specification's example: not valid
        return envelope.errors(now, config.base_url, echo if exc.echo else {}, [exc])
    return envelope.serialise(root, context.pieces)
