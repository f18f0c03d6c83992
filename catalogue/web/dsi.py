"""The subscriber's side of the DSI: lists and their archives, subscription with double
opt-in, one-click unsubscribe, "Créer une alerte", managing one's alerts, GDPR pages.

Views are thin: they call :mod:`catalogue.dsi` and render. No mail leaves from here:
the confirmation mail is queued in the outbox and sent by the scheduler. Links from
mails open a page with a button (POST): a mail scanner that fetches links neither
confirms nor unsubscribes anyone; the unsubscribe POST is also RFC 8058's one-click
POST, which comes from the mail client without a session, so it is exempt from CSRF
(its signed token is its protection).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, gettext
from flask_login import logout_user
from werkzeug.wrappers import Response

from catalogue.dsi import archives, equations, links, profiles, subscribers
from catalogue.dsi.feed import issues_feed
from catalogue.dsi.profiles import ProfileError
from catalogue.dsi.schedule import PERIODS, Periodicity
from catalogue.opac.params import SearchParams
from catalogue.people import accounts, floodgate, outbox
from catalogue.people.accounts import AccountError, Person
from catalogue.people.mailer import compose
from catalogue.people.tokens import TokenError
from catalogue.web.account import sign_in_person, too_many
from catalogue.web.guards import current_person, signer, signin_required
from catalogue.web.integers import integer, integers
from catalogue.web.labels import weekday_names
from catalogue.web.service import engine, now, settings

bp = Blueprint("dsi", __name__)


def register(app: Flask) -> None:
    """Register the public and the staff blueprints; the one-click POST is CSRF-exempt."""
    from catalogue.web import dsi_admin

    app.register_blueprint(bp)
    app.register_blueprint(dsi_admin.bp)
    app.extensions["csrf"].exempt(unsubscribe_post)


def _visible(slug: str) -> profiles.Profile:
    found = profiles.by_slug(engine(), slug)
    person = current_person()
    if found is None or not found.is_list or not (
            found.archives_open_to(person.category if person else None)
            or (person is not None and person.is_staff)):
        abort(404)
    return found


def _token_error(message: str) -> tuple[str, int]:
    return render_template("dsi/token_error.html", message=message), 400


# --- lists and archives ------------------------------------------------------------------

@bp.get("/listes")
def lists() -> str:
    """The curated lists a visitor may subscribe to, and the closed ones' archives."""
    person = current_person()
    category = person.category if person else None
    return render_template("dsi/lists.html", lists=profiles.lists(engine(), category=category),
                           closed=profiles.closed_lists(engine(), category=category))


@bp.get("/listes/<slug>")
def show_list(slug: str) -> str:
    """A list: its description and every issue, newest first."""
    found = _visible(slug)
    return render_template("dsi/list.html", profile=found,
                           issues=archives.issues(engine(), found.id))


@bp.get("/listes/<slug>/numero/<int:number>")
def show_issue(slug: str, number: int) -> str:
    """One archived issue with its records."""
    found = _visible(slug)
    issue = archives.issue(engine(), found.id, number)
    if issue is None:
        abort(404)
    return render_template("dsi/issue.html", profile=found, issue=issue,
                           records=archives.issue_records(engine(), issue.id))


@bp.get("/listes/<slug>/atom")
def list_feed(slug: str) -> Response:
    """The Atom feed of a list's issues."""
    found = _visible(slug)
    config = settings()
    body = issues_feed(engine(), found, config.base_url, config.name, config.dsi.feed_size)
    return Response(body, mimetype="application/atom+xml")


# --- subscribing (double opt-in) -----------------------------------------------------------

