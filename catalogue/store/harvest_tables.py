"""The store's harvesting and union-catalogue tables (same metadata as ``tables``).

``harvest_runs`` is one row per harvest of a partner (or drop-folder pass), with its
report and its checkpoint, updated after every committed page so a killed harvest can
resume. ``harvest_state`` holds, per source, the start of the last *successful*
harvest, in the partner's own clock: the next incremental harvest asks from there
(minus a small overlap), and it only moves once a run has committed everything.
``record_keys`` and ``record_clusters`` are the union catalogue: the match keys of each
record and the cluster it belongs to (the smallest record id of its cluster).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from catalogue.store.tables import UTCDateTime, metadata

harvest_runs = Table(
    "harvest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), ForeignKey("sources.slug"), nullable=False),
    Column("kind", String(10), nullable=False),  # oai or folder
    Column("import_run", Integer, ForeignKey("import_runs.id"), nullable=True),
    Column("chain", Integer, nullable=True),  # first run of a resumed sequence
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(20), nullable=False),  # running, completed, failed, interrupted
    Column("full", Boolean, nullable=False, default=False),
    Column("url", Text, nullable=False, default=""),
    Column("metadata_prefix", String(60), nullable=False, default=""),
    Column("sets", Text, nullable=False, default=""),
    Column("from_", String(30), nullable=False, default=""),
    Column("server_start", String(30), nullable=False, default=""),
    Column("pages", Integer, nullable=False, default=0),
    Column("records", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("retries", Integer, nullable=False, default=0),
    Column("restarts", Integer, nullable=False, default=0),
    Column("duration", Float, nullable=False, default=0.0),
    Column("checkpoint", Text, nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Index("ix_harvest_runs_source", "source", "id"),
)

harvest_state = Table(
    "harvest_state",
    metadata,
    Column("source", String(40), ForeignKey("sources.slug"), primary_key=True),
    Column("last_success_start", String(30), nullable=False),  # partner's datestamp
    Column("last_success_run", Integer, ForeignKey("harvest_runs.id"), nullable=True),
    Column("granularity", String(30), nullable=False, default=""),
)

record_keys = Table(
    "record_keys",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"),
           primary_key=True),
    Column("key", String(400), primary_key=True),
    Index("ix_record_keys_key", "key"),
)

record_clusters = Table(
    "record_clusters",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"),
           primary_key=True),
    Column("cluster_id", Integer, nullable=False),
    Column("content_hash", String(32), nullable=False),  # what the keys were computed from
    Index("ix_record_clusters_cluster", "cluster_id"),
)
