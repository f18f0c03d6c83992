"""Which cover a record has, fetched once, kept on disk, served from our own URL.

A record's cover is, in this order: an image attached to it in the documents feature
(public access only), its own thumbnail (PMB 896 $a), then the cover service configured
by ISBN (``[covers] isbn_url``; none by default, so no third-party server is called
unless the centre decides so).

The 896 thumbnails are **proxied, not linked**: the reader's browser only ever asks our
server. A direct link would tell a partner's or a vendor's server which reader looks at
which record (a privacy leak the French public sector avoids), would mix http images
into an https catalogue, and would show a broken image when the partner is down; through
us, each thumbnail is fetched once, checked and re-encoded (:mod:`catalogue.covers.images`),
cached with the failures (:mod:`catalogue.covers.cache`), and served with our headers.
They are fetched once ``[covers] thumbnails = true`` says so: an 896 may name any server.

Hosts on private, loopback or link-local addresses are not fetched from unless
``[covers] private_hosts = true`` (an 896 is data, and data may be hostile); the check is
made on the addresses the connection then goes to (no DNS rebinding, see
:mod:`harvesters.pinning`).

A page never waits for a cover: it only names ``/couverture/...``; that request waits at
most ``timeout_seconds`` (about), and no more than ``concurrent`` fetches run at once, so
a slow source cannot take every worker: beyond, the placeholder is served at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from catalogue.covers import fetching, images
from catalogue.covers.cache import CoverCache
from catalogue.covers.settings import CoverSettings
from catalogue.records import Record
from harvesters.pinning import LINK_LOCAL, PUBLIC

#: ISBNs of a record tried at the cover service.
MAX_ISBNS = 2


@dataclass(frozen=True, slots=True)
class Cover:
    """A cover ready to serve."""

    data: bytes
    media_type: str


def isbns(record: Record) -> list[str]:
    """The record's valid-looking ISBNs, normalised (digits and X only)."""
    found = []
    for ident in record.identifiers:
        if ident.scheme != "isbn" or ident.invalid:
            continue
        value = ident.normalised()
        if len(value) in (10, 13) and value[:-1].isdigit() and (value[-1].isdigit()
                                                                or value[-1] == "X"):
            found.append(value)
    return list(dict.fromkeys(found))[:MAX_ISBNS]


class Covers:
    """The covers of the catalogue's records."""

    def __init__(self, settings: CoverSettings, http: requests.Session | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.http = http or fetching.session()
        self.cache = CoverCache(settings.dir, settings.cache_mb * 1024 * 1024,
                                settings.max_age_hours * 3600.0,
                                settings.retry_minutes * 60.0, clock)
        self._slots = threading.BoundedSemaphore(settings.concurrent)

    def urls(self, record: Record) -> list[str]:
        """The remote sources of ``record``'s cover, in order of preference."""
        out = []
        thumb = record.thumbnail.strip()
        if self.settings.thumbnails and thumb.lower().startswith(("http://", "https://")):
            out.append(thumb)
        if self.settings.isbn_url:
            out += [self.settings.isbn_url.replace("{isbn}", isbn) for isbn in isbns(record)]
        return out

    def may_have(self, record: Record, attached_image: bool = False) -> bool:
        """Whether ``record`` has a source of cover worth naming on a page."""
        return attached_image or bool(self.urls(record))

    def cover(self, record: Record,
              attached: tuple[str, Callable[[], bytes | None]] | None = None) -> Cover | None:
        """``record``'s cover, or None. ``attached`` is its attached image, if any: a key
        (the file's hash) and how to read it, only called when the cache lacks it."""
        if attached is not None:
            key, read = attached
            found = self._cached_or(f"document:{key}", read)
            if found is not None:
                return found
        for url in self.urls(record):
            found = self._cached_or(url, lambda u=url: self._fetch(u))  # type: ignore[misc]
            if found is not None:
                return found
        return None

    def _fetch(self, url: str) -> bytes | None:
        if not self._slots.acquire(blocking=False):
            raise _Busy
        try:
            return fetching.fetch(
                self.http, url, self.settings.timeout_seconds, self.settings.max_kb * 1024,
                deepest=LINK_LOCAL if self.settings.private_hosts else PUBLIC)
        finally:
            self._slots.release()

    def _cached_or(self, key: str, load: Callable[[], bytes | None]) -> Cover | None:
        known = self.cache.get(key)
        if known is not None:
            return Cover(known.data, known.media_type) if known.data is not None else None
        try:
            data = load()
        except _Busy:
            return None  # not cached: the source may do well when it is not queued
        made = images.thumbnail(data) if data else None
        if made is None:
            self.cache.put(key, None)
            return None
        self.cache.put(key, made[0], made[1])
        return Cover(*made)


class _Busy(Exception):
    """Every fetch slot is taken."""
