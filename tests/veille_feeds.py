"""A real HTTP server on 127.0.0.1 serving generated watch sources, friendly and hostile.

Routes are set per test: a fixed body with an ETag and a Last-Modified (answered 304 when
the client sends them back), a redirect, a gzip bomb, a body of any size streamed, a feed
that never ends sending, a trickle. Every request's raw header block is kept, so tests
assert what went on the wire.
"""

from __future__ import annotations

import itertools
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    """What a path answers: a body (with validators), or a generator of chunks."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str = ""
    last_modified: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    stream: Callable[[], Iterator[bytes]] | None = None


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append((self.path, str(self.headers)))
        route = self.server.routes.get(self.path)
        if route is None:
            self._send(404, {"Content-Type": "text/plain"}, b"absent")
            return
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            self._send(304, {"ETag": route.etag}, b"")
            return
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.stream is not None:
            self.send_response(route.status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for chunk in route.stream():
                    if self.server.stopping.is_set():
                        break
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        self._send(route.status, headers, route.body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FeedServer(ThreadingHTTPServer):
    """``with FeedServer() as server: server.routes['/rss'] = Route(...)``.

    Any loopback address will do as ``host`` (127.0.0.2 too), and one ``port`` may serve
    two of them: the pinning tests tell two servers of one URL apart by their address.
    """

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server_address[1]}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def headers_of(self, path: str) -> list[str]:
        """The raw header blocks of the requests made to ``path``, in order."""
        return [raw for p, raw in self.requests if p == path]


# --- generated feeds -------------------------------------------------------------------

def rss2(items: list[dict[str, str]], title: str = "Préfecture de la Haute-Garonne") -> bytes:
    """An RSS 2.0 feed; item keys: title, link, description (HTML allowed), guid, date."""
    out = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
           f"<title>{title}</title><link>http://prefecture.test/</link>"
           "<description>Actualités</description>"]
    for item in items:
        out.append("<item>")
        out.append(f"<title>{item['title']}</title>")
        if "link" in item:
            out.append(f"<link>{item['link']}</link>")
        if "description" in item:
            out.append(f"<description><![CDATA[{item['description']}]]></description>")
        if "guid" in item:
            out.append(f'<guid isPermaLink="false">{item["guid"]}</guid>')
        if "date" in item:
            out.append(f"<pubDate>{item['date']}</pubDate>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "".join(out).encode("utf-8")


def atom1(items: list[dict[str, str]], base: str) -> bytes:
    """An Atom 1.0 feed with an ``xml:base``, so relative links resolve against it."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}">'
           "<title>Ministère de l'Intérieur</title><id>urn:x-test:interieur</id>"
           "<updated>2026-03-03T08:00:00Z</updated>"]
    for item in items:
        out.append("<entry>")
        out.append(f"<title>{item['title']}</title><id>{item.get('guid', item['link'])}</id>")
        out.append(f'<link rel="alternate" href="{item["link"]}"/>')
        if "date" in item:
            out.append(f"<updated>{item['date']}</updated>")
        if "description" in item:
            out.append(f'<summary type="html">{item["description"]}</summary>')
        out.append("</entry>")
    out.append("</feed>")
    return "".join(out).encode("utf-8")


def rss1(items: list[dict[str, str]]) -> bytes:
    """An RSS 1.0 (RDF) feed."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
           '<channel rdf:about="http://observatoire.test/"><title>Observatoire</title>'
           "<link>http://observatoire.test/</link><description>Études</description>"
           "</channel>"]
    for item in items:
        out.append(f'<item rdf:about="{item["link"]}"><title>{item["title"]}</title>'
                   f"<link>{item['link']}</link>")
        if "description" in item:
            out.append(f"<description>{item['description']}</description>")
        if "date" in item:
            out.append(f"<dc:date>{item['date']}</dc:date>")
        out.append("</item>")
    out.append("</rdf:RDF>")
    return "".join(out).encode("utf-8")


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip body that inflates to ``megabytes`` MB of zeros (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    out = [compressor.compress(block) for _ in range(megabytes)]
    out.append(compressor.flush())
    data = b"".join(out)
    return data


def endless(chunk: bytes = b"<item><title>encore</title></item>" * 100) -> Iterator[bytes]:
    """A feed that never ends sending (fast)."""
    yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
    for _ in itertools.count():
        yield chunk


def trickle() -> Iterator[bytes]:
    """A feed that sends a few bytes every 50 ms, forever (each read gets something)."""
    yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
    while True:
        time.sleep(0.05)
        yield b"<!-- . -->"


def sized(megabytes: int) -> Iterator[bytes]:
    """A well-formed start, then ``megabytes`` MB of filler."""
    yield b'<?xml version="1.0"?><rss version="2.0"><channel>'
    block = b"<!--" + b"x" * (1024 * 1024 - 7) + b"-->"
    for _ in range(megabytes):
        yield block
