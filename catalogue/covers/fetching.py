"""One bounded HTTP fetch of an image: total time and size capped, no exception out.

``requests``' timeouts bound each socket operation, not the whole transfer: a server
sending a byte a second would hold a worker for ever (``iter_content`` waits for a whole
chunk). So the body is read with urllib3's ``read1`` (what one receive brings) against a
deadline, and refused beyond ``max_bytes`` whatever ``Content-Length`` said. The
connection, the headers and each receive wait at most half of ``timeout``, so a fetch
ends within one and a half ``timeout`` (a redirect started before the deadline may add
as much). Redirects are followed by hand, so that each target is checked as the first
URL was.

Each hop's host is resolved once, every address it has classified, and the connection
opened to those very addresses (:mod:`harvesters.pinning`): a hostile DNS server cannot
answer a public address to the check and 127.0.0.1 to the connection (DNS rebinding).
Proxies from the environment are not used: they would resolve the name again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urljoin

import requests
from urllib3.exceptions import HTTPError

from harvesters import pinning
from harvesters.feed_client import reach
from harvesters.pinning import LINK_LOCAL, PUBLIC, Resolver, destination, system_resolver

CHUNK = 16_384
#: Redirects followed (a cover service often redirects once to its CDN).
MAX_REDIRECTS = 3


def session() -> requests.Session:
    """A session for covers, with a plain User-Agent (redirects: see :func:`fetch`)."""
    s = requests.Session()
    s.headers["User-Agent"] = "catalogue-cohesion covers"
    s.headers["Accept"] = "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8"
    return s


def fetch(http: requests.Session, url: str, timeout: float, max_bytes: int,
          allowed: Callable[[str], bool] = lambda url: True,
          monotonic: Callable[[], float] = time.monotonic, *,
          deepest: int = LINK_LOCAL,
          resolve: Resolver = system_resolver) -> bytes | None:
    """The body of a 200 answer to GET ``url``, or None (any error, too slow, too big,
    or a URL, the first or one redirected to, that ``allowed`` refuses or whose host has
    an address deeper than ``deepest``: :data:`~harvesters.pinning.PUBLIC` for public
    hosts only; unresolvable or unroutable hosts never)."""
    deadline = monotonic() + timeout
    try:
        for _ in range(MAX_REDIRECTS + 1):  # followed by hand: each target is checked
            if not url.lower().startswith(("http://", "https://")) or not allowed(url):
                return None
            if monotonic() > deadline:
                return None
            request = http.prepare_request(requests.Request("GET", url))
            target = destination(request.url or "", resolve)
            if target.depth > deepest:
                return None
            response = pinning.send(http, request, target, (timeout / 2, timeout / 2))
            try:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                if response.status_code != 200:
                    return None
                return _body(response, deadline, max_bytes, monotonic)
            finally:
                pinning.close(response)
        return None
    except (requests.RequestException, OSError, ValueError, HTTPError):
        return None


def _body(response: requests.Response, deadline: float, max_bytes: int,
          monotonic: Callable[[], float]) -> bytes | None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    body = bytearray()
    while True:
        if deadline - monotonic() <= 0:
            return None
        chunk = response.raw.read1(CHUNK, decode_content=True)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            return None


def public_host(url: str) -> bool:
    """Whether every address ``url``'s host resolves to is a public one.

    Thumbnail URLs come from catalogue data, partners' included: without this check an
    896 naming ``http://127.0.0.1:5432/`` or a cloud metadata address would make our
    server call its own network (server-side request forgery). What cannot be resolved
    is not public. The same classification as the watch's redirects
    (:func:`harvesters.feed_client.reach`). :func:`fetch` checks it again on the
    addresses it connects to (``deepest=PUBLIC``).
    """
    return reach(url) == PUBLIC
