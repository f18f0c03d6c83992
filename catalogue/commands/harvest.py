"""``catalogue harvest`` and ``catalogue scheduler``.

Each source is harvested on its own: an unknown slug, an unreachable partner, a URL
that is not OAI-PMH or a format we cannot map gives that source one ``error:`` line and
the others are still harvested; the exit status is 2 when any source failed.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import Engine

from catalogue.commands import Obj
from catalogue.commands.index import after_ingest
from catalogue.folder_imports import process_folder
from catalogue.harvesting import HarvestReport, harvest_source
from catalogue.index_following import following_harvest
from catalogue.settings import Settings, SettingsError, Source
from catalogue.source_lock import SourceBusy
from harvesters.dropfolder import FolderUnavailable
from harvesters.oaipmh import PageBatch

MAX_LISTED = 20


def parse_from(value: str | None) -> datetime | None:
    """``--from``: a date (YYYY-MM-DD) or a UTC moment (YYYY-MM-DDThh:mm:ssZ)."""
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise click.BadParameter(f"{value!r} is not YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ",
                             param_hint="--from")


def _progress(slug: str) -> Any:
    def show(batch: PageBatch) -> None:
        total = f"/{batch.list_size}" if batch.list_size else ""
        kept = sum(1 for p in batch.parsed if p.ok)
        click.echo(f"  {slug}: page {batch.number}{' set ' + batch.set_spec if batch.set_spec else ''}"
                   f" - {kept} record(s){total and ' of ' + total[1:] + ' listed'}", err=True)
    return show


def print_harvest(report: HarvestReport) -> None:
    """The per-run report a documentalist reads."""
    click.echo(
        f"{report.source}: {report.status} - pages {report.pages}, added {report.added}, "
        f"updated {report.updated}, unchanged {report.unchanged}, deleted {report.deleted}, "
        f"rejected {report.rejected}, retries {report.retries}, restarts {report.restarts}, "
        f"{report.duration:.1f} s" + (f" (from {report.from_})" if report.from_ else " (full)"
                                      if report.full else "")
    )
    errors = [p for p in report.problems if p.severity == "error"]
    for p in errors[:MAX_LISTED]:
        click.echo(f"  rejected {p.source_id or 'record ' + str(p.position)}: {p.message}")
    if len(errors) > MAX_LISTED:
        click.echo(f"  ... {len(errors) - MAX_LISTED} more: catalogue report {report.import_run}")
    if report.message:
        prefix = "error: " if report.status != "completed" else "note: "
        click.echo(prefix + report.message, err=report.status != "completed")


def _harvest_one(engine: Engine, settings: Settings, source: Source, full: bool,
                 from_: datetime | None, reconcile: bool = False) -> bool:
    if source.kind != "oai":
        if source.folder is None:
            click.echo(f"error: source {source.slug!r} is a file source without a folder: "
                       "use catalogue import", err=True)
            return False
        try:
            done = process_folder(engine, settings, source)
        except FolderUnavailable as exc:
            click.echo(f"error: {source.slug}: {exc}", err=True)
            return False
        for p in done:
            click.echo(f"{source.slug}: {p.name} -> {p.path.parent.name}/ "
                       f"({p.report_path.name})")
        if not done:
            click.echo(f"{source.slug}: no complete file in {source.folder}")
        return all(p.ok for p in done)
    click.echo(f"Harvesting {source.slug} from {source.url}", err=True)
    index_dir = settings.index.dir if settings.index.update_after_import else None
    with following_harvest(settings, index_dir) as followed:
        report = harvest_source(engine, settings, source, full=full, from_=from_,
                                on_page=_progress(source.slug), reconcile=reconcile)
    print_harvest(report)
    if followed and followed[0].passes:
        click.echo(f"{source.slug}: the search index followed the harvest: "
                   f"{followed[0].indexed} record(s) indexed, {followed[0].deleted} removed",
                   err=True)
    listing = report.reconciliation
    return report.status == "completed" and (listing is None or listing.status == "completed")


@click.command("harvest")
@click.argument("slugs", nargs=-1)
@click.option("--all", "everything", is_flag=True,
              help="Every OAI source and every source with a drop folder.")
@click.option("--full", is_flag=True,
              help="List everything and delete what the partner no longer has.")
@click.option("--from", "from_", default=None, metavar="DATE",
              help="Harvest changes since DATE (YYYY-MM-DD) instead of since the last harvest.")
@click.option("--reconcile", is_flag=True,
              help="Then list the partner's identifiers and delete what it no longer lists "
                   "(done every [harvest] reconcile_days anyway).")
@click.pass_obj
def harvest_command(obj: Obj, slugs: tuple[str, ...], everything: bool, full: bool,
                    from_: str | None, reconcile: bool) -> None:
    """Harvest partner catalogues (OAI-PMH) and drop folders into the store."""
    settings = obj.settings
    since = parse_from(from_)
    if everything:
        slugs = tuple(s.slug for s in settings.sources if s.kind == "oai" or s.folder)
    elif not slugs:
        raise click.UsageError("name a source (catalogue sources lists them) or use --all")
    engine = obj.engine()
    failed = 0
    for slug in slugs:
        try:
            source = settings.source(slug)
        except SettingsError as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        try:
            if not _harvest_one(engine, settings, source, full, since, reconcile):
                failed += 1
        except SourceBusy as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
    after_ingest(settings, engine, lambda line: click.echo(line, err=True))
    if failed:
        sys.exit(2)


@click.command("scheduler")
@click.pass_obj
def scheduler_command(obj: Obj) -> None:
    """Run the scheduled harvests and drop-folder imports (a long-running process)."""
    from catalogue import scheduler

    settings = obj.settings
    engine = obj.engine()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # The outbox job runs every few seconds and logs what it sent itself: APScheduler's
    # two lines per run would bury the harvests' reports (its errors still show).
    for quiet in (scheduler.MAIL_EXECUTOR, scheduler.INDEX_EXECUTOR):
        logging.getLogger(f"apscheduler.executors.{quiet}").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors.default").addFilter(scheduler.QuietJobs())
    index_dir = settings.index.dir  # updated after each job when it exists
    sched = scheduler.build(settings,
                            lambda slug: scheduler.run_source(settings, engine, slug, index_dir))
    scheduler.add_outbox_job(sched, settings, engine)
    scheduler.add_availability_job(sched, settings, engine)
    scheduler.add_circulation_job(sched, settings, engine)
    scheduler.add_questions_job(sched, settings, engine)
    scheduler.add_veille_job(sched, settings, engine)
    scheduler.add_dsi_job(sched, settings, engine)
    scheduler.add_documents_job(sched, settings, engine)
    scheduler.add_uploads_job(sched, settings, engine)
    jobs = sched.get_jobs()
    for job in jobs:
        click.echo(f"scheduled {job.name}: {job.trigger}")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")
