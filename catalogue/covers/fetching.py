"""One bounded HTTP fetch of an image: total time and size capped, no exception out.

``requests``' timeouts bound each socket operation, not the whole transfer: a server
sending a byte a second would hold a worker for ever (``iter_content`` waits for a whole
chunk). So the body is read with urllib3's ``read1`` (what one receive brings) against a
deadline, and refused beyond ``max_bytes`` whatever ``Content-Length`` said. The
connection, the headers and each receive wait at most half of ``timeout``, so a fetch
ends within one and a half ``timeout``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests
from urllib3.exceptions import HTTPError

CHUNK = 16_384
#: Redirects followed (a cover service often redirects once to its CDN).
MAX_REDIRECTS = 3


def session() -> requests.Session:
    """A session for covers: few redirects, a plain User-Agent."""
    s = requests.Session()
    s.max_redirects = MAX_REDIRECTS
    s.headers["User-Agent"] = "catalogue-cohesion covers"
    s.headers["Accept"] = "image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8"
    return s


def fetch(http: requests.Session, url: str, timeout: float, max_bytes: int,
          monotonic: Callable[[], float] = time.monotonic) -> bytes | None:
    """The body of a 200 answer to GET ``url``, or None (any error, too slow, too big)."""
    deadline = monotonic() + timeout
    try:
        with http.get(url, stream=True, timeout=(timeout / 2, timeout / 2)) as response:
            if response.status_code != 200:
                return None
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                return None
            body = bytearray()
            while True:
                left = deadline - monotonic()
                if left <= 0:
                    return None
                chunk = response.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    return bytes(body)
                body += chunk
                if len(body) > max_bytes:
                    return None
    except (requests.RequestException, OSError, ValueError, HTTPError):
        return None

