"""What the public catalogue reads from the store: live records by global id, their union
clusters, and the latest acquisitions (no SQL leaves this module).

The search index finds records and ranks them; the store stays the truth for everything
shown about them (full description, items, first arrival, which centres hold the same
work), so a page never shows a record the store has since deleted. Every function takes
a batch of ids and answers in one or two queries: a results page costs the same few
queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, select

from catalogue.records import Record, from_json
from catalogue.store.harvest_tables import record_clusters
from catalogue.store.tables import records, sources

CHUNK = 400


@dataclass(frozen=True, slots=True)
class Entry:
    """A live record with its bookkeeping and union cluster (its own id when alone)."""

    id: int
    record: Record
    datestamp: datetime
    first_seen: datetime
    cluster_id: int

    @property
    def global_id(self) -> str:
        """``source:source_id``, the id the index and the URLs use."""
        return self.record.global_id


@dataclass(frozen=True, slots=True)
class Holder:
    """One centre's record of a clustered work: who holds it, and the record itself."""

    id: int
    source_name: str
    record: Record

    @property
    def global_id(self) -> str:
        """``source:source_id``."""
        return self.record.global_id


def split_id(global_id: str) -> tuple[str, str]:
    """(source, source_id) of ``source:source_id``; source slugs never contain ':'."""
    source, _, source_id = global_id.partition(":")
    return source, source_id


def _by_source(global_ids: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """(source, source ids) batches: ``source = ? AND source_id IN (...)`` uses the unique
    (source, source_id) index, where a row-value ``IN`` makes SQLite scan the table."""
    ids: dict[str, list[str]] = {}
    for global_id in dict.fromkeys(global_ids):
        if ":" in global_id:
            source, source_id = split_id(global_id)
            ids.setdefault(source, []).append(source_id)
    for source, values in ids.items():
        for start in range(0, len(values), CHUNK):
            yield source, values[start:start + CHUNK]


def _entry(row: Row[Any]) -> Entry:
    return Entry(id=row.id, record=from_json(row.data), datestamp=row.datestamp,
                 first_seen=row.first_seen,
                 cluster_id=row.cluster_id if row.cluster_id is not None else row.id)


def _entries_query() -> Select[Any]:
    return (
        select(records.c.id, records.c.data, records.c.datestamp, records.c.first_seen,
               record_clusters.c.cluster_id)
        .outerjoin(record_clusters, record_clusters.c.record_id == records.c.id)
        .where(records.c.deleted.is_(False))
    )


def entries(engine: Engine, global_ids: Sequence[str]) -> dict[str, Entry]:
    """The live records among ``global_ids``, keyed by global id (unknown ids left out)."""
    found: dict[str, Entry] = {}
    with engine.connect() as conn:
        for source, chunk in _by_source(global_ids):
            query = _entries_query().where(records.c.source == source,
                                           records.c.source_id.in_(chunk))
            for row in conn.execute(query):
                entry = _entry(row)
                found[entry.global_id] = entry
    return found


def entry(engine: Engine, source: str, source_id: str) -> Entry | None:
    """The live record (source, source_id), or None (unknown or deleted)."""
    query = _entries_query().where(
        records.c.source == source, records.c.source_id == source_id)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return _entry(row) if row is not None else None


def latest(engine: Engine, limit: int) -> list[Entry]:
    """The ``limit`` live records that arrived last (``first_seen``), newest first.

    Records get their id when they first arrive and ``first_seen`` never changes after,
    so the primary key's order is the arrival order: walking it backwards finds the
    newest at once, where sorting on ``first_seen`` (not indexed) reads the whole table.
    """
    if limit <= 0:
        return []
    query = _entries_query().order_by(records.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        found = [_entry(row) for row in conn.execute(query)]
    return sorted(found, key=lambda e: (e.first_seen, e.id), reverse=True)


def cluster_ids(engine: Engine, global_ids: Sequence[str]) -> dict[str, int]:
    """The union cluster of each known id among ``global_ids`` (a record alone: its own id).

    Light on purpose (no record data): the results page asks it for every ranked hit it
    walks through while folding a work's records from several centres into one result.
    """
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for source, chunk in _by_source(global_ids):
            query = (
                select(records.c.id, records.c.source, records.c.source_id,
                       record_clusters.c.cluster_id)
                .outerjoin(record_clusters, record_clusters.c.record_id == records.c.id)
                .where(records.c.source == source, records.c.source_id.in_(chunk))
            )
            for row in conn.execute(query):
                cluster = row.cluster_id if row.cluster_id is not None else row.id
                found[f"{row.source}:{row.source_id}"] = int(cluster)
    return found


def siblings(conn: Connection, record_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Each of ``record_ids`` with the ids of every record of its work (itself included).

    The DSI asks it so that a work sent or published once through one centre's record is
    not sent again when a second centre's record of it arrives later (a union twin is a
    new record, but not a new document for the reader). A record the union table does not
    know stands alone.
    """
    ids = sorted(set(record_ids))
    found = {rid: frozenset((rid,)) for rid in ids}
    cluster_of: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        for row in conn.execute(select(record_clusters.c.record_id, record_clusters.c.cluster_id)
                                .where(record_clusters.c.record_id.in_(ids[start:start + CHUNK]))):
            cluster_of[int(row.record_id)] = int(row.cluster_id)
    members: dict[int, set[int]] = {}
    wanted = sorted(set(cluster_of.values()))
    for start in range(0, len(wanted), CHUNK):
        for row in conn.execute(select(record_clusters.c.record_id, record_clusters.c.cluster_id)
                                .where(record_clusters.c.cluster_id.in_(wanted[start:start + CHUNK]))):
            members.setdefault(int(row.cluster_id), set()).add(int(row.record_id))
    for rid, cluster in cluster_of.items():
        found[rid] = frozenset(members.get(cluster, set()) | {rid})
    return found


def holders(engine: Engine, clusters: Iterable[int]) -> dict[int, list[Holder]]:
    """The live records of each cluster with their centre's name, by source then id.

    A cluster the union table does not know (a record never clustered) is absent: the
    caller knows its one member already.
    """
    wanted = sorted(set(clusters))
    found: dict[int, list[Holder]] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            query = (
                select(record_clusters.c.cluster_id, records.c.id, records.c.data,
                       sources.c.name)
                .join(records, records.c.id == record_clusters.c.record_id)
                .join(sources, sources.c.slug == records.c.source)
                .where(record_clusters.c.cluster_id.in_(chunk), records.c.deleted.is_(False))
                .order_by(records.c.source, records.c.id)
            )
            for row in conn.execute(query):
                found.setdefault(int(row.cluster_id), []).append(
                    Holder(id=row.id, source_name=row.name, record=from_json(row.data)))
    return found


def source_names(engine: Engine) -> dict[str, str]:
    """Every source's display name, by slug, as the store last recorded it."""
    with engine.connect() as conn:
        return {row.slug: row.name for row in conn.execute(select(sources.c.slug, sources.c.name))}
