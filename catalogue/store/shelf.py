"""What the shelf browser reads from the store: one centre's call numbers and the records
they belong to (no SQL leaves this module)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from catalogue.store.tables import items, records


def call_numbers(engine: Engine, source: str) -> list[tuple[str, int, str]]:
    """(call number, record id, source id) of the live, not withdrawn items of ``source``
    that have a call number; a record's several copies under one call number count once."""
    query = (
        select(items.c.call_number, records.c.id, records.c.source_id)
        .join(records, records.c.id == items.c.record_id)
        .where(records.c.source == source, records.c.deleted.is_(False),
               items.c.call_number != "", items.c.withdrawn.is_(False))
        .distinct()
    )
    with engine.connect() as conn:
        return [(str(r[0]), int(r[1]), str(r[2])) for r in conn.execute(query)]


def stamp(engine: Engine, source: str) -> tuple[int, int, str]:
    """What changes when ``source``'s shelf may have changed: its item count, its largest
    item id and its latest record change (an ingest, a copy added at the desk)."""
    query = (
        select(func.count(items.c.id), func.max(items.c.id), func.max(records.c.datestamp))
        .join(records, records.c.id == items.c.record_id)
        .where(records.c.source == source)
    )
    with engine.connect() as conn:
        count, last, changed = conn.execute(query).one()
    return int(count or 0), int(last or 0), str(changed or "")
