"""Fetching a watch source (feed, sitemap, page) politely and within bounds.

Anyone can publish a feed, so the fetcher assumes the worst of each answer: a body of
200 MB, a gzip bomb, a redirect loop, a server that never stops sending or sends one
byte a minute. Each is cut at a bound and reported as a :class:`FetchError` with a French
message for the source's page; nothing is held beyond ``max_bytes`` (the body is read raw
and decompressed here, in slices, against the cap) nor beyond ``max_seconds``.

Politeness: a User-Agent naming the catalogue, conditional GET (``If-None-Match``,
``If-Modified-Since``: a 304 costs the source nothing), timeouts, and a pause between two
requests to one host (:class:`HostPacer`, ``sleep`` injected). Backoff across runs is the
caller's (a failing source is tried later and later). No Flask, nothing of the store.

Redirects are followed here, one by one, so that an answer cannot send the fetcher
deeper into the network than the source staff declared (:func:`reach`): a public
source may only redirect to public addresses, and no source but a link-local one to a
link-local address (a cloud's metadata service, 169.254.169.254). A feed on the
centre's own network, declared as such, keeps working. Each hop's host is resolved once
and the connection opened to the very addresses checked (:mod:`harvesters.pinning`), so
a DNS server cannot answer one address to the check and another to the connection;
proxies from the environment are not used (they would resolve the name again).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from harvesters import pinning
from harvesters.oai_client import retry_after
from harvesters.pinning import (  # the depths, re-exported: reach() answers them
    LINK_LOCAL,  # noqa: F401
    LOOPBACK,  # noqa: F401
    NOWHERE,
    PRIVATE,  # noqa: F401
    PUBLIC,  # noqa: F401
    Destination,
    Resolver,
    destination,
    system_resolver,
)

ACCEPT = ("application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.7, */*;q=0.1")
_SLICE = 64 * 1024


class FetchError(Exception):
    """A source could not be read; ``message`` says why, in French, for its page."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds of one fetch (seconds, bytes)."""

    timeout: float = 20.0
    max_seconds: float = 60.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """A source's answer: 200 with its body, or 304 (unchanged, no body)."""

    status: int
    body: bytes
    url: str  # after redirects: relative links resolve against it
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""


@dataclass(slots=True)
class HostPacer:
    """Keeps ``delay`` seconds between two requests to one host."""

    delay: float
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    last: dict[str, float] = field(default_factory=dict)

    def wait(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if host in self.last:
            pause = self.last[host] + self.delay - self.monotonic()
            if pause > 0:
                self.sleep(pause)
        self.last[host] = self.monotonic()


def _decoder(encoding: str) -> zlib._Decompress | None:
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


def _too_big(limits: Limits) -> FetchError:
    return FetchError(f"Document trop volumineux : lecture arrêtée à "
                      f"{limits.max_bytes // 1024} Ko (après décompression).")


def _body(response: requests.Response, limits: Limits, started: float,
          monotonic: Callable[[], float]) -> bytes:
    """The body, decompressed slice by slice against the cap and the deadline."""
    declared = response.headers.get("Content-Length", "")
    encoding = response.headers.get("Content-Encoding", "")
    if declared.isdigit() and not encoding and int(declared) > limits.max_bytes:
        raise _too_big(limits)
    decoder = _decoder(encoding)
    out = bytearray()
    raw = response.raw
    read = getattr(raw, "read1", None)
    while True:
        if monotonic() - started > limits.max_seconds:
            raise FetchError(f"Téléchargement interrompu : plus de {limits.max_seconds:.0f} s "
                             "(le serveur n'en finit pas d'envoyer).")
        chunk = (read(_SLICE, decode_content=False) if read is not None
                 else raw.read(_SLICE, decode_content=False))
        if not chunk:
            break
        if decoder is None:
            out += chunk
        else:
            data = chunk
            while data:
                try:
                    piece = decoder.decompress(data, limits.max_bytes + 1 - len(out))
                except zlib.error:
                    raise FetchError("Contenu compressé illisible.") from None
                out += piece
                if len(out) > limits.max_bytes:
                    raise _too_big(limits)
                data = decoder.unconsumed_tail
                if not piece and data:
                    break
        if len(out) > limits.max_bytes:
            raise _too_big(limits)
    return bytes(out)


def reach(url: str, resolve: Resolver = system_resolver) -> int:
    """How deep ``url``'s host lies, the deepest of the addresses it resolves to.

    Unresolvable, multicast, reserved or unspecified addresses are :data:`NOWHERE`.
    """
    return destination(url, resolve).depth


def _prepared(session: requests.Session, url: str, headers: dict[str, str],
              first: bool) -> requests.PreparedRequest | None:
    """The GET of ``url`` with the session's headers; None for an unusable redirect."""
    try:
        return session.prepare_request(requests.Request("GET", url, headers=headers))
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema, ValueError):
        if first:
            raise
        return None


