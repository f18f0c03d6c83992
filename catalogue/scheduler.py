"""The ``catalogue scheduler`` process: harvests and drop-folder imports on their schedule.

Jobs come from config.toml (``schedule`` on each source, a crontab line in the
``[harvest] timezone``). Every job writes to the store, so they run one at a time: a
single worker thread, ``max_instances=1``, and ``coalesce`` so that a scheduler that
was stopped overnight runs a missed harvest once, not once per missed slot. Web
workers never run jobs: this process is started beside the web app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from catalogue.folder_imports import process_folder
from catalogue.harvesting import harvest_source
from catalogue.index_following import Followed, following_harvest
from catalogue.settings import Settings, Source
from catalogue.source_lock import SourceBusy
from harvesters.dropfolder import FolderUnavailable

log = logging.getLogger("catalogue.scheduler")
MISFIRE_GRACE_SECONDS = 6 * 3600
MAIL_EXECUTOR = "mail"
#: The upload job's name: it runs every few seconds, so APScheduler's two lines a run
#: are dropped from the log (see :class:`QuietJobs`); the job logs what it imported.
UPLOADS_JOB = "staff uploads"
INDEX_EXECUTOR = "index"


class QuietJobs(logging.Filter):
    """Drops APScheduler's "Running job" / "executed successfully" lines of frequent
    jobs that share an executor with the harvests (whose lines stay)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or f'"{UPLOADS_JOB} ' not in record.getMessage()


def _run(settings: Settings, engine: Engine, source: Source) -> str:
    slug = source.slug
    if source.kind == "oai":
        report = harvest_source(engine, settings, source)
        return (f"harvest {slug}: {report.status}, pages {report.pages}, added {report.added}, "
                f"updated {report.updated}, deleted {report.deleted}, rejected {report.rejected}, "
                f"retries {report.retries}, {report.duration:.1f} s"
                + (f" - {report.message}" if report.message else ""))
    done = process_folder(engine, settings, source)
    return f"folder {slug}: " + (", ".join(
        f"{p.name} {'done' if p.ok else 'failed'}" for p in done) or "nothing new")


def run_source(settings: Settings, engine: Engine, slug: str,
               index_dir: Path | None = None) -> str:
    """One scheduled job: harvest an OAI source, or import a file source's drop folder.

    With ``index_dir``, the search index follows the store while the job runs (a job
    longer than a few seconds: :mod:`catalogue.index_following`) and is brought up to
    date after it (the index is derived: it is updated after the store has committed,
    never before).
    """
    source = settings.source(slug)
    followed: list[Followed] = []
    try:
        with following_harvest(settings, index_dir) as followed:
            line = _run(settings, engine, source)
    except SourceBusy as exc:  # `catalogue harvest` got there first: its run stands
        line = f"skipped {exc}"
        log.warning(line)
        return line
    except FolderUnavailable as exc:  # one line a pass, not a traceback; the rest goes on
        line = f"folder {slug}: {exc}"
        log.error(line)
        return line
    if index_dir is not None and index_dir.is_dir():
        from catalogue.indexing import update_index

        done_index = update_index(engine, index_dir, procs=settings.index.procs,
                                  engine_name=settings.index.engine,
                                  documents_access=settings.documents.access)
        during = followed[0] if followed else Followed()
        line += (f"; index: {during.indexed + done_index.indexed} updated, "
                 f"{during.deleted + done_index.deleted} removed")
    log.info(line)
    return line


def scheduled(source: Source) -> bool:
    """Whether ``catalogue scheduler`` runs this source (a schedule, and something to run)."""
    return bool(source.schedule) and (source.kind == "oai" or source.folder is not None)


def next_run(source: Source, timezone: str, now: datetime) -> datetime | None:
    """When the scheduler runs ``source`` next after ``now`` (None: it never does)."""
    if not scheduled(source):
        return None
    trigger = CronTrigger.from_crontab(source.schedule, timezone=timezone)
    found: datetime | None = trigger.get_next_fire_time(None, now.astimezone(trigger.timezone))
    return found


