"""``catalogue territories``: the records' territories (the OAI ``territoire:`` sets)."""

from __future__ import annotations

import click

from catalogue.clock import utcnow
from catalogue.commands import Obj


@click.group("territories")
def territories_command() -> None:
    """The territories records are filed under (UNIMARC 607) and the OAI sets they make."""


@territories_command.command("refresh")
@click.pass_obj
def refresh(obj: Obj) -> None:
    """Place every record again after the bundled territories were regenerated.

    The records whose sets changed get a new datestamp, so that partners harvesting a
    ``territoire:`` set incrementally receive them.
    """
    from catalogue.store.territory_sets import refresh as refresh_all

    changed = refresh_all(obj.engine(), utcnow)
    click.echo(f"{changed} record(s) changed territory sets")
