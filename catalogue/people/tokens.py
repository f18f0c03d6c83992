"""Signed links: confirmation, sign-in, unsubscribe. Forged, altered, expired or replayed
tokens are refused with a French message the page shows politely.

Tokens are itsdangerous signatures over a small JSON payload, salted per purpose (a
sign-in token is no unsubscribe token). The issue time is in the payload and checked
against the caller's clock, so tests move time without sleeping. Person-bound tokens
carry the person's email and ``login_nonce``: changing the address or using a sign-in
link (which rotates the nonce) spends every earlier link.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine

from catalogue.people import accounts
from catalogue.people.accounts import Person

CONFIRM = "confirm"
SIGN_IN = "sign-in"


class TokenError(Exception):
    """A link that cannot be honoured; ``message`` is French and says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


INVALID = TokenError("Ce lien n'est pas valide ou a déjà servi. "
                     "Vous pouvez demander un nouveau lien.")
EXPIRED = TokenError("Ce lien a expiré. Vous pouvez demander un nouveau lien.")


class LinkSigner:
    """Signs and checks purpose-bound payloads with the deployment's secret key."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def sign(self, purpose: str, payload: Mapping[str, Any], now: datetime) -> str:
        """A URL-safe token for ``payload``, issued at ``now``."""
        return str(URLSafeSerializer(self._secret, salt=purpose)
                   .dumps({**payload, "t": int(now.timestamp())}))

    def check(self, purpose: str, token: str, now: datetime,
              max_age: timedelta | None) -> dict[str, Any]:
        """The payload of a valid token.

        Raises:
            TokenError: bad signature, wrong purpose, malformed, or older than ``max_age``.
        """
        if not token or len(token) > 2000:
            raise INVALID
        try:
            data = URLSafeSerializer(self._secret, salt=purpose).loads(token)
        except (BadSignature, ValueError, TypeError):
            raise INVALID from None
        if not isinstance(data, dict) or not isinstance(data.get("t"), int):
            raise INVALID
        if max_age is not None and now.timestamp() - data["t"] > max_age.total_seconds():
            raise EXPIRED
        return data

    def person_token(self, purpose: str, person: Person, now: datetime) -> str:
        """A token naming ``person`` as they are now (id, email, nonce)."""
        return self.sign(purpose, {"p": person.id, "e": person.email or "",
                                   "n": person.login_nonce}, now)

    def person_from(self, engine: Engine, purpose: str, token: str, now: datetime,
                    max_age: timedelta) -> Person:
        """The person a still-valid person token names.

        Raises:
            TokenError: invalid or expired token, unknown person, or a link already spent
                (nonce rotated) or issued for another address.
        """
        data = self.check(purpose, token, now, max_age)
        person_id = data.get("p")
        if not isinstance(person_id, int):
            raise INVALID
        person = accounts.get(engine, person_id)
        if person is None or (person.email or "") != data.get("e") or person.login_nonce != data.get("n"):
            raise INVALID
        return person
