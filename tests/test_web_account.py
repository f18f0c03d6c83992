"""Signing in and out of the web app: staff passwords, sign-in links by mail, guards.

The app is the real ``create_app`` over a temporary SQLite store; the sign-in mail goes
through the outbox to a real SMTP server (aiosmtpd) and the link in it is followed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort

from catalogue.people import accounts, outbox
from catalogue.settings import load
from catalogue.web import create_app
from catalogue.web.guards import admin_required, staff_required
from tests.account_support import csrf_token, link_for, sign_in_with_link, sign_in_with_password
from tests.stores import store_url

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PASSWORD = "un long mot de passe"


class Clock:
    """The app's clock, moved by the tests."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def app(tmp_path: Path, clock: Clock, smtp_sink: Any) -> Flask:
    (tmp_path / "config.toml").write_text(f"""
[catalogue]
name = "Catalogue de test"
base_url = "http://catalogue.test"
[store]
url = "{store_url(tmp_path, 'account')}"
[[sources]]
slug = "crpv"
name = "Centre"
[mail]
host = "127.0.0.1"
port = {smtp_sink.port}
sender = "doc@crpv.example.fr"
[accounts]
lockout_attempts = 3
link_minutes = 30
""", encoding="utf-8")
    settings = load(tmp_path / "config.toml", env={"CATALOGUE_SECRET_KEY": "test-key"})
    app = create_app(settings, clock=clock)

    @app.get("/test/bureau")
    @staff_required
    def desk() -> str:
        return "bureau"

    @app.get("/test/admin")
    @admin_required
    def admin() -> str:
        return "admin"

    @app.get("/test/boom")
    def boom() -> str:
        abort(500)

    engine = app.extensions["catalogue.engine"]
    accounts.create(engine, START, email="bib@crpv.example.fr", name="Bibliothécaire",
                    role="librarian", password=PASSWORD, confirmed=True)
    accounts.create(engine, START, email="lea@example.fr", name="Léa Ségur")
    return app


def person(app: Flask, email: str) -> Any:
    found = accounts.by_email(app.extensions["catalogue.engine"], email)
    assert found is not None
    return found


def test_staff_sign_in_with_password_then_out(app: Flask) -> None:
    client = app.test_client()
    response = sign_in_with_password(client, "BIB@crpv.example.fr", PASSWORD)
    assert response.status_code == 303 and response.location == "/compte"
    assert client.get("/test/bureau").get_data(as_text=True) == "bureau"
    assert client.get("/test/admin").status_code == 403
    page = client.get("/compte").get_data(as_text=True)
    assert "Bibliothécaire" in page and "Mon compte" in page
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/compte")})
    assert client.get("/test/bureau").status_code == 302


