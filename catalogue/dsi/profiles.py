"""Curated lists (bannettes) and private alerts, their equations, picks and subscribers.

A curated list belongs to the centre (``owner_id`` NULL): a documentalist names it,
gives it equations and/or hand-picked records, a periodicity, a novelty date, a cap, an
optional attachment, and makes it public or offers it to some subscriber categories
(with automatic subscription for a category's people when asked). A private alert is
one person's saved search, subscribed by its owner only. Both are *profiles*: the run
treats them alike. Every function takes ``now`` from its caller; refusals are
:class:`ProfileError` with a French message for the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from catalogue.dsi import equations
from catalogue.dsi.schedule import PERIODS, Periodicity
from catalogue.errors import FieldError
from catalogue.store.dsi_tables import (
    dsi_equations,
    dsi_issues,
    dsi_profile_categories,
    dsi_profiles,
    dsi_subscriptions,
)
from catalogue.store.people_tables import categories, persons

NOVELTY = ("first_seen", "update")
ATTACHMENTS = ("", "ris", "unimarc")
VISIBILITY = ("public", "category")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
WEEKLY = Periodicity()


class ProfileError(FieldError):
    """A list or alert that cannot be saved as given."""


@dataclass(frozen=True, slots=True)
class Profile:
    """A curated list or a private alert, with its equations and categories."""

    id: int
    owner_id: int | None
    slug: str | None
    name: str
    description: str
    periodicity: Periodicity
    novelty: str
    cap: int
    attachment: str
    visibility: str
    active: bool
    problem: str
    last_issue_at: datetime | None
    created_at: datetime
    equations: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    auto_categories: tuple[str, ...] = ()
    closed_at: datetime | None = None

    @property
    def is_list(self) -> bool:
        """A curated list of the centre (not a private alert)."""
        return self.owner_id is None

    @property
    def sends(self) -> bool:
        """Whether runs consider it: active and not closed."""
        return self.active and self.closed_at is None

    def _seen_by(self, category: str | None) -> bool:
        return self.visibility == "public" or (category is not None
                                               and category in self.categories)

    def offered_to(self, category: str | None) -> bool:
        """Whether a person of ``category`` may subscribe by themself."""
        return self.is_list and self.sends and self._seen_by(category)

    def archives_open_to(self, category: str | None) -> bool:
        """Whether a person of ``category`` may browse its issues: a closed list's past
        issues stay public (a documentalist cites them), a merely inactive one's do not."""
        return self.is_list and (self.active or self.closed_at is not None) and self._seen_by(
            category)


@dataclass(frozen=True, slots=True)
class Subscription:
    """One person's subscription to one profile."""

    id: int
    profile: Profile
    person_id: int
    created_at: datetime
    watermark: datetime
    last_sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A list's subscriber as the admin page lists them."""

    subscription_id: int
    person_id: int
    email: str
    name: str
    confirmed: bool
    since: datetime
    last_sent_at: datetime | None


def _text(value: str, field: str, limit: int, *, one_line: bool = True) -> str:
    if any((ord(c) < 32 and (one_line or c not in "\r\n\t")) or ord(c) == 127 for c in value):
        raise ProfileError("Ce texte ne peut pas contenir de caractère de contrôle"
                           + (" ni de retour à la ligne." if one_line else "."), field)
    text = " ".join(value.split()) if one_line else value.strip()
    if len(text) > limit:
        raise ProfileError(f"Ce texte est trop long ({limit} caractères au plus).", field)
    return text


def _periodicity(period: str, weekday: int, month_day: int, every_days: int) -> Periodicity:
    if period not in PERIODS:
        raise ProfileError("Périodicité inconnue.", "period")
    if not (0 <= weekday <= 6 and 1 <= month_day <= 31 and 1 <= every_days <= 365):
        raise ProfileError("Jour ou intervalle hors limites.", "period")
    return Periodicity(period, weekday, month_day, every_days)


