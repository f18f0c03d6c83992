"""Declaring and reading the watch's sources (``veille_sources``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from catalogue import territories as cog
from catalogue.veille.model import MAX_LINE, MAX_LINES, Source, VeilleError, lines
from catalogue.veille.parsing import KINDS
from catalogue.veille.tables import veille_sources

MAX_URL = 2000


def _source(row: Any) -> Source:
    return Source(
        id=row.id, name=row.name, url=row.url, kind=row.kind, themes=lines(row.themes),
        territories=lines(row.territories), every_hours=row.every_hours, active=row.active,
        etag=row.etag, last_modified=row.last_modified, last_fetch_at=row.last_fetch_at,
        last_success_at=row.last_success_at, next_fetch_at=row.next_fetch_at,
        failing_since=row.failing_since, failures=row.failures, last_status=row.last_status,
        last_message=row.last_message, items_found=row.items_found)


def territory_labels(text: str, field: str = "territories") -> tuple[str, ...]:
    """Territories typed one a line: each resolved to its COG label when it names one
    (``toulouse`` -> ``Toulouse (31)``), kept as typed otherwise (a QPV)."""
    values = lines(text)
    if len(values) > MAX_LINES or any(len(v) > MAX_LINE for v in values):
        raise VeilleError(f"{MAX_LINES} territoires au plus, de {MAX_LINE} caractères "
                          "chacun au plus.", field)
    out = []
    for value in values:
        found = cog.resolve(value)
        out.append(found.label if found is not None else value)
    return tuple(dict.fromkeys(out))


def checked_lines(text: str, field: str, what: str) -> tuple[str, ...]:
    """Values one a line, bounded in number and length."""
    values = lines(text)
    if len(values) > MAX_LINES or any(len(v) > MAX_LINE for v in values):
        raise VeilleError(f"{MAX_LINES} {what} au plus, de {MAX_LINE} caractères chacun "
                          "au plus.", field)
    return values


def parts_of(url: str) -> SplitResult | None:
    """The parts of a source's address, or None when it is no usable http(s) one: too
    long, with spaces or control characters, another scheme, no host, a malformed IPv6
    host (``http://[::1``) or port (``urlsplit`` and ``.port`` raise on those)."""
    if len(url) > MAX_URL or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts


def _checked(name: str, url: str, kind: str, themes: str, places: str,
             every_hours: int | None) -> dict[str, Any]:
    name, url = " ".join(name.split()), url.strip()
    if not name or len(name) > 200:
        raise VeilleError("Donnez un nom à la source (200 caractères au plus).", "name")
    if parts_of(url) is None:
        raise VeilleError("Donnez l'adresse http:// ou https:// du flux ou de la page.", "url")
    if kind not in KINDS:
        raise VeilleError("Choisissez le type de source.", "kind")
    if every_hours is None or not 1 <= every_hours <= 24 * 31:
        raise VeilleError("La fréquence est un nombre d'heures entre 1 et 744.",
                          "every_hours")
    return {"name": name, "url": url, "kind": kind,
            "themes": "\n".join(checked_lines(themes, "themes", "thèmes")),
            "territories": "\n".join(territory_labels(places)), "every_hours": every_hours}


def declare(engine: Engine, now: datetime, *, name: str, url: str, kind: str = "feed",
            themes: str = "", territories: str = "", every_hours: int | None = 6) -> Source:
    """A new source, due at once.

    Raises:
        VeilleError: a field is wrong, or the address is already followed.
    """
    values = _checked(name, url, kind, themes, territories, every_hours)
    try:
        with engine.begin() as conn:
            new_id = conn.execute(insert(veille_sources).values(
                **values, active=True, etag="", last_modified="", created_at=now,
                next_fetch_at=now, failures=0, last_status="", last_message="",
                items_found=0)).inserted_primary_key
    except IntegrityError:
        raise VeilleError("Cette adresse est déjà suivie.", "url") from None
    assert new_id is not None
    found = get(engine, int(new_id[0]))
    assert found is not None
    return found


def edit(engine: Engine, source_id: int, *, name: str, url: str, kind: str, themes: str,
         territories: str, every_hours: int | None, active: bool) -> Source:
    """Change a source (its validators are forgotten when its address changes)."""
    current = get(engine, source_id)
    if current is None:
        raise VeilleError("Source inconnue.")
    values = _checked(name, url, kind, themes, territories, every_hours)
    if values["url"] != current.url:
        values.update(etag="", last_modified="")
    try:
        with engine.begin() as conn:
            conn.execute(update(veille_sources).where(veille_sources.c.id == source_id)
                         .values(**values, active=active))
    except IntegrityError:
        raise VeilleError("Cette adresse est déjà suivie.", "url") from None
    found = get(engine, source_id)
    assert found is not None
    return found


def get(engine: Engine, source_id: int) -> Source | None:
    with engine.connect() as conn:
        row = conn.execute(select(veille_sources)
                           .where(veille_sources.c.id == source_id)).first()
    return _source(row) if row is not None else None


def listed(engine: Engine) -> list[Source]:
    """Every source, by name."""
    with engine.connect() as conn:
        rows = conn.execute(select(veille_sources).order_by(veille_sources.c.name)).all()
    return [_source(r) for r in rows]


def due(engine: Engine, now: datetime) -> list[Source]:
    """The active sources whose next fetch has come, the longest waiting first."""
    with engine.connect() as conn:
        rows = conn.execute(select(veille_sources).where(
            veille_sources.c.active.is_(True),
            (veille_sources.c.next_fetch_at.is_(None)) | (veille_sources.c.next_fetch_at <= now))
            .order_by(veille_sources.c.next_fetch_at, veille_sources.c.id)).all()
    return [_source(r) for r in rows]
