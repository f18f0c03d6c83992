"""A reader's selection (panier): records kept across searches and visits.

Anyone may keep one: a visitor's browser holds an opaque random token in a cookie and the
store keeps the records under the token's SHA-256. A signed cookie holding the record
ids themselves was the other way; it was left because 500 ids of up to 250 characters
do not fit in the 4 KB a browser keeps per cookie, and because a server-side list can be
merged into an account and emptied when the visitor asks. A signed-in person's selection
is kept with their account, and at sign-in the browser's selection is merged into it
(the records it did not hold yet, up to the limit) and forgotten.

A selection holds at most :data:`LIMIT` records (an export, a print view or a mail of
it stays a bounded job); adding past it is refused with a French message.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from catalogue.store.opac import Entry, entries, split_id
from catalogue.store.selection_tables import selection_records, selections
from catalogue.store.tables import records

#: The most records a selection holds.
LIMIT = 500
#: Cookie tokens are 32 random bytes, URL-safe base64 (43 characters).
TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose selection: a signed-in person's, else a browser's (its cookie token)."""

    person_id: int | None = None
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Added:
    """What an addition did: records added, already there, refused (limit), unknown."""

    added: int = 0
    present: int = 0
    refused: int = 0
    unknown: int = 0


def new_token() -> str:
    """A fresh cookie token (unguessable: it is the only key to a visitor's selection)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def well_formed(token: str) -> bool:
    """Whether ``token`` looks like one of ours (a cookie from elsewhere is ignored)."""
    return 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _where(owner: Owner) -> ColumnElement[bool] | None:
    if owner.person_id is not None:
        return selections.c.person_id == owner.person_id
    if owner.token and well_formed(owner.token):
        return selections.c.token_hash == _hash(owner.token)
    return None


def _selection_id(conn: Connection, owner: Owner, now: datetime | None = None) -> int | None:
    """The owner's selection row; created when ``now`` is given and there is none."""
    where = _where(owner)
    if where is None:
        return None
    found = conn.execute(select(selections.c.id).where(where)).scalar_one_or_none()
    if found is not None or now is None:
        return found
    values = ({"person_id": owner.person_id} if owner.person_id is not None
              else {"token_hash": _hash(owner.token or "")})
    try:
        with conn.begin_nested():  # a savepoint: PostgreSQL's transaction survives a race
            key = conn.execute(insert(selections).values(
                created_at=now, touched_at=now, **values)).inserted_primary_key
    except IntegrityError:  # a concurrent request of the same owner created it first
        return conn.execute(select(selections.c.id).where(where)).scalar_one_or_none()
    assert key is not None
    return int(key[0])


def _record_ids(conn: Connection, global_ids: Iterable[str]) -> dict[str, int]:
    """Row ids of the live records among ``global_ids``."""
    found: dict[str, int] = {}
    for global_id in dict.fromkeys(global_ids):
        source, source_id = split_id(global_id)
        if not source or not source_id:
            continue
        row = conn.execute(select(records.c.id).where(
            records.c.source == source, records.c.source_id == source_id,
            records.c.deleted.is_(False))).first()
        if row is not None:
            found[global_id] = row.id
    return found


def _count(conn: Connection, selection_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(selection_records).where(
        selection_records.c.selection_id == selection_id)).scalar_one())


def add(engine: Engine, owner: Owner, global_ids: Iterable[str], now: datetime,
        limit: int = LIMIT) -> Added:
    """Keep the live records among ``global_ids`` (idempotent), up to ``limit`` in all."""
    wanted = list(dict.fromkeys(global_ids))
    with engine.begin() as conn:
        known = _record_ids(conn, wanted)
        unknown = len(wanted) - len(known)
        if not known:
            return Added(unknown=unknown)
        selection_id = _selection_id(conn, owner, now)
        if selection_id is None:
            return Added(unknown=len(wanted))
        held = set(conn.execute(select(selection_records.c.record_id).where(
            selection_records.c.selection_id == selection_id)).scalars())
        room = max(0, limit - len(held))
        new = [rid for rid in known.values() if rid not in held]
        taken = new[:room]
        for record_id in taken:
            conn.execute(insert(selection_records).values(
                selection_id=selection_id, record_id=record_id, added_at=now))
        conn.execute(update(selections).where(selections.c.id == selection_id)
                     .values(touched_at=now))
    return Added(added=len(taken), present=len(known) - len(new),
                 refused=len(new) - len(taken), unknown=unknown)