def _checked_equations(values: Iterable[str]) -> list[str]:
    out = []
    for value in values:
        if not value.strip():
            continue
        try:
            out.append(equations.parse(value).params())
        except equations.EquationError as exc:
            raise ProfileError(exc.message, "equations") from None
    return out


def save_list(engine: Engine, now: datetime, *, slug: str, name: str, description: str = "",
              equation_params: Sequence[str] = (), periodicity: Periodicity = WEEKLY,
              novelty: str = "first_seen", cap: int = 30, max_cap: int = 500,
              attachment: str = "", visibility: str = "public",
              offered: Sequence[str] = (), auto: Sequence[str] = (), active: bool = True,
              profile_id: int | None = None) -> Profile:
    """Create (or, with ``profile_id``, change) a curated list.

    People of an ``auto`` category are subscribed at once (and, later, when they join it).

    Raises:
        ProfileError: an invalid field, an unknown category, or a slug already taken.
    """
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise ProfileError("L'identifiant ne peut contenir que des minuscules, chiffres et "
                           "tirets (60 au plus).", "slug")
    name = _text(name, "name", 200)
    if not name:
        raise ProfileError("Donnez un nom à la liste.", "name")
    period = _periodicity(periodicity.period, periodicity.weekday, periodicity.month_day,
                          periodicity.every_days)
    if novelty not in NOVELTY or attachment not in ATTACHMENTS or visibility not in VISIBILITY:
        raise ProfileError("Valeur inconnue.", "novelty")
    if not 1 <= cap <= max_cap:
        raise ProfileError(f"Le plafond doit être compris entre 1 et {max_cap}.", "cap")
    params = _checked_equations(equation_params)
    values: dict[str, Any] = {
        "slug": slug, "name": name, "description": _text(description, "description", 4000,
                                                          one_line=False),
        "period": period.period, "weekday": period.weekday, "month_day": period.month_day,
        "every_days": period.every_days, "novelty": novelty, "cap": cap,
        "attachment": attachment, "visibility": visibility, "active": active,
        "problem": "", "updated_at": now,
    }
    wanted = list(dict.fromkeys([*offered, *auto]))
    with engine.begin() as conn:
        known = {r.code for r in conn.execute(select(categories.c.code))}
        missing = [c for c in wanted if c not in known]
        if missing:
            raise ProfileError(f"Catégorie inconnue : {', '.join(missing)}.", "categories")
        clash = conn.execute(select(dsi_profiles.c.id).where(dsi_profiles.c.slug == slug)).first()
        if clash is not None and clash.id != profile_id:
            raise ProfileError("Une autre liste porte déjà cet identifiant.", "slug")
        if profile_id is None:
            key = conn.execute(insert(dsi_profiles).values(
                **values, owner_id=None, created_at=now)).inserted_primary_key
            assert key is not None
            profile_id = int(key[0])
        else:
            conn.execute(update(dsi_profiles).where(dsi_profiles.c.id == profile_id,
                                                    dsi_profiles.c.owner_id.is_(None))
                         .values(**values))
        _set_equations(conn, profile_id, params)
        conn.execute(delete(dsi_profile_categories)
                     .where(dsi_profile_categories.c.profile_id == profile_id))
        for code in wanted:
            conn.execute(insert(dsi_profile_categories).values(
                profile_id=profile_id, category=code, auto=code in auto))
        if auto:
            members = conn.execute(select(persons.c.id).where(persons.c.category.in_(auto),
                                                              persons.c.email.is_not(None)))
            for row in members.all():
                _subscribe(conn, now, row.id, profile_id)
    found = get(engine, profile_id)
    assert found is not None
    return found


def _set_equations(conn: Connection, profile_id: int, params: Sequence[str]) -> None:
    conn.execute(delete(dsi_equations).where(dsi_equations.c.profile_id == profile_id))
    for position, value in enumerate(params):
        conn.execute(insert(dsi_equations).values(profile_id=profile_id, position=position,
                                                  params=value))


