"""The asker's side of the questions/réponses service: the form, the follow-up page, the
reply that reopens a question, "my questions" in the account, the public base.

Views are thin: they call :mod:`catalogue.questions` and render. Anti-abuse on the form:
CSRF (Flask-WTF), a honeypot field people never see (a filled one is thanked and
nothing is stored) and :mod:`catalogue.people.floodgate`'s limits per address and per
client (``[questions] asks_per_address`` / ``asks_per_client``).
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from werkzeug.wrappers import Response

from catalogue import territories
from catalogue.people import floodgate
from catalogue.people.tokens import TokenError
from catalogue.questions import attachments, form, privacy, service
from catalogue.questions.model import FIELDS, ORGANISATIONS, QuestionError
from catalogue.questions.publishing import DOC_TYPE
from catalogue.web import labels
from catalogue.web.account import too_many
from catalogue.web.guards import current_person, signer, signin_required
from catalogue.web.service import engine, now, settings

bp = Blueprint("questions", __name__)
#: The honeypot: a field named as robots like it, hidden from people and assistive tech.
HONEYPOT = "site_web"
FORM_KEYS = ("question", "field", "territory", "name", "email", "organisation", "desired")


def register(app: Flask) -> None:
    """The asker's and the staff's blueprints."""
    from catalogue.web import questions_staff

    app.register_blueprint(bp)
    app.register_blueprint(questions_staff.bp)
    app.jinja_env.globals.update(question_label=labels.question_label, format_date=format_date)


def _form(values: dict[str, str], errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    return render_template(
        "questions/ask.html", values=values, errors=errors, fields=FIELDS,
        organisations=ORGANISATIONS, territories=territories.suggestions(),
        promised=service.promised_on(engine(), settings(), now()),
        delay=settings().questions.delay_days), status


@bp.route("/questions/poser", methods=["GET", "POST"])
def ask() -> tuple[str, int] | Response:
    """The public form; a question gets its reference and an acknowledgement by mail."""
    person = current_person()
    if request.method == "GET":
        values = {"question": request.args.get("q", "")[:500],
                  "name": person.name if person else "",
                  "email": (person.email or "") if person else ""}
        return _form(values, {})
    values = {key: request.form.get(key, "")[:200_000] for key in FORM_KEYS}
    if request.form.get(HONEYPOT, ""):
        return render_template("questions/thanks.html"), 200
    moment = now()
    asked, errors = form.check(values, moment.date())
    if asked is None:
        return _form(values, errors, 422)
    config = settings()
    limits = replace(config.accounts, mails_per_address=config.questions.asks_per_address,
                     mails_per_client=config.questions.asks_per_client)
    if not floodgate.admit(engine(), moment, kind="question", address=asked.email,
                           client=request.remote_addr or "", limits=limits):
        return _form(values, {"email": too_many()}, 429)
    found = service.ask(engine(), config, signer(), asked, moment,
                        person_id=person.id if person else None,
                        language=str(get_locale() or "fr"))
    link = service.follow_link(config, signer(), found, moment).removeprefix(config.base_url)
    return redirect(link + "?nouvelle=1", 303)  # a reload does not ask twice


def _token_error(message: str) -> tuple[str, int]:
    return render_template("questions/token_error.html", message=message), 400


@bp.get("/questions/suivi/<token>")
def follow(token: str) -> tuple[str, int] | str:
    """The asker's page: the question, where it stands, the exchange, the references."""
    try:
        found = service.followed(engine(), signer(), token, now())
    except TokenError as exc:
        return _token_error(exc.message)
    return render_template("questions/follow.html", question=found,
                           events=service.events(engine(), found.id, internal=False),
                           new=request.args.get("nouvelle") == "1",
                           references=service.references(engine(), found.id),
                           files=attachments.listed(engine(), found.id), token=token,
                           reply=service.reply_link(settings(), signer(), found, now())
                           .removeprefix(settings().base_url))


@bp.get("/questions/suivi/<token>/piece/<int:attachment_id>")
def attached(token: str, attachment_id: int) -> tuple[str, int] | Response:
    """A file the centre's answer sent, for whoever holds the follow-up link."""
    from catalogue.web.questions_staff import download

    try:
        found = service.followed(engine(), signer(), token, now())
    except TokenError as exc:
        return _token_error(exc.message)
    return download(found.id, attachment_id)


@bp.route("/questions/reponse/<token>", methods=["GET", "POST"])
def reply(token: str) -> tuple[str, int] | str | Response:
    """The asker writes back: the question is reopened; the link then is spent."""
    store, moment = engine(), now()
    try:
        found = service.replying(store, signer(), token, moment,
                                 settings().questions.keep_months)
    except TokenError as exc:
        return _token_error(exc.message)
    if request.method == "GET":
        return render_template("questions/reply.html", question=found, errors={}, message="")
    message = request.form.get("message", "")[:200_000]
    try:
        service.reply(store, settings(), found, message, moment)
    except QuestionError as exc:
        return render_template("questions/reply.html", question=found,
                               errors={exc.field: exc.message}, message=message), 422
    except TokenError as exc:
        return _token_error(exc.message)
    return redirect(service.follow_link(settings(), signer(), found, moment)
                    .removeprefix(settings().base_url), 303)


@bp.get("/compte/questions")
@signin_required
def mine() -> str:
    """A signed-in person's questions (asked signed in, or with their address)."""
    person = current_person()
    assert person is not None
    found = service.of_person(engine(), person)
    moment = now()
    return render_template("questions/mine.html", questions=found, links={
        q.id: service.follow_link(settings(), signer(), q, moment).removeprefix(
            settings().base_url) for q in found if not q.anonymised})


@bp.get("/questions-reponses")
def base() -> Response:
    """The public base: the catalogue's search, on the questions-réponses document type."""
    return redirect(url_for("search.results", doctype=DOC_TYPE, sort="newest"), 303)


def export_for(person_id: int) -> list[dict[str, object]]:
    """The questions section of a person's GDPR export."""
    person = current_person()
    if person is None or person.id != person_id:
        return []
    return [dict(entry) for entry in privacy.export(engine(), person)]