def test_wrong_password_message_next_to_the_field_and_lockout(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    page = sign_in_with_password(client, "bib@crpv.example.fr", "faux")
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert re.search(r'id="password-error">Adresse électronique ou mot de passe incorrect', text)
    assert 'aria-invalid="true"' in text
    message = re.compile(r'id="password-error">([^<]*)<')
    sign_in_with_password(client, "bib@crpv.example.fr", "faux")
    locked = sign_in_with_password(client, "bib@crpv.example.fr", "faux")
    still = sign_in_with_password(client, "bib@crpv.example.fr", PASSWORD)
    unknown = sign_in_with_password(client, "personne@crpv.example.fr", "faux")
    words = {found.group(1) for found in (message.search(r.get_data(as_text=True))
                                          for r in (page, locked, still, unknown)) if found}
    assert len(words) == 1 and "verrouillé" in words.pop()  # one message for all four
    assert {r.status_code for r in (locked, still, unknown)} == {422}
    assert page.headers["Cache-Control"] == "no-store"
    clock.now += timedelta(minutes=16)
    assert sign_in_with_password(client, "bib@crpv.example.fr", PASSWORD).status_code == 303


def test_anonymous_and_subscribers_are_kept_out_of_staff_pages(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/test/bureau")
    assert response.status_code == 302 and response.location.startswith("/connexion?suivant=/test/bureau")
    sign_in_with_link(app, client, person(app, "lea@example.fr"))
    refused = client.get("/test/bureau")
    assert refused.status_code == 403 and "Accès refusé" in refused.get_data(as_text=True)


def test_sign_in_link_by_mail_end_to_end(app: Flask, smtp_sink: Any, clock: Clock) -> None:
    client = app.test_client()
    page = client.post("/connexion", data={"csrf_token": csrf_token(client),
                                           "email": "Lea@Example.fr", "suivant": "/compte"})
    assert page.status_code == 200 and "Vérifiez votre messagerie" in page.get_data(as_text=True)
    assert smtp_sink.received == []  # the request thread sent nothing
    settings = app.extensions["catalogue.settings"]
    assert outbox.drain(app.extensions["catalogue.engine"], settings.mail, clock.now).sent == 1
    (msg,) = smtp_sink.messages_to("lea@example.fr")
    assert msg["Subject"] == "Votre lien de connexion au catalogue"
    assert str(msg["To"]) == "Léa Ségur <lea@example.fr>"
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith("Bonjour Léa Ségur,")
    link = re.search(r"http://catalogue\.test(/connexion/lien\?\S+)", body)
    assert link, body
    html = msg.get_body(("html",)).get_content()
    assert link.group(1).replace("&", "&amp;") in html
    clock.now += timedelta(minutes=5)
    button = client.get(link.group(1))
    assert "Bonjour Léa Ségur" in button.get_data(as_text=True)
    jeton = re.search(r'name="jeton" type="hidden" value="([^"]+)"', button.get_data(as_text=True))
    assert jeton
    done = client.post("/connexion/lien", data={"csrf_token": csrf_token(client, link.group(1)),
                                                "jeton": jeton.group(1), "suivant": "/compte"})
    assert done.status_code == 303 and done.location == "/compte"
    assert "lea@example.fr" in client.get("/compte").get_data(as_text=True)
    assert person(app, "lea@example.fr").confirmed  # the link proved the address
    replay = app.test_client().get(link.group(1))
    assert replay.status_code == 400 and "déjà servi" in replay.get_data(as_text=True)


def test_unknown_address_gets_the_same_answer_and_no_mail(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    page = client.post("/connexion", data={"csrf_token": csrf_token(client),
                                           "email": "inconnu@example.fr"})
    assert "Vérifiez votre messagerie" in page.get_data(as_text=True)
    settings = app.extensions["catalogue.settings"]
    assert outbox.drain(app.extensions["catalogue.engine"], settings.mail, clock.now).sent == 0


def test_links_are_not_resent_in_a_burst(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    for _ in range(5):
        client.post("/connexion", data={"csrf_token": csrf_token(client), "email": "lea@example.fr"})
    settings = app.extensions["catalogue.settings"]
    assert outbox.drain(app.extensions["catalogue.engine"], settings.mail, clock.now).sent == 1


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@b\r\nBcc: x@y.fr"])
def test_bad_address_gets_a_french_message_next_to_the_field(app: Flask, email: str) -> None:
    client = app.test_client()
    page = client.post("/connexion", data={"csrf_token": csrf_token(client), "email": email})
    assert page.status_code == 422
    assert re.search(r'id="email-error">(Indiquez|Cette adresse)', page.get_data(as_text=True))


def test_expired_tampered_and_foreign_links_get_a_polite_page(app: Flask, clock: Clock) -> None:
    lea = person(app, "lea@example.fr")
    old = link_for(app, lea, START - timedelta(minutes=31))
    page = app.test_client().get(old)
    assert page.status_code == 400 and "expiré" in page.get_data(as_text=True)
    good = link_for(app, lea)
    for bad in (good[:-3] + "abc", good.replace("jeton=", "jeton=x"), "/connexion/lien",
                "/connexion/lien?jeton=" + "A" * 5000):
        page = app.test_client().get(bad)
        assert page.status_code == 400 and "pas valide" in page.get_data(as_text=True), bad
    missing_csrf = app.test_client().post("/connexion/lien", data={"jeton": good.split("=", 1)[1]})
    assert missing_csrf.status_code == 400


def test_open_redirects_are_refused(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/connexion", data={"csrf_token": csrf_token(client),
                                               "email": "bib@crpv.example.fr",
                                               "password": PASSWORD,
                                               "suivant": "https://evil.example/"})
    assert response.location == "/"


def test_session_expires(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    sign_in_with_password(client, "bib@crpv.example.fr", PASSWORD)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    lifetime = cookie.expires - datetime.now(UTC)
    assert timedelta(hours=7) < lifetime <= timedelta(hours=8)
