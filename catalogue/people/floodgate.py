"""How often an anonymous visitor may have the catalogue mail an address they typed.

The sign-in link and the subscription confirmation go to whatever address a form was
given: without a limit, anyone could have the centre mail a stranger forty times. Each
request is kept for a day and counted over the last hour, per address and per client
(the visitor's IP address); a request past either limit gets a polite refusal instead
of a mail. Requests are counted whether or not a mail was queued (an unknown address
gets no sign-in link), so the refusal says nothing about who has an account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select

from catalogue.people.settings import AccountSettings
from catalogue.store.people_tables import mail_requests

WINDOW = timedelta(hours=1)
KEPT = timedelta(days=1)


def admit(engine: Engine, now: datetime, *, kind: str, address: str, client: str,
          limits: AccountSettings) -> bool:
    """Count one request; False when the address or the client has had its share."""
    since = now - WINDOW
    client = client[:64]
    with engine.begin() as conn:
        conn.execute(delete(mail_requests).where(mail_requests.c.created_at < now - KEPT))
        for column, limit, value in ((mail_requests.c.address, limits.mails_per_address,
                                      address), (mail_requests.c.client,
                                                 limits.mails_per_client, client)):
            used = conn.execute(select(func.count()).select_from(mail_requests).where(
                column == value, mail_requests.c.created_at > since)).scalar_one()
            if used >= limit:
                return False
        conn.execute(insert(mail_requests).values(kind=kind, address=address[:254],
                                                  client=client, created_at=now))
    return True
