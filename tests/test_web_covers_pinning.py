"""The covers fetcher connects to the very address it checked (no DNS rebinding).

As for the watch (``test_veille_pinning.py``): a name resolving to A (127.0.0.1) when
checked and to B (127.0.0.2) afterwards is fetched from A, on the first URL and across a
redirect; a name giving one address deeper than allowed is refused before any
connection; the ``Host`` header is the URL's host; and over HTTPS the certificate is
checked against the URL's host and that host is sent as SNI, though the connection goes
to an address (a real TLS server, its certificate made by ``openssl`` for the test).
The test's policy allows the loopback (``deepest=LOOPBACK``), where both servers are.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from catalogue.covers import fetching
from harvesters.pinning import LOOPBACK, PUBLIC, Resolver
from tests.rebinding import A, B, Rebinding, paths, two_servers
from tests.veille_feeds import FeedServer, Route

IMAGE_A, IMAGE_B = b"\xff\xd8image of A", b"\xff\xd8image of B"


def _fetch(url: str, resolve: Resolver, deepest: int = LOOPBACK) -> bytes | None:
    return fetching.fetch(fetching.session(), url, 4, 100_000, deepest=deepest,
                          resolve=resolve)


def _serve(a: FeedServer, b: FeedServer, path: str) -> None:
    a.routes[path] = Route(IMAGE_A, content_type="image/jpeg")
    b.routes[path] = Route(IMAGE_B, content_type="image/jpeg")


def test_a_rebound_name_is_fetched_from_the_address_checked() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        _serve(a, b, "/c.jpg")
        dns = Rebinding({"covers.test": [[A], [B]]})
        assert _fetch(f"http://covers.test:{port}/c.jpg", dns) == IMAGE_A
        assert paths(a) == ["/c.jpg"] and paths(b) == [] and dns.asked == ["covers.test"]
        assert _fetch(f"http://covers.test:{port}/c.jpg", dns) == IMAGE_B  # B, once asked


def test_a_redirect_is_pinned_too() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        a.routes["/isbn/2070360024.jpg"] = Route(b"", status=302, headers={
            "Location": f"http://cdn.covers.test:{port}/c.jpg"})
        _serve(a, b, "/c.jpg")
        dns = Rebinding({"covers.test": [[A], [B]], "cdn.covers.test": [[A], [B]]})
        assert _fetch(f"http://covers.test:{port}/isbn/2070360024.jpg", dns) == IMAGE_A
        assert paths(a) == ["/isbn/2070360024.jpg", "/c.jpg"] and paths(b) == []
        assert dns.asked == ["covers.test", "cdn.covers.test"]


def test_a_name_with_one_forbidden_address_is_refused_before_any_connection() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        a.routes["/r.jpg"] = Route(b"", status=302, headers={
            "Location": f"http://mix.covers.test:{port}/c.jpg"})
        _serve(a, b, "/c.jpg")
        dns = Rebinding({"covers.test": [[A]], "mix.covers.test": [[B, "169.254.169.254"]],
                         "public.covers.test": [["93.184.216.34", A]]})
        assert _fetch(f"http://mix.covers.test:{port}/c.jpg", dns) is None
        assert _fetch(f"http://covers.test:{port}/r.jpg", dns) is None  # the redirect's
        # The service's own policy, public hosts only: one loopback address refuses all.
        assert _fetch(f"http://public.covers.test:{port}/c.jpg", dns, PUBLIC) is None
        assert paths(a) == ["/r.jpg"] and paths(b) == []


def test_the_host_header_is_the_urls_host() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        _serve(a, b, "/c.jpg")
        assert _fetch(f"http://covers.test:{port}/c.jpg",
                      Rebinding({"covers.test": [[A]]})) == IMAGE_A
        [(_path, raw)] = a.requests
        assert f"host: covers.test:{port}\n" in raw.lower() and A not in raw
        assert "user-agent: catalogue-cohesion covers\n" in raw.lower()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for covers.test (and no other name), and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test's certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=covers.test",
                    "-addext", "subjectAltName=DNS:covers.test"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_over_https_the_certificate_and_sni_are_the_urls_host(
        certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def heard(_sock: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = heard
    server = FeedServer(A)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.routes["/c.jpg"] = Route(IMAGE_A, content_type="image/jpeg")
    port = server.server_address[1]
    http = fetching.session()
    http.verify = str(cert)
    dns = Rebinding({"covers.test": [[A]], "other.test": [[A]]})
    with server:
        assert fetching.fetch(http, f"https://covers.test:{port}/c.jpg", 4, 100_000,
                              deepest=LOOPBACK, resolve=dns) == IMAGE_A
        assert names == ["covers.test"]  # SNI: the name, not 127.0.0.1
        [(_path, raw)] = server.requests
        assert f"host: covers.test:{port}\n" in raw.lower()
        # The certificate is checked against the URL's host: another name is refused.
        assert fetching.fetch(http, f"https://other.test:{port}/c.jpg", 4, 100_000,
                              deepest=LOOPBACK, resolve=dns) is None
        assert len(server.requests) == 1
