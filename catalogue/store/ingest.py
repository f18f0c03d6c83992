"""Writing parsed records into the store, one import run at a time.

Records are written in batches, one transaction per batch: an interrupted import leaves
every committed batch consistent and is simply re-run. A record whose canonical content
did not change keeps its ``datestamp`` (OAI harvesters and DSI novelty depend on it);
every record met is stamped with the run id, so ``--full`` can tombstone exactly the
records the file no longer holds.

A datestamp is read from the clock only at the end of its transaction, once everything
else is written: new records are inserted then, with it, and the rows changed earlier in
the transaction (with a placeholder datestamp) are stamped right after (see
:meth:`Ingest._stamp`). A datestamp thus never precedes the moment its change became
visible by more than those last statements, which keeps an OAI-PMH incremental harvest
from missing records written during a long import. (Inserting new records last rather
than stamping them afterwards spares SQLite rewriting every new row and its datestamp
index entries a second time: a third of a first harvest's own database work.)
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, case, insert, or_, select, update

from catalogue.clock import Clock, utcnow
from catalogue.formats.base import Parsed
from catalogue.records import Item, Record, to_json_bytes
from catalogue.store.bulk import insert_rows
from catalogue.store.circulation_tables import retire_items
from catalogue.store.tables import import_problems, import_runs, items, records, sources
from catalogue.store.territory_sets import keys_of
from catalogue.store.territory_sets import write as write_territories

#: Datestamp of rows written but not yet stamped; never committed (see Ingest._stamp).
PENDING = datetime(1970, 1, 1, tzinfo=UTC)
#: The columns of a new record's row, in table order (see :func:`bulk.insert_rows`).
RECORD_COLUMNS = ("source", "source_id", "format", "charset", "raw", "data", "content_hash",
                  "title", "doc_type", "datestamp", "first_seen", "deleted", "last_run")
# The statements run for every batch, built once: SQLAlchemy then finds their compiled
# form by a key it memoised on them, instead of building, hashing and looking up a new
# statement each time (most of what a one-row UPDATE cost, ten times SQLite's own work).
_EXISTING = (select(records.c.id, records.c.source_id, records.c.content_hash,
                    records.c.deleted, records.c.last_run)
             .where(records.c.source == bindparam("source"),
                    records.c.source_id.in_(bindparam("ids", expanding=True))))
_IDS = (select(records.c.source_id, records.c.id)
        .where(records.c.source == bindparam("source"),
               records.c.source_id.in_(bindparam("ids", expanding=True))))
_TOUCH = (update(records).where(records.c.id.in_(bindparam("ids", expanding=True)))
          .values(last_run=bindparam("run")))
_STAMP = (update(records).where(records.c.datestamp == PENDING)
          .values(datestamp=bindparam("now"),
                  first_seen=case((records.c.first_seen == PENDING, bindparam("now")),
                                  else_=records.c.first_seen)))
#: The counts of a run (its ``import_runs`` columns) saved after each batch.
_COUNTS = ("read", "added", "updated", "unchanged", "deleted", "rejected", "warnings")
_SAVE_COUNTS = update(import_runs).where(import_runs.c.id == bindparam("run"))
#: At most this many precomputed union match keys are kept for the run's clustering
#: (a few hundred bytes each); records beyond are re-read by the clustering instead.
KEYS_KEPT = 200_000
#: Why a run left "running" by a process that died is closed as interrupted (also said by
#: the report pages while the run waits for its source's next import, catalogue.stale_runs).
STOPPED = "the process stopped mid-run"


@dataclass(frozen=True, slots=True)
class Problem:
    """A rejected record (``error``) or a record imported with a remark (``warning``)."""

    position: int
    offset: int
    source_id: str
    severity: str
    message: str


@dataclass(slots=True)
class RunReport:
    """What one import did, as printed by ``catalogue import`` and kept in the store."""

    run_id: int
    source: str
    path: str
    format: str
    encoding: str
    full: bool
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    warnings: int = 0
    status: str = "running"
    message: str = ""
    problems: list[Problem] = field(default_factory=list)


_ID_IN_XML = re.compile(rb'<(?:\w+:)?(?:f c|controlfield tag)="001"[^>]*>\s*([^<\s][^<]*?)\s*<')


def guess_source_id(raw: bytes) -> str:
    """Best-effort 001 of a record we could not read, so ``--full`` does not tombstone it."""
    match = _ID_IN_XML.search(raw[:4096])
    if match:
        return match.group(1).decode("utf-8", "replace")
    try:
        base = int(raw[12:17])
        directory = raw[24 : base - 1]
    except ValueError:
        return ""
    for n in range(0, len(directory) - 11, 12):
        if directory[n : n + 3] == b"001" and directory[n + 3 : n + 12].isdigit():
            length, start = int(directory[n + 3 : n + 7]), int(directory[n + 7 : n + 12])
            value = raw[base + start : base + start + length - 1]
            return value.decode("latin-1").strip()
    return ""


def item_rows(record: Record) -> tuple[list[dict[str, Any]], list[str]]:
    """The item rows of ``record``, one key each, and what was done with repeated barcodes.

    A barcode names one copy, but real exports repeat one: Kentika gives its placeholder
    'ENSP_' to three copies with different call numbers, and the second row stopped the
    whole import on the store's unique (record, key). Identical repeats are one copy;
    different copies sharing a barcode are all kept, the later ones keyed 'barcode#2', and
    both cases are said so the documentalist can give them barcodes of their own.
    """
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    used: set[str] = set()
    by_barcode: dict[str, list[dict[str, Any]]] = {}
    for n, item in enumerate(record.items, start=1):
        row = _item_row(item, item.barcode or f"#{n}")
        if item.barcode:
            same = by_barcode.setdefault(item.barcode, [])
            if any({**other, "item_key": row["item_key"]} == row for other in same):
                notes.append(f"barcode {item.barcode!r} is given twice to the same copy "
                             f"(call number {item.call_number or 'none'}): kept once")
                continue
            if same:
                notes.append(f"barcode {item.barcode!r} is shared by different copies "
                             f"(call numbers {same[0]['call_number'] or 'none'} and "
                             f"{item.call_number or 'none'}): both kept, give each its own "
                             "barcode for the lending desk")
            same.append(row)
        key, k = row["item_key"], 1
        while key in used:
            k += 1
            key = f"{row['item_key']}#{k}"
        used.add(key)
        row["item_key"] = key
        rows.append(row)
    return rows, notes


def _item_row(item: Item, key: str) -> dict[str, Any]:
    return {
        "item_key": key,
        "barcode": item.barcode,
        "call_number": item.call_number,
        "item_type": item.item_type,
        "section": item.section,
        "status": item.status,
        "status_label": item.status_label,
        "location": item.location,
        "loanable": item.loanable,
    }


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the garbage collector less often for the duration of an import or harvest.

    Each record allocates a few hundred small objects that die with its batch; the
    default collector threshold (700 allocations) would run a collection every couple
    of records for nothing (about 10% of an import's or a harvest's time).
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


class Ingest:
    """One import run: feed it :class:`Parsed` records, then :meth:`finish`."""

    def __init__(
        self,
        engine: Engine,
        *,
        source: str,
        source_name: str = "",
        source_kind: str = "file",
        path: str = "",
        format: str = "",
        encoding: str = "auto",
        full: bool = False,
        batch_size: int = 500,
        clock: Clock = utcnow,
        holds_lock: bool = False,
    ) -> None:
        """Open the run (a row ``running`` until :meth:`finish` or :meth:`abort`).

        Args:
            holds_lock: the caller holds the source's lock (:mod:`catalogue.source_lock`),
                so no other process writes the source: a run of it still ``running`` was
                left by a process that died (killed, out of memory, power cut) and is
                closed as interrupted, with the counts of the batches it committed.
        """
        self.engine = engine
        self.clock = clock
        self.batch_size = batch_size
        self.batch: list[Parsed] = []
        self.unidentified_rejects = 0
        #: content hash -> union match keys, for the records whose reader computed them
        #: (see :func:`catalogue.union.refresh`'s ``known``).
        self.match_keys: dict[str, tuple[str, ...]] = {}
        with engine.begin() as conn:
            now = clock()
            if conn.execute(select(sources.c.slug).where(sources.c.slug == source)).first() is None:
                conn.execute(
                    insert(sources).values(
                        slug=source, name=source_name or source, kind=source_kind, created_at=now
                    )
                )
            if holds_lock:
                conn.execute(update(import_runs).where(import_runs.c.source == source,
                                                       import_runs.c.status == "running")
                             .values(status="interrupted", message=STOPPED))
            run_id = conn.execute(
                insert(import_runs).values(
                    source=source, path=path, format=format, encoding=encoding, full=full,
                    started_at=now, status="running",
                )
            ).inserted_primary_key
            assert run_id is not None
        self.report = RunReport(
            run_id=int(run_id[0]), source=source, path=path, format=format, encoding=encoding,
            full=full,
        )

    def add(self, parsed: Parsed) -> None:
        """Queue one reader result; writes a batch when enough are queued."""
        self.batch.append(parsed)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def add_all(self, results: Iterable[Parsed]) -> None:
        """Queue every result of a reader (with :func:`fewer_collections`)."""
        with fewer_collections():
            for parsed in results:
                self.add(parsed)

    def flush(self, also: Callable[[Connection], object] | None = None) -> None:
        """Write the queued batch in one transaction.

        Args:
            also: more writes for the same transaction (a harvest's checkpoint), run
                after the batch and before the datestamps are read.
        """
        if not self.batch and also is None:
            return
        batch, self.batch = self.batch, []
        with self.engine.begin() as conn:
            inserts = self._write(conn, batch, PENDING) if batch else {}
            if also is not None:
                also(conn)
            now = self.clock()
            self._insert(conn, now, inserts)
            self._stamp(conn, now)

    def _stamp(self, conn: Connection, now: datetime | None = None) -> datetime:
        """Give the rows this transaction changed their datestamp, read last.

        The rows are written with a :data:`PENDING` placeholder and stamped only now,
        when the transaction already holds the write lock and is about to commit: a
        datestamp then never precedes the moment its change became visible by more than
        the transaction's last statements, so an OAI-PMH harvest followed by an
        incremental one from its start cannot miss it. ``now`` is the moment read
        just before those statements (the new records' insert), if any.
        """
        now = self.clock() if now is None else now
        conn.execute(_STAMP, {"now": now})
        return now

    def _write(self, conn: Connection, batch: list[Parsed],
               now: datetime) -> dict[str, dict[str, Any]]:
        """Write what changed in ``batch`` but its new records, which are returned (source
        id -> values) for :meth:`_insert` to write last."""
        rep = self.report
        run = rep.run_id
        problems: list[Problem] = []
        wanted = {p.source_id or (p.record.source_id if p.record else "") for p in batch}
        wanted |= {guess_source_id(p.raw) for p in batch if not p.ok}
        wanted.discard("")
        existing: dict[str, tuple[int, str, bool, int | None]] = {}
        ids = list(wanted)
        for start in range(0, len(ids), 500):
            rows = conn.execute(_EXISTING, {"source": rep.source, "ids": ids[start:start + 500]})
            for found in rows:
                existing[found.source_id] = (
                    found.id, found.content_hash, found.deleted, found.last_run
                )
        seen_here: dict[str, int] = {}
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        touch: list[int] = []
        tombstones: list[int] = []
        for p in batch:
            rep.read += 1
            if not p.ok:
                rep.rejected += 1
                sid = guess_source_id(p.raw)
                problems.append(Problem(p.position, p.offset, sid, "error", p.error))
                if sid in existing:
                    touch.append(existing[sid][0])
                elif not sid:
                    self.unidentified_rejects += 1
                continue
            record = p.record
            assert record is not None
            sid = record.source_id
            copies, item_notes = item_rows(record)
            if p.warnings or item_notes:
                rep.warnings += 1
                problems += [Problem(p.position, p.offset, sid, "warning", w)
                             for w in (*p.warnings, *item_notes)]
            old = existing.get(sid)
            duplicate = sid in seen_here or (old is not None and old[3] == run)
            if duplicate:
                rep.warnings += 1
                problems.append(Problem(p.position, p.offset, sid, "warning",
                                        f"record id {sid!r} appears more than once in the file; "
                                        "this later occurrence replaces the earlier one"))
            seen_here[sid] = p.position
            if p.deleted:
                if old is not None and not old[2]:
                    tombstones.append(old[0])
                    rep.deleted += 1
                elif old is not None:
                    touch.append(old[0])
                continue
            encoded = p.encoded or to_json_bytes(record)
            digest = hashlib.blake2b(encoded, digest_size=16).hexdigest()
            if p.match_keys is not None and len(self.match_keys) < KEYS_KEPT:
                self.match_keys[digest] = p.match_keys
            if old is not None and old[1] == digest and not old[2] and sid not in updates:
                # Unchanged (most of a re-harvest): nothing more to compute.
                touch.append(old[0])
                if not duplicate:
                    rep.unchanged += 1
                continue
            values: dict[str, Any] = {
                "data": encoded.decode("utf-8"), "content_hash": digest, "raw": p.raw,
                "title": record.title.display()[:1000], "doc_type": record.doc_type[:1],
                "charset": p.charset or "utf-8", "format": rep.format,
                "_items": copies, "_territories": keys_of(record),
            }
            if old is None:
                if sid not in inserts and not duplicate:
                    rep.added += 1
                inserts[sid] = values
            else:
                values["_id"] = old[0]
                updates[sid] = values
                if not duplicate:
                    rep.updated += 1
        self._apply(conn, now, updates, touch, tombstones)
        if problems:
            conn.execute(insert(import_problems), [
                {"run_id": run, "position": pr.position, "offset": pr.offset,
                 "source_id": pr.source_id[:200], "severity": pr.severity, "message": pr.message}
                for pr in problems
            ])
            rep.problems += problems
        self._save_counts(conn)
        return inserts

    def _insert(self, conn: Connection, now: datetime, inserts: dict[str, dict[str, Any]]) -> None:
        """Insert the new records (source id -> values), datestamped ``now``, with their
        territories and items."""
        rep = self.report
        new_rows: list[dict[str, Any]] = []
        if inserts:
            run = rep.run_id
            # A plain executemany, then one query for the new ids: RETURNING with
            # executemany runs row by row on SQLite, several times slower.
            insert_rows(conn, records, RECORD_COLUMNS, [
                (rep.source, sid, row["format"], row["charset"], row["raw"], row["data"],
                 row["content_hash"], row["title"], row["doc_type"], now, now, False, run)
                for sid, row in inserts.items()
            ])
            with_items = [sid for sid, row in inserts.items() if row["_items"]]
            placed = [sid for sid, row in inserts.items() if row["_territories"]]
            new_ids = self._ids(conn, list(dict.fromkeys(with_items + placed)))
            # The territories in the record's own transaction: a territoire: set never
            # lags behind the record (nor its datestamp, stamped just before commit).
            write_territories(conn, {new_ids[sid]: inserts[sid]["_territories"]
                                     for sid in placed})
            for sid in with_items:
                new_rows += [{"record_id": new_ids[sid], **r} for r in inserts[sid]["_items"]]
            if new_rows:
                conn.execute(insert(items), new_rows)

    def _apply(
        self,
        conn: Connection,
        now: datetime,
        updates: dict[str, dict[str, Any]],
        touch: list[int],
        tombstones: list[int],
    ) -> None:
        rep = self.report
        if updates:
            conn.execute(
                update(records)
                .where(records.c.id == bindparam("_id"))
                .values(data=bindparam("data"), content_hash=bindparam("content_hash"),
                        raw=bindparam("raw"), title=bindparam("title"),
                        doc_type=bindparam("doc_type"), charset=bindparam("charset"),
                        format=bindparam("format"), datestamp=now, deleted=False,
                        last_run=rep.run_id),
                [{k: v for k, v in row.items() if k not in ("_items", "_territories")}
                 for row in updates.values()],
            )
            write_territories(conn, {row["_id"]: row["_territories"] for row in updates.values()})
            for row in updates.values():
                self._sync_items(conn, row["_id"], row["_items"])
        if touch:
            for start in range(0, len(touch), 500):
                conn.execute(_TOUCH, {"ids": touch[start:start + 500], "run": rep.run_id})
        if tombstones:
            conn.execute(update(records).where(records.c.id.in_(tombstones))
                         .values(deleted=True, datestamp=now, last_run=rep.run_id))

    def _ids(self, conn: Connection, source_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(source_ids), 500):
            rows = conn.execute(_IDS, {"source": self.report.source,
                                       "ids": source_ids[start : start + 500]})
            found.update({row.source_id: row.id for row in rows})
        return found

    def _sync_items(self, conn: Connection, record_id: int, rows: list[dict[str, Any]]) -> None:
        """Update items in place by barcode so their ids (and future loans) survive."""
        current = {
            row.item_key: row.id
            for row in conn.execute(select(items.c.id, items.c.item_key)
                                    .where(items.c.record_id == record_id))
        }
        for row in rows:
            item_id = current.pop(row["item_key"], None)
            if item_id is None:
                conn.execute(insert(items).values(record_id=record_id, **row))
            else:
                conn.execute(update(items).where(items.c.id == item_id).values(**row))
        # Never erase circulation state: items the desk still needs are flagged instead.
        retire_items(conn, record_id, current, self.clock())

    def _save_counts(self, conn: Connection, **extra: Any) -> None:
        rep = self.report
        conn.execute(_SAVE_COUNTS, {"run": rep.run_id, **{name: getattr(rep, name) for name in _COUNTS},
                                    **extra})

    def finish(self) -> RunReport:
        """Write what is queued, tombstone what a ``--full`` file lacks, close the run.

        A ``--full`` run of which not one record could be read deletes nothing.
        """
        self.flush()
        rep = self.report
        with self.engine.begin() as conn:
            if rep.full and rep.read == rep.rejected:
                # Not one record read: the wrong file, whatever it was called; delete nothing.
                rep.full = False
                rep.message = ("no record of this full catalogue could be read: "
                               "nothing was deleted")
            if rep.full:
                if self.unidentified_rejects:
                    rep.message = (
                        f"--full: nothing was deleted because {self.unidentified_rejects} "
                        "rejected record(s) could not be identified; fix them and re-run"
                    )
                else:
                    gone = conn.execute(
                        update(records)
                        .where(records.c.source == rep.source, records.c.deleted.is_(False),
                               or_(records.c.last_run.is_(None),
                                   and_(records.c.last_run != rep.run_id)))
                        .values(deleted=True, datestamp=PENDING)
                    )
                    rep.deleted += gone.rowcount
            now = self._stamp(conn)
            rep.status = "completed"
            self._save_counts(conn, status="completed", finished_at=now, message=rep.message)
        return rep

    def abort(self, reason: str, status: str = "interrupted") -> RunReport:
        """Close the run as interrupted (or ``failed``); committed batches stay, nothing is
        tombstoned. A run is never left ``running``: `catalogue sources` would show it so
        for ever."""
        rep = self.report
        rep.status, rep.message = status, reason
        with self.engine.begin() as conn:
            self._save_counts(conn, status=status, finished_at=self.clock(), message=reason)
        return rep

    def fail(self, exc: Exception) -> RunReport:
        """Close the run as failed on an unexpected error, its reason in one line."""
        return self.abort(f"failed: {type(exc).__name__}: {exc}"[:2000], status="failed")
