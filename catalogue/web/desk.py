"""The lending desk's pages (``/guichet``), for librarians and administrators.

Made for a barcode scanner: every page opens with the cursor in the field to scan, a
scanner's Enter submits, and the answer (due date, "reserved for ...") is on the next
screen in large type. A loan is two scans: the card (GET: it only looks the borrower
up), then the item (POST). Views only call :class:`catalogue.lending.desk.Desk` and
render; a :class:`~catalogue.lending.refusals.Refusal` is shown next to its field. After
a change the page redirects (303), so a reload never repeats it; a form submitted twice
meets a "repeat" refusal, shown as information, and nothing is done twice.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from catalogue.lending import audit, borrowers, closures, reminders
from catalogue.lending import items as desk_items
from catalogue.lending import loans as loan_list
from catalogue.lending import reservations as resa
from catalogue.lending.desk import Desk
from catalogue.lending.refusals import Refusal
from catalogue.lending.rules import LoanRule, default_rule, delete_rule, list_rules, save_rule
from catalogue.people import accounts
from catalogue.web.guards import admin_required, current_person, staff_required
from catalogue.web.integers import integer, integers
from catalogue.web.service import engine, now, settings

bp = Blueprint("desk", __name__, url_prefix="/guichet")


def desk() -> Desk:
    """The desk over the application's store."""
    return Desk(engine(), settings())


def actor() -> int | None:
    person = current_person()
    return person.id if person else None


def today() -> date:
    return closures.local_day(now(), settings().circulation)


@bp.get("/")
@staff_required
def home() -> str:
    """Scan a card to lend, or an item to take back."""
    return render_template("desk/home.html", card_error=None, return_error=None, checkin=None)


@bp.get("/emprunteur")
@staff_required
def borrower() -> str | tuple[str, int]:
    """A borrower's screen: eligibility, open loans, reservations, the item field."""
    card = request.args.get("carte", "").strip()
    try:
        person = desk().borrower(card)
    except Refusal as exc:
        return render_template("desk/home.html", card_error=exc, return_error=None,
                               checkin=None, card=card), 404
    return _borrower_page(person.card or card)


@bp.get("/emprunteurs")
@staff_required
def search() -> str | Response:
    """Borrowers whose name, email or card contains the text; one match opens their screen."""
    text = request.args.get("q", "").strip()[:200]
    found = accounts.search(engine(), text, limit=SEARCH_LIMIT + 1, with_card=True) if text else []
    if len(found) == 1 and found[0].card:
        return redirect(url_for("desk.borrower", carte=found[0].card), 303)
    return render_template("desk/search.html", q=text, people=found[:SEARCH_LIMIT],
                           more=len(found) > SEARCH_LIMIT, today=today())


SEARCH_LIMIT = 50


@bp.route("/emprunteurs/import", methods=["GET", "POST"])
@staff_required
def import_borrowers() -> str | tuple[str, int]:
    """Create or update borrowers from a CSV file; the report lists each rejected line."""
    report = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("fichier")
        data = upload.read() if upload else b""
        if not data.strip():
            return render_template("desk/import.html", report=None,
                                   error="Choisissez un fichier CSV non vide.",
                                   columns=borrowers.COLUMNS), 422
        report = borrowers.import_csv(engine(), borrowers.decode(data), now(),
                                      actor_id=actor())
        status = 422 if report.problems and not (report.created or report.updated) else 200
    return render_template("desk/import.html", report=report, error=None,
                           columns=borrowers.COLUMNS), status


def _borrower_page(card: str, error: Refusal | None = None, code: str = "",
                   status: int = 200) -> tuple[str, int]:
    the_desk = desk()
    person = the_desk.borrower(card)
    warning = None
    try:
        the_desk.eligible(person, today())
    except Refusal as exc:
        warning = exc
    return render_template(
        "desk/borrower.html", person=person, warning=warning, error=error, code=code,
        category=dict(accounts.list_categories(engine())).get(person.category or "", ""),
        loans=loan_list.of_person(engine(), person.id),
        reservations=resa.of_person(engine(), person.id), today=today()), status


