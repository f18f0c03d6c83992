"""The public catalogue's one service: search pages, record pages, exports and feeds.

A results page shows **one result per work**: when several centres catalogue the same
book (a union cluster, :mod:`catalogue.union`), the best-ranked of their records stands
for the work and the page lists every centre holding it. The index ranks records, not
works, so the service walks the ranked records in chunks from the first, folding each
into the work it belongs to, until it has the works of the requested page (and one
more, to know whether a next page exists). The same walk from the same start gives
every page, so paging never repeats nor skips a work; the walk is bounded by
``[web] max_results``, as VuFind bounds deep paging with ``result_limit``. Up to
:data:`EXACT_WORKS` records the walk goes to the end, so the pager counts works; past
that it counts records until a page reaches the end. Counts (the hit count, the facets)
stay counts of records, which is what a filter selects.

Everything shown about a record comes from the store (the truth), read in one batch
per page; what the index could not know (a record deleted since the last update) is
simply not shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine

from catalogue.lending.availability import snapshot
from catalogue.lending.states import availability, item_state
from catalogue.opac import periodicals
from catalogue.opac.description import Copy, copy
from catalogue.opac.params import SearchParams
from catalogue.opac.shelf import Shelf, ShelfBrowser
from catalogue.records import Record
from catalogue.settings import Settings
from catalogue.store import opac as store
from catalogue.store.opac import Entry, Holder
from indexes import FACETS, Hit, Searcher, SearchRequest, SearchResult

#: Records asked of the index per step of the walk (its largest page).
CHUNK = 100
#: Facets counted on a results page, in display order.
PAGE_FACETS = ("doctype", "availability", "fulltext", "source", "year", "author",
               "descriptor", "territory", "language", "collection")
SIMILAR = 5
#: Candidates read from the index for the similar documents, re-ranked from the store.
SIMILAR_CANDIDATES = 40
#: Results up to this many records are all folded into works, so that the number of
#: pages is exact; past it, pages are counted in records until the walk reaches the end.
EXACT_WORKS = 1000


@dataclass(frozen=True, slots=True)
class Holding:
    """One centre holding a work, as a result or a record page lists it."""

    global_id: str
    source: str
    source_name: str
    availability: str  # available, onsite, on_loan, unavailable, or '' (no items)
    #: The record has holdings statements (a periodical's 950/955): with no items, it is
    #: not "Pas d'exemplaire" but a run of issues to consult.
    statements: bool = False


@dataclass(frozen=True, slots=True)
class Result:
    """One work on a results page: the best-ranked record of it and who holds it."""

    position: int
    hit: Hit
    entry: Entry | None
    holdings: tuple[Holding, ...]

    @property
    def global_id(self) -> str:
        """The shown record's id."""
        return self.hit.global_id

    @property
    def record(self) -> Record | None:
        """The shown record as stored (None if the store no longer has it)."""
        return self.entry.record if self.entry else None

    @property
    def others(self) -> tuple[Holding, ...]:
        """The holdings of the other centres (or other records) of the same work."""
        return tuple(h for h in self.holdings if h.global_id != self.hit.global_id)


@dataclass(frozen=True, slots=True)
class ResultPage:
    """A results page: the works of one page, with the search's counts and facets."""

    params: SearchParams
    found: SearchResult
    results: tuple[Result, ...]
    page: int
    pages: int
    page_size: int
    has_next: bool
    #: Works (one per union cluster) when every matching record was folded in, else None.
    works: int | None = None
    #: ``[web] max_results`` when paging stops there before the matching records end
    #: (the last page says so), else 0.
    reachable: int = 0

    @property
    def total(self) -> int:
        """Matching records (all centres)."""
        return self.found.total

    @property
    def first_position(self) -> int:
        """The position of the page's first work (1-based)."""
        return (self.page - 1) * self.page_size + 1


