"""Harvesting partners into the store: the composition of ``harvesters`` and the store.

One call, :func:`harvest_source`, runs a source's harvest and never raises for what
can go wrong with a partner: an unreachable URL, a URL that is not OAI-PMH, a format we
cannot map all end as a ``failed`` run whose message says what to check, so the next
source is still harvested. Pages are committed as they arrive; after each, the run row
holds the checkpoint. A run that dies (killed, failed mid-list) is resumed by the next
one from that checkpoint, and the watermark - the partner's own time at the start of
the first run of that chain - moves only when a run has committed everything, so an
incremental harvest never skips what a broken one did not finish.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from sqlalchemy import Connection, Engine, and_, bindparam, desc, insert, or_, select, update

from catalogue import reconciliation, union
from catalogue.clock import Clock, utcnow
from catalogue.reconciliation import Reconciliation
from catalogue.settings import Settings, Source
from catalogue.source_lock import source_lock
from catalogue.store.harvest_tables import harvest_runs, harvest_state
from catalogue.store.ingest import STOPPED, Ingest, Problem, fewer_collections
from catalogue.store.tables import records, sources
from harvesters import oai_protocol as oai
from harvesters.oai_client import OAIClient, Policy
from harvesters.oai_mapping import DEFAULT_PREFIX, reader_for
from harvesters.oai_pages import InlineMapper, PoolMapper
from harvesters.oai_protocol import HarvestError
from harvesters.oaipmh import Checkpoint, Harvester, PageBatch, Plan

ProgressFn = Callable[[PageBatch], None]


@dataclass(slots=True)
class HarvestReport:
    """What one harvest run did, as ``catalogue harvest`` prints it and the admin page lists it."""

    run_id: int
    source: str
    kind: str = "oai"
    status: str = "running"
    full: bool = False
    from_: str = ""
    pages: int = 0
    records: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    retries: int = 0
    restarts: int = 0
    duration: float = 0.0
    message: str = ""
    started_at: datetime | None = None
    import_run: int | None = None
    problems: list[Problem] = field(default_factory=list)
    reconciliation: Reconciliation | None = None


def ensure_source(engine: Engine, source: Source, now: datetime) -> None:
    """Create the source's row on its first harvest (as an import would)."""
    with engine.begin() as conn:
        if conn.execute(select(sources.c.slug).where(sources.c.slug == source.slug)).first() is None:
            conn.execute(insert(sources).values(slug=source.slug, name=source.name,
                                                kind=source.kind, created_at=now))


def _start_run(engine: Engine, source: Source, kind: str, now: datetime, **values: object) -> int:
    ensure_source(engine, source, now)
    with engine.begin() as conn:
        # A run still 'running' here was killed: we hold the source's lock (source_lock).
        conn.execute(update(harvest_runs)
                     .where(harvest_runs.c.source == source.slug, harvest_runs.c.status == "running")
                     .values(status="interrupted", message=STOPPED))
        key = conn.execute(insert(harvest_runs).values(
            source=source.slug, kind=kind, started_at=now, status="running", **values,
        )).inserted_primary_key
    assert key is not None
    return int(key[0])


def _save(engine: Engine, report: HarvestReport, **extra: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(harvest_runs).where(harvest_runs.c.id == report.run_id).values(
            status=report.status, full=report.full, from_=report.from_, pages=report.pages,
            records=report.records, added=report.added, updated=report.updated,
            unchanged=report.unchanged, deleted=report.deleted, rejected=report.rejected,
            retries=report.retries, restarts=report.restarts, duration=report.duration,
            message=report.message, import_run=report.import_run, **extra,
        ))


@dataclass(frozen=True, slots=True)
class _Chain:
    """An unfinished harvest to resume: its first run, checkpoint, from and start."""

    first: int
    full: bool
    checkpoint: Checkpoint
    from_: str
    server_start: str
    import_runs: tuple[int, ...]


