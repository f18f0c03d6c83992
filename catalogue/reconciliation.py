"""Noticing what left a partner's catalogue: a periodic complete listing of its identifiers.

An incremental harvest learns of a deletion only when the partner says so. A partner
keeping deletions ``transient`` may have forgotten one by the next harvest, and a record
that merely leaves a harvested *set* (a centre reorganising its sets, a record no
longer flagged for sharing) is, for that set, silently gone: OAI-PMH has no way to
announce it. What a documentalist expects is that such records disappear from the
shared catalogue within days, without anyone running ``--full`` (which re-reads every
record). So every ``[harvest] reconcile_days`` days, and on ``catalogue harvest
--reconcile``, a successful incremental harvest is followed by a ListIdentifiers over the
same sets (headers only, a fraction of the records' weight); the source's live records
whose identifier was not listed are tombstoned, so our own OAI partners learn of the
deletion in turn.

Only a complete listing counts: one that fails midway deletes nothing (an absent
identifier proves nothing then) and the next harvest tries again. An empty listing while
we hold live records deletes nothing either: a renamed set or a misbehaving endpoint
must not empty the catalogue (``--full`` does that on purpose), and neither does one
that would delete more than ``[harvest] reconcile_max_percent`` of the source's live
records (beyond a handful): a partner half-way through re-filing its sets, or whose
listing silently stops early with no token, is far likelier than half a catalogue
weeded in a week. The listing runs inside
the harvest, under the source's lock, right after the harvest has committed, so a record
harvested before it cannot be missing from it unless the partner dropped it since.
Each listing is a ``harvest_runs`` row of kind ``reconcile``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, insert, or_, select, update

from catalogue.clock import Clock
from catalogue.formats.base import Parsed
from catalogue.records import Record, Title
from catalogue.store.harvest_tables import harvest_runs
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records
from harvesters.oai_protocol import HarvestError
from harvesters.oaipmh import Harvester, Plan

KIND = "reconcile"
#: A listing may always delete this many records, whatever the share (small sources).
ALWAYS_ALLOWED = 10


@dataclass(slots=True)
class Reconciliation:
    """What one listing found and did (``status`` completed, failed or refused)."""

    run_id: int
    status: str = "running"
    listed: int = 0
    pages: int = 0
    deleted: int = 0
    message: str = ""

    def line(self) -> str:
        """One line for the harvest report and the scheduler's log."""
        if self.status != "completed":
            return f"identifier listing {self.status}: {self.message}"
        return (f"identifiers listed: {self.listed} in {self.pages} page(s); {self.deleted} "
                f"record(s) no longer at the partner deleted" + (f" ({self.message})"
                                                                   if self.message else ""))


def due(engine: Engine, source: str, days: int, now: datetime) -> bool:
    """Whether ``source`` has gone ``days`` days without a complete listing.

    A completed listing counts, and so does a completed harvest that listed everything
    (a first harvest, ``--full``). ``days`` = 0 never makes one due.
    """
    if days <= 0:
        return False
    with engine.connect() as conn:
        last = conn.execute(
            select(func.max(harvest_runs.c.started_at)).where(
                harvest_runs.c.source == source, harvest_runs.c.status == "completed",
                or_(harvest_runs.c.kind == KIND,
                    and_(harvest_runs.c.kind == "oai", harvest_runs.c.from_ == "")))
        ).scalar()
    return last is None or now - last >= timedelta(days=days)


def reconcile(engine: Engine, harvester: Harvester, plan: Plan, *, url: str,
              clock: Clock, max_percent: int = 100) -> Reconciliation:
    """List the partner's identifiers for ``plan`` and tombstone our records it lacks.

    Refuses (deleting nothing) when that would be more than ``max_percent`` % of the
    source's live records and more than :data:`ALWAYS_ALLOWED` records.
    """
    started = clock()
    with engine.begin() as conn:
        key = conn.execute(insert(harvest_runs).values(
            source=plan.source, kind=KIND, started_at=started, status="running", url=url,
            metadata_prefix=plan.metadata_prefix, sets=" ".join(plan.sets),
        )).inserted_primary_key
    assert key is not None
    done = Reconciliation(run_id=int(key[0]))
    try:
        listing = harvester.identifiers(plan)
    except HarvestError as exc:
        return _close(engine, done, "failed",
                      f"{exc}; nothing was deleted, the next harvest lists again", clock)
    done.listed, done.pages = len(listing.live), listing.pages
    with engine.connect() as conn:
        ours = set(conn.execute(select(records.c.source_id).where(
            records.c.source == plan.source, records.c.deleted.is_(False))).scalars())
    gone = sorted(ours - listing.live)
    if gone and not listing.live:
        return _close(engine, done, "refused",
                      f"the partner listed no identifier while we hold {len(ours)} live "
                      "record(s): nothing was deleted (check the source's sets; "
                      "`catalogue harvest --full` deletes on purpose)", clock)
    if len(gone) > ALWAYS_ALLOWED and len(gone) * 100 > max_percent * len(ours):
        return _close(engine, done, "refused",
                      f"the partner no longer lists {len(gone)} of our {len(ours)} live "
                      f"record(s) ({len(gone) * 100 // len(ours)}%, more than [harvest] "
                      f"reconcile_max_percent = {max_percent}): nothing was deleted. If it "
                      f"really dropped them, `catalogue harvest {plan.source} --full` deletes "
                      "them", clock)
    if gone:
        ingest = Ingest(engine, source=plan.source, source_kind="oai", path=url,
                        format=plan.metadata_prefix, encoding="utf-8", batch_size=500,
                        clock=clock)
        for n, sid in enumerate(gone, start=1):
            tombstone = Record(source=plan.source, source_id=sid, title=Title(main=""))
            ingest.add(Parsed(position=n, offset=0, raw=b"", record=tombstone, source_id=sid,
                              deleted=True))
        done.deleted = ingest.finish().deleted
        done.message = f"import run {ingest.report.run_id}"
    return _close(engine, done, "completed", done.message, clock)


def _close(engine: Engine, done: Reconciliation, status: str, message: str,
           clock: Clock) -> Reconciliation:
    done.status, done.message = status, message
    with engine.begin() as conn:
        conn.execute(update(harvest_runs).where(harvest_runs.c.id == done.run_id).values(
            status=status, finished_at=clock(), pages=done.pages, records=done.listed,
            deleted=done.deleted, message=message,
        ))
    return done
