"""Connecting to the very address that was checked: no DNS rebinding.

Checking a host's addresses, then letting ``requests`` resolve the name again when it
connects, leaves a gap: a hostile DNS server (answers with a zero TTL) gives a public
address to the check and 127.0.0.1 or 169.254.169.254 to the connection, and the
fetcher calls the catalogue's own services or the cloud's metadata (DNS rebinding). So
a name is resolved once here (:func:`destination`), every address it gives is classified
(:func:`depth`) and the caller refuses the lot if one lies too deep, and the connection
is opened to those very addresses (:func:`send`, through :class:`PinnedAdapter`), while
the URL's host stays in the ``Host`` header, the TLS SNI and the certificate check.

Proxies are never used, neither the environment's (``HTTP_PROXY``, ``HTTPS_PROXY``,
``ALL_PROXY``) nor a session's: a proxy resolves the name again by itself, which would
reopen the gap. The resolver is the one seam tests replace (a :data:`Resolver`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:  # the stubs' names of what requests gives urllib3
    from requests.adapters import _HostParams, _PoolKwargs

#: How deep in the network an address lies (a redirect may not go deeper than its
#: source, a cover is only fetched from a public one).
PUBLIC, PRIVATE, LOOPBACK, LINK_LOCAL, NOWHERE = range(5)

#: ``resolve(host, port)``: the host's addresses (IP literals as text), in the order
#: to try them; raises OSError when the name is unknown.
Resolver = Callable[[str, int], Sequence[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """The system's answer (``getaddrinfo``), as ``socket.create_connection`` would see it."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def depth(address: str) -> int:
    """How deep one address lies; what is not an address (or not routable) is NOWHERE."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return NOWHERE
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return LINK_LOCAL
    if ip.is_loopback:
        return LOOPBACK
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return NOWHERE
    return PUBLIC if ip.is_global else PRIVATE


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a URL leads: its host, as resolved once, and how deep it lies."""

    host: str
    addresses: tuple[str, ...]
    #: The deepest of ``addresses`` (one address too deep refuses the host);
    #: NOWHERE when the name does not resolve.
    depth: int


def destination(url: str, resolve: Resolver = system_resolver) -> Destination:
    """Resolve ``url``'s host once and classify every address it has."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        addresses = tuple(resolve(host, port)) if host else ()
    except (OSError, ValueError, UnicodeError):
        return Destination("", (), NOWHERE)
    return Destination(host, addresses, max((depth(a) for a in addresses), default=NOWHERE))


class PinnedAdapter(HTTPAdapter):
    """A transport that opens its connection to ``address``, whatever the URL's host.

    The pool is keyed on the address, and the URL's host is given to urllib3 as
    ``server_hostname`` (SNI) and ``assert_hostname`` (certificate check), as
    requests-hardened does; the ``Host`` header is set by :func:`send`.
    """

    def __init__(self, address: str) -> None:
        super().__init__(max_retries=0)
        self.address = address

    def build_connection_pool_key_attributes(
            self, request: requests.PreparedRequest, verify: bool | str,
            cert: str | tuple[str, str] | None = None) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert)
        if host_params["scheme"] == "https":
            name = str(host_params["host"]).strip("[]")
            # urllib3's HTTPSConnectionPool takes both (the stubs list fewer keys)
            pool_kwargs["server_hostname"] = name  # type: ignore[typeddict-unknown-key]
            pool_kwargs["assert_hostname"] = name  # type: ignore[typeddict-unknown-key]
        host_params["host"] = f"[{self.address}]" if ":" in self.address else self.address
        return host_params, pool_kwargs


def host_header(url: str) -> str:
    """The ``Host`` header ``url`` calls for (the port only when not the scheme's own)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme.lower() == "https" else 80
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def send(session: requests.Session, request: requests.PreparedRequest, to: Destination,
         timeout: tuple[float, float]) -> requests.Response:
    """Send ``request`` (streamed, redirects not followed) to ``to``'s addresses only.

    The addresses are tried in turn while a connection cannot be opened (an IPv6
    address on a host without IPv6); the session gives its headers (already in
    ``request``) and its certificate settings, never a proxy. Close the answer with
    :func:`close`.

    Raises:
        requests.RequestException: as ``requests`` would (no address: ConnectionError).
    """
    request.headers["Host"] = host_header(request.url or "")
    # The session's own CA bundle first; ``REQUESTS_CA_BUNDLE`` replaces only the default.
    settings = session.merge_environment_settings(request.url, {}, True, session.verify,
                                                  session.cert)
    verify = settings["verify"] if settings["verify"] is not None else True
    failure: requests.RequestException = requests.ConnectionError(
        f"no address for {to.host!r}")
    for address in to.addresses:
        adapter = PinnedAdapter(address)
        try:
            return adapter.send(request, stream=True, timeout=timeout,
                                verify=verify, cert=settings["cert"], proxies={})
        except requests.Timeout:
            adapter.close()
            raise
        except requests.ConnectionError as exc:  # next address, if any
            adapter.close()
            failure = exc
        except BaseException:
            adapter.close()
            raise
    raise failure


def close(response: requests.Response) -> None:
    """Close ``response`` and the transport :func:`send` opened for it."""
    response.close()
    if isinstance(response.connection, HTTPAdapter):
        response.connection.close()
