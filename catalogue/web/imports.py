"""The staff import page: send a PMB export from the browser, then follow its import.

A documentalist chooses the file and the source it belongs to (the file sources of
config.toml) and sends it; the request only puts the file in the upload queue
(:mod:`catalogue.uploads.queue`): ``catalogue scheduler`` imports it within
``[import] upload_seconds`` through the drop-folder path and updates the index, and
the page lists the queued, running and finished uploads with a link to each run's
report. The request never imports and never opens the index.

The body may be far larger than the app's 1 Mo limit: the limit of this one endpoint
is raised to ``[import] upload_max_mb`` (plus room for the form) before anything reads
the body, and the body is streamed to a file on the queue's disk, never held in memory. The global CSRF check is skipped for this view because it would read the
body first and answer an oversized file with a bare 413; the view's form checks the
same token itself, after it has caught the oversized body to say so beside the field.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import IO, cast

import flask
from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.wrappers import Response
from wtforms import FileField, StringField

from catalogue.stale_runs import UPLOAD_INTERRUPTED, Liveness
from catalogue.uploads import queue as uploads
from catalogue.uploads.job import queue_of
from catalogue.uploads.queue import UploadRefused, file_sources
from catalogue.web.guards import current_person, staff_required
from catalogue.web.reasons import reason
from catalogue.web.service import now, settings

log = logging.getLogger("catalogue.web.imports")
bp = Blueprint("imports", __name__, url_prefix="/admin/imports")
FLASH = "imports"
#: The form's own fields, beyond the file (multipart boundaries, the token, the source).
FORM_ROOM = 1024 * 1024

FORMAT_LABELS = {
    "unimarc": lazy_gettext("UNIMARC ISO 2709"),
    "marc21": lazy_gettext("MARC 21 ISO 2709"),
    "pmbxml": lazy_gettext("XML UNIMARC de PMB"),
    "marcxml": lazy_gettext("MARCXML"),
    "dc": lazy_gettext("Dublin Core"),
    "auto": lazy_gettext("reconnu d'après le fichier"),
}
STATUS_LABELS = {
    uploads.QUEUED: lazy_gettext("en attente"),
    uploads.RUNNING: lazy_gettext("import en cours"),
    uploads.DONE: lazy_gettext("importé"),
    uploads.FAILED: lazy_gettext("échoué"),
    UPLOAD_INTERRUPTED: lazy_gettext("import interrompu"),
}


class SendForm(FlaskForm):  # type: ignore[misc]
    """A file and the source it belongs to (checked against config.toml by the queue)."""

    source = StringField()
    file = FileField()


class SpoolingRequest(flask.Request):
    """A request whose uploaded files may be received in a chosen folder.

    Werkzeug spools a large file part to ``TMPDIR`` (often a RAM tmpfs, too small for a
    200 Mo export). Its documented way to change that is the form data parser the request
    makes (:meth:`make_form_data_parser`, whose ``FormDataParser`` takes a
    ``stream_factory``): when ``spool_dir`` is set, the parts are received there, in
    anonymous files the system removes, even on a crash. Unset, nothing changes.
    """

    spool_dir: Path | None = None

    def make_form_data_parser(self) -> FormDataParser:
        folder = self.spool_dir
        if folder is None:
            return super().make_form_data_parser()

        def spool(total_content_length: int | None, content_type: str | None,
                  filename: str | None = None, content_length: int | None = None
                  ) -> IO[bytes]:
            folder.mkdir(parents=True, exist_ok=True)
            return tempfile.TemporaryFile("wb+", dir=folder)

        return self.form_data_parser_class(
            stream_factory=spool, max_form_memory_size=self.max_form_memory_size,
            max_content_length=self.max_content_length, max_form_parts=self.max_form_parts,
            cls=self.parameter_storage_class)


def register(app: Flask) -> None:
    """The blueprint, its upload limit, and its own CSRF check (see the module's doc).

    The app's request class becomes :class:`SpoolingRequest` unless another one was put
    there (by an extension, a deployment's wrapper): that one is kept, and uploads are
    then spooled where Werkzeug spools by default (``TMPDIR``), which works as well when
    ``TMPDIR`` has room for ``[import] upload_max_mb``.
    """
    conf = app.extensions["catalogue.settings"]
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(send)
    if app.request_class is flask.Request:
        app.request_class = SpoolingRequest
    elif not issubclass(app.request_class, SpoolingRequest):
        log.warning("request class %s kept: uploads are spooled to TMPDIR",
                    app.request_class.__name__)

    incoming = queue_of(conf).incoming

    def _upload_limit() -> None:
        # Staff only: anyone else keeps the app's 1 Mo limit, so an anonymous client
        # cannot make the server receive 200 Mo before being sent to the sign-in page.
        person = current_person() if request.endpoint == "imports.send" else None
        if person is not None and person.is_staff:
            request.max_content_length = conf.uploads.upload_max_mb * 1024 * 1024 + FORM_ROOM
            if isinstance(request, SpoolingRequest):
                # Received on the queue's disk, not in TMPDIR; a request class set by
                # someone else (see register) keeps Werkzeug's default spooling.
                request.spool_dir = incoming

    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)


def _refusal(exc: UploadRefused) -> str:
    """What the documentalist reads beside the field, in French (English page too).

    The reader's own reason follows, said again in the page's language by
    :func:`catalogue.web.reasons.reason` (a reason it does not know stays in English,
    marked so).
    """
    limit = settings().uploads.upload_max_mb
    messages = {
        uploads.NO_SOURCE: lazy_gettext("Choisissez la source à laquelle ce fichier appartient."),
        uploads.UNKNOWN_SOURCE: lazy_gettext(
            "Cette source n'existe pas ou ne reçoit pas de fichiers : choisissez-en une "
            "dans la liste."),
        uploads.NO_FILE: lazy_gettext("Choisissez un fichier."),
        uploads.BAD_NAME: lazy_gettext(
            "Le nom de ce fichier est refusé (chemin, caractère de contrôle ou nom trop "
            "long) : renommez-le puis envoyez-le de nouveau."),
        uploads.EMPTY: lazy_gettext("Le fichier est vide : choisissez l'export qui a un contenu."),
        uploads.TOO_LARGE: lazy_gettext(
            "Le fichier dépasse la taille maximale de %(mb)s Mo.", mb=limit),
        uploads.NOT_CATALOGUE: lazy_gettext(
            "Ce fichier n'est pas un export bibliographique (UNIMARC ou MARC ISO 2709, XML "
            "de PMB, MARCXML ou Dublin Core)."),
        uploads.WRONG_FORMAT: lazy_gettext(
            "Ce fichier est au format %(found)s, alors que la source attend le format "
            "%(expected)s.",
            found=FORMAT_LABELS.get(exc.values.get("found", ""), exc.values.get("found", "")),
            expected=FORMAT_LABELS.get(exc.values.get("expected", ""),
                                       exc.values.get("expected", ""))),
        uploads.UNREADABLE: lazy_gettext(
            "Ce fichier ne peut pas être importé dans cette source."),
    }
    text = escape(str(messages.get(exc.code, lazy_gettext("Ce fichier est refusé."))))
    if exc.detail and exc.code in (uploads.NOT_CATALOGUE, uploads.UNREADABLE):
        return text + Markup(" ({})").format(reason(exc.detail))
    return text


def _page(form: SendForm, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    conf = settings()
    # An upload a dead scheduler left "importing" is said interrupted (catalogue.stale_runs).
    live = Liveness(conf.data_dir, (s.slug for s in conf.sources))
    return render_template("admin/imports.html", form=form, errors=errors,
                           sources=file_sources(conf.sources), default=conf.default_source,
                           uploads=live.uploads(queue_of(conf).recent()), max_mb=conf.uploads.upload_max_mb,
                           every=conf.uploads.upload_seconds, formats=FORMAT_LABELS,
                           statuses=STATUS_LABELS, listed=uploads.LISTED), status


@bp.get("/")
@staff_required
def index() -> tuple[str, int]:
    """The form, then the latest uploads (newest first) and where each stands."""
    return _page(SendForm(formdata=None), {})


@bp.post("/")
@staff_required
def send() -> Response | tuple[str, int]:
    """Queue the file; each refusal beside its field, in French, and nothing queued."""
    conf = settings()
    errors: dict[str, str] = {}
    try:
        form = SendForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = SendForm(formdata=None)
        errors["file"] = _refusal(UploadRefused("file", uploads.TOO_LARGE))
        return _page(form, errors, 413)
    if not valid:
        errors["file"] = cast(str, lazy_gettext(
            "Le formulaire a expiré : rechargez la page et recommencez."))
        return _page(form, errors, 400)
    slug = (form.source.data or "").strip()
    chosen = {s.slug: s for s in file_sources(conf.sources)}
    if slug and slug not in chosen:
        errors["source"] = _refusal(UploadRefused("source", uploads.UNKNOWN_SOURCE))
        return _page(form, errors, 400)
    upload_file = request.files.get("file")
    person = current_person()
    sender = (person.name or person.email or "") if person is not None else ""
    try:
        if upload_file is None:
            raise UploadRefused("file", uploads.NO_FILE)
        upload = queue_of(conf).put(upload_file.stream, upload_file.filename or "",
                                    chosen.get(slug), sender, now(),
                                    conf.uploads.upload_max_mb * 1024 * 1024)
    except UploadRefused as exc:
        errors[exc.field] = _refusal(exc)
        return _page(form, errors, 400)
    flash(gettext("« %(name)s » est en file d'attente : il sera importé dans quelques "
                  "secondes. Cette page montre où en est son import.", name=upload.filename),
          FLASH)
    return redirect(url_for("imports.index"), 303)