@dataclass(frozen=True, slots=True)
class RecordPage:
    """Everything the record page shows."""

    entry: Entry
    availability: str
    holdings: tuple[Holding, ...]  # every centre's record of the work, this one included
    similar: tuple[Hit, ...]
    copies: tuple[Copy, ...]  # the record's items with their availability

    @property
    def record(self) -> Record:
        """The record itself."""
        return self.entry.record

    @property
    def others(self) -> tuple[Holding, ...]:
        """The same work in the other records of the union catalogue."""
        return tuple(h for h in self.holdings if h.global_id != self.entry.global_id)


@dataclass(frozen=True, slots=True)
class ShelfPage:
    """"Sur le rayon à côté": a window on the shelf with the records standing in it."""

    shelf: Shelf
    entries: dict[str, Entry]


class Opac:
    """The services behind the public catalogue's pages, feeds and API."""

    def __init__(self, settings: Settings, engine: Engine, searcher: Searcher) -> None:
        self.settings = settings
        self.engine = engine
        self.searcher = searcher
        self._names = {s.slug: s.name for s in settings.sources}
        self._shelves = ShelfBrowser(engine)

    # --- lookups --------------------------------------------------------------------

    def source_name(self, slug: str) -> str:
        """A source's display name: configured (config.toml names it as the public should
        read it), else as the store recorded it, else its slug."""
        if slug not in self._names:
            self._names.update({k: v for k, v in store.source_names(self.engine).items()
                                if k not in self._names})
        return self._names.get(slug, slug)

    def max_page(self, page_size: int) -> int:
        """The deepest page a visitor may reach (``[web] max_results``)."""
        return max(1, -(-self.settings.web.max_results // page_size))

    # --- search -----------------------------------------------------------------------

    def search(self, params: SearchParams, page_size: int | None = None,
               facets: Sequence[str] = PAGE_FACETS,
               fulltext: tuple[str, ...] = ("public",)) -> ResultPage:
        """One results page of ``params`` (see the module docstring for works vs records).

        ``fulltext`` names the access levels of the documents whose text the reader may
        search (the ones they may download).

        Raises:
            indexes.IndexMissing: the index was never built.
        """
        size = page_size or params.page_size or self.settings.web.page_size
        base = replace(params.request(CHUNK, tuple(f for f in facets if f in FACETS)),
                       fulltext=fulltext)
        first = self.searcher.search(base)
        last_page = min(max(1, -(-first.total // size)), self.max_page(size))
        page = min(params.page, last_page)
        # Up to EXACT_WORKS records the walk folds them all, so the pager counts works
        # (201 records in 185 works offered a page 11 that showed page 10 again).
        wanted = first.total + 1 if first.total <= EXACT_WORKS else page * size + 1
        groups, exhausted = self._walk(base, first, wanted, (page - 1) * size,
                                       page * size + 1)
        start = (page - 1) * size
        if exhausted:
            last_page = min(max(1, -(-len(groups) // size)), last_page)
            if start >= len(groups) and page > last_page:
                page, start = last_page, (last_page - 1) * size
        chosen = groups[start:start + size]
        results = self._results(chosen, start)
        return ResultPage(params=replace(params, page=page), found=first, results=results,
                          page=page, pages=last_page, page_size=size,
                          has_next=len(groups) > start + size and page < last_page,
                          works=len(groups) if exhausted else None,
                          reachable=self.settings.web.max_results
                          if not exhausted and last_page == self.max_page(size) else 0)

    def _walk(self, base: SearchRequest, first: SearchResult, wanted: int,
              skipped: int, shown: int) -> tuple[list[list[Hit]], bool]:
        """Ranked hits folded into works, until ``wanted`` works or the end of the list.

        A work is never ranked before its best record, so the works of the page (from the
        ``skipped``-th on) come from records ranked ``skipped`` or later: the chunks before
        are asked for without highlighting, which is most of a deep page's cost; so are
        the chunks read once the page's ``shown`` works are known (to count the rest).
        """
        groups: list[list[Hit]] = []
        where: dict[int, int] = {}
        limit = self.settings.web.max_results
        number, found = 1, first
        while True:
            clusters = store.cluster_ids(self.engine, [h.global_id for h in found.hits])
            for hit in found.hits:
                cluster = clusters.get(hit.global_id)
                if cluster is None:  # in the index, gone from the store: not shown
                    continue
                if cluster in where:
                    groups[where[cluster]].append(hit)
                else:
                    where[cluster] = len(groups)
                    groups.append([hit])
            seen = number * CHUNK
            exhausted = seen >= found.total or not found.hits
            if exhausted or len(groups) >= wanted or seen >= limit:
                return groups, exhausted
            number += 1
            found = self.searcher.search(replace(
                base, page=number, facets=(),
                highlight=number * CHUNK > skipped and len(groups) < shown))

    def _results(self, groups: Sequence[list[Hit]], start: int) -> tuple[Result, ...]:
        # A work is shown through the centre's own record when it holds one (its call
        # numbers and items are the ones a reader can borrow here), else its best hit.
        local = self.settings.default_source + ":"
        shown = [next((h for h in group if h.global_id.startswith(local)), group[0])
                 for group in groups]
        entries = store.entries(self.engine, [h.global_id for h in shown])
        clusters = {e.cluster_id for e in entries.values()}
        holders = store.holders(self.engine, clusters)
        out = []
        for n, hit in enumerate(shown):
            entry = entries.get(hit.global_id)
            out.append(Result(position=start + n + 1, hit=hit, entry=entry,
                              holdings=self._holdings(entry, holders)))
        return tuple(out)

    def _holdings(self, entry: Entry | None,
                  holders: dict[int, list[Holder]]) -> tuple[Holding, ...]:
        if entry is None:
            return ()
        members = holders.get(entry.cluster_id) or [
            Holder(entry.id, self.source_name(entry.record.source), entry.record)]
        if not any(m.id == entry.id for m in members):
            members = [Holder(entry.id, self.source_name(entry.record.source), entry.record),
                       *members]
        live = snapshot(self.engine, [m.id for m in members])  # the desk's loans and holds
        return tuple(Holding(m.global_id, m.record.source, self.source_name(m.record.source),
                             availability(m.record, live.status),
                             bool(m.record.is_serial and periodicals.holdings(m.record)))
                     for m in members)

    def count(self, params: SearchParams) -> int:
        """How many records match, without ranking (for alerts and tests)."""
        return self.searcher.count(params.alert_query, params.filter_map)

    # --- records ----------------------------------------------------------------------

    def record(self, source: str, source_id: str) -> RecordPage | None:
        """The record page of (source, source_id), or None when there is no such live record."""
        entry = store.entry(self.engine, source, source_id)
        if entry is None:
            return None
        holders = store.holders(self.engine, [entry.cluster_id])
        holdings = self._holdings(entry, holders)
        exclude = {h.global_id for h in holdings}
        live = snapshot(self.engine, [entry.id])
        copies = []
        for item in entry.record.items:
            found = live.copy(entry.global_id, item)
            copies.append(copy(item, found.state if found else item_state(item),
                               found.due_on if found else None, siblings=entry.record.items,
                               sections=self.settings.web.sections,
                               locations=self.settings.web.locations,
                               centre=self.source_name(entry.record.source)))
        return RecordPage(entry=entry, availability=availability(entry.record, live.status),
                          holdings=holdings, similar=self.similar(entry.record, exclude),
                          copies=tuple(copies))

    def shelf(self, entry: Entry, start: int | None = None) -> ShelfPage | None:
        """The records next to ``entry``'s on its centre's shelves (None: no call number);
        ``start`` pages along the shelf (see :mod:`catalogue.opac.shelf`)."""
        found = self._shelves.around(entry.record.source, entry.id,
                                     [i.call_number for i in entry.record.items], start)
        if found is None or not found.neighbours:
            return None
        return ShelfPage(found, store.entries(self.engine,
                                              [n.global_id for n in found.neighbours]))

    def similar(self, record: Record, exclude: Iterable[str] = ()) -> tuple[Hit, ...]:
        """Records sharing the most descriptors with ``record``, then its collection.

        PMB's "Peut-être aimerez-vous", VuFind's MoreLikeThis: a search on the record's
        descriptors (else keywords, else first author) and its collection (225/410),
        the record itself and its twins left out. The index's relevance favours rare
        words, not shared subjects, so the candidates are re-ranked from the store:
        more descriptors in common first, then the same collection, then the index's
        order. Never raises: a missing index gives no similar records.
        """
        terms = [d.label for d in record.descriptors][:6] or list(record.keywords[:6])
        prefix = "sujet"
        if not terms and record.agents:
            terms, prefix = [record.agents[0].name], "auteur"
        collections = [s.title for s in record.distinct_series()][:2]
        clauses = [f'{prefix}:"{t}"' for t in _quotable(terms)]
        clauses += [f'collection:"{t}"' for t in _quotable(collections)]
        query = " OR ".join(clauses)
        if not query:
            return ()
        skip = {record.global_id, *exclude}
        try:
            found = self.searcher.search(SearchRequest(
                query=query, page_size=SIMILAR_CANDIDATES + len(skip), highlight=False,
                suggest=False))
        except Exception:  # similar records are a bonus: never fail a record page for them
            return ()
        hits = [h for h in found.hits if h.global_id not in skip]
        stored = store.entries(self.engine, [h.global_id for h in hits])
        mine, series = _descriptor_keys(record), _series_keys(record)

        def closeness(ranked: tuple[int, Hit]) -> tuple[int, int, int]:
            rank, hit = ranked
            other = stored.get(hit.global_id)
            if other is None:
                return (0, 0, rank)
            return (-len(mine & _descriptor_keys(other.record)),
                    -int(bool(series & _series_keys(other.record))), rank)

        hits = [h for _, h in sorted(enumerate(hits), key=closeness)]
        clusters = store.cluster_ids(self.engine, [h.global_id for h in hits])
        taken = set(store.cluster_ids(self.engine, [record.global_id]).values())
        out = []
        # One record per work, as on a results page, and one per title as the reader sees
        # it: editions and issues that are different works listed "the same title twice".
        titles = {_shown(record.title.display())}
        for hit in hits:
            cluster = clusters.get(hit.global_id)
            shown = _shown(hit.title_html)
            if cluster is None or cluster in taken or shown in titles:
                continue
            taken.add(cluster)
            titles.add(shown)
            out.append(hit)
        return tuple(out[:SIMILAR])

    def latest(self, limit: int | None = None) -> list[Entry]:
        """The latest acquisitions (records by first arrival in the store), newest first."""
        return store.latest(self.engine, self.settings.web.latest if limit is None else limit)

    def records(self, global_ids: Sequence[str]) -> list[Record]:
        """The live records among ``global_ids``, in the order asked, at most ``max_export``."""
        wanted = list(dict.fromkeys(global_ids))[: self.settings.web.max_export]
        found = store.entries(self.engine, wanted)
        return [found[g].record for g in wanted if g in found]

    def feed_page(self, params: SearchParams) -> tuple[SearchResult, list[tuple[Hit, Entry]]]:
        """The newest records of a search (one per record: a feed follows records)."""
        sort = params.sort or "newest"
        request = replace(params.request(self.settings.web.feed_size), sort=sort,
                          suggest=False)
        found = self.searcher.search(request)
        entries = store.entries(self.engine, [h.global_id for h in found.hits])
        return found, [(h, entries[h.global_id]) for h in found.hits if h.global_id in entries]

    @staticmethod
    def newest(entries: Iterable[Entry], default: datetime) -> datetime:
        """The latest change among ``entries`` (a feed's ``updated``)."""
        return max((e.datestamp for e in entries), default=default)


def _shown(title: str) -> str:
    """A title as a reader compares it: no markup, case or spacing."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", title)).casefold().split())


def _quotable(terms: Iterable[str]) -> list[str]:
    """Terms fit for a quoted phrase of the query language (no quotes, single spaces)."""
    cleaned = (" ".join(t.replace('"', " ").split()) for t in terms)
    return [t for t in cleaned if t]


def _descriptor_keys(record: Record) -> set[str]:
    return {" ".join(d.label.casefold().split()) for d in record.descriptors} - {""}


def _series_keys(record: Record) -> set[str]:
    return {" ".join(s.title.casefold().split()) for s in record.series} - {""}