def create_alert(engine: Engine, now: datetime, person_id: int, *, name: str, params: str,
                 periodicity: Periodicity = WEEKLY, novelty: str = "first_seen",
                 cap: int = 30, max_alerts: int = 20) -> Profile:
    """A private alert from a saved search, subscribed by its owner.

    Raises:
        ProfileError: bad name or equation, or too many alerts already.
    """
    name = _text(name, "name", 200) or "Mon alerte"
    params_ = _checked_equations([params])
    if not params_:
        raise ProfileError("Cette recherche est vide.", "params")
    period = _periodicity(periodicity.period, periodicity.weekday, periodicity.month_day,
                          periodicity.every_days)
    if novelty not in NOVELTY:
        raise ProfileError("Valeur inconnue.", "novelty")
    with engine.begin() as conn:
        count = len(conn.execute(select(dsi_profiles.c.id)
                                 .where(dsi_profiles.c.owner_id == person_id)).all())
        if count >= max_alerts:
            raise ProfileError(f"Vous avez déjà {count} alertes : supprimez-en une d'abord.")
        key = conn.execute(insert(dsi_profiles).values(
            owner_id=person_id, slug=None, name=name, description="", period=period.period,
            weekday=period.weekday, month_day=period.month_day, every_days=period.every_days,
            novelty=novelty, cap=cap, attachment="", visibility="private", active=True,
            problem="", created_at=now, updated_at=now)).inserted_primary_key
        assert key is not None
        profile_id = int(key[0])
        _set_equations(conn, profile_id, params_)
        _subscribe(conn, now, person_id, profile_id)
    found = get(engine, profile_id)
    assert found is not None
    return found


def delete_profile(engine: Engine, profile_id: int, owner_id: int | None = None) -> bool:
    """Delete a list (staff) or, with ``owner_id``, that person's alert only.

    A list that published an issue is never deleted (its archives would go with it):
    close it instead (:func:`close_list`).

    Raises:
        ProfileError: the list has published issues.
    """
    where = [dsi_profiles.c.id == profile_id]
    if owner_id is not None:
        where.append(dsi_profiles.c.owner_id == owner_id)
    with engine.begin() as conn:
        if conn.execute(select(dsi_issues.c.id).where(dsi_issues.c.profile_id == profile_id)
                        .limit(1)).first() is not None:
            raise ProfileError("Cette liste a des numéros parus : fermez-la plutôt, ses "
                               "archives resteront consultables.")
        return bool(conn.execute(delete(dsi_profiles).where(*where)).rowcount)


def close_list(engine: Engine, now: datetime, profile_id: int) -> bool:
    """Close a curated list: no more issues or mails; subscribers and archives stay.

    Nobody is unsubscribed (the subscription tells the person, on their page, that the
    list ended). False if there is no such open list.
    """
    with engine.begin() as conn:
        return bool(conn.execute(update(dsi_profiles).where(
            dsi_profiles.c.id == profile_id, dsi_profiles.c.owner_id.is_(None),
            dsi_profiles.c.closed_at.is_(None)).values(closed_at=now, updated_at=now)).rowcount)


def reopen_list(engine: Engine, now: datetime, profile_id: int) -> bool:
    """Reopen a closed list, starting afresh: what arrived while it was closed is not sent.

    The list's and its subscriptions' watermarks move to ``now``, as for a new list and
    a new subscriber; otherwise the first issue after months would be one huge backlog.
    """
    with engine.begin() as conn:
        done = conn.execute(update(dsi_profiles).where(
            dsi_profiles.c.id == profile_id, dsi_profiles.c.owner_id.is_(None),
            dsi_profiles.c.closed_at.is_not(None)).values(
                closed_at=None, last_issue_at=now, updated_at=now)).rowcount
        if done:
            conn.execute(update(dsi_subscriptions).where(
                dsi_subscriptions.c.profile_id == profile_id).values(watermark=now))
    return bool(done)


