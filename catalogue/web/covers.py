"""Covers on the public pages: ``/couverture/<source>/<id>`` and the templates' helpers.

Pages name a cover only for records that have a source of one (an attached image, a
thumbnail, an ISBN when a cover service is configured); the URL always answers an image:
the cover (re-encoded by us, cached for a day by browsers), else a neutral placeholder
(cached an hour), so a broken, missing or slow source never shows a broken image nor
delays the page, which does not wait for its images.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePath
from typing import cast

from flask import Blueprint, Flask, current_app, url_for
from werkzeug.wrappers import Response

from catalogue.covers.service import Covers
from catalogue.documents import access
from catalogue.documents.service import Document
from catalogue.records import Record
from catalogue.store import opac as store
from catalogue.web.documents import documents

KEY = "catalogue.covers"
bp = Blueprint("covers", __name__)

PLACEHOLDER = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="240" viewBox="0 0 160 240">'
    '<rect width="160" height="240" fill="#eef0f3"/>'
    '<path d="M52 80h56v80H52z" fill="none" stroke="#8a94a3" stroke-width="4"/>'
    '<path d="M62 98h36M62 112h36M62 126h24" stroke="#8a94a3" stroke-width="4"/></svg>'
).encode("ascii")


def register(app: Flask) -> None:
    """The covers service of the app, its blueprint and the templates' helpers."""
    conf = app.extensions["catalogue.settings"]
    app.extensions[KEY] = Covers(conf.covers)
    app.register_blueprint(bp)

    @app.context_processor
    def _helpers() -> dict[str, object]:
        return {"cover_url": cover_url, "cover_urls": cover_urls}


def covers() -> Covers:
    """The running application's covers service."""
    return cast(Covers, current_app.extensions[KEY])


#: Attached files taken for images: PNG, JPEG, GIF and WebP are known by their bytes
#: (image/... media type); files attached before that are "other", so their name says
#: it. The cover is decoded by Pillow whatever it is.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})


def _image(docs: Iterable[Document]) -> Document | None:
    """The first public image attached to a record (only those may be shown to anyone)."""
    return next((d for d in docs if d.access == access.PUBLIC and (
        d.media_type.startswith("image/")
        or PurePath(d.filename).suffix.lower() in IMAGE_SUFFIXES)), None)


def _url(record: Record) -> str:
    return url_for("covers.show", source=record.source, source_id=record.source_id)


def cover_url(record: Record | None) -> str:
    """The cover URL of ``record`` for its own page, '' when it has no source of one."""
    if record is None:
        return ""
    entry = store.entry(current_app.extensions["catalogue.engine"], record.source,
                        record.source_id)
    image = _image(documents().of_record(entry.id)) if entry is not None else None
    return _url(record) if covers().may_have(record, image is not None) else ""


def cover_urls(records: Sequence[Record | None]) -> dict[str, str]:
    """The cover URLs of a results page's records by global id (one query for all)."""
    shown = [r for r in records if r is not None]
    attached = documents().of_records([r.global_id for r in shown])
    return {r.global_id: _url(r) for r in shown
            if covers().may_have(r, _image(attached.get(r.global_id, ())) is not None)}


def _reader(path: Path) -> Callable[[], bytes | None]:
    def read() -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None
    return read


def _placeholder(status: int = 200) -> Response:
    response = Response(PLACEHOLDER, status=status, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return _hardened(response)


def _hardened(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/couverture/<source>/<path:source_id>")
def show(source: str, source_id: str) -> Response:
    """The record's cover, else the placeholder (404 for an unknown record)."""
    entry = store.entry(current_app.extensions["catalogue.engine"], source, source_id)
    if entry is None:
        return _placeholder(404)
    service = documents()
    image = _image(service.of_record(entry.id))
    attached = None
    if image is not None and service.files.has(image.sha256):
        attached = (image.sha256, _reader(service.files.path(image.sha256)))
    found = covers().cover(entry.record, attached)
    if found is None:
        return _placeholder()
    response = Response(found.data, mimetype=found.media_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return _hardened(response)

