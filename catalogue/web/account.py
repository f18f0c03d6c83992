"""Signing in and out, and the person's own page (``/compte``).

Staff sign in with their email and password (lockout after repeated failures, see
:func:`catalogue.people.accounts.authenticate`). Everyone else asks for a sign-in link:
the link is queued in the outbox (the scheduler sends it; a request never talks to the
SMTP server) and the page answers the same whether the address is known or not, so the
form cannot be used to find out who is registered. The link opens a page with a button:
a mail scanner that fetches links does not spend it, the person's click does (POST),
and using it confirms the address and spends every earlier link.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, HiddenField, PasswordField

from catalogue.people import accounts, floodgate, outbox
from catalogue.people.accounts import AccountError, Person
from catalogue.people.mailer import compose
from catalogue.people.tokens import SIGN_IN, TokenError
from catalogue.web import history
from catalogue.web.guards import SignedIn, current_person, signer, signin_required
from catalogue.web.language import safe_next
from catalogue.web.service import engine, now, settings

bp = Blueprint("account", __name__)
#: A second link for the same person within this delay is not queued (mail flooding).
RESEND_DELAY = timedelta(minutes=1)


class SignInForm(FlaskForm):  # type: ignore[misc]
    """Email, and a password for those who have one (staff)."""

    email = EmailField()
    password = PasswordField()
    suivant = HiddenField()


class LinkForm(FlaskForm):  # type: ignore[misc]
    """The button that spends a sign-in link."""

    jeton = HiddenField()
    suivant = HiddenField()


def sign_in_person(person: Person) -> None:
    """Start a session for ``person`` (also used by other parts after a confirmation)."""
    kept = history.carried()  # the search history survives signing in
    session.clear()  # a fresh session: no fixation, a fresh CSRF token
    session.update(kept)
    login_user(SignedIn(person))
    session.permanent = True


@bp.route("/connexion", methods=["GET", "POST"])
def sign_in() -> str | Response | tuple[str, int]:
    """The sign-in form: a password for staff, a link by email for everyone."""
    form = SignInForm()
    if request.method == "GET":
        form.suivant.data = safe_next(request.args.get("suivant") or url_for("account.home"))
        return render_template("account/sign_in.html", form=form, errors={})
    errors: dict[str, str] = {}
    if not form.validate_on_submit():
        return render_template("account/sign_in.html", form=form, errors={
            "email": gettext("Le formulaire a expiré. Recommencez.")}), 400
    target = safe_next(form.suivant.data or url_for("account.home"))
    moment = now()
    if form.password.data:
        try:
            person = accounts.authenticate(engine(), form.email.data or "", form.password.data,
                                           moment, settings().accounts)
        except AccountError as exc:
            errors["password"] = exc.message
        else:
            sign_in_person(person)
            return redirect(target, 303)
        return render_template("account/sign_in.html", form=form, errors=errors), 422
    try:
        address = accounts.normalize_email(form.email.data or "")
    except AccountError as exc:
        errors[exc.field] = exc.message
        return render_template("account/sign_in.html", form=form, errors=errors), 422
    if not floodgate.admit(engine(), moment, kind="sign_in", address=address,
                           client=request.remote_addr or "", limits=settings().accounts):
        errors["email"] = too_many()
        return render_template("account/sign_in.html", form=form, errors=errors), 429
    known = accounts.by_email(engine(), address)
    if known is not None:
        send_sign_in_link(known, target)
    return render_template("account/link_sent.html", email=address)


def too_many() -> str:
    """The refusal of a request for mail past the [accounts] limits, in the reader's tongue."""
    message: str = gettext("Trop de demandes pour cette adresse ou depuis votre connexion : "
                           "un message a peut-être déjà été envoyé (pensez aux "
                           "indésirables). Réessayez dans une heure.")
    return message


def send_sign_in_link(person: Person, target: str = "") -> bool:
    """Queue a sign-in link for ``person`` unless one was queued a moment ago."""
    store, moment, config = engine(), now(), settings()
    if not person.email or outbox.recently_queued(store, person.id, "sign_in",
                                                  moment - RESEND_DELAY):
        return False
    token = signer().person_token(SIGN_IN, person, moment)
    link = config.base_url + url_for("account.link", jeton=token, suivant=target or None)
    minutes = config.accounts.link_minutes
    with force_locale(person.language):
        subject = gettext("Votre lien de connexion au catalogue")
        text = render_template("mail/sign_in.txt", person=person, link=link, minutes=minutes)
        html = render_template("mail/sign_in.html", person=person, link=link, minutes=minutes,
                               subject=subject)
    msg = compose(config.mail, to=person.email, to_name=person.name, subject=subject,
                  text=text, html=html, now=moment)
    outbox.queue(store, msg, kind="sign_in", now=moment, person_id=person.id)
    return True


@bp.get("/connexion/lien")
def link() -> str | Response | tuple[str, int]:
    """A sign-in link: checked, then a button to use it."""
    token = request.args.get("jeton", "")
    try:
        person = signer().person_from(engine(), SIGN_IN, token, now(), timedelta(
            minutes=settings().accounts.link_minutes))
    except TokenError as exc:
        return render_template("account/token_error.html", message=exc.message), 400
    form = LinkForm(formdata=None, jeton=token,
                    suivant=safe_next(request.args.get("suivant") or url_for("account.home")))
    return render_template("account/link.html", form=form, person=person)


@bp.post("/connexion/lien")
def use_link() -> str | Response | tuple[str, int]:
    """Spend the link: sign in, confirm the address, invalidate earlier links."""
    form = LinkForm()
    if not form.validate_on_submit():
        return render_template("account/token_error.html", message=gettext(
            "Le formulaire a expiré. Rouvrez le lien reçu par courriel.")), 400
    store, moment = engine(), now()
    try:
        person = signer().person_from(store, SIGN_IN, form.jeton.data or "", moment, timedelta(
            minutes=settings().accounts.link_minutes))
    except TokenError as exc:
        return render_template("account/token_error.html", message=exc.message), 400
    confirmed = accounts.confirm(store, person.id, moment)  # also rotates the nonce
    accounts.signed_in(store, person.id, moment)
    sign_in_person(confirmed or person)
    return redirect(safe_next(form.suivant.data or url_for("account.home")), 303)


@bp.post("/deconnexion")
def sign_out() -> Response:
    """End the session, and every other session of the same person (a copied cookie
    must not outlive a sign-out)."""
    person = current_person()
    if person is not None:
        accounts.end_sessions(engine(), person.id)
    logout_user()
    session.clear()
    return redirect(url_for("search.home"), 303)


@bp.get("/compte")
@signin_required
def home() -> str:
    """The person's own page: who they are; other parts add their sections (loans, alerts)."""
    return render_template("account/home.html", person=current_person())
