"""A session ends when its person signs out, changes password or role, is locked out or
erased: a session cookie copied before any of these no longer opens the desk.

Sessions are signed cookies; before, a copy kept working until its 8 hours were up.
Over real HTTP, with the cookie copied from one client into another, as a thief would.
"""

from __future__ import annotations

import contextlib

import requests
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.people import accounts
from catalogue.settings import AccountSettings
from tests.desk_site import CSRF, DeskSite


def _copy(session: requests.Session) -> requests.Session:
    thief = requests.Session()
    thief.cookies.update(session.cookies)
    return thief


def _opens_the_desk(client: requests.Session, site: DeskSite) -> bool:
    answer = client.get(site.url + "/guichet/", timeout=10, allow_redirects=False)
    return answer.status_code == 200


def test_sign_out_ends_every_copy_of_the_session(site: DeskSite) -> None:
    email = site.world.librarian.email or ""
    own = site.http(email)
    thief = _copy(own)
    assert _opens_the_desk(thief, site)
    page = own.get(site.url + "/compte", timeout=10)
    token = CSRF.search(page.text)
    assert token
    own.post(site.url + "/deconnexion", data={"csrf_token": token.group(1)}, timeout=10)
    assert not _opens_the_desk(thief, site)
    assert _opens_the_desk(site.http(email), site)  # signing in again works


def test_a_password_change_ends_the_sessions(site: DeskSite) -> None:
    email = site.world.librarian.email or ""
    thief = _copy(site.http(email))
    assert _opens_the_desk(thief, site)
    result = CliRunner().invoke(main, ["--config", str(site.world.settings.path), "users",
                                       "password", email, "--password-stdin"],
                                input="un tout nouveau mot de passe\n")
    assert result.exit_code == 0, result.output
    assert not _opens_the_desk(thief, site)
    assert _opens_the_desk(site.http(email, "un tout nouveau mot de passe"), site)


def test_a_role_change_a_lockout_and_erasure_end_the_sessions(site: DeskSite) -> None:
    engine, now = site.world.engine, site.clock()
    email = site.world.librarian.email or ""
    person_id = site.world.librarian.id
    thief = _copy(site.http(email))
    accounts.update_person(engine, person_id, now, role="admin")
    assert not _opens_the_desk(thief, site)
    thief = _copy(site.http(email))
    policy = AccountSettings(lockout_attempts=2, lockout_minutes=15)
    for _ in range(2):
        with contextlib.suppress(accounts.AccountError):
            accounts.authenticate(engine, email, "pas le bon", now, policy)
    assert not _opens_the_desk(thief, site)
    other = site.world.admin
    thief = _copy(site.http(other.email or ""))
    assert _opens_the_desk(thief, site)
    accounts.delete(engine, other.id)
    assert not _opens_the_desk(thief, site)
