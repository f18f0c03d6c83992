"""The ``catalogue`` command: the composition root for operators and documentalists.

Errors a person can fix (a bad file, a bad config key) end with one ``error:`` line and
exit status 2, never a traceback.
"""

from __future__ import annotations

import dataclasses
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import click
from tqdm import tqdm

from catalogue import demo, union
from catalogue.commands import fail
from catalogue.commands.documents import documents_command
from catalogue.commands.index import after_ingest, reindex_command
from catalogue.commands.people import mail_command, users_command
from catalogue.commands.territories import territories_command
from catalogue.commands.veille import veille_command
from catalogue.formats import mojibake
from catalogue.formats.base import FormatError, Parsed
from catalogue.formats.charsets import CHARSETS
from catalogue.formats.detect import FORMATS, XML_FORMATS
from catalogue.settings import Settings, SettingsError, load
from catalogue.source_lock import SourceBusy, source_lock
from catalogue.stale_runs import Liveness
from catalogue.store import database, queries
from catalogue.store.ingest import Ingest, RunReport
from harvesters.pmb import ExportFile, open_export

MAX_LISTED = 50


class Context:
    """Lazily loaded settings and store, so ``--help`` works without a config file."""

    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load(self.config)
            except SettingsError as exc:
                fail(str(exc))
        return self._settings

    def engine(self) -> Any:
        return database.open_store(self.settings.store_url)


@click.group()
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="config.toml to use (default: $CATALOGUE_CONFIG, else ./config.toml).")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """Shared documentary catalogue: import, harvest, search, OAI-PMH, DSI."""
    ctx.obj = Context(config)


def _progress(export: ExportFile, source: str) -> Iterator[Parsed]:
    """Stream the file's records with a byte progress bar on a terminal."""
    with open(export.path, "rb") as raw, tqdm.wrapattr(
        raw, "read", total=export.size, desc=export.path.name, leave=False,
        disable=None if export.size > 1_000_000 else True, file=sys.stderr,
    ) as stream:
        yield from export.read(source, cast(BinaryIO, stream))


def print_report(report: RunReport) -> None:
    """The summary a documentalist reads after an import."""
    click.echo(
        f"read {report.read}, added {report.added}, updated {report.updated}, "
        f"unchanged {report.unchanged}, deleted {report.deleted}, rejected {report.rejected}, "
        f"with warnings {report.warnings}"
    )
    errors = [p for p in report.problems if p.severity == "error"]
    warnings = [p for p in report.problems if p.severity == "warning"]
    for title, items in (("Rejected", errors), ("Warnings", warnings)):
        if not items:
            continue
        click.echo(f"{title}:")
        # An XML reader places a record by its line, an ISO 2709 reader by its byte.
        unit = "line" if report.format in XML_FORMATS else "byte"
        for p in items[:MAX_LISTED]:
            ident = f" [{p.source_id}]" if p.source_id else ""
            click.echo(f"  record {p.position} ({unit} {p.offset}){ident}: {p.message}")
        if len(items) > MAX_LISTED:
            click.echo(f"  ... {len(items) - MAX_LISTED} more: catalogue report {report.run_id}")
    if report.message:
        click.echo(report.message)
    click.echo(f"import run {report.run_id}: {report.status}")


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--source", "slug", default=None, help="Source slug from config.toml.")
@click.option("--format", "fmt", default=None, metavar="|".join(["auto", *FORMATS]),
              help="Input format (default: the source's, else detected).")
@click.option("--encoding", default=None, metavar="|".join(["auto", *CHARSETS]),
              help="Force the character set (default: the source's, else detected per record).")
@click.option("--full", is_flag=True,
              help="The file is the source's whole catalogue: records missing from it are deleted.")
@click.pass_obj
def import_command(obj: Context, file: str, slug: str | None, fmt: str | None,
                   encoding: str | None, full: bool) -> None:
    """Import a catalogue file (PMB UNIMARC ISO 2709, PMB XML, MARCXML, MARC21, DC)."""
    settings = obj.settings
    try:
        source = settings.source(slug or settings.default_source)
    except SettingsError as exc:
        fail(str(exc))
    try:
        export = open_export(file, fmt or source.format, encoding or source.encoding)
    except FormatError as exc:
        fail(str(exc))
    click.echo(f"Importing {export.path.name} ({export.format}, encoding {export.encoding}) "
               f"into source '{source.slug}'{' as its full catalogue' if full else ''}")
    engine = obj.engine()
    try:  # not while a drop-folder pass or a harvest writes the same source
        with source_lock(settings.data_dir, source.slug, "import"):
            ingest = Ingest(
                engine, source=source.slug, source_name=source.name, source_kind=source.kind,
                path=str(export.path.resolve()), format=export.format,
                encoding=export.encoding, full=full, batch_size=settings.batch_size,
                holds_lock=True,
            )
            try:
                ingest.add_all(mojibake.review_all(_progress(export, source.slug),
                                                   source.repair_mojibake))
                report = ingest.finish()
            except KeyboardInterrupt:
                report = ingest.abort("interrupted; committed batches are kept, re-run the import")
                print_report(report)
                sys.exit(130)
            except Exception as exc:  # the run says why, never a traceback
                report = ingest.fail(exc)
                print_report(report)
                sys.exit(1)
            print_report(report)
            union.refresh(engine, source.slug)
    except SourceBusy as exc:
        fail(str(exc))
    after_ingest(settings, engine, click.echo)
    if report.read == report.rejected:
        click.echo("error: no record of this file could be imported", err=True)
        sys.exit(1)


