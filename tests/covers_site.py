"""A real image server on 127.0.0.1 with the faults covers meet, and a catalogue using it.

:class:`ImageServer` answers ``/good.jpg`` (a real JPEG), ``/alpha.png`` (a PNG with
transparency), ``/broken.jpg`` (bytes that only start like a JPEG), ``/missing.jpg``
(404), ``/slow.jpg`` (a good JPEG after :attr:`ImageServer.delay` seconds), ``/drip.jpg``
(a byte every 0.2 s), ``/huge.png`` (a 12,000 x 12,000 pixel PNG of a few kilobytes),
``/redirect.jpg`` (302 to ``/good.jpg?redirected``), ``/heavy.jpg`` (a JPEG padded beyond any ``max_kb`` the tests set), ``/script.svg``
(an SVG with a script, served as ``image/jpeg``) and ``/isbn/<ISBN>.jpg`` (a cover for
the ISBNs in :data:`KNOWN_ISBNS`, 404 otherwise). It counts the requests per path.

:func:`fill_covers` imports a small part of the demo export whose first records are
given a thumbnail on that server (or an ISBN only), one per fault.
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine

from catalogue.formats import unimarc
from catalogue.records import Identifier, replace
from tests.oai_site import split_export
from tests.web_site import _import

KNOWN_ISBNS = ("9782707198341",)
#: Demo record position -> the thumbnail path it gets ('' : none; ISBN records below).
THUMBNAILS = {0: "/good.jpg", 1: "/broken.jpg", 2: "/missing.jpg", 3: "/slow.jpg",
              4: "/huge.png", 5: "/heavy.jpg", 6: "/script.svg", 7: "/drip.jpg",
              8: "/alpha.png", 12: "/redirect.jpg"}
#: Demo record position -> ISBN (the first known to the service, the second not).
ISBNS = {9: KNOWN_ISBNS[0], 10: "9782000000019"}


def jpeg(size: tuple[int, int] = (600, 900), colour: str = "#a03020") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def png(size: tuple[int, int], alpha: bool = False) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if alpha else "L", size, (0, 0, 0, 0) if alpha else 255).save(
        out, "PNG", optimize=True)
    return out.getvalue()


class ImageServer:
    """The image server (see the module docstring); ``url(path)`` names a resource."""

    delay = 3.0

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        good = jpeg()
        self.bodies = {
            "/good.jpg": good,
            "/alpha.png": png((300, 300), alpha=True),
            "/broken.jpg": good[:200] + b"\x00" * 50,
            "/huge.png": png((12_000, 12_000)),
            "/heavy.jpg": good + b"\x00" * 400_000,
            "/script.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        }
        server = self
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with server.lock:
                    server.hits[self.path] += 1
                path = self.path.split("?")[0]  # a query only makes another cache key
                if path == "/slow.jpg":
                    time.sleep(server.delay)
                    return self._send(good)
                if path == "/redirect.jpg":
                    self.send_response(302)
                    self.send_header("Location", "/good.jpg?redirected")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if path == "/drip.jpg":
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(good)))
                    self.end_headers()
                    try:
                        for n in range(40):  # bounded: 8 s at most
                            self.wfile.write(good[n:n + 1])
                            self.wfile.flush()
                            time.sleep(0.2)
                    except OSError:
                        pass
                    return None
                if self.path.startswith("/isbn/"):
                    isbn = self.path.removeprefix("/isbn/").removesuffix(".jpg")
                    return self._send(jpeg(colour="#205080")) if isbn in KNOWN_ISBNS \
                        else self._send(b"not found", 404)
                body = server.bodies.get(path)
                return self._send(body) if body is not None else self._send(b"no", 404)

            def _send(self, body: bytes, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "image/jpeg" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def url(self, path: str) -> str:
        return self.root + path

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def fill_covers(images: ImageServer, count: int = 60) -> Callable[[Engine, Path], None]:
    """A ``fill`` for :func:`tests.web_site.start_site`: the first ``count`` demo records,
    with the thumbnails and ISBNs above."""

    def fill(engine: Engine, export: Path) -> None:
        chunks = split_export(export.read_bytes())
        wanted = [k for k in range(len(chunks)) if _mono(chunks[k])][:count]
        out = []
        for n, k in enumerate(wanted):
            record = next(unimarc.read(io.BytesIO(chunks[k]), "crpv")).record
            assert record is not None
            # Only the records below keep an ISBN: the others show no cover at all.
            ids = tuple(i for i in record.identifiers if i.scheme != "isbn")
            thumb = images.url(THUMBNAILS[n]) if n in THUMBNAILS else ""
            if n in ISBNS:
                ids = (*ids, Identifier("isbn", ISBNS[n]))
            record = replace(record, thumbnail=thumb, identifiers=ids)
            out.append(unimarc.to_iso2709(record))
        _import(engine, "crpv", b"".join(out))

    return fill


def _mono(chunk: bytes) -> bool:
    """A monograph (leader/07 'm'): the covers' records are books."""
    return len(chunk) > 8 and chunk[7:8] == b"m"
