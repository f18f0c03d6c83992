"""One subscriber's digest: sections per profile, rendered as text + accessible HTML.

Digests are rendered by the scheduler, outside any web request, so they have their own
Jinja environment (templates beside this module) and their own small catalogue of
wordings in the subscriber's language (:mod:`catalogue.dsi.wording`); French is the
source. Every URL is absolute, on ``[catalogue] base_url``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from catalogue.dsi import links, wording
from catalogue.dsi.matching import Candidate
from catalogue.formats.ris import records_to_ris
from catalogue.formats.unimarc.writer import to_iso2709
from catalogue.opac.description import publication, year
from catalogue.people.mailer import Attachment, compose
from catalogue.people.settings import MailSettings

_ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)
ABSTRACT = 280


@dataclass(frozen=True, slots=True)
class Line:
    """One record as a digest lists it."""

    title: str
    authors: str
    details: str
    abstract: str
    url: str
    #: Public documents of the record: (file name, download URL).
    documents: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """One profile's part of a digest."""

    name: str
    description: str
    lines: tuple[Line, ...]
    more: int  # matching records beyond the cap
    archive_url: str  # the list's archive, or the alert's search
    unsubscribe_url: str


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything one mail says."""

    email: str
    name: str
    language: str
    sections: tuple[Section, ...]
    unsubscribe_url: str
    manage_url: str
    site_name: str
    date: datetime
    attachments: tuple[Attachment, ...] = field(default=())

    @property
    def count(self) -> int:
        return sum(len(s.lines) + s.more for s in self.sections)


def line(candidate: Candidate, base_url: str,
         files: Iterable[tuple[str, str, str]] = ()) -> Line:
    """A record's title, authors, publication and the start of its abstract."""
    rec = candidate.record
    title = rec.title.main + "".join(f" : {s}" for s in rec.title.subtitle)
    names = [" ".join(p for p in (a.name, a.rest) if p) if a.kind == "person" and a.rest
             else a.name for a in rec.agents[:3]]
    authors = " ; ".join(names) + (" et al." if len(rec.agents) > 3 else "")
    main = rec.main_publication()
    details = publication(main) if main else year(rec)
    abstract = rec.abstracts[0] if rec.abstracts else ""
    if len(abstract) > ABSTRACT:
        abstract = abstract[:ABSTRACT].rsplit(" ", 1)[0] + " …"
    return Line(title or candidate.global_id, authors, details, abstract,
                base_url + links.record_path(candidate.global_id),
                tuple((name, url) for url, _media, name in files))


def attachment(kind: str, name: str, found: list[Candidate]) -> Attachment | None:
    """The export file a list attaches (RIS or UNIMARC ISO 2709), if any."""
    stem = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40] or "liste"
    if kind == "ris":
        return Attachment(f"{stem}.ris", records_to_ris(c.record for c in found).encode(),
                          "application/x-research-info-systems")
    if kind == "unimarc":
        return Attachment(f"{stem}.mrc", b"".join(to_iso2709(c.record) for c in found),
                          "application/marc")
    return None


def subject(digest: Digest, zone: ZoneInfo) -> str:
    """``<site> : <list>`` for one section, else the count and the date."""
    words = wording.words(digest.language)
    if len(digest.sections) == 1:
        return f"{digest.site_name} : {digest.sections[0].name}"
    day = wording.day(digest.date.astimezone(zone).date(), digest.language)
    return f"{digest.site_name} : {words('Vos alertes du')} {day}"


def render(digest: Digest, zone: ZoneInfo) -> tuple[str, str, str]:
    """(subject, text, html) of a digest."""
    values = {"d": digest, "_": wording.words(digest.language),
              "day": wording.day(digest.date.astimezone(zone).date(), digest.language)}
    title = subject(digest, zone)
    text = _ENV.get_template("digest.txt").render(subject=title, **values)
    html = _ENV.get_template("digest.html").render(subject=title, **values)
    return title, text, html


def message(digest: Digest, settings: MailSettings, now: datetime, zone: ZoneInfo) -> EmailMessage:
    """The ready-to-send mail, with RFC 8058 one-click unsubscribe headers.

    Raises:
        ValueError: a header would carry a line break (refused by :func:`compose`).
    """
    title, text, html = render(digest, zone)
    headers = {"List-Unsubscribe": f"<{digest.unsubscribe_url}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
               "Precedence": "bulk"}
    return compose(settings, to=digest.email, to_name=digest.name, subject=title, text=text,
                   html=html, now=now, headers=headers, attachments=digest.attachments)
