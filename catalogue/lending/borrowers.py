"""Borrowers: the CSV import, the loan-history choice, the check before an erasure.

The CSV import is what a centre runs when it opens the desk, or each term.

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

from sqlalchemy import Connection, Engine, func, select, update

from catalogue.lending import audit
from catalogue.people import accounts
from catalogue.people.accounts import AccountError, Person
from catalogue.store.circulation_tables import loans, reservations
from catalogue.store.people_tables import persons

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


def decode(data: bytes) -> str:
    """The text of an uploaded CSV file: UTF-8 (with or without BOM), else Windows-1252.

    A spreadsheet saved as "CSV" on a French Windows desktop is Windows-1252; reading it
    as UTF-8 would turn every accented name into replacement characters.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def import_csv(engine: Engine, text: str, now: datetime, *,
               actor_id: int | None = None) -> BorrowerImport:
    """Create or update the borrowers of a CSV text (``,`` or ``;`` separated).

    The import's summary goes to the audit log (who imported, how many lines went in).
    """
    report = _import(engine, text, now)
    with engine.begin() as conn:
        audit.record(conn, now, "borrowers", actor_id, detail=f"import CSV : {report.created} "
                     f"créé(s), {report.updated} mis à jour, {len(report.problems)} rejet(s)")
    return report


def _import(engine: Engine, text: str, now: datetime) -> BorrowerImport:
    report = BorrowerImport()
    sample = text[:2048]
    dialect: Any = csv.excel
    try:
        if sample.strip():
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:  # one column only: nothing to sniff
        pass
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "card" not in header:
        report.problems.append((1, "La colonne « card » (numéro de carte) est obligatoire."))
        return report
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        report.problems.append((1, f"Colonnes inconnues ignorées : {', '.join(unknown)}."))
    for raw in reader:
        # Where the row starts: a quoted address may span lines, blank lines are skipped.
        line = reader.line_num - sum(v.count("\n") for v in raw.values() if isinstance(v, str))
        row = {(k or "").strip().lower(): v.strip() for k, v in raw.items()
               if isinstance(v, str)}
        try:
            _one(engine, row, now, report)
        except AccountError as exc:
            report.problems.append((line, exc.message))
    return report


def _one(engine: Engine, row: dict[str, Any], now: datetime, report: BorrowerImport) -> None:
    card = row.get("card", "")
    if not card:
        raise AccountError("Numéro de carte manquant.", "card")
    # Only the non-empty cells change a known borrower: a file without a "suspended" or a
    # "name" column (or with a blank cell) must not lift a suspension or erase a name.
    values: dict[str, Any] = {k: row[k] for k in ("name", "category", "phone", "address")
                              if row.get(k)}
    if row.get("expires_on"):
        values["expires_on"] = _day(row["expires_on"])
    if row.get("suspended"):
        values["suspended"] = _yes_no(row["suspended"])
    if "category" in values and values["category"] not in dict(accounts.list_categories(engine)):
        raise AccountError(f"Catégorie inconnue : {values['category']}.", "category")
    existing = accounts.by_card(engine, card)
    if existing is not None:
        accounts.update_person(engine, existing.id, now, **values)
        report.updated += 1
        return
    email = row.get("email") or None
    person = accounts.by_email(engine, email) if email else None
    if person is not None:
        if person.card:
            raise AccountError(f"{email} a déjà la carte {person.card}.", "email")
        accounts.update_person(engine, person.id, now, card=card, **values)
        report.updated += 1
        return
    suspended = values.pop("suspended", False)
    person = accounts.create(engine, now, email=email, card=card, **values)
    if suspended:
        accounts.update_person(engine, person.id, now, suspended=True)
    report.created += 1


def _yes_no(text: str) -> bool:
    answer = text.strip().lower()
    if answer in {"oui", "o", "yes", "y", "1", "true", "vrai"}:
        return True
    if answer in {"non", "n", "no", "0", "false", "faux"}:
        return False
    raise AccountError(f"Valeur de « suspended » illisible : {text!r} (oui ou non).", "suspended")


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


def keep_history(engine: Engine, person_id: int, keep: bool, now: datetime) -> tuple[Person, int]:
    """Record the borrower's choice to keep (or not) the list of the loans they returned.

    Opting out also forgets the history kept so far: the returned loans lose their
    borrower, as they would have had the borrower never opted in. Open loans are not
    history and keep their borrower. Returns the person and how many loans were forgotten.
    """
    # The choice first: a return made meanwhile already follows it, then nothing is left.
    person = accounts.update_person(engine, person_id, now, history_opt_in=keep)
    forgotten = 0
    if not keep:
        with engine.begin() as conn:
            forgotten = conn.execute(update(loans).where(
                loans.c.person_id == person_id, loans.c.returned_at.is_not(None))
                .values(person_id=None)).rowcount
    return person, forgotten


def set_suspended(conn: Connection, person_id: int, suspended: bool, now: datetime,
                  actor_id: int | None, why: str = "") -> bool:
    """Suspend a borrower or lift the suspension (inside the caller's transaction).

    Returns False when there was nothing to change (already so), so a repeated form or a
    second reminder run writes no second audit event.
    """
    done = conn.execute(update(persons).where(persons.c.id == person_id,
                                              persons.c.suspended.is_not(suspended))
                        .values(suspended=suspended, updated_at=now)).rowcount
    if done:
        audit.record(conn, now, "suspend", actor_id, person_id=person_id,
                     detail=("suspendu" if suspended else "suspension levée")
                     + (f" ({why})" if why else ""))
    return bool(done)


def change_suspension(engine: Engine, person_id: int, suspended: bool, now: datetime,
                      actor_id: int | None) -> bool:
    """:func:`set_suspended` in a transaction of its own (the desk's button)."""
    with engine.begin() as conn:
        return set_suspended(conn, person_id, suspended, now, actor_id)
