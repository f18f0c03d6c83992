"""The reader's selection (panier): "Ajouter à la sélection" and the page "Ma sélection".

Every change is a small POST form (CSRF-protected) answered by a redirect back to the
page the reader was on, so the buttons on results and record pages work without
JavaScript. A visitor's selection is found by the opaque token of the ``selection``
cookie, set only when they first add a record (no cookie for those who never do); a
signed-in person's is the one kept with their account, and Flask-Login's sign-in
signal merges the browser's into it (:func:`catalogue.opac.selection.merge`).

The page exports the selection in every export format, prints it, mails it (queued in
the outbox, counted by :mod:`catalogue.people.floodgate` like "send by email"), turns
its shared descriptors into a DSI alert and, for staff, picks its records for a
curated list.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    after_this_request,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import user_logged_in
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as BaseResponse

from catalogue.dsi import picks
from catalogue.dsi.profiles import ProfileError
from catalogue.opac import description, selection
from catalogue.opac.exports import FORMATS
from catalogue.opac.params import clean
from catalogue.opac.selection import Added, Owner
from catalogue.people import accounts, floodgate, outbox
from catalogue.people.accounts import AccountError
from catalogue.people.mailer import compose
from catalogue.store.opac import Entry
from catalogue.web.account import too_many
from catalogue.web.errors import PageError
from catalogue.web.guards import SignedIn, current_person
from catalogue.web.integers import integer
from catalogue.web.language import safe_next
from catalogue.web.links import record_url
from catalogue.web.service import engine, now, settings
from catalogue.web.sharing import MESSAGE_MAX, SendForm

bp = Blueprint("selection", __name__)
log = logging.getLogger(__name__)

COOKIE = "selection"
#: How long a browser keeps its selection without a visit to it.
COOKIE_DAYS = 365
#: Category of the flashed messages that base.html shows on any page.
FLASH = "selection"


def register(app: Flask) -> None:
    """The blueprint, the template helpers, and the merge at sign-in."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(selection_ids=selection_ids)
    csrf = app.extensions.get("csrf")
    if csrf is not None:  # checked by origin instead (see add_checked)
        csrf.exempt(add_checked)
    user_logged_in.connect(_merge_at_sign_in, app)


def owner() -> Owner:
    """The selection of this request: the signed-in person's, else the browser's."""
    person = current_person()
    if person is not None:
        return Owner(person_id=person.id)
    return Owner(token=request.cookies.get(COOKIE, "")[:100] or None)


def selection_ids() -> frozenset[str]:
    """The global ids kept (templates mark their buttons with it), read once a request."""
    if "selection_ids" not in g:
        try:
            g.selection_ids = frozenset(selection.ids(engine(), owner()))
        except SQLAlchemyError:  # the menu's count never turns a page (an error page) into a 500
            log.exception("selection: the kept records could not be read")
            g.selection_ids = frozenset()
    ids: frozenset[str] = g.selection_ids
    return ids


def _merge_at_sign_in(app: Flask, user: SignedIn, **_: Any) -> None:
    token = request.cookies.get(COOKIE, "")
    if not token or not selection.well_formed(token):
        return
    done = selection.merge(engine(), token, user.person.id, now())
    if done.refused:
        flash(_full(), FLASH)

    @after_this_request
    def forget(response: BaseResponse) -> BaseResponse:
        response.delete_cookie(COOKIE, samesite="Lax", httponly=True)
        return response


def _full() -> str:
    message: str = gettext(
        "Votre sélection est pleine (%(limit)d notices au plus) : retirez-en pour en "
        "ajouter d'autres.", limit=selection.LIMIT)
    return message


def _ids() -> list[str]:
    """The record ids posted (bounded in number and length)."""
    ids = [clean(i, 250) for i in request.form.getlist("id")[: selection.LIMIT]]
    return [i for i in ids if i]


def _back() -> BaseResponse:
    return redirect(safe_next(request.form.get("suivant") or url_for("selection.show")), 303)


