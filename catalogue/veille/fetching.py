"""The scheduler's pass over the due sources: fetch, parse, de-duplicate, pre-sort.

One source's failure (unreachable, hostile, unreadable) is written on that source and
nothing else: the pass goes on with the next one. A failing source is tried again later
and later (its period doubled at each failure, two days at most, or what a
``Retry-After`` asks), and flagged on the staff's pages after ``[veille] failing_days``.
Items go to the inbox once, whichever source carries them (:mod:`catalogue.veille.keys`);
a copy only notes the other source's name on the item.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import Connection, Engine, insert, or_, select, update

from catalogue.settings import Settings
from catalogue.veille import keys, sources, triage
from catalogue.veille.model import DISCARDED, NEW, Rule, Source, lines
from catalogue.veille.parsing import FoundItem, ParseProblem, parse, unique
from catalogue.veille.tables import veille_items, veille_sources
from harvesters.feed_client import Fetched, FetchError, HostPacer, Limits, fetch

MAX_BACKOFF = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one source gave: ``status`` ok, unchanged or error."""

    source_id: int
    name: str
    status: str
    new: int = 0
    copies: int = 0
    discarded: int = 0
    message: str = ""

    def line(self) -> str:
        if self.status == "error":
            return f"{self.name}: error - {self.message}"
        return (f"{self.name}: {self.status}, {self.new} new, {self.copies} already known, "
                f"{self.discarded} discarded by rule" + (f" ({self.message})" if self.message
                                                         else ""))


def user_agent(settings: Settings) -> str:
    """A User-Agent naming the catalogue (ASCII, as headers want)."""
    name = unicodedata.normalize("NFKD", settings.name).encode("ascii", "ignore").decode()
    return f"catalogue-cohesion-veille/0.1 ({name}; +{settings.base_url})"


def limits_of(settings: Settings) -> Limits:
    v = settings.veille
    return Limits(timeout=float(v.timeout_seconds), max_seconds=float(v.max_seconds),
                  max_bytes=v.max_kilobytes * 1024)


def _store_items(conn: Connection, source: Source, found: list[FoundItem], rules: list[Rule],
                 now: datetime) -> tuple[int, int, int]:
    new = copies = discarded = 0
    for item in found:
        ukey, gkey = keys.url_key(item.url), keys.guid_key(item.guid)
        tkey = keys.title_key(item.title, item.published)
        match = [veille_items.c.url_key == ukey]
        if gkey:
            match.append(veille_items.c.guid == gkey)
        if tkey:  # across sources only: one source's two "Arrêté préfectoral" of a day differ
            match.append((veille_items.c.title_key == tkey)
                         & (veille_items.c.source_id != source.id))
        known = conn.execute(select(veille_items.c.id, veille_items.c.source_id,
                                    veille_items.c.also_from)
                             .where(or_(*match)).limit(1)).first()
        if known is not None:
            copies += 1
            if known.source_id != source.id and source.name not in lines(known.also_from):
                conn.execute(update(veille_items).where(veille_items.c.id == known.id).values(
                    also_from="\n".join((*lines(known.also_from), source.name))))
            continue
        status, themes, ruled = triage.presort(source, item.title, item.summary, rules)
        discarded += status == DISCARDED
        new += status == NEW
        conn.execute(insert(veille_items).values(
            source_id=source.id, url=item.url[:2000], url_key=ukey, guid=gkey, title_key=tkey,
            title=item.title, summary=item.summary, published_at=item.published,
            found_at=now, also_from="", status=status, themes="\n".join(themes),
            descriptors="", territories="\n".join(source.territories), note="",
            ruled=ruled[:200], record_id=""))
    return new, copies, discarded



def _failed(conn: Connection, source: Source, now: datetime, message: str,
            wait: float | None) -> SourceReport:
    failures = source.failures + 1
    delay = min(timedelta(hours=source.every_hours) * (2 ** min(failures - 1, 8)), MAX_BACKOFF)
    if wait is not None:
        delay = max(delay, timedelta(seconds=min(wait, MAX_BACKOFF.total_seconds())))
    conn.execute(update(veille_sources).where(veille_sources.c.id == source.id).values(
        last_fetch_at=now, next_fetch_at=now + delay, failures=failures,
        failing_since=source.failing_since or now, last_status="error",
        last_message=message[:1000]))
    return SourceReport(source.id, source.name, "error", message=message)


def fetch_source(engine: Engine, settings: Settings, source: Source, now: datetime,
                 session: requests.Session, pacer: HostPacer,
                 monotonic: Callable[[], float] = time.monotonic) -> SourceReport:
    """Fetch one source and file its new items; its problems are written on it."""
    pacer.wait(source.url)
    try:
        got: Fetched = fetch(session, source.url, user_agent=user_agent(settings),
                             limits=limits_of(settings), etag=source.etag,
                             last_modified=source.last_modified, monotonic=monotonic)
        parsed = parse(got.body, source.kind, got.url, got.content_type) if got.status == 200 \
            else None
    except FetchError as exc:
        with engine.begin() as conn:
            return _failed(conn, source, now, exc.message, exc.retry_after)
    except ParseProblem as exc:
        with engine.begin() as conn:
            return _failed(conn, source, now, exc.message, None)
    done = {"last_fetch_at": now, "last_success_at": now, "failures": 0,
            "failing_since": None, "next_fetch_at": now + timedelta(hours=source.every_hours)}
    with engine.begin() as conn:
        if parsed is None:  # 304: unchanged since the validators we sent
            conn.execute(update(veille_sources).where(veille_sources.c.id == source.id)
                         .values(**done, last_status="unchanged", last_message=""))
            return SourceReport(source.id, source.name, "unchanged")
        new, copies, discarded = _store_items(
            conn, source, unique(parsed.items), triage.rules(conn), now)
        conn.execute(update(veille_sources).where(veille_sources.c.id == source.id).values(
            **done, etag=got.etag, last_modified=got.last_modified, last_status="ok",
            last_message=parsed.warning, items_found=veille_sources.c.items_found + new
            + discarded))
    return SourceReport(source.id, source.name, "ok", new, copies, discarded, parsed.warning)


def fetch_due(engine: Engine, settings: Settings, now: datetime, *,
              session: requests.Session | None = None,
              sleep: Callable[[float], None] = time.sleep,
              only: int | None = None) -> list[SourceReport]:
    """Fetch every due source (or only source ``only``, due or not), one after the other."""
    pacer = HostPacer(float(settings.veille.host_delay_seconds), sleep=sleep)
    chosen = ([s for s in [sources.get(engine, only)] if s is not None] if only is not None
              else sources.due(engine, now))
    own = session is None
    session = session or requests.Session()
    try:
        return [fetch_source(engine, settings, source, now, session, pacer)
                for source in chosen]
    finally:
        if own:
            session.close()