@bp.post("/pret")
@staff_required
def check_out() -> Response | tuple[str, int]:
    """Lend the scanned item to the borrower on screen."""
    card = request.form.get("carte", "")
    code = request.form.get("code", "")
    try:
        loan = desk().check_out(card, code, now(), actor())
    except Refusal as exc:
        if exc.field == "card":
            return render_template("desk/home.html", card_error=exc, return_error=None,
                                   checkin=None, card=card), 422
        if exc.repeat:
            flash(exc.message, "info")
            return redirect(url_for("desk.borrower", carte=card), 303)
        return _borrower_page(card, exc, code, 422)
    flash(f"Prêt enregistré : {loan.barcode} « {loan.title} », retour le "
          f"{loan.due_on:%d/%m/%Y}.", "success")
    return redirect(url_for("desk.borrower", carte=card), 303)


@bp.post("/emprunteur/suspension")
@staff_required
def suspension() -> Response:
    """Suspend the borrower on screen, or lift their suspension (``suspendre=oui|non``)."""
    card = request.form.get("carte", "")
    try:
        person = desk().borrower(card)
    except Refusal as exc:
        flash(exc.message, "error")
        return redirect(url_for("desk.home"), 303)
    suspended = request.form.get("suspendre") == "oui"
    borrowers.change_suspension(engine(), person.id, suspended, now(), actor())
    flash("Carte suspendue." if suspended else "Suspension levée.", "success")
    return redirect(url_for("desk.borrower", carte=person.card), 303)


@bp.post("/retour")
@staff_required
def check_in() -> str | tuple[str, int]:
    """Take an item back; say at once if it is reserved for someone."""
    code = request.form.get("code", "")
    try:
        done = desk().check_in(code, now(), actor())
    except Refusal as exc:
        return render_template("desk/home.html", card_error=None, return_error=exc,
                               checkin=None), 200 if exc.code == "not_on_loan" else 422
    return render_template("desk/home.html", card_error=None, return_error=None, checkin=done), 200


@bp.post("/prolonger")
@staff_required
def renew() -> Response:
    """Renew one loan of the borrower on screen."""
    card = request.form.get("carte", "")
    try:
        loan = desk().renew(integer(request.form.get("pret"), 0) or 0, now(), actor(),
                            expected_due=_date(request.form.get("echeance", "")))
        flash(f"Prêt prolongé : {loan.barcode}, retour le {loan.due_on:%d/%m/%Y}.", "success")
    except Refusal as exc:
        flash(exc.message, "info" if exc.repeat else "error")
    except ValueError:
        flash("Prêt introuvable.", "error")
    return redirect(url_for("desk.borrower", carte=card), 303)


@bp.post("/reservations/<int:reservation_id>/annuler")
@staff_required
def cancel(reservation_id: int) -> Response:
    """Cancel a reservation (the held copy goes to the next in line)."""
    card = request.form.get("carte", "")
    try:
        desk().cancel(reservation_id, now(), actor())
        flash("Réservation annulée.", "success")
    except Refusal as exc:
        flash(exc.message, "error")
    return redirect(url_for("desk.borrower", carte=card) if card else url_for("desk.home"), 303)


@bp.post("/reserver")
@staff_required
def reserve() -> Response:
    """Reserve a record (``source:id``) for the borrower on screen."""
    card = request.form.get("carte", "")
    try:
        person = desk().borrower(card)
        desk().reserve(person.id, request.form.get("notice", "").strip(), now(), actor())
        flash("Réservation enregistrée.", "success")
    except Refusal as exc:
        flash(exc.message, "error")
    return redirect(url_for("desk.borrower", carte=card), 303)


@bp.get("/retards")
@staff_required
def overdue() -> str:
    """Open loans past their due date, the oldest first."""
    return render_template("desk/overdue.html", loans=loan_list.overdue(engine(), today()),
                           today=today())


