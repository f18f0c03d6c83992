"""Harvesting a partner's OAI-PMH endpoint page by page, restartable at every page.

The harvester knows nothing of the store (see the dependency rule): it hands each page
of mapped records to a :class:`Sink`, which commits it durably before the harvester
moves its :class:`Checkpoint` on. The checkpoint is the highest datestamp of the pages
committed so far, for the set being listed, and whether the partner has been listing in
datestamp order. When a partner refuses a resumption token mid-list (expired, lost:
sickle #19, Zenodo's 422), the list restarts with ``from`` = that datestamp - inclusive,
and truncated to the partner's granularity, so the overlap is re-read, never skipped.
A partner that does not list in datestamp order (Zenodo, again) gives no such
guarantee, so its list restarts from the run's own ``from``: the records already
committed stay committed and are recognised as already seen, nothing is lost, nothing
is stored twice. The same checkpoint, kept by the store, lets a harvest killed between
pages resume where it stopped.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from catalogue.formats.base import Parsed
from harvesters import oai_pages
from harvesters import oai_protocol as oai
from harvesters.oai_client import OAIClient
from harvesters.oai_protocol import BadResumptionToken, HarvestError, Identify

__all__ = ["Checkpoint", "Harvester", "Listing", "Outcome", "PageBatch", "Plan", "Sink"]


@dataclass(frozen=True, slots=True)
class Plan:
    """What to harvest: prefix, reader (see :func:`oai_mapping.reader_for`), sets, dates."""

    source: str
    metadata_prefix: str
    reader: str
    sets: tuple[str, ...] = ()
    from_: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where a harvest stands after its last committed page.

    ``set_index`` is the position in :attr:`Plan.sets` being listed (sets before it are
    done), ``datestamp`` the highest datestamp committed in that set, ``ordered``
    whether that set has come in non-decreasing datestamp order so far.
    """

    set_index: int = 0
    datestamp: str = ""
    ordered: bool = True

    def to_json(self) -> str:
        """The checkpoint as the store keeps it."""
        return json.dumps({"set_index": self.set_index, "datestamp": self.datestamp,
                           "ordered": self.ordered})

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        return cls(set_index=int(data["set_index"]), datestamp=str(data["datestamp"]),
                   ordered=bool(data["ordered"]))


@dataclass(slots=True)
class PageBatch:
    """One page, mapped, for the sink to commit; ``checkpoint`` holds once it is."""

    number: int
    set_spec: str | None
    parsed: list[Parsed]
    checkpoint: Checkpoint
    skipped: int
    list_size: int | None


class Sink(Protocol):
    """Where pages go. ``commit`` returns only once the page is durably stored."""

    def commit(self, batch: PageBatch) -> None:
        """Store one page and its checkpoint."""


@dataclass(slots=True)
class Outcome:
    """What a harvest did, beside what the sink counted."""

    pages: int = 0
    records: int = 0
    skipped: int = 0
    restarts: int = 0
    notes: list[str] = field(default_factory=list)
    checkpoint: Checkpoint = field(default_factory=Checkpoint)


@dataclass(slots=True)
class Listing:
    """What a complete ListIdentifiers of a plan's sets found: the live identifiers."""

    live: set[str] = field(default_factory=set)
    deleted: int = 0
    pages: int = 0


