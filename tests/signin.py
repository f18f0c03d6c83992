"""Signing a real HTTP client in with a password, as staff do: the sign-in form's token,
then the form posted. Shared by the test sites that serve the app over 127.0.0.1."""

from __future__ import annotations

import re

import requests

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def sign_in(session: requests.Session, base: str, email: str, password: str,
            then: str = "/") -> requests.Session:
    """``session`` signed in at ``base`` (asserted: the form answers with a redirect)."""
    page = session.get(base + "/connexion", timeout=10)
    token = CSRF.search(page.text)
    assert token, page.text[:500]
    done = session.post(base + "/connexion", timeout=10, allow_redirects=False,
                        data={"csrf_token": token.group(1), "email": email,
                              "password": password, "suivant": then})
    assert done.status_code in (302, 303), done.text[:500]
    return session
