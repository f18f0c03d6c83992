"""Records by territory: the keys of ``record_territories`` and how they are kept.

A key is the kind's short prefix and the territory's official code, the COG's for
communes, départements and regions and the SIREN for an EPCI: ``com-69266``
(Villeurbanne), ``epci-200046977`` (Métropole de Lyon), ``dep-69`` (Rhône), ``dep-2A``,
``reg-84`` (Auvergne-Rhône-Alpes). Codes, not names: a renamed commune keeps its sets,
and every character is one a setSpec allows. The OAI provider exposes them as
``territoire:<key>``.

Membership follows from the record's content (its 607 descriptors), so it changes only
when the content does, and with it the record's datestamp. It is written by
:class:`catalogue.store.ingest.Ingest` in the transaction that writes the record;
:func:`backfill` fills it for records written before (migration ``0019``, datestamps
left alone: the sets are new). When the bundled territories are regenerated (a commune
joins another EPCI), :func:`refresh` (``catalogue territories refresh``) computes them
again and moves the datestamp of each record whose sets changed, as any other change of
set does, so that an incremental harvest of the new set brings it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from catalogue import territories
from catalogue.records import Record, from_json
from catalogue.store.tables import records
from catalogue.store.territory_tables import record_territories

#: Territory kind -> the prefix of its keys.
PREFIXES = {territories.REGION: "reg", territories.DEPARTEMENT: "dep",
            territories.EPCI: "epci", territories.COMMUNE: "com"}
_KINDS = {prefix: kind for kind, prefix in PREFIXES.items()}
#: Records read per batch by :func:`backfill`.
BATCH = 500


def key(territory: territories.Territory) -> str:
    """``dep-69``: the stable key of ``territory``."""
    return f"{PREFIXES[territory.kind]}-{territory.code}"


def territory(key_: str) -> territories.Territory | None:
    """The territory a key stands for, or None (an unknown or malformed key)."""
    prefix, _, code = key_.partition("-")
    kind = _KINDS.get(prefix)
    if kind is None or not code:
        return None
    return territories.by_code(kind, code)


def keys_of(record: Record) -> list[str]:
    """The keys of every territory ``record`` concerns: what its 607 descriptors name
    and what those lie in."""
    found: dict[str, None] = {}
    for descriptor in record.descriptors:
        if descriptor.tag == "607":
            found.update(dict.fromkeys(_keys(descriptor.label)))
    return list(found)


@lru_cache(maxsize=8192)
def _keys(label: str) -> tuple[str, ...]:
    """Cached: an import meets the same few hundred place names again and again."""
    return tuple(key(t) for t in territories.placed(label))


def write(conn: Connection, memberships: Mapping[int, Sequence[str]]) -> None:
    """Replace the territories of the given records (record id -> keys, maybe none)."""
    ids = list(memberships)
    for start in range(0, len(ids), BATCH):
        conn.execute(delete(record_territories).where(
            record_territories.c.record_id.in_(ids[start:start + BATCH])))
    rows = [{"record_id": record_id, "territory": k}
            for record_id, keys in memberships.items() for k in keys]
    if rows:
        conn.execute(insert(record_territories), rows)


def backfill(conn: Connection) -> int:
    """Compute every record's territories again from its JSON; the number of rows.

    Datestamps are left alone: a record's content did not change (see the README's OAI
    section for what partners do when a new kind of set appears).
    """
    last, total = 0, 0
    while True:
        rows = conn.execute(select(records.c.id, records.c.data).where(records.c.id > last)
                            .order_by(records.c.id).limit(BATCH)).all()
        if not rows:
            return total
        memberships = {row.id: keys_of(from_json(row.data)) for row in rows}
        write(conn, memberships)
        total += sum(len(keys) for keys in memberships.values())
        last = rows[-1].id


def refresh(engine: Engine, clock: Callable[[], datetime]) -> int:
    """Compute every record's territories again; move the datestamp of those that changed.

    One transaction per batch; the datestamps are read from ``clock`` last, just before
    the commit (as :meth:`catalogue.store.ingest.Ingest._stamp` does), and never go
    backwards. Returns how many records changed sets.
    """
    rt = record_territories
    last, changed = 0, 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(select(records.c.id, records.c.data, records.c.datestamp)
                                .where(records.c.id > last).order_by(records.c.id)
                                .limit(BATCH)).all()
            if not rows:
                return changed
            last = rows[-1].id
            held: dict[int, set[str]] = {}
            for record_id, k in conn.execute(select(rt.c.record_id, rt.c.territory).where(
                    rt.c.record_id.in_([row.id for row in rows]))):
                held.setdefault(record_id, set()).add(k)
            wanted = {row.id: keys_of(from_json(row.data)) for row in rows}
            moved = {row.id: row.datestamp for row in rows
                     if set(wanted[row.id]) != held.get(row.id, set())}
            if not moved:
                continue
            write(conn, {record_id: wanted[record_id] for record_id in moved})
            now = clock()
            conn.execute(update(records).where(records.c.id == bindparam("_id"))
                         .values(datestamp=bindparam("_stamp")),
                         [{"_id": record_id, "_stamp": max(now, old + timedelta(seconds=1))}
                          for record_id, old in moved.items()])
            changed += len(moved)
