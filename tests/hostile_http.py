"""Raw HTTP for the hostile sweep: requests written byte by byte, answers judged as served.

``requests`` and the Flask test client both normalise what they send (they re-encode a
path, refuse a lone ``%ED%A0%80``, drop a header they find odd); the sweep must send what
a hostile client sends. :func:`send` writes the request line, headers and body itself
over a socket to 127.0.0.1 and reads the whole answer (the test server speaks HTTP/1.0:
one request per connection). :func:`faults` says what is wrong with an answer.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import zlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from lxml import etree

#: English messages of WTForms, Flask-WTF and werkzeug: a French form never shows them.
ENGLISH = ("This field is required", "Not a valid", "Invalid email", "Field must be",
           "Invalid value", "is not a valid choice", "The CSRF token", "Invalid input",
           "Bad Request", "Internal Server Error", "The browser (or proxy) sent")
TRACEBACK = ("Traceback (most recent call last)", 'File "/', "werkzeug.exceptions",
             "sqlalchemy.exc", "jinja2.exceptions")


@dataclass
class Answer:
    """One response as it came off the socket."""

    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def plain(self) -> bytes:
        """The body without its Content-Encoding (gzip, deflate)."""
        coding = self.headers.get("content-encoding", "")
        if coding == "gzip":
            return gzip.decompress(self.body)
        if coding == "deflate":
            return zlib.decompress(self.body)
        return self.body


def send(port: int, method: str, target: str, *, headers: dict[str, str] | None = None,
         body: bytes = b"", timeout: float = 30.0) -> Answer:
    """``method target`` sent as is (``target`` already percent-encoded as wanted)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    given = dict(headers or {})
    if "Host" in given:
        lines[1] = f"Host: {given.pop('Host')}"
    lines += [f"{name}: {value}" for name, value in given.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        # The test server drains what the app left unread until the end of the stream:
        # the end is said, as a client that has sent everything would.
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return _parse(b"".join(chunks))


def _parse(data: bytes) -> Answer:
    head, _, body = data.partition(b"\r\n\r\n")
    first, *rest = head.decode("latin-1").split("\r\n")
    status = int(first.split()[1])
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    for line in rest:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "set-cookie":
            jar: SimpleCookie = SimpleCookie()
            jar.load(value.strip())
            cookies.update({key: morsel.value for key, morsel in jar.items()})
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunk(body)
    return Answer(status, headers, body, cookies)


def _unchunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


def faults(answer: Answer, *, form: bool = False, french: bool = True) -> list[str]:
    """What is wrong with ``answer``: a 5xx, a traceback, a body its Content-Type
    does not describe, an English form message on a French page."""
    found = []
    if answer.status >= 500:
        found.append(f"HTTP {answer.status}")
    try:
        body = answer.plain
    except (OSError, zlib.error) as exc:
        return [*found, f"a body its Content-Encoding does not describe: {exc}"]
    text = body.decode("utf-8", "replace")
    found += [f"traceback text {marker!r}" for marker in TRACEBACK if marker in text
              and not answer.content_type.startswith(("text/csv", "application/x-"))]
    kind = answer.content_type.split(";")[0].strip()
    if body and not kind:
        found.append("a body without Content-Type")
    if not body:  # HEAD and OPTIONS, redirects: nothing more to judge
        return found
    if kind == "text/html":
        if "charset=utf-8" not in answer.content_type.lower():
            found.append(f"HTML without its charset: {answer.content_type}")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            found.append("HTML that is not UTF-8")
        if answer.status < 300 and not re.search(r"<html[^>]*\blang=", text):
            found.append("an HTML page without <html lang>")
        if french and re.search(r"<html[^>]*\blang=\"en", text):
            found.append("an English page for a French reader")
        if form or french:
            found += [f"English message {m!r}" for m in ENGLISH if m in text]
    elif kind == "application/json":
        try:
            json.loads(body)
        except ValueError:
            found.append("JSON that does not parse")
    elif kind.endswith("xml") and answer.status == 200:
        try:
            etree.fromstring(body, etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as exc:
            found.append(f"XML that does not parse: {exc}")
    return found


def csrf_token(html: bytes) -> str | None:
    """The CSRF token a page's form carries."""
    found = re.search(rb'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    return found.group(1).decode() if found else None
