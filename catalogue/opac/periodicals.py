"""Periodicals on the public catalogue: a periodical's issues and their articles,
the links up from an article to its issue and periodical, holdings statements.

PMB exports a periodical as a record of level ``s`` (hierarchy 1), each issue (bulletin)
as a record ``{bulletin id}-bull`` of level ``s`` (hierarchy 2) with a 461 up to its
periodical, and each article as a record of level ``a`` with a 461 to the periodical and
a 463 to the issue (``$9 id:``, ``$9 lnk:perio|bull``; see ``anchors-library-systems.md``
2.4 and PMB's ``admin/convert/export.class.php``). The index keeps those links as the
filter-only facet ``parent`` (:meth:`catalogue.records.Record.parent_ids`), so a
periodical's page is two filtered searches and one batch read of the store, whatever
the size of the catalogue.

Holdings statements ("états des collections") are PMB's 950 (``$a`` location, ``$b``
statement, ``$c`` shelving place, ``$f`` call number, ``$h`` public status, ``$i`` gaps,
``$j`` note; ``$k``, the staff status, is never shown) and 955, read the same way; the
frequency is UNIMARC 326 (``$a`` frequency, ``$b`` its dates). The model keeps these
fields verbatim in ``Record.unmapped`` (exports lose nothing); they are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine

from catalogue.records import Record, SerialLink, issn_key
from catalogue.store import opac as store
from catalogue.store.opac import Entry
from indexes import Searcher, SearchRequest

#: Issues shown per page of a periodical.
ISSUES_PER_PAGE = 10
#: The most issues and articles read for one periodical page (bounded loops).
MAX_ISSUES = 2000
MAX_ARTICLES = 1000
_STEP = 100


@dataclass(frozen=True, slots=True)
class HoldingStatement:
    """One "état des collections": where, what, with which gaps."""

    location: str
    statement: str
    place: str = ""
    call_number: str = ""
    status: str = ""
    gaps: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue of a periodical with the articles catalogued from it, in page order."""

    entry: Entry
    articles: tuple[Entry, ...]

    @property
    def record(self) -> Record:
        """The issue's record."""
        return self.entry.record


@dataclass(frozen=True, slots=True)
class Listed:
    """An article the periodical's own record lists (PMB 464) that the catalogue lacks."""

    title: str
    page: str = ""


@dataclass(frozen=True, slots=True)
class IssueGroup:
    """An issue known only by its numbering: no issue record was exported, but
    articles name it (463 ``$v $e $d``, or 461 ``$v``) or the periodical's record lists
    it (462) or its articles (464). ``numbering`` is '' for articles that name no issue."""

    numbering: str
    articles: tuple[Entry, ...] = ()
    listed: tuple[Listed, ...] = ()


@dataclass(frozen=True, slots=True)
class IssueList:
    """One page of a periodical's issues, newest first; ``groups`` are the issues
    without a record of their own (shown with the first page)."""

    issues: tuple[Issue, ...]
    total: int
    page: int
    pages: int
    groups: tuple[IssueGroup, ...] = ()


def holdings(record: Record) -> tuple[HoldingStatement, ...]:
    """The record's holdings statements (950 / 955), in catalogue order."""
    out = []
    for field in record.unmapped:
        if field.tag not in ("950", "955"):
            continue
        d: dict[str, str] = {}
        for code, value in field.subfields:
            if value.strip() and code not in d:
                d[code] = value.strip()
        if not (d.get("b") or d.get("a")):
            continue
        out.append(HoldingStatement(location=d.get("a", ""), statement=d.get("b", ""),
                                    place=d.get("c", ""), call_number=d.get("f", ""),
                                    status=d.get("h", ""), gaps=d.get("i", ""),
                                    note=d.get("j", "")))
    return tuple(out)


def frequency(record: Record) -> str:
    """The frequency statement (326 $a, with $b's dates when given), '' when none."""
    for field in record.unmapped:
        if field.tag == "326":
            parts = [v.strip() for c, v in field.subfields if c in "ab" and v.strip()]
            if parts:
                return " ; ".join(parts)
    return ""


