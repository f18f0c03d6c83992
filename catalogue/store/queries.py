"""Read-side queries on the store, returning plain dataclasses (no SQL leaves this module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select

from catalogue.records import Record, from_json
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


def run_problems(engine: Engine, run_id: int) -> list[tuple[int, str, str]]:
    """(position, severity, message) of one import run, in file order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(import_problems.c.position, import_problems.c.severity,
                   import_problems.c.message)
            .where(import_problems.c.run_id == run_id)
            .order_by(import_problems.c.position, import_problems.c.id)
        )
        return [(r.position, r.severity, r.message) for r in rows]