def build(settings: Settings, job: Callable[[str], object],
          scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler holding one job per source with a ``schedule`` (not started)."""
    sched = scheduler or BlockingScheduler(timezone=settings.harvest.timezone)
    sched.configure(
        # Store writers share one thread; mail has its own, so a sign-in link is not
        # held back by a two-hour harvest.
        executors={"default": ThreadPoolExecutor(max_workers=1),
                   MAIL_EXECUTOR: ThreadPoolExecutor(max_workers=1),
                   INDEX_EXECUTOR: ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=settings.harvest.timezone,
    )
    for source in settings.sources:
        if not source.schedule:
            continue
        if not scheduled(source):
            log.warning("source %s has a schedule but neither an OAI url nor a folder", source.slug)
            continue
        sched.add_job(job, CronTrigger.from_crontab(source.schedule,
                                                    timezone=settings.harvest.timezone),
                      args=[source.slug], id=f"source:{source.slug}",
                      name=f"{source.kind} {source.slug}", replace_existing=True)
    return sched


def add_outbox_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """Send the mails web requests queued (sign-in links, confirmations) every few seconds."""
    from catalogue.clock import utcnow
    from catalogue.people import outbox

    def send() -> None:
        report = outbox.drain(engine, settings.mail, utcnow())
        if report != outbox.DrainReport():
            log.info("%s", report)

    sched.add_job(send, "interval", seconds=settings.mail.outbox_seconds, id="mail:outbox",
                  name="mail outbox", executor=MAIL_EXECUTOR, replace_existing=True)


def add_availability_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """Every ``[index] availability_seconds``: re-index the records the desk changed.

    The index's one writer for loans, returns and holds (web requests only note them);
    its own executor, so a long harvest does not hold the facets back. A busy index (a
    harvest's update holding it) leaves the notes for the next run.
    """
    from catalogue.lending.availability import apply_refreshes
    from indexes import IndexLocked

    def refresh() -> None:
        try:
            done = apply_refreshes(engine, settings.index.dir,
                                   documents_access=settings.documents.access)
        except IndexLocked:
            return
        if done:
            log.info("index: availability of %d record(s) refreshed", done)

    sched.add_job(refresh, "interval", seconds=settings.index.availability_seconds,
                  id="index:availability", name="index availability", executor=INDEX_EXECUTOR,
                  replace_existing=True)


def add_circulation_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """Every morning at ``[circulation] reminder_hour``: expire holds, send overdue reminders."""
    from catalogue.clock import utcnow
    from catalogue.lending.daily import morning

    def run() -> None:
        expired, report = morning(engine, settings, utcnow())
        log.info("circulation: %d hold(s) expired; %s", expired, report)

    sched.add_job(run, CronTrigger(hour=settings.circulation.reminder_hour, minute=0,
                                   timezone=settings.circulation.timezone),
                  id="circulation:morning", name="circulation reminders", replace_existing=True)


def add_questions_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """Every morning at ``[circulation] reminder_hour``: remind the assignees of the
    questions due within ``[questions] reminder_days``; anonymise the askers kept past
    ``keep_months``."""
    from catalogue.clock import utcnow
    from catalogue.questions.privacy import forget
    from catalogue.questions.reminders import remind

    def run() -> None:
        moment = utcnow()
        log.info("%s; %d asker(s) anonymised", remind(engine, settings, moment),
                 forget(engine, settings, moment))

    sched.add_job(run, CronTrigger(hour=settings.circulation.reminder_hour, minute=5,
                                   timezone=settings.circulation.timezone),
                  id="questions:morning", name="questions reminders", replace_existing=True)


def add_veille_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """Every ``[veille] check_minutes``: fetch the due watch sources (each on its own
    period, backing off when it fails), then retire entries past ``keep_months``."""
    from catalogue.clock import utcnow
    from catalogue.veille.fetching import fetch_due
    from catalogue.veille.publishing import expire

    def run() -> None:
        moment = utcnow()
        for report in fetch_due(engine, settings, moment):
            log.info("veille: %s", report.line())
        retired = expire(engine, settings, moment)
        index_dir = settings.index.dir
        if retired and index_dir.is_dir():  # tombstones: the index drops them now
            from catalogue.indexing import update_index

            update_index(engine, index_dir, procs=settings.index.procs,
                         engine_name=settings.index.engine,
                         documents_access=settings.documents.access)
        if retired:
            log.info("veille: %d entries past keep_months retired", retired)

    sched.add_job(run, "interval", minutes=settings.veille.check_minutes, id="veille:fetch",
                  name="veille sources", replace_existing=True)


def add_dsi_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """The DSI run on ``[dsi] schedule``: each profile decides whether it is due."""
    if not settings.dsi.enabled or not settings.dsi.schedule:
        return
    from catalogue.clock import utcnow
    from catalogue.dsi.runs import run
    from catalogue.people.tokens import LinkSigner
    from catalogue.web.secret import secret_key

    def job() -> None:
        log.info("%s", run(engine, settings, utcnow(), LinkSigner(secret_key(settings))))

    sched.add_job(job, CronTrigger.from_crontab(settings.dsi.schedule,
                                                timezone=settings.dsi.timezone),
                  id="dsi:run", name="dsi digests", replace_existing=True)


def add_documents_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """Attach the files of ``[documents] folder`` on ``[documents] schedule``; the index
    job then indexes their text (their records are noted for it)."""
    docs = settings.documents
    if docs.folder is None or not docs.schedule:
        return
    from catalogue.clock import utcnow
    from catalogue.documents.folder import import_folder
    from catalogue.documents.service import Documents, holders

    local = settings.oai.local_source or settings.default_source
    service = Documents(engine, docs, holders(
        local, {s.slug: s.redistribute for s in settings.sources}))
    folder = docs.folder

    def job() -> None:
        report = import_folder(service, folder, local, utcnow())
        for line in report.lines:
            log.info("documents: %s", line)

    sched.add_job(job, CronTrigger.from_crontab(docs.schedule, timezone="UTC"),
                  id="documents:folder", name="documents folder", replace_existing=True)


def add_uploads_job(sched: BaseScheduler, settings: Settings, engine: Engine) -> None:
    """Every ``[import] upload_seconds``: import the files sent from the staff import page,
    then bring the index up to date (as the drop-folder job does) when something came in."""
    from catalogue.uploads.job import import_uploads

    def run() -> None:
        lines = import_uploads(engine, settings)
        for line in lines:
            log.info("%s", line)
        index_dir = settings.index.dir
        if lines and index_dir.is_dir():
            from catalogue.indexing import update_index

            done = update_index(engine, index_dir, procs=settings.index.procs,
                                engine_name=settings.index.engine,
                                documents_access=settings.documents.access)
            log.info("uploads: index: %d updated, %d removed", done.indexed, done.deleted)

    sched.add_job(run, "interval", seconds=settings.uploads.upload_seconds, id="uploads:import",
                  name=UPLOADS_JOB, replace_existing=True)