@bp.route("/alertes/inscription", methods=["GET", "POST"])
def subscribe_form() -> str | tuple[str, int]:
    """Subscribe by email: a confirmation mail is queued, whatever the address."""
    offered = profiles.lists(engine(), category=None)
    if request.method == "GET":
        chosen = set(integers(request.args.getlist("liste")))
        return render_template("dsi/subscribe.html", lists=offered, chosen=chosen, errors={},
                               values={})
    values = {"email": request.form.get("email", ""), "name": request.form.get("name", "")}
    wanted = set(integers(request.form.getlist("liste")))
    picked = [p.id for p in offered if p.id in wanted]
    errors: dict[str, str] = {}
    try:
        address = accounts.normalize_email(values["email"])
        name = accounts.clean_name(values["name"])
        if not picked:
            raise AccountError(gettext("Choisissez au moins une liste."), "liste")
        if not floodgate.admit(engine(), now(), kind="dsi_confirm", address=address,
                               client=request.remote_addr or "", limits=settings().accounts):
            errors["email"] = too_many()
            return render_template("dsi/subscribe.html", lists=offered, chosen=set(wanted),
                                   errors=errors, values=values), 429
        person = accounts.register(engine(), now(), address, name=name,
                                   language=request.form.get("language", "fr"))
    except AccountError as exc:
        errors[exc.field or "email"] = exc.message
        return render_template("dsi/subscribe.html", lists=offered, chosen=set(wanted),
                               errors=errors, values=values), 422
    _queue_confirmation(person, picked)
    return render_template("dsi/check_mail.html", email=address)


def _queue_confirmation(person: Person, chosen: list[int]) -> None:
    config, moment = settings(), now()
    token = links.confirm_token(signer(), person, chosen, moment)
    link = config.base_url + links.confirm_path(token)
    names = [p.name for p in profiles.all_profiles(engine(), chosen)]
    with force_locale(person.language):
        subject = gettext("Confirmez votre abonnement")
        text = render_template("dsi/mail/confirm.txt", person=person, link=link, names=names,
                               hours=config.accounts.confirm_hours)
        html = render_template("dsi/mail/confirm.html", person=person, link=link, names=names,
                               hours=config.accounts.confirm_hours, subject=subject)
    assert person.email is not None
    msg = compose(config.mail, to=person.email, to_name=person.name, subject=subject,
                  text=text, html=html, now=moment)
    outbox.queue(engine(), msg, kind="dsi_confirm", now=moment, person_id=person.id)


@bp.get("/alertes/confirmation/<token>")
def confirm_page(token: str) -> str | tuple[str, int]:
    """The confirmation link: a button, so that a link scanner confirms nothing."""
    try:
        person, chosen = links.read_confirm(signer(), engine(), token, now(),
                                            settings().accounts.confirm_hours)
    except TokenError as exc:
        return _token_error(exc.message)
    names = [p.name for p in profiles.all_profiles(engine(), chosen)]
    return render_template("dsi/confirm.html", person=person, names=names, token=token)


@bp.post("/alertes/confirmation/<token>")
def confirm(token: str) -> Response | tuple[str, int]:
    """Confirm the address, subscribe to the lists asked for, and sign the person in."""
    store, moment = engine(), now()
    try:
        person, chosen = links.read_confirm(signer(), store, token, moment,
                                            settings().accounts.confirm_hours)
    except TokenError as exc:
        return _token_error(exc.message)
    confirmed = accounts.confirm(store, person.id, moment)  # rotates the nonce: link spent
    assert confirmed is not None
    for found in profiles.all_profiles(store, chosen):
        if found.offered_to(confirmed.category):
            profiles.subscribe(store, moment, person.id, found.id)
    profiles.subscribe_category(store, moment, person.id, confirmed.category)
    sign_in_person(confirmed)
    flash(gettext("Votre adresse est confirmée et vos abonnements sont enregistrés."))
    return redirect(url_for("dsi.manage"), 303)


# --- unsubscribing (RFC 8058 one-click) ----------------------------------------------------

@bp.get("/alertes/desabonnement/<token>")
def unsubscribe_page(token: str) -> str | tuple[str, int]:
    """What the link ends, and a button."""
    try:
        named = links.read_unsubscribe(signer(), token, now(), settings().dsi.unsubscribe_days)
    except TokenError as exc:
        return _token_error(exc.message)
    subs = [s for s in profiles.subscriptions_of(engine(), named.person_id)
            if s.id in named.subscription_ids]
    return render_template("dsi/unsubscribe.html", subs=subs, token=token)


@bp.post("/alertes/desabonnement/<token>")
def unsubscribe_post(token: str) -> str | tuple[str, int]:
    """End the subscriptions the token names (idempotent; one-click POST or the button)."""
    try:
        named = links.read_unsubscribe(signer(), token, now(), settings().dsi.unsubscribe_days)
    except TokenError as exc:
        return _token_error(exc.message)
    for sub_id in named.subscription_ids:
        profiles.unsubscribe(engine(), sub_id, named.person_id)
    return render_template("dsi/unsubscribed.html")


