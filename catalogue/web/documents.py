"""Digital documents on the web: upload (staff), the document page, the download.

Views are thin: :class:`catalogue.documents.service.Documents` does the work. The
download URL names the document by its number only: the file is found by the hash the
store recorded, so nothing of the request reaches the file system, and the reader's
access level is checked on every request (a URL copied out of a signed-in session gives
an anonymous reader nothing). Files are sent as attachments, except the types browsers
show without running anything (plain text, images: :func:`kinds.shown_inline`; not PDF),
always with ``X-Content-Type-Options: nosniff`` and a sandboxing Content-Security-Policy,
so an HTML document never runs in the catalogue's origin. Empty files and programs are
refused at upload (:func:`kinds.refusal`). Werkzeug's ``send_file`` answers
conditional and range requests (ETag = the file's SHA-256) and writes the RFC 6266
``Content-Disposition`` with the original name (``filename*=UTF-8''...``).
"""

from __future__ import annotations

import dataclasses
import re
from typing import cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestedRangeNotSatisfiable, RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import FileField, HiddenField, StringField

from catalogue.documents import access, extraction, kinds
from catalogue.documents.service import Document, DocumentError, Documents, Passage, holders
from catalogue.opac.service import ResultPage
from catalogue.web.guards import current_person, staff_required
from catalogue.web.service import now, settings
from indexes import Facet

bp = Blueprint("documents", __name__)
KEY = "catalogue.documents"

#: What each extraction problem means, as the document page and the import report say it.
PROBLEMS = {
    extraction.ENCRYPTED: lazy_gettext("Le PDF est chiffré : son texte ne peut pas être lu."),
    extraction.CORRUPT: lazy_gettext("Le fichier est endommagé ou illisible."),
    extraction.EMPTY: lazy_gettext("Le fichier est vide."),
    extraction.ZIP_BOMB: lazy_gettext(
        "L'archive se décompresse en un volume démesuré (bombe de décompression) : "
        "elle n'a pas été lue."),
    extraction.TIME: lazy_gettext("La lecture du texte a dépassé le temps permis."),
    extraction.MEMORY: lazy_gettext("La lecture du texte a dépassé la mémoire permise."),
    extraction.UNSUPPORTED: lazy_gettext(
        "Ce type de fichier n'est pas lu (PDF, ODT, DOCX, HTML et texte le sont)."),
    extraction.NO_TEXT: lazy_gettext(
        "Aucun texte n'a été trouvé (un document numérisé sans reconnaissance de caractères ?)."),
    extraction.FAILED: lazy_gettext("La lecture du texte a échoué."),
}
WARNINGS = {
    "kind_mismatch": lazy_gettext(
        "L'extension du nom ne correspond pas au contenu : le fichier est traité comme "
        "son contenu l'indique."),
    extraction.TRUNCATED: lazy_gettext(
        "Le document dépasse le nombre de pages lues : seules les premières sont indexées."),
}
#: Why a file is refused at upload (:data:`catalogue.documents.service.REFUSALS`).
REFUSALS = {
    kinds.REFUSED_EMPTY: lazy_gettext(
        "Le fichier est vide : choisissez un fichier qui a un contenu."),
    kinds.REFUSED_PROGRAM: lazy_gettext(
        "Les programmes (.exe, .msi, .bat, .js, .sh, .com, .scr ou exécutables) ne "
        "peuvent pas être joints."),
}
LEVEL_LABELS = {
    access.PUBLIC: lazy_gettext("Public"),
    access.READERS: lazy_gettext("Lecteurs connectés"),
    access.STAFF: lazy_gettext("Personnel du centre"),
}


class UploadForm(FlaskForm):  # type: ignore[misc]
    """A file for a record, with its access level ("" = the catalogue's default)."""

    notice = HiddenField()
    file = FileField()
    access = StringField()  # checked against access.LEVELS by the view


