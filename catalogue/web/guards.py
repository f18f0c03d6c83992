"""Who is signed in, and the decorators that keep pages to the right people.

Flask-Login keeps the person's id in the (signed) session; :func:`current_person` reads
the :class:`~catalogue.people.accounts.Person` back from the store once per request.
An anonymous visitor sent to a guarded page is redirected to the sign-in page (then
brought back); a signed-in person without the role gets a 403 page in French, never a
hint of what the page holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from sqlalchemy import Engine

from catalogue.people import accounts
from catalogue.people.accounts import Person
from catalogue.people.tokens import LinkSigner
from catalogue.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
SIGNER = "catalogue.signer"


class SignedIn(UserMixin):  # type: ignore[misc]
    """Flask-Login's user: a thin holder of the person read from the store."""

    def __init__(self, person: Person) -> None:
        self.person = person

    def get_id(self) -> str:
        # The session version travels in the cookie: raising it ends this session.
        return f"{self.person.id}.{self.person.session_version}"


def init(app: Flask, settings: Settings, engine: Engine, secret: str) -> None:
    """Set Flask-Login, session lifetime and cookie flags, and the link signer up."""
    app.config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.accounts.session_hours),
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
    )
    manager = LoginManager(app)
    manager.login_view = "account.sign_in"
    manager.login_message = cast(str, lazy_gettext("Connectez-vous pour accéder à cette page."))
    manager.session_protection = "basic"
    manager.anonymous_user = AnonymousUserMixin

    def load(session_id: str) -> SignedIn | None:
        number, _, version = session_id.partition(".")
        if not (number.isascii() and number.isdigit() and version.isascii()
                and version.isdigit()) or len(number) > 10:
            return None  # a cookie from before session versions, or forged: signed out
        person = accounts.get(engine, int(number))
        if person is None or person.session_version != int(version):
            return None  # erased, or its sessions were ended since this one began
        return SignedIn(person)

    manager.user_loader(load)

    app.extensions[SIGNER] = LinkSigner(secret)


def signer() -> LinkSigner:
    """The running application's link signer (deployment secret key)."""
    return cast(LinkSigner, current_app.extensions[SIGNER])


def current_person() -> Person | None:
    """The signed-in person, or None for an anonymous visitor."""
    if "person" not in g:
        g.person = current_user.person if current_user.is_authenticated else None
    return cast(Person | None, g.person)


def _guard(allowed: Callable[[Person], bool]) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            person = current_person()
            if person is None:
                return redirect(url_for("account.sign_in", suivant=request.full_path
                                        if request.query_string else request.path))
            if not allowed(person):
                abort(403)
            return view(*args, **kwargs)
        return cast(F, guarded)
    return decorate


#: Any signed-in person (subscriber, borrower, staff).
signin_required = _guard(lambda person: True)
#: Librarians and administrators.
staff_required = _guard(lambda person: person.is_staff)
#: Administrators only.
admin_required = _guard(lambda person: person.is_admin)
