"""Stateless, signed resumption tokens.

A token carries the whole state of a list request: nothing is stored on the server, so
a token survives restarts, works behind several workers and is valid for as long as its
expiry says (24 hours by default; PMB's 10 minutes is the first complaint of slow
harvesters). It is signed with the deployment's secret (itsdangerous), so a harvester
cannot forge one that skips the exposure rules, and compact enough for a GET URL.

The state is the keyset position, not an offset: ``last`` is the (datestamp, store id)
of the last record sent, and the next page starts strictly after it, in the same
(datestamp, id) order. ``end`` is fixed by the first request (the instant it was
answered, or the harvester's own ``until`` if earlier), so records changed during the
harvest move past ``end`` and are left to the next incremental harvest: a harvest never
sends a record twice. ``ahead`` is the store id of the record that proved there was a
next page; if every record after ``last`` has since moved out of the window, that one
is sent, so a resumed page is never empty (the schema forbids an empty list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from itsdangerous import BadData, URLSafeSerializer

from oai import datestamps
from oai.errors import BadResumptionToken

_SALT = "oai-pmh-resumption"
_VERSION = 1


@dataclass(frozen=True, slots=True)
class ListState:
    """Where a list request is, and what it asked for."""

    verb: str
    prefix: str
    set_spec: str | None
    start: datetime | None  # inclusive, from ``from``
    end: datetime  # exclusive
    last: tuple[datetime, int] | None = None
    ahead: int | None = None
    cursor: int = 0
    total: int = 0


@lru_cache(maxsize=8)
def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def encode(state: ListState, expires: datetime, secret: str) -> str:
    """The signed token for ``state``, valid until ``expires``."""
    last = state.last
    payload = [
        _VERSION, state.verb, state.prefix, state.set_spec,
        datestamps.exact(state.start) if state.start else None, datestamps.exact(state.end),
        datestamps.exact(last[0]) if last else None, last[1] if last else None,
        state.ahead, state.cursor, state.total, int(expires.timestamp()),
    ]
    token: str = _serializer(secret).dumps(payload)
    return token


def decode(token: str, verb: str, now: datetime, secret: str) -> ListState:
    """The state a token carries.

    Raises:
        BadResumptionToken: the token is not one of ours (forged, truncated, altered),
            has expired, or was issued for another verb.
    """
    try:
        payload = _serializer(secret).loads(token)
    except (BadData, ValueError, UnicodeError):
        raise BadResumptionToken("the resumptionToken is not valid (damaged or not issued "
                                 "by this repository)") from None
    try:
        (version, token_verb, prefix, set_spec, start, end, last_stamp, last_id, ahead,
         cursor, total, expires) = payload
        if version != _VERSION:
            raise ValueError("version")
        state = ListState(
            verb=str(token_verb), prefix=str(prefix),
            set_spec=None if set_spec is None else str(set_spec),
            start=datestamps.from_exact(start) if start else None,
            end=datestamps.from_exact(end),
            last=(datestamps.from_exact(last_stamp), int(last_id)) if last_stamp else None,
            ahead=None if ahead is None else int(ahead),
            cursor=int(cursor), total=int(total),
        )
        expiry = datetime.fromtimestamp(int(expires), tz=now.tzinfo)
    except (TypeError, ValueError):
        raise BadResumptionToken("the resumptionToken is not valid") from None
    if expiry < now:
        raise BadResumptionToken(
            f"the resumptionToken expired at {datestamps.format(expiry)}; "
            "restart the list request (an incremental harvest from your last responseDate "
            "loses nothing)")
    if state.verb != verb:
        raise BadResumptionToken(f"this resumptionToken belongs to {state.verb}, not {verb}")
    return state


def expiry(now: datetime, ttl: timedelta) -> datetime:
    """When a token issued at ``now`` stops being accepted (whole seconds)."""
    return (now + ttl).replace(microsecond=0)