class AccessForm(FlaskForm):  # type: ignore[misc]
    access = StringField()  # checked against access.LEVELS by the view


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that only needs its CSRF token (remove, read again)."""


def register(app: Flask) -> None:
    """The documents service of the app, its blueprint and the templates' helpers."""
    conf = app.extensions["catalogue.settings"]
    local = conf.oai.local_source or conf.default_source
    service = Documents(app.extensions["catalogue.engine"], conf.documents,
                        holders(local, {s.slug: s.redistribute for s in conf.sources}))
    app.extensions[KEY] = service
    app.register_blueprint(bp)

    def _upload_limit() -> None:
        if request.endpoint == "documents.upload":
            request.max_content_length = (conf.documents.max_upload_mb + 1) * 1024 * 1024

    # First of all hooks: CSRF protection reads the form before any view could raise it.
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)

    @app.context_processor
    def _helpers() -> dict[str, object]:
        return {"document_problems": PROBLEMS, "document_warnings": WARNINGS,
                "access_labels": LEVEL_LABELS, "kind_labels": kinds.LABELS,
                "passage_html": passage_html,
                "viewer_level": lambda: access.level_of(current_person()),
                "may_download": lambda doc: access.allows(access.level_of(current_person()),
                                                          doc.access)}


def fulltext_levels() -> tuple[str, ...]:
    """The access levels whose documents' text the current reader may search."""
    return access.readable(access.level_of(current_person()))


def visible(docs: list[Document]) -> list[Document]:
    """The documents the current reader is shown: those they may download, and those
    for signed-in readers (to invite signing in); staff-only ones only to staff."""
    viewer = access.level_of(current_person())
    return [d for d in docs if access.allows(viewer, d.access) or d.access == access.READERS]


def without_hidden_levels(page: ResultPage) -> ResultPage:
    """The results page without the full-text facet values of levels the reader cannot
    read (a visitor need not learn which records have staff-only documents)."""
    readable = set(fulltext_levels())
    facets = tuple(
        Facet(f.name, tuple(v for v in f.values if v.value in readable or v.selected))
        if f.name == "fulltext" else f for f in page.found.facets)
    return dataclasses.replace(page, found=dataclasses.replace(page.found, facets=facets))


def passages(query: str, global_ids: list[str]) -> dict[str, Passage]:
    """Where the query's words appear in the text each record's reader may download."""
    if not query.strip() or not global_ids:
        return {}
    service = documents()
    viewer = access.level_of(current_person())
    found = {}
    for global_id, docs in service.of_records(global_ids).items():
        passage = service.passage(docs, query, viewer)
        if passage is not None:
            found[global_id] = passage
    return found


