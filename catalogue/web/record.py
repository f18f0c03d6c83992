"""The record page: full description, items, attached documents, other centres, similar.

Its URL is the permalink: ``/notice/<source>/<source id>``, stable as long as the source
keeps its ids (PMB and Koha ids are stable); source ids may contain any character, so
the id is a path (slashes included) and URLs are built by ``url_for``, which quotes.
The page also carries what reference managers read (Highwire tags, JSON-LD, a RIS
link) and the "Citer" block; its print view and "send by email" are in
:mod:`catalogue.web.sharing`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import get_locale

from catalogue.dsi import picks
from catalogue.opac import citation, embedded
from catalogue.opac.exports import FORMATS
from catalogue.opac.service import RecordPage
from catalogue.questions.publishing import DOC_TYPE as QUESTION_TYPE
from catalogue.records import Record
from catalogue.veille import publishing as veille
from catalogue.veille.publishing import DOC_TYPE as VEILLE_TYPE
from catalogue.web import periodicals
from catalogue.web.documents import documents, visible
from catalogue.web.guards import current_person
from catalogue.web.integers import integer
from catalogue.web.labels import role_label
from catalogue.web.links import RECORD_RULE, record_url
from catalogue.web.service import engine, opac, settings

bp = Blueprint("record", __name__)


class RetiredEntry(Exception):
    """The record asked for is a watch entry retired after ``keep_months``."""

    def __init__(self, entry: veille.Retired) -> None:
        super().__init__(entry.record_id)
        self.entry = entry


def found(source: str, source_id: str) -> RecordPage:
    """The record page of (source, source_id); the 410 page of a retired watch entry
    (:class:`RetiredEntry`), else the French 404 page."""
    page = opac().record(source, source_id)
    if page is None:
        if source == veille.SOURCE:
            entry = veille.retired(engine(), source_id)
            if entry is not None:
                raise RetiredEntry(entry)
        abort(404)
    return page


@bp.app_errorhandler(RetiredEntry)
def gone(exc: RetiredEntry) -> tuple[str, int]:
    """410 Gone: DSI archives and feed readers still link to a watch entry retired after
    its retention period; a bare 404 left the reader wondering what it was. The page
    names it, links to its source and to the current watch."""
    entry = exc.entry
    link = entry.url if entry.url.startswith(("https://", "http://")) else ""
    return render_template("veille/retired.html", entry=entry, link=link,
                           months=settings().veille.keep_months,
                           watch=url_for("veille.index")), 410


def csl_locale() -> str:
    """The reader's language as a CSL locale (the citations' "et", "and", "p.")."""
    return "en-US" if str(get_locale() or "fr").startswith("en") else "fr-FR"


def context(page: RecordPage) -> dict[str, Any]:
    """What ``record.html`` (and the print view) need besides the page itself."""
    record = page.record
    permalink = record_url(record, external=True)
    person = current_person()
    # Staff may hand-pick the record for a curated list ("Ajouter à une liste").
    lists = picks.open_lists(engine()) if person is not None and person.is_staff else []
    files = documents()
    stored = visible(files.of_record(page.entry.id))
    can_attach = person is not None and person.is_staff and files.may_hold(record.source)
    return {"page": page, "record": record, "formats": FORMATS, "pick_lists": lists,
            "stored_documents": stored, "can_attach": can_attach, "permalink": permalink,
            "citations": citation.citations(record, csl_locale()),
            "highwire": embedded.highwire(record, permalink),
            "json_ld": embedded.script_json(embedded.json_ld(record, permalink, role_label)),
            **online_entry(record), **periodicals.context(record)}


def online_entry(record: Record) -> dict[str, Any]:
    """A watch item or a published question-answer has no copy to borrow: its page says
    nothing of copies (no "No copy" badge), and a watch item's link to its source is
    labelled in the reader's language (the stored note is French)."""
    online = record.doc_type in (VEILLE_TYPE, QUESTION_TYPE)
    publishers = record.publications[0].publishers if record.publications else ()
    read_on = publishers[0] if record.doc_type == VEILLE_TYPE and publishers else ""
    return {"online_only": online, "read_on": read_on}


@bp.get(RECORD_RULE)
def show(source: str, source_id: str) -> str:
    """One record, or the French 404 page when the store has no such live record."""
    page = found(source, source_id)
    start = integer(request.args.get("rayon"), None)
    return render_template("record.html", **context(page), mail_errors={}, mail_form=None,
                           shelf=opac().shelf(page.entry, start))