def _resumable(engine: Engine, source: Source, prefix: str, sets: str, full: bool) -> _Chain | None:
    """The latest unfinished run of the same harvest since the last success, if any.

    Runs that failed before committing a page (partner down) carry no checkpoint and are
    passed over, so a partner down for a few nights is resumed where it was left.
    """
    with engine.connect() as conn:
        last_ok = conn.execute(select(harvest_state.c.last_success_run)
                               .where(harvest_state.c.source == source.slug)).scalar() or 0
        row = conn.execute(
            select(harvest_runs).where(harvest_runs.c.source == source.slug,
                                       harvest_runs.c.kind == "oai", harvest_runs.c.id > last_ok,
                                       harvest_runs.c.checkpoint != "")
            .order_by(desc(harvest_runs.c.id)).limit(1)
        ).first()
        if (row is None or row.status == "completed" or row.metadata_prefix != prefix
                or row.sets != sets or (full and not row.full)):
            return None
        first = row.chain or row.id
        chain_runs = conn.execute(
            select(harvest_runs.c.import_run, harvest_runs.c.server_start)
            .where(or_(harvest_runs.c.id == first, harvest_runs.c.chain == first))
            .order_by(harvest_runs.c.id)
        ).all()
    starts = [r.server_start for r in chain_runs if r.server_start]
    return _Chain(first=first, full=row.full, checkpoint=Checkpoint.from_json(row.checkpoint), from_=row.from_,
                  server_start=starts[0] if starts else "",
                  import_runs=tuple(r.import_run for r in chain_runs if r.import_run))


#: A run's counts and checkpoint after each page; built once, as its SQLAlchemy key is
#: then memoised (see catalogue.store.ingest).
_SAVE_PAGE = update(harvest_runs).where(harvest_runs.c.id == bindparam("run"))


class _StoreSink:
    """Commits each page through :class:`Ingest`, then records the run's checkpoint."""

    def __init__(self, engine: Engine, ingest: Ingest, report: HarvestReport,
                 client: OAIClient) -> None:
        self.engine, self.ingest, self.report, self.client = engine, ingest, report, client

    def commit(self, batch: PageBatch) -> None:
        for parsed in batch.parsed:
            self.ingest.add(parsed)
        # The page and its checkpoint in one transaction: one commit per page, and a
        # checkpoint can never get ahead of (or behind) the records it vouches for.
        self.ingest.flush(also=lambda conn: self._checkpoint(conn, batch))

    def _checkpoint(self, conn: Connection, batch: PageBatch) -> None:
        rejected = [p.source_id for p in batch.parsed if not p.ok and p.source_id]
        rep, done = self.report, self.ingest.report
        rep.pages, rep.records = rep.pages + 1, rep.records + len(batch.parsed)
        rep.added, rep.updated, rep.unchanged = done.added, done.updated, done.unchanged
        rep.deleted, rep.rejected = done.deleted, done.rejected
        rep.retries = self.client.stats.retries
        if rejected:
            # A record we could not map is still the partner's: a full harvest keeps it.
            conn.execute(update(records).where(records.c.source == rep.source,
                                               records.c.source_id.in_(rejected))
                         .values(last_run=done.run_id))
        conn.execute(_SAVE_PAGE, {
            "run": rep.run_id, "pages": rep.pages, "records": rep.records, "added": rep.added,
            "updated": rep.updated, "unchanged": rep.unchanged, "deleted": rep.deleted,
            "rejected": rep.rejected, "retries": rep.retries,
            "checkpoint": batch.checkpoint.to_json(),
        })


def _sweep(engine: Engine, source: str, import_runs: tuple[int, ...], now: datetime) -> int:
    """After a full harvest: tombstone the live records no run of the chain met."""
    with engine.begin() as conn:
        result = conn.execute(
            update(records)
            .where(records.c.source == source, records.c.deleted.is_(False),
                   or_(records.c.last_run.is_(None), records.c.last_run.not_in(import_runs)))
            .values(deleted=True, datestamp=now)
        )
    return int(result.rowcount or 0)


def _incremental_from(engine: Engine, source: str, overlap: int) -> datetime | None:
    with engine.connect() as conn:
        start = conn.execute(select(harvest_state.c.last_success_start)
                             .where(harvest_state.c.source == source)).scalar()
    moment = oai.parse_datestamp(start) if start else None
    return moment - timedelta(seconds=overlap) if moment else None


#: How a message says that what was committed is not lost.
RESUMES = "the next run resumes"
#: At most this many of a listing's notes go into a run's message (restarts repeat).
MAX_NOTES = 10


def bounded(notes: list[str]) -> list[str]:
    """The first :data:`MAX_NOTES` notes, and how many more were left out."""
    if len(notes) <= MAX_NOTES:
        return list(notes)
    return [*notes[:MAX_NOTES], f"{len(notes) - MAX_NOTES} more note(s) left out"]


def _listing_notes(harvester: Harvester | None) -> list[str]:
    """What a failed or interrupted run's listing noted before it stopped (restarts...)."""
    return bounded(harvester.outcome.notes) if harvester is not None else []