def _first_number(text: str) -> int:
    found = re.search(r"\d+", text)
    return int(found.group()) if found else 0


def issue_key(record: Record) -> tuple[int, int, str]:
    """How issues sort (newest last): year, then number, then id."""
    number = " ".join([*record.title.part_number, record.title.main])
    return (record.year() or 0, _first_number(number), record.source_id)


def _article_key(record: Record) -> tuple[int, str]:
    page = next((link.page for link in record.serial_links if link.page), "")
    if not page:
        page = next((p.extent for p in record.physical if p.extent), "")
    return (_first_number(page) or 10**6, record.title.sort_text())


def _ids(searcher: Searcher, filters: dict[str, tuple[str, ...]], limit: int) -> list[str]:
    """The global ids of every record matching ``filters``, at most ``limit``."""
    ids: list[str] = []
    page = 1
    while len(ids) < limit:
        found = searcher.search(SearchRequest(filters=filters, page=page, page_size=_STEP,
                                              highlight=False, suggest=False))
        ids += [h.global_id for h in found.hits]
        if not found.hits or page * _STEP >= found.total:
            break
        page += 1
    return ids[:limit]


def parent_keys(periodical: Record) -> tuple[str, ...]:
    """What the ``parent`` facet of its issues and articles holds for ``periodical``:
    its global id, and a key per ISSN for articles whose links carry no id."""
    keys = [issn_key(periodical.source, issn) for issn in periodical.issns()]
    return (periodical.global_id, *dict.fromkeys(k for k in keys if k))


def _issue_link(record: Record) -> SerialLink | None:
    """The link that names the article's issue: its 463, else its 461 when numbered."""
    links = [ln for ln in record.serial_links if ln.tag == "463"]
    links += [ln for ln in record.serial_links if ln.tag == "461" and ln.numbering()]
    return links[0] if links else None


def _group_key(numbering: str, link: SerialLink | None) -> tuple[str, int, str]:
    """Newest first: the ISO date when given, else the number, else the text."""
    date = link.date.strip() if link else ""
    return (date, _first_number(numbering), numbering)


def groups(engine: Engine, searcher: Searcher, periodical: Record,
           issue_ids: set[str]) -> tuple[IssueGroup, ...]:
    """The periodical's issues that have no record (see :class:`IssueGroup`), newest
    first: its articles in the store whose issue is not ``issue_ids``, grouped by the
    numbering their links give, and what its own 462 / 464 list that the store lacks."""
    ids = _ids(searcher, {"parent": parent_keys(periodical)}, MAX_ARTICLES)
    by_number: dict[str, list[Entry]] = {}
    keys: dict[str, tuple[str, int, str]] = {}
    held: set[str] = set()
    for entry in store.entries(engine, ids).values():
        record = entry.record
        if record.shown_type == "s" or any(p in issue_ids for p in record.parent_ids()):
            continue  # an issue, or an article listed under its issue's record
        held.add(entry.global_id)
        link = _issue_link(record)
        numbering = link.numbering() if link else ""
        by_number.setdefault(numbering, []).append(entry)
        keys.setdefault(numbering, _group_key(numbering, link))
    listed: dict[str, list[Listed]] = {}
    targets = [f"{periodical.source}:{ln.target_id.strip()}" for ln in periodical.serial_links
               if ln.tag == "464" and ln.target_id.strip()][:MAX_ARTICLES]
    in_store = store.entries(engine, targets) if targets else {}
    for link in periodical.serial_links[:MAX_ISSUES + MAX_ARTICLES]:
        numbering = link.numbering()
        if link.tag == "462":
            bulletin = link.target_id.strip()
            if bulletin and f"{periodical.source}:{bulletin}-bull" in issue_ids:
                continue  # the issue has its record: it is in the list above
        elif link.tag == "464":
            target = f"{periodical.source}:{link.target_id.strip()}"
            found = in_store.get(target) if link.target_id.strip() else None
            if found is not None:  # the catalogue has the article: shown where it belongs
                if target not in held and not set(found.record.parent_ids()) & issue_ids:
                    held.add(target)  # it does not link back: listed here, by this link
                    by_number.setdefault(numbering, []).append(found)
                    keys.setdefault(numbering, _group_key(numbering, link))
                continue
            if link.title.strip():
                listed.setdefault(numbering, []).append(Listed(link.title.strip(), link.page))
        else:
            continue
        if numbering:
            listed.setdefault(numbering, [])
            keys.setdefault(numbering, _group_key(numbering, link))
    numbers = sorted(set(by_number) | set(listed), key=lambda n: (n != "", keys.get(n, ("", 0, n))),
                     reverse=True)
    return tuple(IssueGroup(n, tuple(sorted(by_number.get(n, ()), key=lambda a: _article_key(a.record))),
                            tuple(listed.get(n, ())))
                 for n in numbers if by_number.get(n) or listed.get(n) or n)