def passage_html(passage: Passage) -> Markup:
    """The passage escaped, its matching words in ``<mark>``."""
    if not passage.words:
        return escape(passage.text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(set(passage.words), key=len,
                                                               reverse=True)))
    out, last = [], 0
    for match in pattern.finditer(passage.text):
        out.append(escape(passage.text[last:match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    out.append(escape(passage.text[last:]))
    return Markup("").join(out)


def documents() -> Documents:
    """The running application's documents service."""
    return cast(Documents, current_app.extensions[KEY])


def _record_url(global_id: str) -> str:
    source, _, source_id = global_id.partition(":")
    return url_for("record.show", source=source, source_id=source_id)


def _level(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value in access.LEVELS else None


@bp.post("/documents/ajout")
@staff_required
def upload() -> str | Response | tuple[str, int]:
    """Attach an uploaded file to a record; errors next to the field, in French."""
    conf = settings().documents
    errors: dict[str, str] = {}
    try:
        form = UploadForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)
        valid = False
        errors["file"] = cast(str, lazy_gettext(
            "Le fichier dépasse la taille maximale de %(mb)s Mo.", mb=conf.max_upload_mb))
    global_id = (form.notice.data or "").strip()[:300]
    source, _, source_id = global_id.partition(":")
    record_id = documents().record_id(source, source_id) if source_id else None
    if not errors and not valid:
        errors["file"] = cast(str, lazy_gettext(
            "Le formulaire a expiré : rechargez la page et recommencez."))
    if not errors and record_id is None:
        errors["notice"] = cast(str, lazy_gettext("Cette notice n'existe pas ou a été supprimée."))
    upload_file = request.files.get("file") if not errors else None
    if not errors and (upload_file is None or not upload_file.filename):
        errors["file"] = cast(str, lazy_gettext("Choisissez un fichier."))
    raw_level = (form.access.data or "").strip()
    if not errors and raw_level and raw_level not in access.LEVELS:
        errors["access"] = cast(str, lazy_gettext("Niveau d'accès inconnu."))
    if not errors and upload_file is not None and record_id is not None:
        try:
            doc = documents().attach(record_id, upload_file.filename or "", upload_file.stream,
                                     now(), level=_level(raw_level))
        except DocumentError as exc:
            errors[exc.field if exc.field in ("file", "access") else "file"] = cast(
                str, REFUSALS.get(exc.code, exc.message))
        else:
            flash(_uploaded(doc), "document")
            return redirect(url_for("documents.show", document_id=doc.id), 303)
    return render_template("documents/upload.html", form=form, errors=errors,
                           global_id=global_id if record_id else "",
                           record_url=_record_url(global_id) if record_id else ""), 400


def _uploaded(doc: Document) -> str:
    """What the staff are told after an upload: the file is there, and whether its text
    can be searched (a scanned PDF attached "fine" is otherwise only found out later)."""
    if doc.has_text:
        return str(gettext(
            "Le fichier « %(name)s » est joint ; son texte a été extrait et sera indexé.",
            name=doc.filename))
    return str(gettext(
        "Le fichier « %(name)s » est joint, mais son texte n'a pas été extrait : %(why)s",
        name=doc.filename, why=str(PROBLEMS.get(doc.problem, doc.problem))))


def _visible(document_id: int) -> tuple[Document, str]:
    doc = documents().get(document_id)
    if doc is None:
        abort(404)
    viewer = access.level_of(current_person())
    if not access.allows(viewer, doc.access):
        abort(403)
    return doc, viewer


@bp.get("/document/<int:document_id>")
def show(document_id: int) -> str:
    """The document page: its file, its access level, what reading its text found."""
    doc, viewer = _visible(document_id)
    service = documents()
    pages = service.pages(document_id)
    return render_template("documents/show.html", doc=doc, record_url=_record_url(
        doc.global_id), pages=len(pages), words=sum(len(t.split()) for _, t in pages),
        staff=viewer == access.STAFF, access_form=AccessForm(), action_form=ActionForm())


@bp.get("/document/<int:document_id>/fichier")
def download(document_id: int) -> Response:
    """The file, if the reader may have it (ranges and conditional requests answered)."""
    doc, _ = _visible(document_id)
    service = documents()
    if not service.files.has(doc.sha256):
        abort(404)
    try:
        response = send_file(service.files.path(doc.sha256), mimetype=doc.media_type,
                             as_attachment=not kinds.shown_inline(doc.media_type),
                             download_name=doc.filename, conditional=True,
                             etag=doc.sha256, last_modified=doc.created_at, max_age=0)
    except RequestedRangeNotSatisfiable:
        response = current_app.response_class(
            status=416, headers={"Content-Range": f"bytes */{doc.size}"})
    if response.status_code in (200, 206):
        response.headers["Content-Type"] = doc.media_type  # werkzeug appends a charset
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if doc.access != access.PUBLIC:
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


@bp.post("/document/<int:document_id>/acces")
@staff_required
def change_access(document_id: int) -> Response | tuple[str, int]:
    doc, _ = _visible(document_id)
    form = AccessForm()
    if not form.validate_on_submit():
        abort(400)
    raw = (form.access.data or "").strip()
    if raw and raw not in access.LEVELS:
        abort(400)
    documents().set_access(document_id, _level(raw), now())
    return redirect(url_for("documents.show", document_id=document_id), 303)


@bp.post("/document/<int:document_id>/lecture")
@staff_required
def read_again(document_id: int) -> Response:
    _visible(document_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    documents().extract(document_id, now())
    return redirect(url_for("documents.show", document_id=document_id), 303)


#: The value of the confirmation form's ``confirmer`` field that removes a document.
CONFIRMED = "oui"


@bp.post("/document/<int:document_id>/suppression")
@staff_required
def remove(document_id: int) -> Response | tuple[str, int]:
    """Remove a document once confirmed. "Retirer le document" sat under "Relire le
    texte": one Enter on the wrong button deleted the file for good. Without the
    confirmation field the page asks first (a page, not a script's ``confirm()``)."""
    doc, _ = _visible(document_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("confirmer") != CONFIRMED:
        return render_template("documents/remove.html", doc=doc, action_form=form,
                               confirmed=CONFIRMED), 200
    documents().remove(document_id, now())
    return redirect(_record_url(doc.global_id), 303)
