"""``catalogue documents``: the drop folder, the fetch from the centre's PMB, reading again."""

from __future__ import annotations

import click

from catalogue.clock import utcnow
from catalogue.commands import Obj, fail
from catalogue.documents.folder import describe, fetch_from_pmb, import_folder
from catalogue.documents.service import Documents, holders


def _service(obj: Obj) -> tuple[Documents, str]:
    settings = obj.settings
    local = settings.oai.local_source or settings.default_source
    service = Documents(obj.engine(), settings.documents,
                        holders(local, {s.slug: s.redistribute for s in settings.sources}))
    return service, local


@click.group("documents")
def documents_command() -> None:
    """Digital documents: attach dropped files, fetch them from PMB, read their text again."""


@documents_command.command("import")
@click.pass_obj
def import_files(obj: Obj) -> None:
    """Attach the files of [documents] folder to their records; print the import report.

    The index job (`catalogue scheduler`) then indexes their text.
    """
    service, local = _service(obj)
    folder = obj.settings.documents.folder
    if folder is None:
        fail("[documents] folder is not set in the configuration")
    report = import_folder(service, folder, local, utcnow())
    for line in report.lines:
        click.echo(line)
    click.echo(f"{report.attached} attached ({report.problems} with a problem), "
               f"{report.failed} not attached", err=True)


@documents_command.command("fetch")
@click.pass_obj
def fetch(obj: Obj) -> None:
    """Download once the files of our records whose 897 URL is on [documents] pmb_url."""
    service, _ = _service(obj)
    report = fetch_from_pmb(service, obj.settings.documents.pmb_url, utcnow())
    for line in report.lines:
        click.echo(line)
    click.echo(f"{report.attached} fetched ({report.problems} with a problem), "
               f"{report.failed} failed", err=True)


@documents_command.command("extract")
@click.argument("document_ids", nargs=-1, type=int)
@click.pass_obj
def extract(obj: Obj, document_ids: tuple[int, ...]) -> None:
    """Read the text of these documents again (after a limit was raised, say)."""
    service, _ = _service(obj)
    for number in document_ids:
        doc = service.extract(number, utcnow())
        click.echo(describe(doc) if doc is not None else f"{number}: no such document")


@documents_command.command("demo-covers")
@click.option("--count", default=100, show_default=True, type=click.IntRange(0, 400),
              help="How many books of the local source get a drawn cover.")
@click.pass_obj
def demo_covers(obj: Obj, count: int) -> None:
    """Attach covers drawn here (no network) to the first books of the local source.

    `make run` does it after importing the demo, so that its pages show covers.
    """
    from catalogue.demo.covers import attach_demo_covers

    service, local = _service(obj)
    done = attach_demo_covers(service, obj.engine(), local, count, utcnow())
    click.echo(f"{done} demo covers attached", err=True)
