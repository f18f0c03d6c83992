"""The watch fetcher connects to the very address it checked (no DNS rebinding).

A name resolves to A (127.0.0.1) when checked and to B (127.0.0.2) afterwards: the
source is read from A, on its first URL and across a redirect; a name giving a mix of
allowed and forbidden addresses is refused before any connection; the ``Host`` header
on the wire is the URL's host; an HTTP proxy from the environment is not used. Both
servers are on the loopback, so the loopback is what a loopback source may reach (the
"no deeper than the source" rule of :mod:`harvesters.feed_client`).
"""

from __future__ import annotations

import pytest
import requests

from harvesters.feed_client import Fetched, FetchError, Limits, fetch
from harvesters.pinning import Resolver
from tests.rebinding import A, B, Rebinding, paths, two_servers
from tests.veille_feeds import FeedServer, Route, rss2

FROM_A = rss2([{"title": "Contrat de ville : le bilan", "link": "/a/1"}])
FROM_B = rss2([{"title": "Réponse de l'autre adresse", "link": "/b/1"}])


def _get(url: str, resolve: Resolver) -> Fetched:
    with requests.Session() as session:
        return fetch(session, url, user_agent="catalogue-test", limits=Limits(timeout=5),
                     resolve=resolve)


def _serve(a: FeedServer, b: FeedServer, path: str) -> None:
    a.routes[path] = Route(FROM_A)
    b.routes[path] = Route(FROM_B)


def test_a_name_rebound_after_the_check_is_still_read_from_the_address_checked() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        _serve(a, b, "/flux")
        dns = Rebinding({"veille.test": [[A], [B]]})
        got = _get(f"http://veille.test:{port}/flux", dns)
        assert got.status == 200 and b"Contrat de ville" in got.body
        assert paths(a) == ["/flux"] and paths(b) == []
        assert dns.asked == ["veille.test"]  # resolved once: checked and connected alike
        # The stage can tell the two apart: asked again, the name now leads to B.
        assert b"l'autre adresse" in _get(f"http://veille.test:{port}/flux", dns).body
        assert paths(b) == ["/flux"]


def test_each_redirect_is_pinned_to_the_address_checked() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        a.routes["/moved"] = Route(b"", status=302, headers={
            "Location": f"http://cdn.veille.test:{port}/flux"})
        _serve(a, b, "/flux")
        dns = Rebinding({"veille.test": [[A], [B]], "cdn.veille.test": [[A], [B]]})
        got = _get(f"http://veille.test:{port}/moved", dns)
        assert got.status == 200 and b"Contrat de ville" in got.body
        assert got.url == f"http://cdn.veille.test:{port}/flux"
        assert paths(a) == ["/moved", "/flux"] and paths(b) == []
        assert dns.asked == ["veille.test", "cdn.veille.test"]


def test_a_name_with_one_address_too_deep_is_refused_before_any_connection() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        a.routes["/moved"] = Route(b"", status=302, headers={
            "Location": f"http://mix.veille.test:{port}/flux"})
        _serve(a, b, "/flux")
        dns = Rebinding({"veille.test": [[A]],
                         "mix.veille.test": [[B, "169.254.169.254"]],
                         "nowhere.veille.test": [[A, "0.0.0.0"]]})
        with pytest.raises(FetchError, match="Redirection refusée vers une adresse interne"):
            _get(f"http://veille.test:{port}/moved", dns)  # loopback source, a link-local in the mix
        with pytest.raises(FetchError, match="Adresse non routable refusée"):
            _get(f"http://nowhere.veille.test:{port}/flux", dns)
        assert paths(a) == ["/moved"] and paths(b) == []


def test_the_host_header_on_the_wire_is_the_urls_host() -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        a.routes["/moved"] = Route(b"", status=301, headers={
            "Location": f"http://cdn.veille.test:{port}/flux"})
        _serve(a, b, "/flux")
        _get(f"http://veille.test:{port}/moved", Rebinding({
            "veille.test": [[A]], "cdn.veille.test": [[A]]}))
        first, second = (raw.lower() for _path, raw in a.requests)
        assert f"host: veille.test:{port}\n" in first and f"host: cdn.veille.test:{port}\n" in second
        assert "127.0.0.1" not in first + second
        assert "user-agent: catalogue-test\n" in first  # the rest of the request as before


def test_a_proxy_from_the_environment_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    with two_servers() as (a, b):
        port = a.server_address[1]
        _serve(a, b, "/flux")
        b.routes[f"http://veille.test:{port}/flux"] = Route(FROM_B)  # what a proxy is asked
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, f"http://{B}:{port}")
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        got = _get(f"http://veille.test:{port}/flux", Rebinding({"veille.test": [[A]]}))
        assert b"Contrat de ville" in got.body
        assert paths(a) == ["/flux"] and paths(b) == []


def test_an_unknown_name_is_reported_as_before() -> None:
    with pytest.raises(FetchError, match=r"Connexion impossible \(ConnectionError\)"):
        _get("http://inconnu.veille.test/flux", Rebinding({}))
