"""Signing people in from a Flask test client, the way a browser would.

``csrf_token`` reads the token from a real page (CSRF protection stays on in tests);
``sign_in_with_password`` posts the staff form; ``sign_in_with_link`` makes the signed
link the sign-in mail would carry and clicks its button.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from catalogue.people.accounts import Person
from catalogue.people.tokens import SIGN_IN
from catalogue.web.guards import SIGNER

_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/connexion") -> str:
    """The CSRF token of the form on ``path`` (a page the client can see)."""
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in_with_password(client: FlaskClient, email: str, password: str) -> Any:
    """Post the sign-in form; returns the response (303 to /compte on success)."""
    return client.post("/connexion", data={"csrf_token": csrf_token(client), "email": email,
                                           "password": password, "suivant": "/compte"})


def link_for(app: Flask, person: Person, when: Any = None) -> str:
    """The path of a sign-in link for ``person``, as the sign-in mail carries it."""
    moment = when or app.extensions["catalogue.clock"]()
    token = app.extensions[SIGNER].person_token(SIGN_IN, person, moment)
    return f"/connexion/lien?jeton={token}"


def sign_in_with_link(app: Flask, client: FlaskClient, person: Person) -> Any:
    """Open a fresh sign-in link and press its button; returns the POST's response."""
    path = link_for(app, person)
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = _CSRF.search(page.get_data(as_text=True))
    jeton = re.search(r'name="jeton" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert token and jeton
    return client.post("/connexion/lien", data={"csrf_token": token.group(1),
                                                "jeton": jeton.group(1), "suivant": "/compte"})
