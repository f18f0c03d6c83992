"""A record's description as a catalogue card reads: ISBD-like statements from the model.

Pure functions of :class:`catalogue.records.Record`, language-neutral (punctuation, not
words): the labels around them are the templates' business, in the reader's language.
:func:`safe_url` is the gate every partner-supplied link passes before it becomes an
``href``: a harvested record could carry ``javascript:`` and must not turn our page
into its launcher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from catalogue.records import Agent, Item, Physical, Publication, Record, SerialLink, Series

#: UNIMARC relator codes ($4) shown beside a name; others are shown without a role.
ROLES = ("070", "340", "651", "080", "440", "730", "205", "557", "595", "710", "727")


def publication(pub: Publication) -> str:
    """``Paris : La Documentation française, 2011``."""
    places = " ; ".join(pub.places)
    publishers = " : ".join(pub.publishers)
    head = " : ".join(p for p in (places, publishers) if p)
    dates = ", ".join(pub.dates)
    return ", ".join(p for p in (head, dates) if p)


def manufacture(pub: Publication) -> str:
    """Where, by whom and when it was printed (210 $e $g $h): ``Lyon : Impr. Dupont, 1998``."""
    places = " ; ".join(pub.manufacture_places)
    makers = " : ".join(pub.manufacturers)
    head = " : ".join(p for p in (places, makers) if p)
    dates = ", ".join(pub.manufacture_dates)
    return ", ".join(p for p in (head, dates) if p)


def statements(record: Record) -> list[tuple[str, str]]:
    """The record's publication statements as (function, text), for the card.

    The publication statement proper first (:meth:`Record.main_publication`) with its
    printing statement ($e $g $h, function ``printing``), then, in catalogue order,
    every 214 of another function (production, distribution, manufacture, copyright)
    and the printing statement of any other 210. A further publication statement stays
    in the exports only, as before.
    """
    main = record.main_publication()
    ordered = ([main] if main is not None else []) + [
        p for p in record.publications if p is not main]
    out: list[tuple[str, str]] = []
    for pub in ordered:
        text = publication(pub)
        if text and (pub is main or pub.function != "publication"):
            out.append((pub.function, text))
        if manufacture(pub):
            out.append(("printing", manufacture(pub)))
    return out


def physical(desc: Physical) -> str:
    """``86 p. : coul. ; 22 cm + 1 DVD``."""
    text = desc.extent
    if desc.illustrations:
        text = f"{text} : {desc.illustrations}" if text else desc.illustrations
    if desc.dimensions:
        text = f"{text} ; {desc.dimensions}" if text else desc.dimensions
    if desc.accompanying:
        text = f"{text} + {desc.accompanying}" if text else desc.accompanying
    return text


def series(s: Series) -> str:
    """``Title. Sub-collection ; number``."""
    title = f"{s.title}. {s.part_title}" if s.part_title else s.title
    return " ; ".join(p for p in (title, s.number) if p)


def serial(link: SerialLink) -> str:
    """Where an article or an issue was published: title, number, date, pages."""
    parts = [link.title.strip(), link.number, link.mention or link.date, link.page]
    return ", ".join(p for p in parts if p)


def published_in(record: Record) -> str:
    """Where an article or an issue appeared, its periodical (461) and issue (463) joined."""
    parts: list[str] = []
    for link in record.serial_links:
        if link.tag in ("461", "463"):
            parts += [p for p in (link.title.strip(), link.number, link.mention or link.date,
                                  link.page)
                      if p and p not in parts]
    return ", ".join(parts)


def agent_role(agent: Agent) -> str:
    """The first relator code of ``agent`` worth a label (see :data:`ROLES`), else ''."""
    return next((r for r in agent.roles if r in ROLES), "")


def year(record: Record) -> str:
    """The publication year as text ('' when unknown)."""
    found = record.year()
    if found:
        return str(found)
    for link in record.serial_links:
        digits = "".join(ch if ch.isdigit() else " " for ch in link.date).split()
        for token in digits:
            if len(token) == 4:
                return token
    return ""


def identifiers(record: Record) -> list[tuple[str, str]]:
    """(scheme, value) of the valid identifiers, ISBN and ISSN first."""
    order = {"isbn": 0, "issn": 1}
    found = [(i.scheme, i.value) for i in record.identifiers if not i.invalid and i.value]
    return sorted(found, key=lambda pair: order.get(pair[0], 2))


def other_scripts(record: Record) -> list[str]:
    """The MARC 21 880 fields: the record's statements in their own script.

    A Cyrillic, Hebrew, Arabic or CJK title is catalogued twice, romanised in 245 and in
    its own script in an 880 linked by $6; the model keeps the 880 as it is, so the
    card shows its text (every subfield but the $6 link) rather than hiding it.
    """
    lines: list[str] = []
    for field in record.unmapped:
        if field.tag != "880" or record.marc_flavour != "marc21":
            continue
        text = " ".join(value for code, value in field.subfields if code != "6").strip()
        if text:
            lines.append(text)
    return lines


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (never ``javascript:``...)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in url for ch in "\x00\r\n\t<>\"' "):
        return None
    return url


@dataclass(frozen=True, slots=True)
class Copy:
    """One item as the record page lists it.

    ``location`` and ``section`` are labels, never codes; ``section_code`` is the 995$q
    code when no label was found, for the page to name in the reader's language (the
    AFBDP audiences, :data:`catalogue.web.labels.SECTION_LABELS`), or to leave blank.
    """

    location: str
    call_number: str
    section: str
    kind: str
    barcode: str
    state: str  # indexes.documents availability state: available, onsite, on_loan, unavailable
    status: str  # the centre's own status label, as catalogued
    note: str  # 995$u, the copy's note ("Manque le livret")
    due_on: date | None = None  # on loan (lending desk): back by this date
    section_code: str = ""


def _is_label(text: str) -> bool:
    """Whether PMB sent words ("Centre de documentation") rather than a code ("CDOC", "a")."""
    return len(text) > 10 or " " in text.strip()


def _known(items: Sequence[Item]) -> tuple[dict[str, str], dict[str, str]]:
    """Section and location codes -> labels, as the record's copies with a 996 give them
    (PMB writes the 996 for some copies only: their labels name their siblings' codes)."""
    sections = {i.section: i.section_label for i in items if i.section and i.section_label}
    locations: dict[str, str] = {}
    for i in items:
        if i.location:
            for code in (i.location_code, i.holder, i.owner):
                if code:
                    locations.setdefault(code, i.location)
    return sections, locations


def copy(item: Item, state: str, due_on: date | None = None, *,
         siblings: Sequence[Item] = (), sections: Mapping[str, str] | None = None,
         locations: Mapping[str, str] | None = None, centre: str = "") -> Copy:
    """The displayed form of ``item``, given its availability ``state``.

    Section and location are labels: the item's own (996), else a sibling copy's for the
    same code, else the configured one (``[web.sections]``, ``[web.locations]``); a
    location still unknown is the holding centre (``centre``), a section is left to the
    page (``section_code``). A raw code is never shown.
    """
    own_sections, own_locations = _known([item, *siblings])
    sections = {**(sections or {}), **own_sections}
    locations = {**(locations or {}), **own_locations}
    codes = [c for c in (item.location_code, item.holder, item.owner) if c]
    location = item.location or next((locations[c] for c in codes if c in locations), "")
    if not location:
        named = [c for c in (item.holder, item.owner) if c and _is_label(c)]
        location = named[0] if named else centre
    section = item.section_label or sections.get(item.section, "")
    if not section and (len(item.section) > 3 or " " in item.section):
        section = item.section
    return Copy(location=location, call_number=item.call_number, section=section,
                kind=item.type_label, barcode=item.barcode, state=state,
                status=item.status_label, note=item.note, due_on=due_on,
                section_code="" if section else item.section)
