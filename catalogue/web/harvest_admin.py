"""The documentalist's view of what came in: each source, every harvest and import run.

``catalogue harvest`` prints a run's report once; the scheduler's runs happen at night.
This page is where a documentalist sees, the next morning, that a partner was down (and
was caught up), how many records each run added, updated and deleted, and which records
were rejected and why. Staff only; thin views over catalogue.harvesting and the store's
read queries. A run a dead process left "running" is shown interrupted
(:mod:`catalogue.stale_runs`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, render_template, request

from catalogue import harvesting
from catalogue.scheduler import next_run
from catalogue.stale_runs import Liveness
from catalogue.store import queries
from catalogue.web.guards import staff_required
from catalogue.web.service import engine, now, settings

bp = Blueprint("harvest_admin", __name__, url_prefix="/admin/moissons")

#: Problems listed on a run's page; the rest are counted.
PROBLEMS_SHOWN = 1000


@bp.get("/")
@staff_required
def index() -> str:
    """The configured sources, then the latest harvests and imports (of one source, if asked)."""
    config = settings()
    slugs = {s.slug for s in config.sources}
    chosen = request.args.get("source", "")
    source = chosen if chosen in slugs else None
    store = engine()
    live = _liveness()
    counts = {s.slug: s for s in live.sources(queries.source_summaries(store))}
    moment = now()
    rows = [(s, counts.get(s.slug), _instant(harvesting.last_success(store, s.slug)),
             next_run(s, config.harvest.timezone, moment))
            for s in config.sources]
    return render_template("admin/harvests.html", sources=rows, chosen=source or "",
                           harvests=live.runs(harvesting.harvest_reports(store, source)),
                           imports=live.runs(queries.import_summaries(store, source)))


def _liveness() -> Liveness:
    """Who is writing which configured source right now (one look per source and page)."""
    config = settings()
    return Liveness(config.data_dir, (s.slug for s in config.sources))


def _instant(stamp: str) -> datetime | None:
    """An OAI datestamp (``2026-11-26`` or ``2026-11-26T01:30:00Z``) as a UTC instant."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/moisson/<int:run_id>")
@staff_required
def harvest(run_id: int) -> str:
    """One harvest's report, with the records it rejected."""
    store = engine()
    found = _liveness().runs(harvesting.harvest_reports(store, run_id=run_id))
    if not found:
        abort(404)
    report = found[0]
    problems = (queries.run_problems(store, report.import_run, PROBLEMS_SHOWN)
                if report.import_run else [])
    return render_template("admin/harvest_run.html", report=report, problems=problems,
                           problems_source=report.source, shown=PROBLEMS_SHOWN)


@bp.get("/import/<int:run_id>")
@staff_required
def imported(run_id: int) -> str:
    """One import's report, with the records it rejected or imported with a remark."""
    store = engine()
    found = _liveness().runs(queries.import_summaries(store, run_id=run_id))
    if not found:
        abort(404)
    return render_template("admin/import_run.html", run=found[0],
                           problems=queries.run_problems(store, run_id, PROBLEMS_SHOWN),
                           problems_source=found[0].source, shown=PROBLEMS_SHOWN)
