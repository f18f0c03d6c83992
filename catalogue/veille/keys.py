"""What makes two watch items the same item, whichever source carried them.

Three keys, any of which matching is a copy: the normalised URL (scheme and host in
lower case, default port, fragment and tracking parameters dropped, remaining query
parameters sorted, no trailing slash), the GUID, and, between two sources, the folded
title with the day of publication (a ministry's press release relayed by a prefecture
under another URL; within one source, two "Arrêté préfectoral" of a day are two items).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = ("utm_", "xtor", "fbclid", "gclid", "mc_cid", "mc_eid", "at_medium", "at_campaign")
MAX_KEY = 2000


def url_key(url: str) -> str:
    """``HTTPS://Www.Example.fr:443/a/?utm_source=x&b=2&a=1#top`` -> ``https://www.example.fr/a?a=1&b=2``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()[:MAX_KEY]
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not k.lower().startswith(_TRACKING))
    return urlunsplit((scheme, host, path, urlencode(query), ""))[:MAX_KEY]


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c if c.isalnum() else " " for c in decomposed
                    if not unicodedata.combining(c))
    return " ".join(plain.split())


def title_key(title: str, published: datetime | None) -> str:
    """The folded title and the day it was published; '' without a date (titles alone
    repeat: "Communiqué de presse")."""
    if published is None or not title.strip():
        return ""
    return f"{published.date().isoformat()} {fold(title)}"[:600]


def guid_key(guid: str) -> str:
    """A GUID as compared: a URL-like one is normalised like a URL."""
    guid = guid.strip()
    return url_key(guid)[:500] if guid.startswith(("http://", "https://")) else guid[:500]