def remove(engine: Engine, owner: Owner, global_ids: Iterable[str]) -> int:
    """Drop ``global_ids`` from the selection; how many were in it."""
    with engine.begin() as conn:
        selection_id = _selection_id(conn, owner)
        if selection_id is None:
            return 0
        ids = list(_record_ids(conn, global_ids).values())
        if not ids:
            return 0
        return int(conn.execute(delete(selection_records).where(
            selection_records.c.selection_id == selection_id,
            selection_records.c.record_id.in_(ids))).rowcount)


def clear(engine: Engine, owner: Owner) -> int:
    """Empty the selection; how many records it held."""
    with engine.begin() as conn:
        selection_id = _selection_id(conn, owner)
        if selection_id is None:
            return 0
        return int(conn.execute(delete(selection_records).where(
            selection_records.c.selection_id == selection_id)).rowcount)


def ids(engine: Engine, owner: Owner) -> list[str]:
    """The global ids of the live records kept, in the order they were added."""
    with engine.connect() as conn:
        selection_id = _selection_id(conn, owner)
        if selection_id is None:
            return []
        rows = conn.execute(
            select(records.c.source, records.c.source_id)
            .join(selection_records, selection_records.c.record_id == records.c.id)
            .where(selection_records.c.selection_id == selection_id,
                   records.c.deleted.is_(False))
            .order_by(selection_records.c.added_at, selection_records.c.record_id))
        return [f"{r.source}:{r.source_id}" for r in rows]


def kept(engine: Engine, owner: Owner) -> list[Entry]:
    """The live records kept, as the store has them, in the order they were added."""
    wanted = ids(engine, owner)
    found = entries(engine, wanted)
    return [found[g] for g in wanted if g in found]


def merge(engine: Engine, token: str, person_id: int, now: datetime,
          limit: int = LIMIT) -> Added:
    """Move a browser's selection into a person's at sign-in, then forget the browser's.

    The browser's records keep the moment they were added (the page lists in that
    order); those already in the account are counted as ``present``, those past
    ``limit`` as ``refused``.
    """
    with engine.begin() as conn:
        source_id = _selection_id(conn, Owner(token=token))
        if source_id is None:
            return Added()
        moving = list(conn.execute(
            select(selection_records.c.record_id, selection_records.c.added_at)
            .where(selection_records.c.selection_id == source_id)
            .order_by(selection_records.c.added_at, selection_records.c.record_id)))
        if not moving:
            conn.execute(delete(selections).where(selections.c.id == source_id))
            return Added()
        target_id = _selection_id(conn, Owner(person_id=person_id), now)
        assert target_id is not None
        held = set(conn.execute(select(selection_records.c.record_id).where(
            selection_records.c.selection_id == target_id)).scalars())
        new = [row for row in moving if row.record_id not in held]
        taken = new[:max(0, limit - len(held))]
        for row in taken:
            conn.execute(insert(selection_records).values(
                selection_id=target_id, record_id=row.record_id, added_at=row.added_at))
        conn.execute(delete(selection_records).where(
            selection_records.c.selection_id == source_id))
        conn.execute(delete(selections).where(selections.c.id == source_id))
        conn.execute(update(selections).where(selections.c.id == target_id)
                     .values(touched_at=now))
    return Added(added=len(taken), present=len(moving) - len(new),
                 refused=len(new) - len(taken))


def forget_stale(engine: Engine, before: datetime) -> int:
    """Delete browsers' selections untouched since ``before`` (their cookie has expired)."""
    with engine.begin() as conn:
        stale = select(selections.c.id).where(selections.c.person_id.is_(None),
                                              selections.c.touched_at < before)
        conn.execute(delete(selection_records).where(
            selection_records.c.selection_id.in_(stale)))
        return int(conn.execute(delete(selections).where(
            selections.c.person_id.is_(None), selections.c.touched_at < before)).rowcount)


def descriptors(kept_entries: Iterable[Entry], limit: int = 6) -> list[str]:
    """The descriptors most shared by the records kept (an alert's subjects), most first."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for entry in kept_entries:
        for d in {" ".join(d.label.split()): None for d in entry.record.descriptors}:
            key = d.casefold()
            if key:
                counts[key] = counts.get(key, 0) + 1
                labels.setdefault(key, d)
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return [labels[k] for k in ranked[:limit]]
