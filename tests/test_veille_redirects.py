"""A source's redirects may not lead the fetcher deeper into the network than the source
itself: a feed on the loopback may go to the loopback, never to a link-local address (a
cloud's metadata service); a public feed only to public addresses."""

from __future__ import annotations

import pytest
import requests

from harvesters.feed_client import (
    LINK_LOCAL,
    LOOPBACK,
    NOWHERE,
    PRIVATE,
    PUBLIC,
    Fetched,
    FetchError,
    Limits,
    fetch,
    reach,
)
from tests.veille_feeds import FeedServer, Route, rss2


@pytest.mark.parametrize(("url", "depth"), [
    ("http://93.184.216.34/flux.xml", PUBLIC),
    ("https://[2606:4700::1111]/", PUBLIC),
    ("http://10.1.2.3/", PRIVATE),
    ("http://192.168.0.10:8080/rss", PRIVATE),
    ("http://[fd00::1]/", PRIVATE),
    ("http://127.0.0.1:5000/", LOOPBACK),
    ("http://[::1]/", LOOPBACK),
    ("http://[::ffff:127.0.0.1]/", LOOPBACK),
    ("http://169.254.169.254/latest/meta-data/", LINK_LOCAL),
    ("http://[fe80::1]/", LINK_LOCAL),
    ("http://224.0.0.1/", NOWHERE),
    ("http://0.0.0.0/", NOWHERE),
    ("http://[oops/", NOWHERE),
    ("", NOWHERE),
])
def test_how_deep_an_address_lies(url: str, depth: int) -> None:
    assert reach(url) == depth


def _get(url: str) -> Fetched:
    with requests.Session() as session:
        return fetch(session, url, user_agent="catalogue-test", limits=Limits(timeout=5))


def test_a_redirect_deeper_than_its_source_is_refused_before_any_connection() -> None:
    with FeedServer() as server:
        server.routes["/metadata"] = Route(b"", status=302, headers={
            "Location": "http://169.254.169.254/latest/meta-data/iam/"})
        server.routes["/v6-link-local"] = Route(b"", status=301, headers={
            "Location": "http://[fe80::1]/"})
        server.routes["/multicast"] = Route(b"", status=307, headers={
            "Location": "http://224.0.0.1/"})
        server.routes["/moved"] = Route(b"", status=302, headers={"Location": "/flux"})
        server.routes["/flux"] = Route(rss2([{"title": "Contrat de ville 2024-2030",
                                              "link": "/item/1"}]))
        for path in ("/metadata", "/v6-link-local", "/multicast"):
            with pytest.raises(FetchError, match="Redirection refusée"):
                _get(server.url + path)
        got = _get(server.url + "/moved")  # the loopback to the loopback: followed
        assert got.status == 200 and got.url == server.url + "/flux"
        assert b"Contrat de ville" in got.body