@main.command("sources")
@click.pass_obj
def sources_command(obj: Context) -> None:
    """List sources with their record counts and last import.

    A last import still "running" whose process died is said interrupted (see
    :mod:`catalogue.stale_runs`); the next import of the source closes it so.
    """
    configured = {s.slug: s for s in obj.settings.sources}
    live = Liveness(obj.settings.data_dir, configured)
    rows = {s.slug: s for s in live.sources(queries.source_summaries(obj.engine()))}
    click.echo(f"{'source':<20} {'kind':<5} {'records':>8} {'deleted':>8}  last import")
    for slug in sorted(set(configured) | set(rows)):
        row = rows.get(slug)
        kind = configured[slug].kind if slug in configured else (row.kind if row else "")
        last = "never"
        if row and row.last_import:
            last = f"{row.last_import:%Y-%m-%d %H:%M:%S}Z ({row.last_status})"
        click.echo(f"{slug:<20} {kind:<5} {row.records if row else 0:>8} "
                   f"{row.deleted if row else 0:>8}  {last}")


@main.command("report")
@click.argument("run_id", type=int)
@click.pass_obj
def report_command(obj: Context, run_id: int) -> None:
    """Every rejected record and warning of one import run."""
    for p in queries.run_problems(obj.engine(), run_id):
        ident = f" [{p.source_id}]" if p.source_id else ""
        click.echo(f"record {p.position} (byte {p.offset}){ident}: {p.severity}: {p.message}")


@main.command("demo")
@click.option("--count", default=2000, show_default=True, help="Number of records.")
@click.option("--seed", default=1, show_default=True, help="Generator seed.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write (default: DATA_DIR/demo/pmb-export.mrc, or "
                   "partner-export.mrc with --partner).")
@click.option("--partner", is_flag=True,
              help="A partner centre's export instead: a third of the centre's books "
                   "under its own numbers and barcodes, and records of its own.")
@click.pass_obj
def demo_command(obj: Context, count: int, seed: int, output: str | None,
                 partner: bool) -> None:
    """Write the generated demo PMB export (UNIMARC ISO 2709, UTF-8)."""
    name = "partner-export.mrc" if partner else "pmb-export.mrc"
    path = Path(output) if output else obj.settings.data_dir / "demo" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write = demo.write_partner_export if partner else demo.write_export
    written = write(path, count=count, seed=seed)
    click.echo(f"wrote {written} records to {path}")


from catalogue.commands.circulation import circulation_command  # noqa: E402
from catalogue.commands.dsi import dsi_command  # noqa: E402
from catalogue.commands.harvest import harvest_command, scheduler_command  # noqa: E402

main.add_command(harvest_command)
main.add_command(scheduler_command)
main.add_command(reindex_command)
main.add_command(users_command)
main.add_command(mail_command)
main.add_command(circulation_command)
main.add_command(dsi_command)
main.add_command(documents_command)
main.add_command(veille_command)
main.add_command(territories_command)


def announced_url(host: str, port: int) -> str:
    """The address `catalogue serve --host --port` announces when no base_url is set:
    the one it listens on, or this machine's name when it listens on every address."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn() or "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the WSGI server.")
@click.pass_obj
def serve_command(obj: Context, host: str, port: int, threads: int) -> None:
    """Serve the public catalogue with waitress (OAI-PMH at /oai)."""
    from waitress import serve

    from catalogue.web import create_app
    from catalogue.web.service import warm

    settings = obj.settings
    if not settings.base_url_fixed:
        settings = dataclasses.replace(settings, base_url=announced_url(host, port))
    app = create_app(settings)
    threading.Thread(target=lambda: click.echo(warm(app), err=True), daemon=True).start()
    click.echo(f"Serving {settings.name} on http://{host}:{port}/ "
               f"(OAI-PMH base URL as announced: {settings.base_url}/oai)")
    serve(app, host=host, port=port, threads=threads, ident="catalogue")


if __name__ == "__main__":  # pragma: no cover
    main()
