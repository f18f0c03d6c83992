"""The borrower's own loans on the public site (``/compte/prets``): see, renew, reserve,
and choose whether the loans they return are kept as their history.

Every action names the loan or reservation by id *and* checks it belongs to the
signed-in person (:class:`catalogue.lending.desk.Desk` is given ``borrower_id``):
another borrower's id is answered exactly as an unknown one.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from catalogue.lending import borrowers, closures
from catalogue.lending import loans as loan_list
from catalogue.lending import reservations as resa
from catalogue.lending.desk import Desk
from catalogue.lending.refusals import Refusal
from catalogue.people.accounts import Person
from catalogue.web.guards import current_person, signin_required
from catalogue.web.service import engine, now, settings

bp = Blueprint("loans", __name__, url_prefix="/compte")


def _me() -> Person:
    person = current_person()
    assert person is not None  # signin_required
    return person


@bp.get("/prets")
@signin_required
def mine() -> str:
    """The signed-in borrower's loans, reservations and (if opted in) history."""
    person = _me()
    with engine().connect() as conn:
        reservations = [(r, resa.position(conn, r)) for r in resa.of_person(conn, person.id)]
    return render_template(
        "account/loans.html", person=person, loans=loan_list.of_person(engine(), person.id),
        reservations=reservations,
        history=loan_list.of_person(engine(), person.id, history=True)[:100]
        if person.history_opt_in else [],
        today=closures.local_day(now(), settings().circulation))


@bp.post("/prets/<int:loan_id>/prolonger")
@signin_required
def renew(loan_id: int) -> Response:
    """Renew one of the borrower's own loans."""
    person = _me()
    try:
        expected = date.fromisoformat(request.form.get("echeance", ""))
    except ValueError:
        expected = None
    try:
        loan = Desk(engine(), settings()).renew(loan_id, now(), person.id, borrower_id=person.id,
                                               expected_due=expected)
        flash(f"Prêt prolongé : à rendre le {loan.due_on:%d/%m/%Y}.", "success")
    except Refusal as exc:
        flash(exc.message, "info" if exc.repeat else "error")
    return redirect(url_for("loans.mine"), 303)


@bp.post("/reservations/<int:reservation_id>/annuler")
@signin_required
def cancel(reservation_id: int) -> Response:
    """Cancel one of the borrower's own reservations."""
    person = _me()
    try:
        Desk(engine(), settings()).cancel(reservation_id, now(), person.id, borrower_id=person.id)
        flash("Réservation annulée.", "success")
    except Refusal as exc:
        flash(exc.message, "error")
    return redirect(url_for("loans.mine"), 303)


@bp.post("/reserver")
@signin_required
def reserve() -> Response:
    """Reserve a record from its page."""
    person = _me()
    try:
        Desk(engine(), settings()).reserve(person.id, request.form.get("notice", "").strip(),
                                           now(), person.id)
        flash("Réservation enregistrée : vous serez prévenu(e) quand le document vous attendra.",
              "success")
    except Refusal as exc:
        flash(exc.message, "error")
    return redirect(url_for("loans.mine"), 303)


@bp.post("/prets/historique")
@signin_required
def history() -> Response:
    """Opt in to (``garder=oui``) or out of the loan history; opting out forgets it."""
    person = _me()
    keep = request.form.get("garder") == "oui"
    _, forgotten = borrowers.keep_history(engine(), person.id, keep, now())
    if keep:
        flash(gettext("Les prêts que vous rendrez seront gardés dans votre historique."),
              "success")
    else:
        flash(gettext("Votre historique n'est plus conservé (%(n)s prêt(s) effacé(s)).",
                      n=forgotten), "success")
    return redirect(url_for("loans.mine"), 303)