# --- the subscriber's own page ---------------------------------------------------------------

@bp.get("/alertes")
@signin_required
def manage() -> str:
    """Subscriptions, alerts, the lists one may join, and the GDPR actions."""
    person = current_person()
    assert person is not None
    subs = profiles.subscriptions_of(engine(), person.id)
    mine = {s.profile.id for s in subs}
    offered = [p for p in profiles.lists(engine(), category=person.category) if p.id not in mine]
    return render_template("dsi/manage.html", person=person, subs=subs, offered=offered)


@bp.post("/alertes/abonner/<int:profile_id>")
@signin_required
def join(profile_id: int) -> Response:
    person = current_person()
    assert person is not None
    found = profiles.get(engine(), profile_id)
    if found is None or not (found.offered_to(person.category) or person.is_staff):
        abort(404)
    profiles.subscribe(engine(), now(), person.id, profile_id)
    return redirect(url_for("dsi.manage"), 303)


@bp.post("/alertes/desabonner/<int:subscription_id>")
@signin_required
def leave(subscription_id: int) -> Response:
    person = current_person()
    assert person is not None
    profiles.unsubscribe(engine(), subscription_id, person.id)  # only the person's own
    return redirect(url_for("dsi.manage"), 303)


@bp.route("/alertes/creer", methods=["GET", "POST"])
@signin_required
def create_alert() -> str | Response | tuple[str, int]:
    """"Créer une alerte" from a results page: its search, a name and a periodicity."""
    person = current_person()
    assert person is not None
    source = request.form if request.method == "POST" else request.args
    search = SearchParams.from_args(source)
    equation = equations.from_search(search)
    values = {"name": source.get("name", search.query[:80] or gettext("Mon alerte")),
              "period": source.get("period", "weekly"), "weekday": source.get("weekday", "0")}
    if request.method == "GET":
        return render_template("dsi/create_alert.html", search=search, values=values,
                               periods=PERIODS, weekdays=weekday_names(), errors={})
    period = values["period"] if values["period"] in PERIODS else "weekly"
    weekday = integer(values["weekday"], 0, high=6) or 0
    try:
        profiles.create_alert(engine(), now(), person.id, name=values["name"],
                              params=equation.params() or "q=", periodicity=Periodicity(
                                  period, min(weekday, 6)),
                              cap=settings().dsi.default_cap,
                              max_alerts=settings().dsi.max_alerts)
    except ProfileError as exc:
        return render_template("dsi/create_alert.html", search=search, values=values,
                               periods=PERIODS, weekdays=weekday_names(),
                               errors={exc.field or "name": exc.message}), 422
    flash(gettext("Votre alerte est créée."))
    return redirect(url_for("dsi.manage"), 303)


@bp.get("/alertes/mes-donnees")
@signin_required
def my_data() -> Response:
    """Everything held about the person (GDPR access), as a JSON download."""
    person = current_person()
    assert person is not None
    from catalogue.opac import selection
    from catalogue.web.questions import export_for

    kept = selection.ids(engine(), selection.Owner(person_id=person.id))
    answer = jsonify({**subscribers.export(engine(), person.id),
                      "questions": export_for(person.id),
                      "selection": [f"{settings().base_url}/notice/{g.replace(':', '/', 1)}"
                                    for g in kept]})
    answer.headers["Content-Disposition"] = "attachment; filename=mes-donnees.json"
    return answer


@bp.post("/alertes/supprimer-mon-compte")
@signin_required
def delete_account() -> str | tuple[str, int]:
    """Erase the account and everything attached to it (GDPR erasure), after a check box."""
    person = current_person()
    assert person is not None
    if request.form.get("confirmer") != "oui":
        flash(gettext("Cochez la case pour confirmer la suppression."))
        return manage(), 422
    if person.is_staff:
        flash(gettext("Un compte du personnel se supprime par un administrateur."))
        return manage(), 422
    from catalogue.questions import privacy

    asked = privacy.asked_by(engine(), person)
    try:
        accounts.delete(engine(), person.id)
    except AccountError as exc:  # e.g. documents still on loan (catalogue.lending)
        flash(exc.message)
        return manage(), 409
    privacy.erase(engine(), asked)  # their questions keep no trace of them
    logout_user()
    return render_template("dsi/deleted.html")
