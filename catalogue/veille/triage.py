"""The staff's inbox: rules that pre-sort new items, keeping and discarding in batches,
describing a kept item (descriptors, territories, note).

Keeping publishes (:mod:`catalogue.veille.publishing`); discarding only hides the item
from the inbox (it stays known, so the same item coming back is not offered again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from catalogue.settings import Settings
from catalogue.veille import keys, publishing
from catalogue.veille.model import (
    ACTIONS,
    DISCARD,
    DISCARDED,
    KEPT,
    MAX_LINE,
    MAX_NOTE,
    NEW,
    STATUSES,
    THEME,
    Item,
    Rule,
    Source,
    VeilleError,
    lines,
)
from catalogue.veille.sources import checked_lines, territory_labels
from catalogue.veille.tables import veille_items, veille_rules, veille_sources

PAGE = 50
MAX_BATCH = 200


def _item(row: Any) -> Item:
    return Item(
        id=row.id, source_id=row.source_id, source_name=row.source_name, url=row.url,
        title=row.title, summary=row.summary, published_at=row.published_at,
        found_at=row.found_at, also_from=lines(row.also_from), status=row.status,
        themes=lines(row.themes), descriptors=lines(row.descriptors),
        territories=lines(row.territories), note=row.note, ruled=row.ruled,
        record_id=row.record_id)


def _items_query() -> Any:
    return (select(veille_items, veille_sources.c.name.label("source_name"))
            .join(veille_sources, veille_sources.c.id == veille_items.c.source_id))


def rules(conn: Connection) -> list[Rule]:
    """Every rule, in the order they were written (discarding rules win)."""
    rows = conn.execute(select(veille_rules).order_by(veille_rules.c.id)).all()
    return [Rule(r.id, r.source_id, r.word, r.action, r.theme) for r in rows]


def listed_rules(engine: Engine) -> list[Rule]:
    with engine.connect() as conn:
        return rules(conn)


def add_rule(engine: Engine, *, source_id: int | None, word: str, action: str,
             theme: str) -> Rule:
    """A new rule.

    Raises:
        VeilleError: no condition, no theme for a theme rule, an unknown source.
    """
    word, theme = " ".join(word.split()), " ".join(theme.split())
    if action not in ACTIONS:
        raise VeilleError("Choisissez ce que fait la règle.", "action")
    if len(word) > MAX_LINE or len(theme) > MAX_LINE:
        raise VeilleError(f"{MAX_LINE} caractères au plus.", "word")
    if not word and source_id is None:
        raise VeilleError("Une règle porte sur une source, un mot, ou les deux.", "word")
    if word and not keys.fold(word):  # "—" or "?!" folds to nothing and matched every item
        raise VeilleError("Le mot doit contenir au moins une lettre ou un chiffre.", "word")
    if action == THEME and not theme:
        raise VeilleError("Donnez le thème où classer les éléments.", "theme")
    with engine.begin() as conn:
        if source_id is not None and conn.execute(select(veille_sources.c.id).where(
                veille_sources.c.id == source_id)).first() is None:
            raise VeilleError("Source inconnue.", "source")
        new_id = conn.execute(insert(veille_rules).values(
            source_id=source_id, word=word, action=action,
            theme=theme if action == THEME else "")).inserted_primary_key
    assert new_id is not None
    return Rule(int(new_id[0]), source_id, word, action, theme if action == THEME else "")


def delete_rule(engine: Engine, rule_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(delete(veille_rules).where(veille_rules.c.id == rule_id))


def presort(source: Source, title: str, summary: str,
            applying: list[Rule]) -> tuple[str, tuple[str, ...], str]:
    """(status, themes, the rule that decided) of a new item of ``source``."""
    text = f" {keys.fold(title + ' ' + summary)} "
    themes = list(source.themes)
    names = {source.id: source.name}
    for rule in applying:
        if rule.source_id is not None and rule.source_id != source.id:
            continue
        if rule.word and (not keys.fold(rule.word) or f" {keys.fold(rule.word)} " not in text):
            continue  # a word of punctuation only (stored before it was refused) matches none
        if rule.action == DISCARD:
            return DISCARDED, tuple(themes), rule.describe(names)
        if rule.theme not in themes:
            themes.append(rule.theme)
    return NEW, tuple(themes), ""


def inbox(engine: Engine, status: str = NEW, page: int = 1,
          source_id: int | None = None) -> tuple[list[Item], int]:
    """A page of items of one status (newest found first), and how many there are."""
    status = status if status in STATUSES else NEW
    page = max(1, min(page, 10_000))
    query = _items_query().where(veille_items.c.status == status)
    counting = select(func.count()).select_from(veille_items).where(
        veille_items.c.status == status)
    if source_id is not None:
        query = query.where(veille_items.c.source_id == source_id)
        counting = counting.where(veille_items.c.source_id == source_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(veille_items.c.found_at.desc(),
                                           veille_items.c.id.desc())
                            .limit(PAGE).offset((page - 1) * PAGE)).all()
        total = int(conn.execute(counting).scalar_one())
    return [_item(r) for r in rows], total


def get(engine: Engine, item_id: int) -> Item | None:
    with engine.connect() as conn:
        row = conn.execute(_items_query().where(veille_items.c.id == item_id)).first()
    return _item(row) if row is not None else None


def by_ids(engine: Engine, item_ids: list[int]) -> list[Item]:
    with engine.connect() as conn:
        rows = conn.execute(_items_query().where(veille_items.c.id.in_(item_ids))
                            .order_by(veille_items.c.id)).all()
    return [_item(r) for r in rows]


def decide(engine: Engine, settings: Settings, item_ids: list[int], action: str,
           person_id: int | None, now: datetime) -> int:
    """Keep (publish) or discard up to 200 items at once; how many changed.

    Raises:
        VeilleError: no item chosen, or an unknown action.
    """
    ids = list(dict.fromkeys(item_ids))[:MAX_BATCH]
    if not ids:
        raise VeilleError("Cochez au moins un élément.", "ids")
    if action not in ("keep", "discard"):
        raise VeilleError("Choisissez « garder » ou « écarter ».", "action")
    chosen = [i for i in by_ids(engine, ids) if i.status in (NEW, DISCARDED, KEPT)]
    if action == "discard":
        published = [i for i in chosen if i.status == KEPT]
        if published:
            publishing.withdraw(engine, published, now)
        with engine.begin() as conn:
            conn.execute(update(veille_items).where(veille_items.c.id.in_(
                [i.id for i in chosen])).values(status=DISCARDED, triaged_at=now,
                                                triaged_by=person_id))
        return len(chosen)
    publishing.publish(engine, settings, chosen, now)
    with engine.begin() as conn:
        conn.execute(update(veille_items).where(veille_items.c.id.in_(
            [i.id for i in chosen])).values(status=KEPT, triaged_at=now, triaged_by=person_id))
    return len(chosen)


def describe(engine: Engine, settings: Settings, item_id: int, *, title: str,
             descriptors: str, territories: str, themes: str, note: str,
             person_id: int | None, now: datetime) -> Item:
    """Describe an item and keep it (publishing or re-publishing its entry).

    Raises:
        VeilleError: a field is wrong (the message names it).
    """
    found = get(engine, item_id)
    if found is None:
        raise VeilleError("Élément inconnu.")
    title = " ".join(title.split())
    if not title or len(title) > 500:
        raise VeilleError("Donnez un titre (500 caractères au plus).", "title")
    note = note.replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise VeilleError(f"La note est trop longue ({MAX_NOTE} caractères au plus).", "note")
    values = {
        "title": title,
        "descriptors": "\n".join(checked_lines(descriptors, "descriptors", "descripteurs")),
        "themes": "\n".join(checked_lines(themes, "themes", "thèmes")),
        "territories": "\n".join(territory_labels(territories)),
        "note": note, "status": KEPT, "triaged_at": now, "triaged_by": person_id,
    }
    with engine.begin() as conn:
        conn.execute(update(veille_items).where(veille_items.c.id == item_id).values(**values))
    item = get(engine, item_id)
    assert item is not None
    publishing.publish(engine, settings, [item], now)
    done = get(engine, item_id)
    assert done is not None
    return done
