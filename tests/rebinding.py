"""A DNS that rebinds, and two real servers one URL can reach: the pinning tests' stage.

:class:`Rebinding` is the resolver the fetchers take (the one seam replaced): each name
answers its first list of addresses, then its next ones, as a hostile DNS server with a
zero TTL would. :func:`two_servers` starts two :class:`~tests.veille_feeds.FeedServer`
on one port, A on 127.0.0.1 and B on 127.0.0.2 (both loopback), so that a URL names
either, and only the address connected to says which answered.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Sequence

from tests.veille_feeds import FeedServer

A, B = "127.0.0.1", "127.0.0.2"


class Rebinding:
    """``Rebinding({"feed.test": [[A], [B]]})``: A at the first question, B after."""

    def __init__(self, names: dict[str, Sequence[Sequence[str]]]) -> None:
        self.names = names
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        answers = self.names.get(host)
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} unknown")
        times = self.asked.count(host)
        self.asked.append(host)
        return list(answers[min(times, len(answers) - 1)])


@contextlib.contextmanager
def two_servers() -> Iterator[tuple[FeedServer, FeedServer]]:
    """Servers A (127.0.0.1) and B (127.0.0.2) on one port."""
    for _attempt in range(20):  # the port B got may be taken on 127.0.0.1: try another
        b = FeedServer(B)
        try:
            a = FeedServer(A, b.server_address[1])
        except OSError:
            b.server_close()
            continue
        with a, b:
            yield a, b
        return
    raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")


def paths(server: FeedServer) -> list[str]:
    """The paths ``server`` was asked, in order (the request line's target, as sent)."""
    return [path for path, _raw in server.requests]
