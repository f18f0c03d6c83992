"""The ``/oai`` endpoint: HTTP in, :func:`oai.protocol.handle` out. The only Flask in ``oai``.

GET and POST (``application/x-www-form-urlencoded``) are the same request to the
protocol: all arguments, with every repeated value kept so that the core can reject
repetitions. Responses are ``text/xml`` in UTF-8, always HTTP 200 (errors included,
as OAI-PMH 2.0 wants), compressed with gzip or deflate when the harvester accepts it.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, request

from oai.config import OaiConfig
from oai.protocol import handle
from oai.repository import Repository

#: zlib level: OAI XML compresses about 6:1 at level 1 already; each level above
#: costs more CPU per page than it saves on a local network.
LEVEL = 1
_CODINGS = ("gzip", "deflate", "identity")


def _compress(body: bytes, coding: str) -> bytes:
    if coding == "gzip":
        return gzip.compress(body, compresslevel=LEVEL, mtime=0)
    return zlib.compress(body, LEVEL)


def create_blueprint(repo: Repository, config: OaiConfig,
                     clock: Callable[[], datetime]) -> Blueprint:
    """A blueprint answering OAI-PMH at its root (register it with ``url_prefix='/oai'``)."""
    blueprint = Blueprint("oai", __name__)

    @blueprint.route("", methods=["GET", "POST"], strict_slashes=False)
    def endpoint() -> Response:
        params = {name: request.args.getlist(name) for name in request.args}
        if request.method == "POST":
            for name in request.form:
                params.setdefault(name, []).extend(request.form.getlist(name))
        body = handle(params, repo, clock(), config)
        response = Response(body, mimetype="text/xml", content_type="text/xml; charset=utf-8")
        response.vary.add("Accept-Encoding")
        coding = request.accept_encodings.best_match(_CODINGS, default="identity")
        if coding in ("gzip", "deflate"):
            response.set_data(_compress(body, coding))
            response.headers["Content-Encoding"] = coding
        return response

    return blueprint