@bp.post("/selection/ajouter")
def add() -> BaseResponse:
    """Keep the posted records, then go back where the reader was."""
    who, token = owner(), None
    if who.person_id is None and not (who.token and selection.well_formed(who.token)):
        token = selection.new_token()
        who = Owner(token=token)
        selection.forget_stale(engine(), now() - timedelta(days=COOKIE_DAYS + 30))
    done = selection.add(engine(), who, _ids(), now())
    _tell(done)
    response = _back()
    if token is not None and done.added:
        response.set_cookie(COOKIE, token, max_age=COOKIE_DAYS * 86400, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response


def _tell(done: Added) -> None:
    if done.refused:
        flash(_full(), FLASH)
    elif done.added:
        flash(ngettext("Notice ajoutée à votre sélection.",
                       "%(num)d notices ajoutées à votre sélection.", done.added), FLASH)
    elif done.unknown and not done.present:
        flash(gettext("Cette notice n'existe pas ou a été supprimée."), FLASH)


@bp.post("/selection/ajouter-cochees")
def add_checked() -> BaseResponse:
    """The hits checked on a results page, kept in one go.

    The checkboxes belong to the page's GET export form, whose URLs must not carry a CSRF
    token, so this one action is exempt from the token (see :func:`register`) and
    refuses instead a POST that a browser says came from another site: browsers send
    ``Origin`` (and ``Sec-Fetch-Site``) with every form POST, and a cross-site form must
    not change anyone's selection. A client that sends neither is no browser, and holds
    no victim's cookie.
    """
    if not _same_site():
        raise PageError(403, gettext("Cette action doit venir d'une page du catalogue."))
    if not _ids():
        flash(gettext("Cochez d'abord les notices à garder."), FLASH)
        return redirect(_referring_page(), 303)
    response = add()
    response.headers["Location"] = _referring_page()
    return response


def _same_site() -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site", "")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin == request.host_url.rstrip("/")


def _referring_page() -> str:
    """The results page the reader was on (its path, when it is ours), else the selection."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return url_for("selection.show")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path) if referrer.path else url_for("selection.show")


@bp.post("/selection/retirer")
def remove() -> BaseResponse:
    """Drop the posted records from the selection."""
    if selection.remove(engine(), owner(), _ids()):
        flash(gettext("Notice retirée de votre sélection."), FLASH)
    return _back()


#: The value of the confirmation form's ``confirmer`` field that empties the selection.
CONFIRMED = "oui"


@bp.get("/selection/vider")
def confirm_clear() -> BaseResponse | tuple[str, int]:
    """Ask before emptying: one mis-click on "Vider ma sélection" lost up to
    :data:`~catalogue.opac.selection.LIMIT` records. A page rather than a script's
    ``confirm()``, so that it works without JavaScript too."""
    count = len(selection_ids())
    if not count:
        return redirect(url_for("selection.show"), 303)
    return render_template("selection_clear.html", count=count, confirmed=CONFIRMED), 200


@bp.post("/selection/vider")
def clear() -> BaseResponse:
    """Empty the selection once confirmed; a POST without the confirmation (a page from
    before the confirmation existed, a replayed form) is asked again, nothing removed."""
    if request.form.get("confirmer") != CONFIRMED:
        return redirect(url_for("selection.confirm_clear"), 303)
    selection.clear(engine(), owner())
    flash(gettext("Votre sélection est vide."), FLASH)
    return redirect(url_for("selection.show"), 303)


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    person = current_person()
    lists = picks.open_lists(engine()) if person is not None and person.is_staff else []
    values.setdefault("mail_form", None)
    values.setdefault("mail_errors", {})
    return render_template("selection.html", kept=selection.kept(engine(), owner()),
                           formats=FORMATS, pick_lists=lists, limit=selection.LIMIT,
                           **values), status


@bp.get("/selection")
def show() -> tuple[str, int]:
    """Ma sélection: the records kept, and what can be done with them."""
    return _page()


class _Empty(Exception):
    """The selection holds nothing to export, print or turn into an alert."""


def _kept_or_empty() -> list[Entry]:
    kept = selection.kept(engine(), owner())
    if not kept:
        raise _Empty
    return kept


@bp.errorhandler(_Empty)
def _empty(_: _Empty) -> BaseResponse:
    """Back to "Ma sélection", whose page says it is empty and how to fill it (an error
    page was harsh for a reader who clicked "print" on an emptied selection)."""
    return redirect(url_for("selection.show"), 303)


@bp.get("/selection/export")
def export() -> Response:
    """The whole selection in the chosen format, as an attachment."""
    fmt = FORMATS.get(request.args.get("format", "ris"))
    if fmt is None:
        raise PageError(400, gettext("Format d'export inconnu."))
    found = [e.record for e in _kept_or_empty()]
    response = Response(fmt.write(found, lambda r: record_url(r, external=True)),
                        content_type=fmt.content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="selection.{fmt.extension}"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/selection/imprimer")
def printable() -> str:
    """The selection as a printed page: each record's description and permalink."""
    # No QR code of the page: a visitor's selection lives in their browser, a phone
    # scanning it would open its own (empty) one; each record prints its permalink.
    return render_template("selection_print.html", kept=_kept_or_empty())


@bp.post("/selection/envoyer")
def send() -> str | tuple[str, int]:
    """Queue the selection (titles, descriptions, permalinks) for the address typed."""
    form = SendForm()

    def refused(field: str, message: str, status: int) -> tuple[str, int]:
        return _page(status, mail_form=form, mail_errors={field: message})

    if not form.validate_on_submit():
        return refused("email", gettext("Le formulaire a expiré. Recommencez."), 400)
    message = (form.message.data or "").strip()
    if len(message) > MESSAGE_MAX:
        return refused("message", gettext(
            "Votre message est trop long (%(max)d caractères au plus).", max=MESSAGE_MAX), 422)
    try:
        address = accounts.normalize_email(form.email.data or "")
    except AccountError:
        return refused("email", gettext("Cette adresse électronique n'est pas valide."), 422)
    kept = selection.kept(engine(), owner())
    if not kept:
        return refused("email", gettext("Votre sélection est vide : ajoutez-y des notices "
                                        "depuis les résultats ou les notices."), 422)
    moment, config = now(), settings()
    if not floodgate.admit(engine(), moment, kind="selection", address=address,
                           client=request.remote_addr or "", limits=config.accounts):
        return refused("email", too_many(), 429)
    lines = [{"record": e.record, "permalink": record_url(e.record, external=True),
              "publication": [description.publication(p) for p in [e.record.main_publication()] if p]}
             for e in kept]
    text = render_template("mail/selection.txt", entries=lines, message=message)
    subject = ngettext("Une sélection du catalogue : %(num)d notice",
                       "Une sélection du catalogue : %(num)d notices", len(kept))
    try:
        msg = compose(config.mail, to=address, subject=subject, text=text, now=moment)
    except ValueError:
        return refused("email", gettext("Cette adresse électronique n'est pas valide."), 422)
    outbox.queue(engine(), msg, kind="selection", now=moment)
    return render_template("selection_sent.html", email=address, count=len(kept))


@bp.get("/selection/alerte")
def alert() -> BaseResponse:
    """"Créer une alerte" from the selection: a search on its most shared descriptors."""
    labels = selection.descriptors(_kept_or_empty())
    if not labels:
        flash(gettext("Les notices de votre sélection n'ont pas de descripteurs : aucune "
                      "alerte ne peut en être tirée."), FLASH)
        return redirect(url_for("selection.show"), 303)
    cleaned = [" ".join(label.replace('"', " ").split()) for label in labels]
    query = " OR ".join(f'sujet:"{label}"' for label in cleaned if label)
    return redirect(url_for("dsi.create_alert", q=query, name=gettext("Ma sélection")), 303)


@bp.post("/selection/liste")
def to_list() -> BaseResponse | tuple[str, int]:
    """Staff: pick every record of the selection for a curated list's next issue."""
    person = current_person()
    if person is None or not person.is_staff:
        raise PageError(403, gettext("Cette action est réservée au personnel."))
    chosen = integer(request.form.get("liste", ""), 0) or 0
    kept = selection.kept(engine(), owner())
    done, name = 0, ""
    for entry in kept:
        try:
            found = picks.add(engine(), now(), chosen, entry.global_id)
        except ProfileError as exc:
            if exc.field == "liste":
                return _page(422, list_error=exc.message)
            continue  # a record deleted meanwhile: the others still go
        done, name = done + 1, found.name
    if done:
        flash(ngettext("%(num)d notice ajoutée à la liste « %(name)s ».",
                       "%(num)d notices ajoutées à la liste « %(name)s ».", done, name=name),
              FLASH)
    return redirect(url_for("selection.show"), 303)