def _save_watermark(engine: Engine, source: str, start: str, run_id: int,
                    granularity: str) -> None:
    """Move the watermark: the next incremental harvest asks from ``start``."""
    values = {"last_success_start": start, "last_success_run": run_id,
              "granularity": granularity}
    with engine.begin() as conn:
        if conn.execute(update(harvest_state).where(harvest_state.c.source == source)
                        .values(**values)).rowcount == 0:
            conn.execute(insert(harvest_state).values(source=source, **values))


def harvest_source(
    engine: Engine,
    settings: Settings,
    source: Source,
    *,
    session: requests.Session | None = None,
    full: bool = False,
    from_: datetime | None = None,
    clock: Clock = utcnow,
    sleep: Callable[[float], None] = time.sleep,
    on_page: ProgressFn | None = None,
    reconcile: bool = False,
) -> HarvestReport:
    """Harvest one OAI-PMH source into the store; a failure is a report, never an exception.

    Args:
        full: list everything and tombstone what the partner no longer has.
        from_: harvest from this moment instead of the last successful harvest.
        on_page: called after each committed page (progress display).
        reconcile: list the partner's identifiers afterwards and delete what it no longer
            lists, whether or not ``[harvest] reconcile_days`` makes it due (see
            :mod:`catalogue.reconciliation`).

    Raises:
        SourceBusy: another process is harvesting this source; nothing was done (no run
            is recorded, the other run is left alone).
    """
    with source_lock(settings.data_dir, source.slug, "harvest"), fewer_collections():
        return _harvest(engine, settings, source, session=session, full=full, from_=from_,
                        clock=clock, sleep=sleep, on_page=on_page, reconcile=reconcile)


