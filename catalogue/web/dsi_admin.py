"""The documentalist's DSI pages: curate lists, hand-pick records, see subscribers (and
the bouncing addresses), import them from CSV, preview the next issue, browse past
issues, close or delete a list. Staff only; thin views over catalogue.dsi."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from catalogue.dsi import archives, bounces, picks, profiles, subscribers
from catalogue.dsi.equations import EquationError
from catalogue.dsi.profiles import ProfileError
from catalogue.dsi.runs import preview_issue
from catalogue.dsi.schedule import PERIODS, Periodicity
from catalogue.people.accounts import AccountError
from catalogue.web.guards import staff_required
from catalogue.web.integers import integer
from catalogue.web.labels import weekday_names
from catalogue.web.service import engine, now, opac, settings

bp = Blueprint("dsi_admin", __name__, url_prefix="/admin/dsi")


def _list(profile_id: int) -> profiles.Profile:
    found = profiles.get(engine(), profile_id)
    if found is None or not found.is_list:
        abort(404)
    return found


@bp.get("/")
@staff_required
def index() -> str:
    """Every curated list with its subscriber count and last issue."""
    store = engine()
    rows = [(p, len(profiles.subscribers(store, p.id)), archives.issues(store, p.id, 1))
            for p in profiles.lists(store, staff=True)]
    return render_template("dsi/admin/index.html", rows=rows)


@bp.route("/liste", methods=["GET", "POST"], defaults={"profile_id": None})
@bp.route("/liste/<int:profile_id>", methods=["GET", "POST"])
@staff_required
def edit(profile_id: int | None) -> str | Response | tuple[str, int]:
    """Create or change a list."""
    current = _list(profile_id) if profile_id is not None else None
    if request.method == "GET":
        return _edit_page(current, {}, None)
    f = request.form

    def number(key: str, default: int) -> int:
        """An empty field is the default; anything but a whole number is said, not
        silently replaced (a cap typed "3O" must not become 30)."""
        text = f.get(key, "").strip()
        if not text:
            return default
        found = integer(text, high=100_000)
        if found is None:
            raise ProfileError(gettext("Nombre entier attendu."), key)
        return found

    try:
        saved = profiles.save_list(
            engine(), now(), profile_id=profile_id, slug=f.get("slug", ""),
            name=f.get("name", ""), description=f.get("description", ""),
            equation_params=f.get("equations", "").splitlines(),
            periodicity=Periodicity(f.get("period", "weekly"), number("weekday", 0),
                                    number("month_day", 1), number("every_days", 7)),
            novelty=f.get("novelty", "first_seen"), cap=number("cap", settings().dsi.default_cap),
            max_cap=settings().dsi.max_cap, attachment=f.get("attachment", ""),
            visibility=f.get("visibility", "public"),
            offered=[c for c in f.get("categories", "").split() if c],
            auto=[c for c in f.get("auto", "").split() if c], active=f.get("active") == "oui")
    except ProfileError as exc:
        return _edit_page(current, {exc.field or "name": exc.message}, f), 422
    return redirect(url_for("dsi_admin.subscribers_page", profile_id=saved.id), 303)


def _edit_page(current: profiles.Profile | None, errors: dict[str, str],
               form: object | None) -> str:
    store = engine()
    return render_template(
        "dsi/admin/edit.html", profile=current, errors=errors, form=form, periods=PERIODS,
        weekdays=weekday_names(), picks=picks.of_list(store, current.id) if current else [],
        published=bool(archives.issues(store, current.id, 1)) if current else False)


@bp.post("/selection")
@staff_required
def pick() -> tuple[str, int]:
    """"Ajouter à une liste" from a record page: the record goes out in the next issue."""
    notice = request.form.get("notice", "")
    chosen = request.form.get("liste", "")
    try:
        found = picks.add(engine(), now(), integer(chosen, 0) or 0, notice)
    except ProfileError as exc:
        return render_template("dsi/admin/picked.html", profile=None, notice=notice,
                               problem=exc.message), 422
    return render_template("dsi/admin/picked.html", profile=found, notice=notice,
                           problem=""), 200


@bp.post("/liste/<int:profile_id>/selection/<int:record_id>/retirer")
@staff_required
def unpick(profile_id: int, record_id: int) -> Response:
    """Withdraw a hand-picked record (issues already sent keep it)."""
    picks.remove(engine(), _list(profile_id).id, record_id)
    return redirect(url_for("dsi_admin.edit", profile_id=profile_id), 303)


@bp.post("/liste/<int:profile_id>/fermer")
@staff_required
def close(profile_id: int) -> Response:
    """Close a list: no more issues or mails; subscribers and archives stay."""
    profiles.close_list(engine(), now(), _list(profile_id).id)
    return redirect(url_for("dsi_admin.index"), 303)


@bp.post("/liste/<int:profile_id>/rouvrir")
@staff_required
def reopen(profile_id: int) -> Response:
    """Reopen a closed list from today on."""
    profiles.reopen_list(engine(), now(), _list(profile_id).id)
    return redirect(url_for("dsi_admin.index"), 303)


@bp.post("/liste/<int:profile_id>/supprimer")
@staff_required
def remove(profile_id: int) -> Response | tuple[str, int]:
    """Delete a list that never published an issue (else it can only be closed)."""
    current = _list(profile_id)
    try:
        profiles.delete_profile(engine(), current.id)
    except ProfileError as exc:
        return _edit_page(current, {"delete": exc.message}, None), 409
    return redirect(url_for("dsi_admin.index"), 303)


@bp.route("/liste/<int:profile_id>/abonnes", methods=["GET", "POST"])
@staff_required
def subscribers_page(profile_id: int) -> str | tuple[str, int]:
    """Subscribers of a list; add one, or import a CSV file."""
    found = _list(profile_id)
    message, problems, status = "", [], 200
    if request.method == "POST":
        upload = request.files.get("fichier")
        text = upload.read().decode("utf-8-sig", "replace") if upload else request.form.get(
            "csv", "")
        if text.strip():
            report = subscribers.import_csv(engine(), now(), text, profile_id)
            message = gettext("%(created)s comptes créés, %(subscribed)s abonnements ajoutés.",
                              created=report.created, subscribed=report.subscribed)
            problems = report.problems
        else:
            try:
                subscribers.register(engine(), now(), profile_id, request.form.get("email", ""),
                                     request.form.get("name", ""))
                message = gettext("Abonné·e ajouté·e.")
            except AccountError as exc:
                problems, status = [(0, exc.message)], 422
    return _subscribers_page(found, message, problems), status


def _subscribers_page(found: profiles.Profile, message: str,
                      problems: list[tuple[int, str]]) -> str:
    listed = profiles.subscribers(engine(), found.id)
    return render_template("dsi/admin/subscribers.html", profile=found, message=message,
                           problems=problems, subscribers=listed,
                           bounces=bounces.current(engine(), [s.person_id for s in listed]),
                           limit=settings().dsi.bounce_limit)


@bp.post("/liste/<int:profile_id>/abonnes/<int:person_id>/relancer")
@staff_required
def reset_bounce(profile_id: int, person_id: int) -> str:
    """Mail a bouncing address again from the next run (the address was fixed)."""
    found = _list(profile_id)
    done = bounces.reset(engine(), person_id)
    return _subscribers_page(found, gettext("Les envois à cette adresse reprendront au "
                                            "prochain passage.") if done else "", [])


@bp.get("/adresses-en-echec")
@staff_required
def refused_addresses(message: str = "") -> str:
    """Every address the mail server refuses, lists and private alerts alike."""
    return render_template("dsi/admin/bounces.html", addresses=bounces.addresses(engine()),
                           limit=settings().dsi.bounce_limit, message=message)


@bp.post("/adresses-en-echec/<int:person_id>/relancer")
@staff_required
def reset_address(person_id: int) -> str:
    """Mail this address again from the next run (the address was fixed)."""
    done = bounces.reset(engine(), person_id)
    return refused_addresses(gettext("Les envois à cette adresse reprendront au prochain "
                                     "passage.") if done else "")


@bp.get("/liste/<int:profile_id>/apercu")
@staff_required
def preview(profile_id: int) -> str:
    """The records the next issue would carry if the list ran now."""
    found = _list(profile_id)
    try:
        items, problem = preview_issue(engine(), settings(), found, now(),
                                       opac().searcher), ""
    except EquationError as exc:
        items, problem = [], exc.message
    return render_template("dsi/admin/preview.html", profile=found, items=items,
                           problem=problem)


@bp.get("/liste/<int:profile_id>/numeros")
@staff_required
def past(profile_id: int) -> str:
    """Every issue of the list, newest first."""
    found = _list(profile_id)
    return render_template("dsi/admin/issues.html", profile=found,
                           issues=archives.issues(engine(), profile_id))
