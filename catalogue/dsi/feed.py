"""The Atom feed of a curated list: one entry per issue, newest first (RFC 4287)."""

from __future__ import annotations

from lxml import etree
from sqlalchemy import Engine

from catalogue.dsi import archives, links
from catalogue.dsi.profiles import Profile

ATOM = "http://www.w3.org/2005/Atom"


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def issues_feed(engine: Engine, profile: Profile, base_url: str, site_name: str,
                size: int) -> bytes:
    """The feed document of ``profile``'s latest ``size`` issues."""
    slug = profile.slug or ""
    page = base_url + links.list_path(slug)
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})  # type: ignore[dict-item]
    _add(feed, "title", f"{site_name} : {profile.name}")
    if profile.description:
        _add(feed, "subtitle", profile.description)
    _add(feed, "id", page)
    _add(feed, "link", href=page + "/atom", rel="self", type="application/atom+xml")
    _add(feed, "link", href=page, rel="alternate", type="text/html")
    author = _add(feed, "author")
    _add(author, "name", site_name)
    found = archives.issues(engine, profile.id, size)
    _add(feed, "updated", (found[0].published_at if found else profile.created_at)
         .isoformat(timespec="seconds"))
    for issue in found:
        url = base_url + links.issue_path(slug, issue.number)
        entry = _add(feed, "entry")
        _add(entry, "title", f"{profile.name} – n° {issue.number} "
                             f"({issue.published_at:%d/%m/%Y}, {issue.count} documents)")
        _add(entry, "id", url)
        _add(entry, "link", href=url, rel="alternate", type="text/html")
        _add(entry, "updated", issue.published_at.isoformat(timespec="seconds"))
        titles = [r.title.main for r in archives.issue_records(engine, issue.id)]
        _add(entry, "summary", " ; ".join(titles)[:2000])
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8"))
