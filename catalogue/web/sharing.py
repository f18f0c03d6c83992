"""A record's tools: its print view (with a QR code of the permalink) and "send by email".

The mail goes to whatever address the form was given, like the sign-in link, so it is
counted by the same :mod:`catalogue.people.floodgate` (per address and per client) and
queued in the outbox (the request thread never talks to the SMTP server). A refusal is a
French message next to the field on the record page itself, with the status that says
why (400 expired form, 422 bad address, 429 too many), never a 500.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, TextAreaField

from catalogue.opac import description, qr
from catalogue.opac.service import RecordPage
from catalogue.people import accounts, floodgate, outbox
from catalogue.people.accounts import AccountError
from catalogue.people.mailer import compose
from catalogue.web.account import too_many
from catalogue.web.record import context, found
from catalogue.web.service import engine, now, settings

bp = Blueprint("sharing", __name__)

#: The sender's own words, kept short: the form must not become a way to mail prose.
MESSAGE_MAX = 500


class SendForm(FlaskForm):  # type: ignore[misc]
    """The recipient's address and an optional message."""

    email = EmailField()
    message = TextAreaField()


@bp.get("/imprimer/<source>/<path:source_id>")
def printable(source: str, source_id: str) -> str:
    """The record as a printed page: the description, copies and a QR code of the permalink."""
    values = context(found(source, source_id))
    code = qr.svg(values["permalink"], gettext("Code QR du lien permanent"))
    return render_template("record_print.html", qr_code=code, **values)


def _refused(page: RecordPage, form: SendForm, field: str, message: str,
             status: int) -> tuple[str, int]:
    return render_template("record.html", **context(page), mail_form=form,
                           mail_errors={field: message}), status


@bp.post("/envoyer/<source>/<path:source_id>")
def send(source: str, source_id: str) -> str | tuple[str, int]:
    """Queue the record's description and permalink for the address typed in the form."""
    page = found(source, source_id)
    form = SendForm()
    if not form.validate_on_submit():
        return _refused(page, form, "email", gettext("Le formulaire a expiré. Recommencez."), 400)
    message = (form.message.data or "").strip()
    if len(message) > MESSAGE_MAX:
        return _refused(page, form, "message", gettext(
            "Votre message est trop long (%(max)d caractères au plus).", max=MESSAGE_MAX), 422)
    try:
        address = accounts.normalize_email(form.email.data or "")
    except AccountError:
        return _refused(page, form, "email",
                        gettext("Cette adresse électronique n'est pas valide."), 422)
    moment, config = now(), settings()
    if not floodgate.admit(engine(), moment, kind="record", address=address,
                           client=request.remote_addr or "", limits=config.accounts):
        return _refused(page, form, "email", too_many(), 429)
    record, values = page.record, context(page)
    title = record.title.display() or record.global_id
    subject = gettext("Une notice du catalogue : %(title)s", title=title[:150])
    mail = {"record": record, "permalink": values["permalink"], "message": message,
            "publication": [description.publication(p) for p in [record.main_publication()] if p],
            "citations": values["citations"]}
    text = render_template("mail/record.txt", **mail)
    try:
        msg = compose(config.mail, to=address, subject=" ".join(subject.split()), text=text,
                      now=moment)
    except ValueError:
        return _refused(page, form, "email",
                        gettext("Cette adresse électronique n'est pas valide."), 422)
    outbox.queue(engine(), msg, kind="record", now=moment)
    return render_template("record_sent.html", record=record, email=address,
                           permalink=values["permalink"])