class Harvester:
    """Runs a :class:`Plan` against one partner through an :class:`OAIClient`."""

    def __init__(self, client: OAIClient, sink: Sink, *, max_restarts: int = 5,
                 on_page: Callable[[PageBatch], None] | None = None,
                 mapper: oai_pages.Mapper | None = None) -> None:
        self.client = client
        self.sink = sink
        self.max_restarts = max_restarts
        self.on_page = on_page
        self.mapper = mapper or oai_pages.InlineMapper()
        self._seen: dict[str, str] = {}
        self._listed = 0
        self._positions = 0
        #: The current (or last) run's outcome, kept here so that a run that raises still
        #: leaves the notes it gathered (restarts, ...) for the failed run's message.
        self.outcome = Outcome()

    def identify(self) -> Identify:
        """Identify the partner (also proves the URL is an OAI-PMH endpoint)."""
        return self.client.identify()

    def check_format(self, metadata_prefix: str) -> None:
        """Fail early when the partner lists its formats and ``metadata_prefix`` is not one.

        Raises:
            UnsupportedFormat: the partner does not serve the prefix.
        """
        try:
            served = self.client.metadata_formats()
        except HarvestError:
            return  # some partners do not implement the verb well: ListRecords will tell
        if served and metadata_prefix not in served:
            raise oai.UnsupportedFormat(
                f"the partner does not serve metadata format {metadata_prefix!r} "
                f"(it serves {', '.join(served)})"
            )

    def run(self, plan: Plan, identify: Identify, resume: Checkpoint | None = None) -> Outcome:
        """Harvest every set of the plan (or the whole repository), page by page.

        Raises:
            HarvestError: the harvest cannot go on; every page committed before stays,
                and the sink holds the checkpoint to resume from.
        """
        outcome = self.outcome = Outcome(checkpoint=resume or Checkpoint())
        sets: tuple[str | None, ...] = plan.sets or (None,)
        for index, set_spec in enumerate(sets):
            if resume is not None and index < resume.set_index:
                continue
            start = resume if resume is not None and index == resume.set_index else None
            self._harvest_set(plan, identify, index, set_spec, start, outcome)
        return outcome

    def identifiers(self, plan: Plan) -> Listing:
        """List the identifiers of every set of the plan (or of the whole repository).

        Raises:
            HarvestError: the listing could not be completed (a refused token included).
                A partial listing proves nothing about what is absent from it, so it is
                never returned, and no restart is attempted: the next listing starts over.
        """
        listing = Listing()
        for set_spec in plan.sets or (None,):
            for page in self.client.list_identifiers(plan.metadata_prefix, set_spec):
                listing.pages += 1
                for element in page.records:
                    header = oai.read_header(element)
                    if not header.identifier:
                        continue
                    if header.deleted:
                        listing.deleted += 1
                    else:
                        listing.live.add(header.identifier)
        return listing

    def _from_for(self, plan: Plan, identify: Identify, checkpoint: Checkpoint | None,
                  outcome: Outcome) -> str | None:
        """The ``from`` of a (re)started list: the checkpoint when it is safe, else the plan's."""
        if checkpoint is not None and checkpoint.datestamp:
            if checkpoint.ordered:
                moment = oai.parse_datestamp(checkpoint.datestamp)
                if moment is not None:
                    return oai.format_datestamp(moment, identify.granularity)
            else:
                outcome.notes.append(
                    "the partner does not list records in datestamp order: the list restarted "
                    "from the run's start (records already stored were recognised, not re-added)"
                )
        if plan.from_ is None:
            return None
        return oai.format_datestamp(plan.from_, identify.granularity)

    def _harvest_set(self, plan: Plan, identify: Identify, index: int, set_spec: str | None,
                     start: Checkpoint | None, outcome: Outcome) -> None:
        """List one set, mapping page N+1 while page N is committed, restarting on bad tokens."""
        checkpoint = start or Checkpoint(set_index=index)
        until = oai.format_datestamp(plan.until, identify.granularity) if plan.until else None
        restarts = 0
        from_ = self._from_for(plan, identify, start, outcome)
        while True:
            pages = _Prefetch(self.client.list_records(plan.metadata_prefix, set_spec, from_, until))
            pending: deque[_Pending] = deque()
            try:
                while True:
                    # Keep the mapper busy a page or two ahead, but never hold mapped pages
                    # while waiting on the network.
                    while pending and (len(pending) > self.mapper.depth or not pages.ready()):
                        checkpoint = self._commit(plan, set_spec, pending.popleft(), checkpoint,
                                                  outcome)
                    page = pages.next()
                    if page is None:
                        break
                    pending.append(self._submit(plan, page))
                while pending:
                    checkpoint = self._commit(plan, set_spec, pending.popleft(), checkpoint,
                                              outcome)
                return
            except BadResumptionToken as exc:
                while pending:
                    checkpoint = self._commit(plan, set_spec, pending.popleft(), checkpoint,
                                              outcome)
                restarts += 1
                outcome.restarts += 1
                if restarts > self.max_restarts:
                    raise HarvestError(
                        f"the partner refused resumption tokens {restarts} times "
                        f"({exc.detail or exc.code}); every committed page is kept and the "
                        "next run resumes"
                    ) from None
                outcome.notes.append(
                    f"badResumptionToken after page {outcome.pages}: restarted from "
                    f"{checkpoint.datestamp or 'the start'}"
                    + (" (in datestamp order)" if checkpoint.ordered else "")
                )
                from_ = self._from_for(plan, identify, checkpoint, outcome)
            except HarvestError:
                while pending:  # good pages before the failure are still kept
                    checkpoint = self._commit(plan, set_spec, pending.popleft(), checkpoint,
                                              outcome)
                raise
            finally:
                pages.close()

    def _submit(self, plan: Plan, page: oai.Page) -> _Pending:
        self._listed += 1
        first = self._positions + 1
        self._positions += len(page.records)
        future = self.mapper.submit(page, plan.reader, plan.source, first, self._listed)
        return _Pending(future, page, first, self._listed)

    def _commit(self, plan: Plan, set_spec: str | None, pending: _Pending,
                checkpoint: Checkpoint, outcome: Outcome) -> Checkpoint:
        mapped = oai_pages.result(pending.future, pending.page, plan.reader, plan.source,
                                  pending.first, pending.number)
        number = outcome.pages + 1
        parsed: list[Parsed] = []
        skipped = 0
        highest, ordered = checkpoint.datestamp, checkpoint.ordered
        for header, result in mapped:
            stamp = header.datestamp
            if stamp:
                if stamp < highest:
                    ordered = False
                highest = max(highest, stamp)
            if header.identifier and self._seen.get(header.identifier) == stamp:
                skipped += 1  # re-listed after a restart, or in a second set: already stored
                continue
            outcome.records += 1
            parsed.append(result)
            if header.identifier:
                self._seen[header.identifier] = stamp
        after = Checkpoint(set_index=checkpoint.set_index, datestamp=highest, ordered=ordered)
        batch = PageBatch(number=number, set_spec=set_spec, parsed=parsed, checkpoint=after,
                          skipped=skipped, list_size=pending.page.complete_list_size)
        self.sink.commit(batch)
        outcome.pages = number
        outcome.skipped += skipped
        outcome.checkpoint = after
        if self.on_page is not None:
            self.on_page(batch)
        return after


