"""The desk's operations: check out, check in, renew, reserve, cancel, expire holds.

Each operation is one transaction that checks the rules, writes the change and its
audit event together, then (once committed) re-indexes the record and queues the mail
a hold deserves. Two desks racing for one copy are settled by the store: the loans
table's unique ``open_item_id`` lets exactly one commit, and the loser is told, in
French, that the copy has just gone. SQLite may instead refuse the loser's write
outright (a stale WAL snapshot cannot be upgraded); the operation is then re-run from
the start, finds the winner's loan and says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from catalogue.clock import utcnow
from catalogue.lending import audit, closures, notices
from catalogue.lending import items as desk_items
from catalogue.lending import loans as loan_list
from catalogue.lending import reservations as resa
from catalogue.lending.availability import request_refresh
from catalogue.lending.items import DeskItem
from catalogue.lending.loans import Loan
from catalogue.lending.refusals import Refusal
from catalogue.lending.reservations import Reservation
from catalogue.lending.rules import LoanRule, rule_for
from catalogue.people import accounts, outbox
from catalogue.people.accounts import Person
from catalogue.settings import Settings
from catalogue.store.circulation_tables import ANY, loans, reservations
from catalogue.store.tables import items, records

T = TypeVar("T")
ATTEMPTS = 6


@dataclass(frozen=True, slots=True)
class Checkin:
    """What a return did: the closed loan and the reservation the copy is now held for."""

    item: DeskItem
    loan: Loan | None
    hold: Reservation | None


def fmt(day: date) -> str:
    """A date as the desk writes it."""
    return f"{day:%d/%m/%Y}"


class Desk:
    """The lending desk over one store (see the module docstring)."""

    def __init__(self, engine: Engine, settings: Settings, *, update_index: bool = True) -> None:
        self.engine = engine
        self.settings = settings
        self.rules = settings.circulation
        self.update_index = update_index

    # --- plumbing -----------------------------------------------------------------------

    def _run(self, work: Callable[[Connection], T], race: Refusal) -> T:
        for attempt in range(ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except IntegrityError:
                raise race from None
            except OperationalError as exc:  # SQLite: busy, or a stale snapshot
                if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                    raise
                if attempt == ATTEMPTS - 1:
                    raise race from None
                time.sleep(0.05 * (attempt + 1))
        raise race

    def _reindex(self, *record_ids: int) -> None:
        # Noted for the index job (the one writer); a web request never opens the index.
        if self.update_index:
            request_refresh(self.engine, record_ids, utcnow())

    def today(self, now: datetime) -> date:
        """The centre's date at ``now``."""
        return closures.local_day(now, self.rules)

    # --- borrowers ----------------------------------------------------------------------

    def borrower(self, card: str, conn: Connection | None = None) -> Person:
        """The borrower whose card is ``card``.

        Raises:
            Refusal: empty or unknown card (saying so when it is an item's barcode).
        """
        code = card.strip()
        if not code:
            raise Refusal("Scannez la carte de l'emprunteur.", code="empty", field="card")
        with self.engine.connect() if conn is None else nullcontext(conn) as c:
            person = accounts.by_card(c, code)
            if person is not None:
                return person
            if c.execute(select(items.c.id).join(records, records.c.id == items.c.record_id)
                         .where(items.c.barcode == code,
                                records.c.source.in_(self.rules.sources))).first():
                raise Refusal(f"{code} est le code-barres d'un exemplaire : scannez d'abord la "
                              "carte de l'emprunteur.", code="item_as_card", field="card")
        raise Refusal(f"Aucun emprunteur n'a la carte {code}.", code="unknown_card", field="card")

    def eligible(self, person: Person, today: date) -> None:
        """Refuse a person who may not borrow or reserve now (no card, suspended, expired)."""
        if not person.card:
            raise Refusal(f"{person.label} n'a pas de carte d'emprunteur.", code="no_card",
                          field="card")
        if person.suspended:
            raise Refusal(f"La carte de {person.label} est suspendue : prêt et réservation "
                          "impossibles.", code="suspended", field="card")
        if person.expires_on is not None and person.expires_on < today:
            raise Refusal(f"La carte de {person.label} a expiré le {fmt(person.expires_on)} : "
                          "renouvelez l'inscription.", code="expired", field="card")

    def rule(self, conn: Connection, person: Person, item_type: str) -> LoanRule:
        """The loan rule for this borrower and item type."""
        return rule_for(conn, self.rules, person.category, item_type)

    # --- check out ----------------------------------------------------------------------

    def check_out(self, card: str, barcode: str, now: datetime, actor_id: int | None) -> Loan:
        """Lend the copy ``barcode`` to the borrower of ``card``; the new loan.

        Raises:
            Refusal: see the rules in the module docstrings (``code`` names the one).
        """
        today = self.today(now)

        def work(conn: Connection) -> Loan:
            person = self.borrower(card, conn)
            self.eligible(person, today)
            item = desk_items.find(conn, self.rules, barcode)
            current = loan_list.open_for_item(conn, item.id)
            if current is not None:
                if current.person_id == person.id:
                    raise Refusal(f"{item.barcode} est déjà prêté à {person.label} (retour le "
                                  f"{fmt(current.due_on)}).", code="already_yours", field="barcode")
                raise Refusal(f"{item.barcode} est déjà en prêt (retour prévu le "
                              f"{fmt(current.due_on)}) : enregistrez d'abord son retour.",
                              code="on_loan", field="barcode")
            refusal = item.refusal()
            if refusal is not None:
                raise refusal
            held = resa.held_for_item(conn, item.id)
            if held is not None and held.person_id != person.id:
                until = fmt(held.held_until) if held.held_until else "?"
                raise Refusal(f"{item.barcode} est réservé pour {held.borrower} (mis de côté "
                              f"jusqu'au {until}).", code="reserved", field="barcode")
            rule = self.rule(conn, person, item.item_type)
            in_scope = select(func.count()).select_from(loans).join(
                items, items.c.id == loans.c.item_id).where(
                loans.c.person_id == person.id, loans.c.returned_at.is_(None))
            if rule.item_type != ANY:
                in_scope = in_scope.where(items.c.item_type == rule.item_type)
            count = int(conn.execute(in_scope).scalar_one())
            if count >= rule.max_loans:
                raise Refusal(f"{person.label} a atteint le nombre maximal de prêts "
                              f"({rule.max_loans}, {rule.scope}).", code="max_loans",
                              field="barcode")
            due = closures.add_days(conn, today, rule.loan_days, self.rules)
            key = conn.execute(insert(loans).values(
                item_id=item.id, open_item_id=item.id, person_id=person.id, checked_out_at=now,
                due_on=due, renewals=0, reminder_level=0, checked_out_by=actor_id,
            )).inserted_primary_key
            assert key is not None
            mine = held or next((r for r in resa.of_person(conn, person.id)
                                 if r.record_id == item.record_id), None)
            if mine is not None:
                resa.close(conn, mine.id, resa.FULFILLED, now)
            audit.record(conn, now, "checkout", actor_id, item_id=item.id, person_id=person.id,
                         detail=f"retour le {fmt(due)}")
            loan = loan_list.get(conn, int(key[0]))
            assert loan is not None
            return loan

        loan = self._run(work, Refusal(
            "Cet exemplaire vient d'être prêté sur un autre poste : rien n'a été enregistré "
            "ici.", code="race", field="barcode"))
        self._reindex(loan.record_id)
        return loan

    # --- check in -----------------------------------------------------------------------

    def check_in(self, barcode: str, now: datetime, actor_id: int | None) -> Checkin:
        """Record the return of ``barcode``; holds the copy for the first reservation.

        Raises:
            Refusal: unknown barcode, or the copy was not on loan (``not_on_loan``).
        """
        def work(conn: Connection) -> Checkin:
            item = desk_items.find(conn, self.rules, barcode)
            loan = loan_list.open_for_item(conn, item.id)
            if loan is None:
                held = resa.held_for_item(conn, item.id)
                extra = f" Il est réservé pour {held.borrower}." if held else ""
                raise Refusal(f"{item.barcode} n'était pas en prêt.{extra}", code="not_on_loan",
                              field="barcode")
            keep = False
            if loan.person_id is not None:
                person = accounts.get(conn, loan.person_id)
                keep = bool(person and person.history_opt_in)
            conn.execute(update(loans).where(loans.c.id == loan.id).values(
                returned_at=now, open_item_id=None, returned_by=actor_id,
                person_id=loan.person_id if keep else None))
            audit.record(conn, now, "checkin", actor_id, item_id=item.id,
                         person_id=loan.person_id,
                         detail=f"en retard de {loan.late_days(self.today(now))} j"
                         if loan.late_days(self.today(now)) else "")
            hold = None
            if item.refusal() is None:
                hold = resa.hold_next(conn, self.rules, item.record_id, item.id, now, actor_id)
            closed = loan_list.get(conn, loan.id)
            return Checkin(item=item, loan=closed, hold=hold)

        done = self._run(work, Refusal("Retour déjà enregistré sur un autre poste.",
                                       code="race", field="barcode"))
        if done.hold is not None:
            self._notify_hold(done.hold, now)
        self._reindex(done.item.record_id)
        return done

    def _notify_hold(self, hold: Reservation, now: datetime) -> None:
        if not hold.email:
            return
        msg = notices.hold_mail(self.settings, hold, now)
        outbox.queue(self.engine, msg, kind="hold", now=now, person_id=hold.person_id)

    # --- renew --------------------------------------------------------------------------

    def renew(self, loan_id: int, now: datetime, actor_id: int | None, *,
              borrower_id: int | None = None, expected_due: date | None = None) -> Loan:
        """Extend an open loan by the rule's renewal period.

        Args:
            borrower_id: when the borrower renews on the public site: the loan must be
                theirs (another's loan is "not found", never "not yours").
            expected_due: the due date the form showed; a different one means the loan
                was renewed meanwhile (a double submission), refused as ``already_renewed``.

        Raises:
            Refusal: unknown loan, renewals exhausted, reserved by someone else, late loan,
                borrower not eligible.
        """
        today = self.today(now)

        def work(conn: Connection) -> Loan:
            loan = loan_list.get(conn, loan_id)
            if loan is None or not loan.open or (borrower_id is not None
                                                 and loan.person_id != borrower_id):
                raise Refusal("Prêt introuvable.", code="unknown_loan")
            if expected_due is not None and loan.due_on != expected_due:
                raise Refusal(f"Ce prêt a déjà été prolongé : retour le {fmt(loan.due_on)}.",
                              code="already_renewed")
            person = accounts.get(conn, loan.person_id) if loan.person_id else None
            if person is None:
                raise Refusal("Prêt introuvable.", code="unknown_loan")
            self.eligible(person, today)
            if loan.due_on < today:
                raise Refusal(f"Le prêt de {loan.barcode} est en retard depuis le "
                              f"{fmt(loan.due_on)} : il ne peut plus être prolongé.",
                              code="late")
            rule = self.rule(conn, person, loan.item_type)
            if loan.renewals >= rule.renewals:
                raise Refusal(f"Prolongation impossible : {loan.renewals} prolongation(s) sur "
                              f"{rule.renewals} autorisée(s) déjà faite(s).",
                              code="renewals_exhausted")
            waiting = conn.execute(select(func.count()).select_from(reservations).where(
                reservations.c.record_id == loan.record_id,
                reservations.c.status == resa.WAITING,
                reservations.c.person_id != person.id)).scalar_one()
            if waiting:
                raise Refusal("Prolongation impossible : ce document est réservé par un autre "
                              "emprunteur.", code="reserved")
            due = closures.add_days(conn, max(loan.due_on, today), rule.renewal_days, self.rules)
            done = conn.execute(update(loans).where(loans.c.id == loan.id,
                                                    loans.c.due_on == loan.due_on)
                                .values(due_on=due, renewals=loan.renewals + 1))
            if done.rowcount != 1:  # another desk renewed it between our read and write
                raise Refusal("Prolongation déjà enregistrée.", code="already_renewed")
            audit.record(conn, now, "renew", actor_id, item_id=loan.item_id,
                         person_id=person.id, detail=f"retour le {fmt(due)}")
            renewed = loan_list.get(conn, loan.id)
            assert renewed is not None
            return renewed

        loan = self._run(work, Refusal("Prolongation déjà enregistrée.", code="already_renewed"))
        self._reindex(loan.record_id)
        return loan

    # --- reservations -------------------------------------------------------------------

    def reserve(self, person_id: int, global_id: str, now: datetime,
                actor_id: int | None) -> Reservation:
        """Reserve a record for a borrower: the next copy returned will be held for them.

        Raises:
            Refusal: not a borrower, nothing lendable, a copy on the shelf, already
                borrowed or reserved, or too many reservations for the rule.
        """
        today = self.today(now)
        global_id = desk_items.record_ref(global_id)
        if not global_id:
            raise Refusal("Indiquez la notice à réserver : crpv:123 ou l'adresse de sa page.",
                          code="empty", field="record")
        source, _, source_id = global_id.partition(":")

        def work(conn: Connection) -> Reservation:
            person = accounts.get(conn, person_id)
            if person is None:
                raise Refusal("Emprunteur inconnu.", code="unknown_card", field="card")
            self.eligible(person, today)
            record = conn.execute(select(records.c.id).where(
                records.c.source == source, records.c.source_id == source_id,
                records.c.deleted.is_(False), records.c.source.in_(self.rules.sources))).first()
            if record is None:
                raise Refusal("Ce document ne fait pas partie des fonds prêtés ici.",
                              code="not_lendable")
            copies = [i for i in desk_items.of_record(conn, record.id) if i.refusal() is None]
            if not copies:
                raise Refusal("Ce document ne se prête pas (consultation sur place ou "
                              "indisponible) : il ne peut pas être réservé.", code="on_site")
            mine = [loan_list.open_for_item(conn, i.id) for i in copies]
            if any(m is not None and m.person_id == person.id for m in mine):
                raise Refusal("Ce document est déjà en prêt chez cet emprunteur.",
                              code="already_borrowed")
            shelf = [i for i, m in zip(copies, mine, strict=True)
                     if m is None and resa.held_for_item(conn, i.id) is None]
            if shelf:
                raise Refusal(f"Un exemplaire est disponible en rayon ({shelf[0].call_number or shelf[0].barcode}) : "
                              "inutile de le réserver.", code="available")
            if any(r.record_id == record.id for r in resa.of_person(conn, person.id)):
                raise Refusal("Ce document est déjà réservé par cet emprunteur.",
                              code="already_reserved")
            rule = self.rule(conn, person, copies[0].item_type)
            if resa.active_count(conn, person.id) >= rule.max_reservations:
                raise Refusal(f"Nombre maximal de réservations atteint ({rule.max_reservations}).",
                              code="max_reservations")
            key = conn.execute(insert(reservations).values(
                record_id=record.id, person_id=person.id, status=resa.WAITING,
                open_record_id=record.id, created_at=now)).inserted_primary_key
            assert key is not None
            audit.record(conn, now, "reserve", actor_id, person_id=person.id, detail=global_id)
            found = resa.get(conn, int(key[0]))
            assert found is not None
            return found

        return self._run(work, Refusal("Ce document est déjà réservé par cet emprunteur.",
                                       code="already_reserved"))

    def cancel(self, reservation_id: int, now: datetime, actor_id: int | None, *,
               borrower_id: int | None = None) -> Reservation | None:
        """Cancel a reservation; a held copy goes to the next in line. Returns that next hold.

        Raises:
            Refusal: unknown reservation (or another borrower's, when ``borrower_id``).
        """
        def work(conn: Connection) -> tuple[Reservation, Reservation | None]:
            found = resa.get(conn, reservation_id)
            if found is None or found.status not in resa.ACTIVE or (
                    borrower_id is not None and found.person_id != borrower_id):
                raise Refusal("Réservation introuvable ou déjà close.", code="unknown_reservation")
            resa.close(conn, found.id, resa.CANCELLED, now)
            audit.record(conn, now, "cancel", actor_id, item_id=found.held_item_id,
                         person_id=found.person_id, detail=found.global_id)
            nxt = None
            if found.held_item_id is not None:
                nxt = resa.hold_next(conn, self.rules, found.record_id, found.held_item_id, now,
                                     actor_id)
            return found, nxt

        found, nxt = self._run(work, Refusal("Réservation déjà annulée.", code="unknown_reservation"))
        if nxt is not None:
            self._notify_hold(nxt, now)
        self._reindex(found.record_id)
        return nxt

    def expire_holds(self, now: datetime) -> int:
        """Close the holds whose borrower did not come; each copy goes to the next in line."""
        today = self.today(now)
        with self.engine.begin() as conn:
            late = resa.expired_holds(conn, today)
            nexts = []
            for hold in late:
                resa.close(conn, hold.id, resa.EXPIRED, now)
                audit.record(conn, now, "expire", None, item_id=hold.held_item_id,
                             person_id=hold.person_id, detail=hold.global_id)
                if hold.held_item_id is not None:
                    nxt = resa.hold_next(conn, self.rules, hold.record_id, hold.held_item_id,
                                         now, None)
                    if nxt is not None:
                        nexts.append(nxt)
        for nxt in nexts:
            self._notify_hold(nxt, now)
        self._reindex(*(h.record_id for h in late))
        return len(late)