def set_problem(engine: Engine, profile_id: int, problem: str) -> None:
    """Say why the last run skipped this profile ('' once it runs again)."""
    with engine.begin() as conn:
        conn.execute(update(dsi_profiles).where(dsi_profiles.c.id == profile_id)
                     .values(problem=problem))


def _profiles(conn: Connection, where: Any) -> list[Profile]:
    rows = conn.execute(select(dsi_profiles).where(where)
                        .order_by(dsi_profiles.c.name, dsi_profiles.c.id)).all()
    ids = [r.id for r in rows]
    eqs: dict[int, list[str]] = {i: [] for i in ids}
    cats: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for e in conn.execute(select(dsi_equations).where(dsi_equations.c.profile_id.in_(chunk))
                              .order_by(dsi_equations.c.position)):
            eqs[e.profile_id].append(e.params)
        for c in conn.execute(select(dsi_profile_categories)
                              .where(dsi_profile_categories.c.profile_id.in_(chunk))):
            cats[c.profile_id].append((c.category, c.auto))
    return [Profile(
        id=r.id, owner_id=r.owner_id, slug=r.slug, name=r.name, description=r.description,
        periodicity=Periodicity(r.period, r.weekday, r.month_day, r.every_days),
        novelty=r.novelty, cap=r.cap, attachment=r.attachment, visibility=r.visibility,
        active=r.active, problem=r.problem, last_issue_at=r.last_issue_at,
        created_at=r.created_at, equations=tuple(eqs[r.id]),
        categories=tuple(c for c, _ in cats[r.id]),
        auto_categories=tuple(c for c, a in cats[r.id] if a), closed_at=r.closed_at)
        for r in rows]


def get(engine: Engine | Connection, profile_id: int) -> Profile | None:
    """The profile ``profile_id``, or None."""
    return _first(engine, dsi_profiles.c.id == profile_id)


def by_slug(engine: Engine | Connection, slug: str) -> Profile | None:
    """The curated list ``slug``, or None."""
    return _first(engine, dsi_profiles.c.slug == slug)


def _first(engine: Engine | Connection, where: Any) -> Profile | None:
    if isinstance(engine, Connection):
        found = _profiles(engine, where)
    else:
        with engine.connect() as conn:
            found = _profiles(conn, where)
    return found[0] if found else None


def all_profiles(engine: Engine, ids: Iterable[int] | None = None) -> list[Profile]:
    """Every profile (or those of ``ids``), by name."""
    with engine.connect() as conn:
        if ids is None:
            return _profiles(conn, dsi_profiles.c.id > 0)
        wanted = list(ids)
        out: list[Profile] = []
        for i in range(0, len(wanted), 500):
            out += _profiles(conn, dsi_profiles.c.id.in_(wanted[i:i + 500]))
        return out


def lists(engine: Engine, *, category: str | None = None, staff: bool = False) -> list[Profile]:
    """Curated lists: all of them for staff, else those offered to ``category``."""
    with engine.connect() as conn:
        found = _profiles(conn, dsi_profiles.c.owner_id.is_(None))
    return found if staff else [p for p in found if p.offered_to(category)]


def closed_lists(engine: Engine, *, category: str | None = None) -> list[Profile]:
    """Closed curated lists whose archives ``category`` may browse."""
    with engine.connect() as conn:
        found = _profiles(conn, dsi_profiles.c.owner_id.is_(None)
                          & dsi_profiles.c.closed_at.is_not(None))
    return [p for p in found if p.archives_open_to(category)]


def alerts_of(engine: Engine, person_id: int) -> list[Profile]:
    """A person's private alerts, by name."""
    with engine.connect() as conn:
        return _profiles(conn, dsi_profiles.c.owner_id == person_id)


