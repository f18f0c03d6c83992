"""Borrowers in bulk: the CSV import a centre runs when it opens the desk, or each term.

One row per borrower, a header naming the columns (``card`` is required; ``name``,
``email``, ``category``, ``expires_on`` (YYYY-MM-DD or DD/MM/YYYY), ``phone``,
``address``, ``suspended`` (oui/non) are optional). A card already known updates that
borrower; a new one creates them. A bad row is reported with its line number and the
others go in: one typo never stops the import (house style for batches).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from catalogue.people import accounts
from catalogue.people.accounts import AccountError
from catalogue.store.circulation_tables import loans, reservations

COLUMNS = ("card", "name", "email", "category", "expires_on", "phone", "address", "suspended")


@dataclass(slots=True)
class BorrowerImport:
    """What a CSV import did."""

    created: int = 0
    updated: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"borrowers: {self.created} created, {self.updated} updated, "
                f"{len(self.problems)} rejected")


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise AccountError(f"Date illisible : {text!r} (AAAA-MM-JJ ou JJ/MM/AAAA).", "expires_on")


def import_csv(engine: Engine, text: str, now: datetime) -> BorrowerImport:
    """Create or update the borrowers of a CSV text (``,`` or ``;`` separated)."""
    report = BorrowerImport()
    sample = text[:2048]
    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "card" not in header:
        report.problems.append((1, "La colonne « card » (numéro de carte) est obligatoire."))
        return report
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        report.problems.append((1, f"Colonnes inconnues ignorées : {', '.join(unknown)}."))
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            _one(engine, row, now, report)
        except AccountError as exc:
            report.problems.append((line, exc.message))
    return report


def _one(engine: Engine, row: dict[str, Any], now: datetime, report: BorrowerImport) -> None:
    card = row.get("card", "")
    if not card:
        raise AccountError("Numéro de carte manquant.", "card")
    values: dict[str, Any] = {"name": row.get("name", ""), "category": row.get("category") or None,
                              "expires_on": _day(row.get("expires_on", "")),
                              "phone": row.get("phone", ""), "address": row.get("address", "")}
    if values["category"] and values["category"] not in dict(accounts.list_categories(engine)):
        raise AccountError(f"Catégorie inconnue : {values['category']}.", "category")
    suspended = row.get("suspended", "").lower() in {"oui", "yes", "1", "true", "o"}
    existing = accounts.by_card(engine, card)
    if existing is not None:
        accounts.update_person(engine, existing.id, now, suspended=suspended, **values)
        report.updated += 1
        return
    email = row.get("email") or None
    if email and accounts.by_email(engine, email) is not None:
        person = accounts.by_email(engine, email)
        assert person is not None
        if person.card:
            raise AccountError(f"{email} a déjà la carte {person.card}.", "email")
        accounts.update_person(engine, person.id, now, card=card, suspended=suspended, **values)
        report.updated += 1
        return
    person = accounts.create(engine, now, email=email, card=card, **values)
    if suspended:
        accounts.update_person(engine, person.id, now, suspended=True)
    report.created += 1


def deletion_refusal(conn: Connection, person_id: int) -> str | None:
    """Why a borrower may not be erased yet, in French, or None.

    Erasing someone with documents at home would orphan the loans (the copies would be
    "on loan" to nobody, and no reminder could reach anyone); erasing someone a copy is
    set aside for would leave it on the hold shelf for nobody. Waiting reservations do not
    block: they simply go with the account. Registered with
    :func:`catalogue.people.accounts.refuse_deletion_when` by this package.
    """
    on_loan = conn.execute(select(func.count()).select_from(loans).where(
        loans.c.person_id == person_id, loans.c.returned_at.is_(None))).scalar_one()
    if on_loan:
        return (f"Ce compte a encore {on_loan} prêt(s) en cours : les documents doivent être "
                "rendus au centre avant la suppression du compte.")
    held = conn.execute(select(func.count()).select_from(reservations).where(
        reservations.c.person_id == person_id, reservations.c.status == "held")).scalar_one()
    if held:
        return (f"{held} document(s) réservé(s) sont mis de côté pour ce compte : annulez ces "
                "réservations avant de supprimer le compte.")
    return None