def _harvest(engine: Engine, settings: Settings, source: Source, *,
             session: requests.Session | None, full: bool, from_: datetime | None,
             clock: Clock, sleep: Callable[[float], None],
             on_page: ProgressFn | None, reconcile: bool) -> HarvestReport:
    started, tick = clock(), time.monotonic()
    prefix = source.metadata_prefix or DEFAULT_PREFIX.get(source.format, "oai_dc")
    sets = " ".join(source.sets)
    chain = None if from_ is not None else _resumable(engine, source, prefix, sets, full)
    full = chain.full if chain is not None else full
    run_id = _start_run(engine, source, "oai", started, url=source.url, metadata_prefix=prefix,
                        sets=sets, full=full)
    report = HarvestReport(run_id=run_id, source=source.slug, full=full, started_at=started)

    def finish(status: str, message: str) -> HarvestReport:
        report.status, report.message = status, message
        report.duration = round(time.monotonic() - tick, 3)
        _save(engine, report, finished_at=clock())
        return report

    if source.kind != "oai":
        return finish("failed", f"source {source.slug!r} is not an OAI-PMH source (kind = "
                                f"{source.kind!r}): import its files or give it a folder")
    if not source.url:
        return finish("failed", f"source {source.slug!r} has no url in the configuration")
    try:
        reader = reader_for(prefix, source.format)
    except HarvestError as exc:
        return finish("failed", f"{source.slug}: {exc}")
    h = settings.harvest
    client = OAIClient(source.url, session or requests.Session(), sleep=sleep, policy=Policy(
        attempts=h.attempts, backoff=h.backoff_seconds, max_delay=h.max_delay_seconds,
        timeout=h.timeout_seconds, max_bytes=h.max_response_mb * 1024 * 1024))
    ingest: Ingest | None = None
    notes: list[str] = []
    harvester: Harvester | None = None
    # The worker also computes the union match keys, off this (the busiest) process.
    mapper = PoolMapper(h.workers, derive=union.match_keys) if h.workers else InlineMapper()
    try:
        harvester = Harvester(client, _NullSink(), max_restarts=h.max_restarts, on_page=on_page,
                              mapper=mapper)
        identify = harvester.identify()
        notes += list(identify.warnings)
        harvester.check_format(prefix)
        if chain is not None:
            start_from = oai.parse_datestamp(chain.from_) if chain.from_ else None
            notes.append(f"resumed the unfinished harvest run {chain.first} from its checkpoint")
        elif full:
            start_from = None
        elif from_ is not None:
            start_from = from_
        else:
            start_from = _incremental_from(engine, source.slug, h.overlap_seconds)
            if start_from is not None and identify.deleted_record == "no":
                start_from, report.full = None, True
                notes.append("the partner keeps no deletions (deletedRecord=no): harvested in "
                             "full so that records it dropped are deleted here too")
        report.from_ = oai.format_datestamp(start_from, identify.granularity) if start_from else ""
        server_start = (chain.server_start if chain and chain.server_start
                        else identify.response_date or oai.format_datestamp(started, oai.SECOND))
        ingest = Ingest(engine, source=source.slug, source_name=source.name, source_kind="oai",
                        path=source.url, format=prefix, encoding="utf-8", full=False,
                        batch_size=1_000_000_000, clock=clock, holds_lock=True)
        report.import_run = ingest.report.run_id
        _save(engine, report, server_start=server_start, chain=chain.first if chain else None)
        harvester.sink = _StoreSink(engine, ingest, report, client)
        plan = Plan(source=source.slug, metadata_prefix=prefix, reader=reader, sets=source.sets,
                    from_=start_from)
        outcome = harvester.run(plan, identify, chain.checkpoint if chain else None)
        notes += bounded(outcome.notes)
        report.restarts = outcome.restarts
        done = ingest.finish()
        known_keys, ingest = ingest.match_keys, None  # committed: not to be marked interrupted
        report.problems = done.problems
        if report.full:
            runs = (chain.import_runs if chain else ()) + (done.run_id,)
            report.deleted += _sweep(engine, source.slug, runs, clock())
        elif reconcile or (start_from is not None and reconciliation.due(
                engine, source.slug,
                h.reconcile_days if source.reconcile_days is None else source.reconcile_days,
                clock())):
            report.reconciliation = reconciliation.reconcile(
                engine, harvester, plan, url=source.url, clock=clock,
                max_percent=h.reconcile_max_percent)
            notes.append(report.reconciliation.line())
        union.refresh(engine, source.slug, known=known_keys)
        report.retries = client.stats.retries
        previous = _incremental_from(engine, source.slug, 0)
        if start_from is not None and previous is not None and start_from > previous:
            # --from after the watermark skipped changes in between: keep the watermark.
            notes.append(f"--from is later than the last harvest: the next incremental harvest "
                         f"still starts from {oai.format_datestamp(previous, oai.SECOND)}")
        else:
            _save_watermark(engine, source.slug, server_start, run_id, identify.granularity)
        return finish("completed", "; ".join(notes))
    except HarvestError as exc:
        report.retries = client.stats.retries
        if harvester is not None:
            report.restarts = harvester.outcome.restarts
        if ingest is not None:
            report.problems = ingest.abort(str(exc)).problems
        said = str(exc)
        kept = ""
        if report.pages:
            # Said once: the refused tokens' error already says the next run resumes.
            kept = (f" ({report.pages} page(s) committed)" if said.endswith(RESUMES)
                    else f" ({report.pages} page(s) committed; {RESUMES})")
        return finish("failed", "; ".join([*notes, *_listing_notes(harvester),
                                           f"{source.slug}: {said}{kept}"]))
    except Exception as exc:  # a run that broke says why and is not running
        if ingest is not None:
            report.problems = ingest.fail(exc).problems
        return finish("failed", "; ".join([*notes, *_listing_notes(harvester),
                                           f"{source.slug}: unexpected error: "
                                           f"{type(exc).__name__}: {exc}"]))
    except BaseException:
        if ingest is not None:
            ingest.abort("interrupted")
        finish("interrupted", "; ".join([*notes, *_listing_notes(harvester),
                                         f"interrupted; {RESUMES}"]))
        raise
    finally:
        mapper.close()


class _NullSink:
    """Stands in until the store sink exists (Identify writes nothing)."""

    def commit(self, batch: PageBatch) -> None:
        raise RuntimeError("no page may be committed before the run is opened")


def harvest_reports(engine: Engine, source: str | None = None, limit: int = 50,
                    run_id: int | None = None) -> list[HarvestReport]:
    """The latest harvest runs, newest first (the admin page's table), or run ``run_id``."""
    query = select(harvest_runs).order_by(desc(harvest_runs.c.id)).limit(limit)
    if run_id is not None:
        query = query.where(harvest_runs.c.id == run_id)
    if source:
        query = query.where(harvest_runs.c.source == source)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [HarvestReport(
        run_id=r.id, source=r.source, kind=r.kind, status=r.status, full=r.full, from_=r.from_,
        pages=r.pages, records=r.records, added=r.added, updated=r.updated,
        unchanged=r.unchanged, deleted=r.deleted, rejected=r.rejected, retries=r.retries,
        restarts=r.restarts, duration=r.duration, message=r.message, started_at=r.started_at,
        import_run=r.import_run,
    ) for r in rows]


def last_success(engine: Engine, source: str) -> str:
    """The partner's time at the start of the last successful harvest ('' if none)."""
    with engine.connect() as conn:
        found = conn.execute(select(harvest_state.c.last_success_start)
                             .where(and_(harvest_state.c.source == source))).scalar()
    return str(found or "")