def issues(engine: Engine, searcher: Searcher, periodical: Record, page: int = 1,
           per_page: int = ISSUES_PER_PAGE) -> IssueList:
    """One page of ``periodical``'s issues, newest first, each with its articles; the
    first page also carries the issues that have no record (:func:`groups`)."""
    parent = (periodical.global_id,)
    ids = _ids(searcher, {"parent": parent, "doctype": ("s",)}, MAX_ISSUES)
    found = store.entries(engine, ids)
    ordered = sorted(found.values(), key=lambda e: issue_key(e.record), reverse=True)
    pages = max(1, -(-len(ordered) // per_page))
    page = min(max(page, 1), pages)
    shown = ordered[(page - 1) * per_page:page * per_page]
    others = groups(engine, searcher, periodical, set(found)) if page == 1 else ()
    by_issue: dict[str, list[Entry]] = {e.global_id: [] for e in shown}
    if shown:
        article_ids = _ids(searcher, {"parent": tuple(by_issue)}, MAX_ARTICLES)
        for article in store.entries(engine, article_ids).values():
            if article.record.shown_type == "s":
                continue  # an issue, not an article
            for parent_id in article.record.parent_ids():
                if parent_id in by_issue:
                    by_issue[parent_id].append(article)
    return IssueList(
        issues=tuple(Issue(e, tuple(sorted(by_issue[e.global_id],
                                           key=lambda a: _article_key(a.record))))
                     for e in shown),
        total=len(ordered), page=page, pages=pages, groups=others)


def articles(engine: Engine, searcher: Searcher, issue: Record) -> tuple[Entry, ...]:
    """The articles catalogued from ``issue``, in page order (PMB's "dépouillement")."""
    ids = _ids(searcher, {"parent": (issue.global_id,)}, MAX_ARTICLES)
    found = [e for e in store.entries(engine, ids).values() if e.record.shown_type != "s"]
    return tuple(sorted(found, key=lambda a: _article_key(a.record)))


@dataclass(frozen=True, slots=True)
class Parent:
    """A periodical or issue a record links up to, as its page names it."""

    global_id: str
    kind: str  # "periodical" or "issue"
    title: str


def parents(engine: Engine, record: Record) -> tuple[Parent, ...]:
    """The periodical and issue ``record`` belongs to that the store holds, periodical
    first (a link to a record the catalogue lacks stays the "Publié dans" text)."""
    wanted = record.parent_ids()
    if not wanted:
        return ()
    found = store.entries(engine, list(wanted))
    out = []
    for global_id in wanted:
        entry = found.get(global_id)
        if entry is None:
            continue
        parent = entry.record
        title = parent.title.display()
        number = " ".join(parent.title.part_number)
        if parent.is_issue and number and number not in title:
            title = f"{title} ({number})"
        out.append(Parent(global_id, "issue" if parent.is_issue else "periodical",
                          title or global_id))
    out.sort(key=lambda p: p.kind != "periodical")
    return tuple(out)
