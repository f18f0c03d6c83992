"""Read-side queries on the store, returning plain dataclasses (no SQL leaves this module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select

from catalogue.records import Record, from_json
from catalogue.store.harvest_tables import harvest_runs
from catalogue.store.tables import import_problems, import_runs, records, sources


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """One line of ``catalogue sources``."""

    slug: str
    name: str
    kind: str
    records: int
    deleted: int
    last_import: datetime | None
    last_status: str


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """One import run (a file, a drop-folder file, a listing's deletions) for the admin page."""

    id: int
    source: str
    path: str
    format: str
    full: bool
    started_at: datetime
    finished_at: datetime | None
    status: str
    read: int
    added: int
    updated: int
    unchanged: int
    deleted: int
    rejected: int
    warnings: int
    message: str


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as the store holds it, with its bookkeeping."""

    id: int
    record: Record
    raw: bytes
    format: str
    charset: str
    datestamp: datetime
    first_seen: datetime
    deleted: bool


def source_summaries(engine: Engine) -> list[SourceSummary]:
    """Every source with its live and deleted record counts and its last import."""
    counts = (
        select(
            records.c.source,
            func.sum(case((records.c.deleted.is_(False), 1), else_=0)).label("live"),
            func.sum(case((records.c.deleted.is_(True), 1), else_=0)).label("gone"),
        )
        .group_by(records.c.source)
        .subquery()
    )
    last = (
        select(import_runs.c.source, func.max(import_runs.c.id).label("run_id"))
        .group_by(import_runs.c.source)
        .subquery()
    )
    query = (
        select(
            sources.c.slug, sources.c.name, sources.c.kind, counts.c.live, counts.c.gone,
            import_runs.c.started_at, import_runs.c.status,
        )
        .outerjoin(counts, counts.c.source == sources.c.slug)
        .outerjoin(last, last.c.source == sources.c.slug)
        .outerjoin(import_runs, import_runs.c.id == last.c.run_id)
        .order_by(sources.c.slug)
    )
    with engine.connect() as conn:
        return [
            SourceSummary(
                slug=row.slug, name=row.name, kind=row.kind, records=int(row.live or 0),
                deleted=int(row.gone or 0), last_import=row.started_at,
                last_status=row.status or "",
            )
            for row in conn.execute(query)
        ]


def get_record(engine: Engine, source: str, source_id: str) -> StoredRecord | None:
    """The stored record (source, source_id), tombstones included."""
    with engine.connect() as conn:
        row = conn.execute(
            select(records).where(records.c.source == source, records.c.source_id == source_id)
        ).first()
    if row is None:
        return None
    return StoredRecord(
        id=row.id, record=from_json(row.data), raw=row.raw, format=row.format,
        charset=row.charset, datestamp=row.datestamp, first_seen=row.first_seen,
        deleted=row.deleted,
    )


def count_records(engine: Engine, source: str | None = None, deleted: bool = False) -> int:
    """How many live (or deleted) records, overall or for one source."""
    query = select(func.count()).select_from(records).where(records.c.deleted.is_(deleted))
    if source:
        query = query.where(records.c.source == source)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class RunProblem:
    """One rejected record or warning of an import run, as its report lists it: the
    identifier (the 001 the exporting base gave) is what staff look the record up by."""

    position: int
    offset: int
    source_id: str
    severity: str
    message: str


def run_problems(engine: Engine, run_id: int, limit: int | None = None) -> list[RunProblem]:
    """The problems of one import run, in file order (the first ``limit``)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(import_problems.c.position, import_problems.c.offset,
                   import_problems.c.source_id, import_problems.c.severity,
                   import_problems.c.message)
            .where(import_problems.c.run_id == run_id)
            .order_by(import_problems.c.position, import_problems.c.id)
            .limit(limit)
        )
        return [RunProblem(r.position, r.offset, r.source_id, r.severity, r.message)
                for r in rows]


def import_summaries(engine: Engine, source: str | None = None, limit: int = 50,
                     run_id: int | None = None) -> list[ImportSummary]:
    """The latest import runs, newest first, without those an OAI harvest made.

    A harvest's pages go through an import run too, but its report is the harvest's
    (``catalogue.harvesting.harvest_reports``); listing both would show it twice.
    """
    harvested = select(harvest_runs.c.import_run).where(harvest_runs.c.import_run.is_not(None))
    query = select(import_runs).order_by(import_runs.c.id.desc()).limit(limit)
    if run_id is not None:
        query = query.where(import_runs.c.id == run_id)
    else:
        query = query.where(import_runs.c.id.not_in(harvested))
    if source:
        query = query.where(import_runs.c.source == source)
    with engine.connect() as conn:
        return [ImportSummary(
            id=r.id, source=r.source, path=r.path, format=r.format, full=r.full,
            started_at=r.started_at, finished_at=r.finished_at, status=r.status, read=r.read,
            added=r.added, updated=r.updated, unchanged=r.unchanged, deleted=r.deleted,
            rejected=r.rejected, warnings=r.warnings, message=r.message,
        ) for r in conn.execute(query)]