@dataclass(frozen=True, slots=True)
class _Pending:
    """A page listed and submitted for mapping, not yet committed."""

    future: Future[oai_pages.Mapped] | Future[oai_pages.Packed]
    page: oai.Page
    first: int
    number: int


class _Prefetch:
    """Fetches the next pages in a thread while the caller maps and commits.

    Network waits and XML parsing then overlap the caller's work. The partner's errors
    arrive in order, after the pages that preceded them.
    """

    def __init__(self, pages: Iterator[oai.Page], depth: int = 2) -> None:
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pages,), daemon=True,
                                        name="oai-prefetch")
        self._thread.start()

    def _put(self, item: tuple[str, object]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, pages: Iterator[oai.Page]) -> None:
        try:
            for page in pages:
                if not self._put(("page", page)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # handed to the caller, raised there
            self._put(("error", exc))

    def ready(self) -> bool:
        """Whether the next page (or the end, or an error) is already here."""
        return not self._queue.empty()

    def next(self) -> oai.Page | None:
        """The next page, None at the end; re-raises what stopped the list."""
        kind, value = self._queue.get()
        if kind == "error":
            assert isinstance(value, BaseException)
            raise value
        if kind == "end":
            return None
        assert isinstance(value, oai.Page)
        return value

    def close(self) -> None:
        """Stop fetching (the thread ends at its next page or request)."""
        self._stop.set()
        self._thread.join(timeout=0.5)
