"""The staff's side of the veille (``/veille/gestion``): the inbox (keep or discard in
batches), one item's description (descriptors suggested from the catalogue's indexing,
territories from the COG, a note), the sources (declared, their state, flagged when
failing) and the pre-sorting rules.

Views are thin: they call :mod:`catalogue.veille` and render; a refusal comes back as a
French message next to its field (HTTP 422), never as a 500. No fetching here (web
workers never run jobs): "relever maintenant" makes the source due for the scheduler.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import update
from werkzeug.wrappers import Response

from catalogue.veille import sources, suggesting, triage
from catalogue.veille.model import ACTIONS, STATUSES, Source, VeilleError
from catalogue.veille.tables import veille_sources
from catalogue.web.guards import current_person, staff_required
from catalogue.web.integers import integer, integers
from catalogue.web.service import engine, now, opac, settings

bp = Blueprint("veille_staff", __name__, url_prefix="/veille/gestion")
STATUS_LABELS = {"new": "À trier", "kept": "Gardés", "discarded": "Écartés",
                 "expired": "Retirés (trop anciens)"}
KIND_LABELS = {"feed": "Flux RSS ou Atom", "sitemap": "Plan de site (sitemap)",
               "page": "Page web listant des liens"}
SOURCE_FIELDS = ("name", "url", "kind", "themes", "territories", "every_hours")

def _me() -> int | None:
    person = current_person()
    return person.id if person is not None else None

def _failing() -> list[Source]:
    days = settings().veille.failing_days
    return [s for s in sources.listed(engine()) if s.failing_for(now(), days)]

@bp.get("/")
@staff_required
def inbox() -> str:
    """The items of one status (new by default), newest first, with the batch form."""
    status = request.args.get("etat", "new")
    status = status if status in STATUSES else "new"
    page = integer(request.args.get("page"), 1, low=1, high=10_000) or 1
    items, total = triage.inbox(engine(), status, page)
    return render_template("veille/staff/inbox.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // triage.PAGE)), status=status,
                           labels=STATUS_LABELS, failing=_failing())

@bp.post("/tri")
@staff_required
def decide() -> Response | tuple[str, int]:
    """Keep or discard the ticked items."""
    ids = integers(request.form.getlist("id"))[:triage.MAX_BATCH]
    action = request.form.get("action", "")
    try:
        done = triage.decide(engine(), settings(), ids, action, _me(), now())
    except VeilleError as exc:
        items, total = triage.inbox(engine())
        return render_template("veille/staff/inbox.html", items=items, total=total, page=1,
                               pages=max(1, -(-total // triage.PAGE)), status="new",
                               labels=STATUS_LABELS, failing=_failing(),
                               batch_error=exc.message), 422
    flash(f"{done} élément(s) {'gardé(s) et publié(s)' if action == 'keep' else 'écarté(s)'}.")
    back = request.form.get("etat", "new")
    return redirect(url_for("veille_staff.inbox", etat=back if back in STATUSES else "new"),
                    303)

def _item_page(item_id: int, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    item = triage.get(engine(), item_id)
    if item is None:
        abort(404)
    suggested = suggesting.descriptors(opac().searcher, item)
    return render_template("veille/staff/item.html", item=item, suggested=suggested,
                           errors=errors or {}, values=values or {}), status

@bp.get("/element/<int:item_id>")
@staff_required
def item(item_id: int) -> tuple[str, int]:
    return _item_page(item_id)

@bp.post("/element/<int:item_id>")
@staff_required
def describe(item_id: int) -> Response | tuple[str, int]:
    """Describe the item and keep it (its entry is published or re-published)."""
    form = request.form
    values = {key: form.get(key, "")[:20_000] for key in
              ("title", "themes", "descriptors", "territories", "territory", "note")}
    descriptors = "\n".join([values["descriptors"], *form.getlist("suggere")[:20]])
    places = "\n".join([values["territories"], values["territory"]])
    try:
        triage.describe(engine(), settings(), item_id, title=values["title"],
                        descriptors=descriptors, territories=places, themes=values["themes"],
                        note=values["note"], person_id=_me(), now=now())
    except VeilleError as exc:
        if triage.get(engine(), item_id) is None:
            abort(404)
        return _item_page(item_id, {exc.field: exc.message}, values, 422)
    flash("Élément décrit, gardé et publié.")
    return redirect(url_for("veille_staff.inbox"), 303)

@bp.route("/sources", methods=["GET", "POST"])
@staff_required
def source_list() -> Response | tuple[str, int]:
    """The sources, their state, and the form declaring a new one."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "")[:20_000] for key in SOURCE_FIELDS}
        try:
            created = sources.declare(
                engine(), now(), name=values["name"], url=values["url"], kind=values["kind"],
                themes=values["themes"], territories=values["territories"],
                every_hours=integer(values["every_hours"], None, low=0, high=100_000))
        except VeilleError as exc:
            errors = {exc.field: exc.message}
        else:
            flash(f"Source « {created.name} » ajoutée : relevée au prochain passage.")
            return redirect(url_for("veille_staff.source_page", source_id=created.id), 303)
    return render_template("veille/staff/sources.html", sources=sources.listed(engine()),
                           errors=errors, values=values, kinds=KIND_LABELS,
                           failing_days=settings().veille.failing_days,
                           now=now()), 422 if errors else 200

