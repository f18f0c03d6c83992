"""Subscribers registered by the centre: one by one or from a CSV file; GDPR export.

Librarians register people who gave their consent outside the site (a form signed at
a training day, a partner's mailing list moved over): those addresses count as
confirmed. A CSV import reports each bad line by number and goes on (one bad line
never stops an import); an address already known is subscribed, not duplicated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from catalogue.dsi import profiles
from catalogue.people import accounts
from catalogue.people.accounts import AccountError
from catalogue.store.dsi_tables import dsi_bounces, dsi_deliveries
from catalogue.store.people_tables import persons

MAX_LINES = 50_000


@dataclass
class ImportReport:
    """What a CSV import did."""

    created: int = 0
    subscribed: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # line number, French message


def register(engine: Engine, now: datetime, profile_id: int, email: str, name: str = "",
             language: str = "fr", category: str = "") -> tuple[bool, bool]:
    """Register (if new) and subscribe one person; (created, newly subscribed).

    Raises:
        AccountError: invalid address, name (line breaks: header injection) or category.
    """
    address = accounts.normalize_email(email)
    name = accounts.clean_name(name)
    found = accounts.by_email(engine, address)
    created = found is None
    if found is None:
        found = accounts.create(engine, now, email=address, name=name,
                                language=language if language in accounts.LANGUAGES else "fr",
                                confirmed=True, category=category or None)
        profiles.subscribe_category(engine, now, found.id, found.category)
    had = {s.profile.id for s in profiles.subscriptions_of(engine, found.id)}
    profiles.subscribe(engine, now, found.id, profile_id)
    return created, profile_id not in had


def import_csv(engine: Engine, now: datetime, text: str, profile_id: int) -> ImportReport:
    """Subscribe the people of a CSV (``email`` column, optional ``name``, ``language``,
    ``category``; comma or semicolon separated, as spreadsheets save it) to a list."""
    report = ImportReport()
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    if "email" not in columns:
        report.problems.append((1, "La première ligne doit nommer les colonnes, dont « email »."))
        return report
    for number, row in enumerate(reader, start=2):
        if number > MAX_LINES:
            report.problems.append((number, f"Fichier trop long : {MAX_LINES} lignes au plus."))
            break
        values = {k: (row.get(v) or "").strip() for k, v in columns.items()}
        if not any(values.values()):
            continue
        try:
            created, subscribed = register(engine, now, profile_id, values["email"],
                                           values.get("name", ""), values.get("language", "fr"),
                                           values.get("category", ""))
        except AccountError as exc:
            report.problems.append((number, f"{values['email'] or '(vide)'} : {exc.message}"))
            continue
        report.created += created
        report.subscribed += subscribed
    return report


def export(engine: Engine, person_id: int) -> Mapping[str, Any]:
    """Everything the DSI holds about a person, JSON-ready (with the account's own section)."""
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date | datetime) else value

    subs = profiles.subscriptions_of(engine, person_id)
    with engine.connect() as conn:
        sent = conn.execute(select(dsi_deliveries.c.at, dsi_deliveries.c.status,
                                   dsi_deliveries.c.records)
                            .where(dsi_deliveries.c.person_id == person_id)
                            .order_by(dsi_deliveries.c.at)).all()
        known = conn.execute(select(persons.c.id).where(persons.c.id == person_id)).first()
        refused = conn.execute(select(dsi_bounces).where(
            dsi_bounces.c.person_id == person_id)).all()
    if known is None:
        return {}
    return {
        "account": dict(accounts.export(engine, person_id)),
        "subscriptions": [{"list": s.profile.name, "since": plain(s.created_at),
                           "last_sent": plain(s.last_sent_at),
                           "private_alert": not s.profile.is_list,
                           "equations": list(s.profile.equations)} for s in subs],
        "deliveries": [{"at": plain(r.at), "status": r.status, "records": r.records}
                       for r in sent],
        "refusals": [{"address": r.email, "in_a_row": r.refusals, "first": plain(r.first_at),
                      "last": plain(r.last_at), "server_answer": r.detail} for r in refused],
    }