@bp.route("/lettres", methods=["GET", "POST"])
@staff_required
def letters() -> str | Response:
    """Reminder letters to print (borrowers without email); POST marks them printed."""
    if request.method == "POST":
        ids = integers(request.form.getlist("rappel"))
        done = reminders.letters_to_print(engine(), today())
        allowed = {i for p in done for i in p.reminder_ids}
        count = reminders.mark_printed(engine(), [i for i in ids if i in allowed], now())
        flash(f"{count} rappel(s) marqué(s) comme imprimé(s).", "success")
        return redirect(url_for("desk.letters"), 303)
    return render_template("desk/letters.html", letters=reminders.letters_to_print(engine(), today()),
                           today=today(), site=settings())


@bp.route("/exemplaires", methods=["GET", "POST"])
@staff_required
def flagged() -> str | Response | tuple[str, int]:
    """Items with a desk state or gone from the export; POST changes an item's state."""
    error = None
    if request.method == "POST":
        try:
            item = desk_items.set_state(engine(), settings().circulation,
                                        request.form.get("code", ""), request.form.get("etat", ""),
                                        now(), actor(), request.form.get("note", ""))
            flash(f"{item.barcode} : {desk_items.STATES[item.desk_state]}"
                  f"{'' if item.desk_state else ' (remis en service)'}.", "success")
            return redirect(url_for("desk.flagged"), 303)
        except Refusal as exc:
            error = exc
    return render_template("desk/items.html", items=desk_items.flagged(engine()),
                           states=desk_items.STATES, error=error), 422 if error else 200


@bp.route("/exemplaires/ajouter", methods=["GET", "POST"])
@staff_required
def add_item() -> str | Response | tuple[str, int]:
    """Add a copy by hand to a record (a gift not yet catalogued in PMB)."""
    form = request.form if request.method == "POST" else request.args
    values = {k: form.get(k, "") for k in
              ("notice", "code", "cote", "localisation", "support", "section")}
    values["pretable"] = "oui" if request.method == "GET" else form.get("pretable", "")
    error = None
    if request.method == "POST":
        try:
            item = desk_items.add(
                engine(), settings().circulation, values["notice"], values["code"], now(),
                actor(), call_number=values["cote"], item_type=values["support"],
                location=values["localisation"], section=values["section"],
                loanable=values["pretable"] == "oui")
            flash(f"Exemplaire {item.barcode} ajouté à « {item.title} »"
                  f"{'' if item.loanable else ' (exclu du prêt)'}.", "success")
            return redirect(url_for("desk.add_item"), 303)
        except Refusal as exc:
            error = exc
    return render_template("desk/add_item.html", values=values, error=error,
                           choices=desk_items.choices(engine())), 422 if error else 200


@bp.get("/journal")
@staff_required
def log() -> str:
    """The audit log: who did what, when."""
    return render_template("desk/log.html", events=audit.recent(engine()))


@bp.route("/regles", methods=["GET", "POST"])
@admin_required
def rules() -> str | Response | tuple[str, int]:
    """Loan rules by category x item type (administrators); closing days."""
    error = None
    if request.method == "POST":
        form = request.form
        try:
            if integer(form.get("supprimer")) is not None:
                delete_rule(engine(), integer(form.get("supprimer")) or 0)
            elif form.get("ferme"):
                closures.set_closing_day(engine(), date.fromisoformat(form["ferme"]),
                                         form.get("motif", ""))
            else:
                save_rule(engine(), LoanRule(
                    form.get("categorie", "*"), form.get("support", "*"),
                    **{k: _rule_number(form.get(k, "")) for k in
                       ("loan_days", "max_loans", "renewals", "renewal_days", "max_reservations")}))
            flash("Enregistré.", "success")
            return redirect(url_for("desk.rules"), 303)
        except Refusal as exc:
            error = exc
        except ValueError:
            error = Refusal("Valeur invalide.", code="bad_rule", field="ferme")
    return render_template("desk/rules.html", rules=list_rules(engine()),
                           default=default_rule(settings().circulation), error=error,
                           closed=closures.list_closing_days(engine(), since=today())
                           ), 422 if error else 200


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _rule_number(text: str) -> int:
    """A loan rule's number: empty is -1 (the default rule's), else 0-36500.

    Raises:
        ValueError: not such a number (shown as "Valeur invalide.").
    """
    if not text.strip():
        return -1
    value = integer(text, high=36_500)
    if value is None:
        raise ValueError(text)
    return value