def _subscribe(conn: Connection, now: datetime, person_id: int, profile_id: int) -> int:
    row = conn.execute(select(dsi_subscriptions.c.id).where(
        dsi_subscriptions.c.person_id == person_id,
        dsi_subscriptions.c.profile_id == profile_id)).first()
    if row is not None:
        return int(row.id)
    # The watermark starts now: a new subscriber receives what arrives from now on.
    key = conn.execute(insert(dsi_subscriptions).values(
        profile_id=profile_id, person_id=person_id, created_at=now, watermark=now)
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def subscribe(engine: Engine, now: datetime, person_id: int, profile_id: int) -> int:
    """Subscribe a person to a profile (idempotent); the subscription's id."""
    with engine.begin() as conn:
        return _subscribe(conn, now, person_id, profile_id)


def unsubscribe(engine: Engine, subscription_id: int, person_id: int) -> bool:
    """End one subscription of ``person_id`` (idempotent: False if already gone).

    Unsubscribing from one's own alert deletes the alert: nobody else receives it.
    """
    with engine.begin() as conn:
        row = conn.execute(select(dsi_subscriptions.c.profile_id, dsi_profiles.c.owner_id)
                           .join(dsi_profiles)
                           .where(dsi_subscriptions.c.id == subscription_id,
                                  dsi_subscriptions.c.person_id == person_id)).first()
        if row is None:
            return False
        if row.owner_id == person_id:
            conn.execute(delete(dsi_profiles).where(dsi_profiles.c.id == row.profile_id))
        else:
            conn.execute(delete(dsi_subscriptions).where(dsi_subscriptions.c.id == subscription_id))
    return True


def subscriptions_of(engine: Engine, person_id: int) -> list[Subscription]:
    """A person's subscriptions (lists and alerts), by profile name."""
    with engine.connect() as conn:
        rows = conn.execute(select(dsi_subscriptions)
                            .where(dsi_subscriptions.c.person_id == person_id)).all()
        found = {p.id: p for p in _profiles(conn, dsi_profiles.c.id.in_(
            [r.profile_id for r in rows]))}
    subs = [Subscription(r.id, found[r.profile_id], r.person_id, r.created_at, r.watermark,
                         r.last_sent_at) for r in rows if r.profile_id in found]
    return sorted(subs, key=lambda s: (s.profile.name, s.id))


def subscribers(engine: Engine, profile_id: int) -> list[Subscriber]:
    """The subscribers of a profile, by email."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(dsi_subscriptions.c.id, dsi_subscriptions.c.created_at,
                   dsi_subscriptions.c.last_sent_at, persons.c.id.label("person_id"),
                   persons.c.email, persons.c.name, persons.c.email_confirmed_at)
            .join(persons, persons.c.id == dsi_subscriptions.c.person_id)
            .where(dsi_subscriptions.c.profile_id == profile_id)
            .order_by(persons.c.email)).all()
    return [Subscriber(r.id, r.person_id, r.email or "", r.name,
                       r.email_confirmed_at is not None, r.created_at, r.last_sent_at)
            for r in rows]


def subscribe_category(engine: Engine, now: datetime, person_id: int,
                       category: str | None) -> int:
    """Subscribe a person to the lists auto-offered to their category; how many are new."""
    if not category:
        return 0
    with engine.begin() as conn:
        wanted = [r.profile_id for r in conn.execute(
            select(dsi_profile_categories.c.profile_id).join(dsi_profiles).where(
                dsi_profile_categories.c.category == category,
                dsi_profile_categories.c.auto.is_(True), dsi_profiles.c.closed_at.is_(None)))]
        had = {r.profile_id for r in conn.execute(select(dsi_subscriptions.c.profile_id).where(
            dsi_subscriptions.c.person_id == person_id))}
        for profile_id in wanted:
            _subscribe(conn, now, person_id, profile_id)
    return len(set(wanted) - had)
