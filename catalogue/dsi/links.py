"""The DSI's signed links and the site paths its mails point to.

Mails are built by the scheduler, outside any request, so their URLs are made here
from ``[catalogue] base_url`` with the same paths as the blueprints' routes
(:mod:`catalogue.web.dsi`). Two signed tokens, each salted by its purpose:

- *subscription confirmation* (double opt-in): person id, email, ``login_nonce`` and
  the lists asked for; confirming rotates the nonce, so the link works once, and it
  expires after ``[accounts] confirm_hours``;
- *unsubscribe* (one per mail, RFC 8058 one-click): person id and the subscription ids
  of that mail; idempotent (a second click finds nothing left to end), expires after
  ``[dsi] unsubscribe_days``, and cannot end anyone else's subscription: ids are
  checked against the person, and subscription ids are never reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import Engine

from catalogue.people import accounts
from catalogue.people.accounts import Person
from catalogue.people.tokens import INVALID, LinkSigner

CONFIRM_SUBSCRIPTION = "dsi-confirm"
UNSUBSCRIBE = "dsi-unsubscribe"


def record_path(global_id: str) -> str:
    """The record page of ``source:source_id`` (as ``url_for('record.show')`` quotes it)."""
    source, _, source_id = global_id.partition(":")
    return f"/notice/{quote(source, safe='')}/{quote(source_id, safe='/')}"


def list_path(slug: str) -> str:
    """A curated list's page: description and archive of its issues."""
    return f"/listes/{quote(slug, safe='')}"


def issue_path(slug: str, number: int) -> str:
    """One archived issue of a curated list."""
    return f"{list_path(slug)}/numero/{number}"


def unsubscribe_path(token: str) -> str:
    """The one-click unsubscribe URL (GET shows a button, POST unsubscribes)."""
    return f"/alertes/desabonnement/{token}"


def confirm_path(token: str) -> str:
    """The double opt-in confirmation link."""
    return f"/alertes/confirmation/{token}"


MANAGE_PATH = "/alertes"


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """What a valid unsubscribe token names."""

    person_id: int
    subscription_ids: tuple[int, ...]


def unsubscribe_token(signer: LinkSigner, person_id: int, subscription_ids: Sequence[int],
                      now: datetime) -> str:
    """The token of a mail's unsubscribe link."""
    return signer.sign(UNSUBSCRIBE, {"p": person_id, "s": sorted(subscription_ids)}, now)


def read_unsubscribe(signer: LinkSigner, token: str, now: datetime, days: int) -> Unsubscribe:
    """The person and subscriptions an unsubscribe token names.

    Raises:
        TokenError: forged, altered, malformed or expired.
    """
    data = signer.check(UNSUBSCRIBE, token, now, timedelta(days=days))
    person, subs = data.get("p"), data.get("s")
    if not isinstance(person, int) or not isinstance(subs, list) or not all(
            isinstance(s, int) for s in subs):
        raise INVALID
    return Unsubscribe(person, tuple(subs))


def confirm_token(signer: LinkSigner, person: Person, profile_ids: Sequence[int],
                  now: datetime) -> str:
    """The token of a double opt-in mail for ``person`` and the lists they asked for."""
    return signer.sign(CONFIRM_SUBSCRIPTION, {"p": person.id, "e": person.email or "",
                                              "n": person.login_nonce,
                                              "l": sorted(set(profile_ids))}, now)


def read_confirm(signer: LinkSigner, engine: Engine, token: str, now: datetime,
                 hours: int) -> tuple[Person, tuple[int, ...]]:
    """The person and list ids a still-unspent confirmation token names.

    Raises:
        TokenError: forged, expired, already used (nonce rotated) or for another address.
    """
    data = signer.check(CONFIRM_SUBSCRIPTION, token, now, timedelta(hours=hours))
    person_id, lists = data.get("p"), data.get("l")
    if not isinstance(person_id, int) or not isinstance(lists, list) or not all(
            isinstance(i, int) for i in lists):
        raise INVALID
    person = accounts.get(engine, person_id)
    if person is None or (person.email or "") != data.get("e") or person.login_nonce != data.get("n"):
        raise INVALID
    return person, tuple(lists)