@bp.route("/sources/<int:source_id>", methods=["GET", "POST"])
@staff_required
def source_page(source_id: int) -> Response | tuple[str, int]:
    """One source: its state and last problem, its recent items, the edit form."""
    found = sources.get(engine(), source_id)
    if found is None:
        abort(404)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "")[:20_000] for key in SOURCE_FIELDS}
        try:
            sources.edit(engine(), source_id, name=values["name"], url=values["url"],
                         kind=values["kind"], themes=values["themes"],
                         territories=values["territories"],
                         every_hours=integer(values["every_hours"], None, low=0, high=100_000),
                         active=request.form.get("active") == "1")
        except VeilleError as exc:
            errors = {exc.field: exc.message}
        else:
            flash("Source modifiée.")
            return redirect(url_for("veille_staff.source_page", source_id=source_id), 303)
    items, total = triage.inbox(engine(), "new", 1, source_id)
    return render_template("veille/staff/source.html", source=found, errors=errors,
                           values=values, kinds=KIND_LABELS, items=items, total=total,
                           failing=found.failing_for(now(), settings().veille.failing_days),
                           ), 422 if errors else 200

@bp.post("/sources/<int:source_id>/relever")
@staff_required
def fetch_soon(source_id: int) -> Response:
    """Make the source due: the scheduler fetches it on its next pass."""
    with engine().begin() as conn:
        found = conn.execute(update(veille_sources).where(veille_sources.c.id == source_id)
                             .values(next_fetch_at=now())).rowcount
    if not found:
        abort(404)
    flash("La source sera relevée au prochain passage du planificateur.")
    return redirect(url_for("veille_staff.source_page", source_id=source_id), 303)

@bp.route("/regles", methods=["GET", "POST"])
@staff_required
def rules() -> Response | tuple[str, int]:
    """The pre-sorting rules, and the form adding one."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "")[:1000] for key in
                  ("source", "word", "action", "theme")}
        try:
            triage.add_rule(engine(), source_id=integer(values["source"], None, low=1),
                            word=values["word"], action=values["action"], theme=values["theme"])
        except VeilleError as exc:
            errors = {exc.field: exc.message}
        else:
            flash("Règle ajoutée : elle trie les prochains éléments trouvés.")
            return redirect(url_for("veille_staff.rules"), 303)
    known = sources.listed(engine())
    names = {s.id: s.name for s in known}
    return render_template("veille/staff/rules.html", rules=[
        (r, r.describe(names)) for r in triage.listed_rules(engine())], sources=known,
        errors=errors, values=values, actions=ACTIONS), 422 if errors else 200

@bp.post("/regles/<int:rule_id>/supprimer")
@staff_required
def delete_rule(rule_id: int) -> Response:
    triage.delete_rule(engine(), rule_id)
    flash("Règle supprimée.")
    return redirect(url_for("veille_staff.rules"), 303)
