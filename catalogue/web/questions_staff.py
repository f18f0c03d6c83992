"""The staff's side of the questions/réponses service (``/questions/gestion``): the queue,
the overdue list, one question's page (assign, status, internal notes, the answer with
references picked from a catalogue search, publication) and the figures with their CSV.

Views are thin: they call :mod:`catalogue.questions` and render; every refusal comes back
as a French message next to its field (HTTP 422), never as a 500.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from catalogue.opac.params import SearchParams
from catalogue.questions import attachments, figures, publishing, service
from catalogue.questions.model import (
    MAX_ATTACHMENTS,
    STATUSES,
    Question,
    QuestionError,
    Upload,
)
from catalogue.web.guards import current_person, signer, staff_required
from catalogue.web.integers import integer
from catalogue.web.service import engine, now, opac, settings

bp = Blueprint("questions_staff", __name__, url_prefix="/questions/gestion")
#: The largest file an answer may send (the whole request is bounded by MAX_CONTENT_LENGTH).
MAX_FILE = 900 * 1024


def _me() -> int:
    person = current_person()
    assert person is not None
    return person.id


@bp.get("/")
@staff_required
def index() -> str:
    """The queue (open questions, or one status) and the overdue list."""
    status = request.args.get("etat", "")
    status = status if status in STATUSES else ""
    found = service.queue(engine(), status)
    names = {p.id: p.label for p in service.staff(engine())}
    return render_template("questions/staff/queue.html", questions=found, status=status,
                           statuses=STATUSES, names=names,
                           overdue=service.overdue(engine(), settings(), now()))


def _question(question_id: int) -> Question:
    found = service.get(engine(), question_id)
    if found is None:
        abort(404)
    return found


def _page(question_id: int, errors: dict[str, str] | None = None, status: int = 200,
          values: dict[str, str] | None = None) -> tuple[str, int]:
    found = _question(question_id)
    query = request.args.get("chercher", "").strip()[:200]
    hits = opac().search(SearchParams(query=query), page_size=10).results if query else ()
    history = service.events(engine(), question_id)
    return render_template(
        "questions/staff/question.html", question=found, errors=errors or {},
        values=values or {}, staff=service.staff(engine()), statuses=STATUSES,
        events=history, authors=service.event_authors(engine(), history),
        references=service.references(engine(), question_id), query=query, hits=hits,
        files=attachments.listed(engine(), question_id),
        published=found.published_id), status


@bp.get("/<int:question_id>")
@staff_required
def show(question_id: int) -> tuple[str, int]:
    return _page(question_id)


def _done(question_id: int, message: str) -> Response:
    flash(message)
    return redirect(url_for("questions_staff.show", question_id=question_id), 303)


@bp.post("/<int:question_id>/attribuer")
@staff_required
def assign(question_id: int) -> Response | tuple[str, int]:
    _question(question_id)
    raw = request.form.get("assignee", "")
    try:
        service.assign(engine(), question_id, integer(raw, -1) if raw else None, now(), _me())
    except QuestionError as exc:
        return _page(question_id, {exc.field: exc.message}, 422)
    return _done(question_id, gettext("La question est attribuée."))


@bp.post("/<int:question_id>/etat")
@staff_required
def change_status(question_id: int) -> Response | tuple[str, int]:
    _question(question_id)
    try:
        service.set_status(engine(), question_id, request.form.get("status", ""), now(), _me())
    except QuestionError as exc:
        return _page(question_id, {exc.field: exc.message}, 422)
    return _done(question_id, gettext("L'état de la question est changé."))


@bp.post("/<int:question_id>/note")
@staff_required
def note(question_id: int) -> Response | tuple[str, int]:
    _question(question_id)
    text = request.form.get("note", "")[:200_000]
    try:
        service.add_note(engine(), question_id, text, now(), _me())
    except QuestionError as exc:
        return _page(question_id, {exc.field: exc.message}, 422, {"note": text})
    return _done(question_id, gettext("La note est enregistrée."))


@bp.post("/<int:question_id>/references")
@staff_required
def add_reference(question_id: int) -> Response | tuple[str, int]:
    _question(question_id)
    try:
        service.add_reference(engine(), question_id, request.form.get("notice", "")[:300])
    except QuestionError as exc:
        return _page(question_id, {exc.field: exc.message}, 422)
    return _done(question_id, gettext("La notice est ajoutée aux références."))


@bp.post("/<int:question_id>/references/retirer")
@staff_required
def remove_reference(question_id: int) -> Response:
    _question(question_id)
    service.remove_reference(engine(), question_id, request.form.get("notice", "")[:300])
    return _done(question_id, gettext("La notice est retirée des références."))


@bp.post("/<int:question_id>/repondre")
@staff_required
def answer(question_id: int) -> Response | tuple[str, int]:
    _question(question_id)
    values = {"answer": request.form.get("answer", "")[:200_000],
              "links": request.form.get("links", "")[:200_000]}
    uploads = [Upload(f.filename or "", f.read(MAX_FILE + 1))
               for f in request.files.getlist("attachments")][:MAX_ATTACHMENTS + 1]
    try:
        if any(len(u.content) > MAX_FILE for u in uploads):
            raise QuestionError("Un fichier joint pèse 900 Ko au plus.", "attachments")
        service.answer(engine(), settings(), signer(), question_id, values["answer"],
                       values["links"], now(), _me(), uploads)
    except QuestionError as exc:
        return _page(question_id, {exc.field: exc.message}, 422, values)
    return _done(question_id, gettext("La réponse est envoyée au demandeur."))


@bp.post("/<int:question_id>/publier")
@staff_required
def publish(question_id: int) -> Response | tuple[str, int]:
    _question(question_id)
    values = {key: request.form.get(key, "")[:200_000] for key in ("title", "asked", "answered")}
    try:
        publishing.publish(engine(), settings(), question_id, title=values["title"],
                           asked=values["asked"], answered=values["answered"], now=now())
    except QuestionError as exc:
        return _page(question_id, {exc.field: exc.message}, 422, values)
    return _done(question_id, gettext("La question est publiée dans la base Questions-réponses."))


@bp.post("/<int:question_id>/retirer")
@staff_required
def withdraw(question_id: int) -> Response | tuple[str, int]:
    _question(question_id)
    try:
        publishing.withdraw(engine(), question_id, now=now(), by=_me())
    except QuestionError as exc:
        return _page(question_id, {exc.field: exc.message}, 422)
    return _done(question_id, gettext("L'entrée est retirée de la base Questions-réponses."))


@bp.get("/chiffres")
@staff_required
def stats() -> str:
    return render_template("questions/staff/figures.html", statuses=STATUSES,
                           figures=figures.compute(engine(), settings()))


@bp.get("/chiffres.csv")
@staff_required
def stats_csv() -> Response:
    body = figures.to_csv(figures.compute(engine(), settings()))
    return Response(body.encode("utf-8-sig"), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=questions-chiffres.csv"})


@bp.get("/<int:question_id>/piece/<int:attachment_id>")
@staff_required
def attached(question_id: int, attachment_id: int) -> Response:
    """A file an answer sent."""
    return download(question_id, attachment_id)


def download(question_id: int, attachment_id: int) -> Response:
    """The file as a download (never shown inline: it came from an upload)."""
    found = attachments.content(engine(), question_id, attachment_id)
    if found is None:
        abort(404)
    name, kind, content = found
    answer = Response(content, mimetype=kind)
    answer.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    answer.headers["X-Content-Type-Options"] = "nosniff"
    return answer