def _follow(session: requests.Session, url: str, headers: dict[str, str],
            limits: Limits, resolve: Resolver) -> requests.Response:
    """GET ``url``, following at most ``max_redirects`` redirects, none deeper than it.

    Each hop's host is resolved once, and the connection made to the addresses checked
    (:mod:`harvesters.pinning`): a name cannot resolve to one address for the check and
    to another for the connection.
    """
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise requests.exceptions.InvalidSchema(url)
    source = NOWHERE
    current = url
    for hop in range(limits.max_redirects + 1):
        request = _prepared(session, current, headers, first=hop == 0)
        target = destination(request.url or "", resolve) if request is not None \
            else Destination("", (), NOWHERE)
        if hop == 0:
            if not target.addresses:  # as requests says of a name it cannot resolve
                raise requests.ConnectionError(f"cannot resolve {target.host or url[:200]!r}")
            if target.depth == NOWHERE:
                raise FetchError(f"Adresse non routable refusée : {url[:200]}")
            source = target.depth
        if request is None or target.depth == NOWHERE or target.depth > source:
            raise FetchError("Redirection refusée vers une adresse interne ou introuvable : "
                             f"{current[:200]}")
        response = pinning.send(session, request, target, (limits.timeout, limits.timeout))
        if not response.is_redirect:
            return response
        location = urljoin(current, response.headers.get("Location", ""))
        pinning.close(response)
        current = location
    raise FetchError(f"Trop de redirections (plus de {limits.max_redirects}) : "
                     "boucle probable.")


def fetch(session: requests.Session, url: str, *, user_agent: str, limits: Limits,
          etag: str = "", last_modified: str = "",
          monotonic: Callable[[], float] = time.monotonic,
          resolve: Resolver = system_resolver) -> Fetched:
    """GET ``url`` once, conditionally when validators are known.

    ``resolve`` turns a host into its addresses (the system's DNS; tests give theirs).

    Raises:
        FetchError: unreachable, refused, a loop of redirects, too big, too long, an HTTP
            error status (with the ``Retry-After`` asked, if any).
    """
    headers = {"User-Agent": user_agent, "Accept": ACCEPT,
               "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    started = monotonic()
    try:
        response = _follow(session, url, headers, limits, resolve)
    except requests.Timeout:
        raise FetchError(f"Pas de réponse en {limits.timeout:.0f} s.") from None
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema):
        raise FetchError("Adresse invalide.") from None
    except requests.RequestException as exc:
        raise FetchError(f"Connexion impossible ({type(exc).__name__}).") from None
    try:
        with response:
            if response.status_code == 304:
                return Fetched(304, b"", response.url, etag=etag, last_modified=last_modified)
            if response.status_code >= 400 or response.status_code != 200:
                raise FetchError(f"Le serveur a répondu HTTP {response.status_code}.",
                                 retry_after(response))
            try:
                body = _body(response, limits, started, monotonic)
            except requests.RequestException as exc:
                raise FetchError(f"Réception interrompue ({type(exc).__name__}).") from None
            except (OSError, urllib3.exceptions.HTTPError) as exc:  # timeouts, resets
                raise FetchError(f"Réception interrompue ({type(exc).__name__}).") from None
    finally:
        pinning.close(response)
    return Fetched(200, body, response.url, response.headers.get("Content-Type", ""),
                   response.headers.get("ETag", "")[:500],
                   response.headers.get("Last-Modified", "")[:100])
