"""A kept watch item -> a record of the source ``veille`` (document type ``v``).

Written through the ordinary ingest path, so the OPAC (with the document type and the
territory as facets), the record page (linking to the source), the OAI sets
(``centre:veille``, ``type:v``), the Atom feed of any search (per theme, per territory) and
the DSI (lists and alerts match it like any new record) carry it. Territories are
geographic subjects (UNIMARC 607, the index's ``territory`` facet), themes and
descriptors topical ones (606). Past ``[veille] keep_months`` the entry is tombstoned: it
leaves the OPAC and the feeds, OAI harvesters learn the deletion, the digests already
sent keep it in their archives; its record page, which those archives and feed readers
still link to, answers 410 Gone with what :func:`retired` still says of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select, update

from catalogue import territories as cog
from catalogue.formats.base import Parsed
from catalogue.lending.availability import request_refresh
from catalogue.records import Descriptor, Link, Publication, Record, Title, to_json_bytes
from catalogue.settings import Settings
from catalogue.store import opac as store
from catalogue.store.ingest import Ingest
from catalogue.veille.model import EXPIRED, KEPT, Item
from catalogue.veille.tables import veille_items, veille_sources

SOURCE = "veille"
SOURCE_NAME = "Veille"
#: The document type of a watch entry (not UNIMARC, like questions' ``q``).
DOC_TYPE = "v"
#: UNIMARC 607: geographic subject, where territories go.
TERRITORY_TAG = "607"


def reference(item: Item) -> str:
    """The entry's id in the catalogue: ``V-42``."""
    return f"V-{item.id}"


def places_of(labels: tuple[str, ...]) -> tuple[str, ...]:
    """The territories as filed: each commune or EPCI brings its département, so that
    following "Haute-Garonne (31)" also brings what was filed under "Toulouse (31)"."""
    out: list[str] = []
    for label in labels:
        out.append(label)
        found = cog.resolve(label)
        if found is not None and found.kind != cog.DEPARTEMENT:
            parent = cog.resolve(found.departement)
            if parent is not None:
                out.append(parent.label)
    return tuple(dict.fromkeys(out))


def entry_record(item: Item) -> Record:
    """The public record of a kept item."""
    day = item.day.date()
    subjects = tuple(Descriptor(label=label) for label in dict.fromkeys(
        (*item.themes, *item.descriptors)))
    places = tuple(Descriptor(label=label, tag=TERRITORY_TAG)
                   for label in places_of(item.territories))
    notes = [f"Veille du centre de documentation : repéré le "
             f"{item.found_at.strftime('%d/%m/%Y')} ({item.source_name})."]
    if item.note:
        notes.insert(0, f"Note : {item.note}")
    return Record(
        source=SOURCE, source_id=reference(item), title=Title(main=item.title),
        doc_type=DOC_TYPE, bib_level="a", created=day.strftime("%Y%m%d"),
        publications=(Publication(publishers=(item.source_name,), dates=(str(day.year),)),),
        abstracts=(item.summary,) if item.summary else (),
        languages=("fre",), descriptors=subjects + places, general_notes=tuple(notes),
        links=(Link(url=item.url, note=f"Lire sur le site : {item.source_name}"),),
    )


def _ingest(engine: Engine, parsed: list[Parsed], now: datetime) -> None:
    job = Ingest(engine, source=SOURCE, source_name=SOURCE_NAME, source_kind="local",
                 format="veille", clock=lambda: now)
    job.add_all(parsed)
    job.finish()


def publish(engine: Engine, settings: Settings, items: list[Item], now: datetime) -> int:
    """Publish (or re-publish) the entries of ``items``; the index job learns them."""
    if not items:
        return 0
    records = [entry_record(i) for i in items]
    _ingest(engine, [Parsed(position=n, offset=0, raw=to_json_bytes(r), record=r,
                            source_id=r.source_id) for n, r in enumerate(records)], now)
    with engine.begin() as conn:
        for item in items:
            conn.execute(update(veille_items).where(veille_items.c.id == item.id)
                         .values(record_id=reference(item)))
    ids = [e.id for r in records if (e := store.entry(engine, SOURCE, r.source_id))]
    request_refresh(engine, ids, now)
    return len(records)


def withdraw(engine: Engine, items: list[Item], now: datetime) -> int:
    """Tombstone the entries of ``items`` (discarded after all, or expired)."""
    published = [i for i in items if i.record_id]
    if published:
        _ingest(engine, [Parsed(position=n, offset=0, raw=b"", record=entry_record(i),
                                source_id=i.record_id, deleted=True)
                         for n, i in enumerate(published)], now)
    return len(published)


def months_before(now: datetime, months: int) -> datetime:
    """``now`` minus whole months (the day clamped to the target month's length)."""
    total = now.year * 12 + now.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - date(year, month, 1)).days
    return now.replace(year=year, month=month, day=min(now.day, last_day))


def expire(engine: Engine, settings: Settings, now: datetime) -> int:
    """Retire the entries found more than ``[veille] keep_months`` ago; how many."""
    from catalogue.veille import triage  # triage publishes through this module

    limit = months_before(now, settings.veille.keep_months)
    with engine.connect() as conn:
        ids = [r.id for r in conn.execute(select(veille_items.c.id).where(
            veille_items.c.status == KEPT, veille_items.c.found_at < limit))]
    if not ids:
        return 0
    old = triage.by_ids(engine, ids)
    withdraw(engine, old, now)
    with engine.begin() as conn:
        conn.execute(update(veille_items).where(veille_items.c.id.in_(ids))
                     .values(status=EXPIRED))
    return len(old)


@dataclass(frozen=True, slots=True)
class Retired:
    """A watch entry retired after ``keep_months``, as its record page still shows it.

    Only what was public and belongs to its source: the title and the address it pointed
    to, the source's name and the day it was found; never the staff's triage (note,
    descriptors). The item's row is kept anyway (it is what stops the same item being
    offered again), so these stay known.
    """

    record_id: str
    title: str
    url: str
    source_name: str
    found_at: datetime


def retired(engine: Engine, record_id: str) -> Retired | None:
    """The entry ``record_id`` (``V-42``) if ``keep_months`` retired it; None for any other
    id: never published, still live, or withdrawn by a documentalist (discarded after
    all: not a retention matter, its page stays a plain 404)."""
    if not record_id.startswith("V-") or len(record_id) > 40:
        return None
    query = (select(veille_items.c.title, veille_items.c.url, veille_items.c.found_at,
                    veille_sources.c.name)
             .join(veille_sources, veille_sources.c.id == veille_items.c.source_id)
             .where(veille_items.c.record_id == record_id, veille_items.c.status == EXPIRED))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return Retired(record_id=record_id, title=row.title, url=row.url,
                   source_name=row.name, found_at=row.found_at)
