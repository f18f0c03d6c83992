"""A fetched body -> the items it lists: feeds by feedparser, sitemaps and pages by lxml.

Feeds are RSS 0.9x/1.0/2.0 or Atom; a body declaring XML entities is refused before any
parser sees it (defusedxml: the "billion laughs" never expands), a malformed one is read
by feedparser's tolerant parser and flagged. Descriptions lose their HTML (feedparser
sanitises it; the text is kept), relative links resolve against the URL the body came
from, a missing date stays missing (the item's date is then the day it was found).
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree, html

KINDS = ("feed", "sitemap", "page")
MAX_ITEMS = 500
MAX_TITLE = 500
MAX_SUMMARY = 3000
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class ParseProblem(Exception):
    """The body lists nothing readable; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FoundItem:
    """One item a source lists."""

    url: str
    title: str
    summary: str = ""
    guid: str = ""
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """The items, and a warning when the body was not quite what it claimed."""

    items: tuple[FoundItem, ...]
    warning: str = ""


def text_of(fragment: str) -> str:
    """The text of an HTML fragment, spaces normalised."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    try:
        tree = html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return " ".join(fragment.split())
    return " ".join(tree.text_content().split())


def _web_url(url: str) -> bool:
    """An http(s) address with a host; a malformed one (``http://[oops``) is not."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _joined(base_url: str, href: str) -> str:
    """``href`` resolved against the body's address; '' when it cannot be (``urljoin``
    raises on a malformed IPv6 host, and one hostile link must not stop the source)."""
    try:
        return urljoin(base_url, href)
    except ValueError:
        return ""


def _refuse_entities(body: bytes) -> bool:
    """Whether the body declares entities (refused); False when it is not even XML."""
    try:
        defused_fromstring(body, forbid_dtd=False, forbid_entities=True,
                           forbid_external=True)
    except DefusedXmlException:
        return True
    except Exception:
        return False
    return False


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _feed(body: bytes, base_url: str, content_type: str) -> Parsed:
    if _refuse_entities(body):
        raise ParseProblem("Flux refusé : il déclare des entités XML (risque d'expansion "
                           "« billion laughs »).")
    result = feedparser.parse(io.BytesIO(body), response_headers={
        "content-location": base_url, "content-type": content_type or "application/xml"},
        resolve_relative_uris=True, sanitize_html=True)
    items = []
    for entry in result.entries[:MAX_ITEMS]:
        link = _joined(base_url, str(entry.get("link", "") or ""))
        if link.split("#", 1)[0] == base_url:  # feedparser's answer to a malformed link
            link = ""
        guid = str(entry.get("id", "") or "")
        if not _web_url(link) and guid.startswith(("http://", "https://")):
            link = guid
        title = text_of(str(entry.get("title", "") or ""))[:MAX_TITLE]
        summary = text_of(str(entry.get("summary", "") or ""))[:MAX_SUMMARY]
        if not _web_url(link) or not (title or summary):
            continue
        items.append(FoundItem(link, title or summary[:120], summary, guid, _when(entry)))
    if result.get("bozo") and not items:
        problem = result.get("bozo_exception")
        raise ParseProblem(f"Flux illisible : {str(problem)[:200] or 'XML mal formé'}.")
    warning = "XML mal formé, lu par l'analyseur tolérant." if result.get("bozo") else ""
    if not result.get("version") and not items:
        raise ParseProblem("Ce document n'est pas un flux RSS ou Atom.")
    return Parsed(tuple(items), warning)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, dtd_validation=False)


def _sitemap(body: bytes, base_url: str) -> Parsed:
    if _refuse_entities(body):
        raise ParseProblem("Plan de site refusé : il déclare des entités XML.")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseProblem(f"Plan de site illisible : {str(exc)[:200]}.") from None
    items = []
    for node in root.iter(f"{_SITEMAP_NS}url", "url"):
        loc = (node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc") or "").strip()
        url = _joined(base_url, loc)
        if not _web_url(url):
            continue
        stamp = (node.findtext(f"{_SITEMAP_NS}lastmod") or node.findtext("lastmod") or "")
        items.append(FoundItem(url, _title_from_url(url), "", "", _iso(stamp.strip())))
        if len(items) >= MAX_ITEMS:
            break
    return Parsed(tuple(items))


def _title_from_url(url: str) -> str:
    last = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    words = last.rsplit(".", 1)[0].replace("-", " ").replace("_", " ").strip()
    return (words[:1].upper() + words[1:])[:MAX_TITLE] or url[:MAX_TITLE]


def _iso(text: str) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _charset(body: bytes, content_type: str) -> str:
    """The page's character set: the HTTP header's, else UTF-8 when the bytes are, else
    Windows-1252 (lxml alone would read an undeclared UTF-8 page as Latin-1)."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            name = value.strip().strip("'\"").lower()
            try:
                "".encode(name)
            except LookupError:
                break
            return name
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _page(body: bytes, base_url: str, content_type: str = "") -> Parsed:
    parser = html.HTMLParser(encoding=_charset(body, content_type))
    try:
        tree = html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError):
        raise ParseProblem("Page illisible.") from None
    own = urlsplit(base_url).hostname
    seen: set[str] = set()
    items = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        text = " ".join("".join(str(t) for t in anchor.itertext()).split())
        url = _joined(base_url, href).split("#", 1)[0]
        # Headlines: links of the same site with a sentence for text, not the menus.
        if (len(text) < 20 or not _web_url(url) or url in seen
                or urlsplit(url).hostname != own or url.rstrip("/") == base_url.rstrip("/")):
            continue
        seen.add(url)
        items.append(FoundItem(url, text[:MAX_TITLE]))
        if len(items) >= MAX_ITEMS:
            break
    return Parsed(tuple(items))


def parse(body: bytes, kind: str, base_url: str, content_type: str = "") -> Parsed:
    """The items of a source's body.

    Raises:
        ParseProblem: nothing could be read (the reason in French).
    """
    if not body.strip():
        raise ParseProblem("Réponse vide.")
    if kind == "sitemap":
        return _sitemap(body, base_url)
    if kind == "page":
        return _page(body, base_url, content_type)
    return _feed(body, base_url, content_type)


def unique(items: Iterable[FoundItem]) -> list[FoundItem]:
    """The items in order, a URL listed twice in one body kept once."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item.url not in seen:
            seen.add(item.url)
            out.append(item)
    return out
