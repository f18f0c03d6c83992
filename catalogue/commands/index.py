"""``catalogue reindex``, and the index update that follows every committed ingest.

The index is derived from the store (ARCHITECTURE.md, data flow step 3): ``reindex``
rebuilds it into a fresh directory and swaps it in while the web app keeps searching
the old one; :func:`after_ingest` applies what an import or a harvest just committed.
An index problem after an import never undoes nor fails the import: the records are
safely in the store, and the message says how to catch up.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import click
from sqlalchemy import Engine

from catalogue import indexing, union
from catalogue.commands import Obj
from catalogue.settings import Settings
from indexes import IndexLocked, Searcher

log = logging.getLogger("catalogue.index")


def after_ingest(settings: Settings, engine: Engine,
                 say: Callable[[str], object] | None = None) -> indexing.IndexRun | None:
    """Bring the search index up to date with the store after an import or a harvest.

    Returns the update's report, or None when updates are switched off
    (``[index] update_after_import = false``) or the update failed (reported through
    ``say``, else logged).
    """
    if not settings.index.update_after_import:
        return None
    try:
        run = indexing.update_index(engine, settings.index.dir, procs=settings.index.procs,
                                    engine_name=settings.index.engine,
                                    documents_access=settings.documents.access)
    except Exception as exc:  # the store is the truth and it is committed: warn, go on
        message = (f"warning: the search index was not updated ({exc}); "
                   "run `catalogue reindex`")
        if say is not None:
            say(message)
        else:
            log.warning(message)
        return None
    message = f"search index: {run.indexed} record(s) indexed, {run.deleted} removed"
    if say is not None:
        say(message)
    else:
        log.info(message)
    return run


@click.command("reindex")
@click.option("--procs", type=click.IntRange(1, 16), default=None,
              help="Writer processes (default: [index] procs).")
@click.pass_obj
def reindex_command(obj: Obj, procs: int | None) -> None:
    """Re-cluster stale union records, then rebuild the search index and swap it in."""
    settings = obj.settings
    engine = obj.engine()
    folder = settings.index.dir
    # Clusters are derived data too: re-make the stale ones (all of them after migration
    # 0008), as an import or a harvest does for its own source.
    reclustered = union.refresh(engine)
    if reclustered:
        click.echo(f"union catalogue: {reclustered} record(s) re-clustered", err=True)
    click.echo(f"Rebuilding the search index in {folder}", err=True)
    try:
        run = indexing.reindex(engine, folder, procs=procs or settings.index.procs,
                               engine_name=settings.index.engine,
                               documents_access=settings.documents.access)
    except IndexLocked as exc:
        click.echo(f"error: {exc} (another reindex or import is writing it)", err=True)
        sys.exit(2)
    with Searcher(folder) as searcher:
        held = searcher.document_count()
    click.echo(f"indexed {run.indexed} record(s), then {run.caught_up} change(s) made while "
               f"it read the store, removed {run.deleted}, in {run.seconds:.1f} s; the index "
               f"in service holds {held} record(s): {folder}")
