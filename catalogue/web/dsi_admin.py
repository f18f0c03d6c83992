"""The documentalist's DSI pages: curate lists, see subscribers, import them from CSV,
preview the next issue, browse past issues. Staff only; thin views over catalogue.dsi."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from catalogue.dsi import archives, profiles, subscribers
from catalogue.dsi.equations import EquationError
from catalogue.dsi.profiles import ProfileError
from catalogue.dsi.runs import preview_issue
from catalogue.dsi.schedule import PERIODS, WEEKDAYS, Periodicity
from catalogue.people.accounts import AccountError
from catalogue.web.guards import staff_required
from catalogue.web.service import engine, now, settings

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
        return render_template("dsi/admin/edit.html", profile=current, errors={}, form=None,
                               periods=PERIODS, weekdays=WEEKDAYS)
    f = request.form

    def number(key: str, default: int) -> int:
        value = f.get(key, "")
        return int(value) if value.isdigit() else default

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
        return render_template("dsi/admin/edit.html", profile=current, form=f,
                               errors={exc.field or "name": exc.message}, periods=PERIODS,
                               weekdays=WEEKDAYS), 422
    return redirect(url_for("dsi_admin.subscribers_page", profile_id=saved.id), 303)


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
            message = f"{report.created} comptes créés, {report.subscribed} abonnements ajoutés."
            problems = report.problems
        else:
            try:
                subscribers.register(engine(), now(), profile_id, request.form.get("email", ""),
                                     request.form.get("name", ""))
                message = "Abonné·e ajouté·e."
            except AccountError as exc:
                problems, status = [(0, exc.message)], 422
    return render_template("dsi/admin/subscribers.html", profile=found, message=message,
                           problems=problems,
                           subscribers=profiles.subscribers(engine(), profile_id)), status


@bp.get("/liste/<int:profile_id>/apercu")
@staff_required
def preview(profile_id: int) -> str:
    """The records the next issue would carry if the list ran now."""
    found = _list(profile_id)
    try:
        items, problem = preview_issue(engine(), settings(), found, now()), ""
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
