"""The ``[mail]`` and ``[accounts]`` tables of config.toml.

The SMTP password never lives in the file: it comes from ``$CATALOGUE_SMTP_PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.toml_table import TomlTable, bounded_ints

SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How the catalogue sends email (DSI digests, reminders, sign-in links)."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none, starttls or ssl (SMTPS)
    username: str = ""
    password: str = ""  # from $CATALOGUE_SMTP_PASSWORD
    sender: str = "catalogue@localhost"
    sender_name: str = ""
    timeout_seconds: int = 30
    per_minute: int = 0  # throttle: at most this many messages a minute (0: no limit)
    outbox_seconds: int = 30  # how often the scheduler sends queued mails
    retry_minutes: int = 10  # a queued mail refused for now is tried again after this
    max_attempts: int = 20  # then it is given up and reported


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """How people sign in: signed links for everyone, passwords for staff."""

    confirm_hours: int = 72  # double opt-in link validity
    link_minutes: int = 30  # magic sign-in link validity
    session_hours: int = 8  # a signed-in session ends after this
    lockout_attempts: int = 5  # failed passwords before the account is locked
    lockout_minutes: int = 15  # for this long
    mails_per_address: int = 3  # anonymous mail requests for one address, per hour
    mails_per_client: int = 10  # anonymous mail requests from one client address, per hour


def parse_mail(t: TomlTable, password: str, default_name: str, port: str = "") -> MailSettings:
    """The ``[mail]`` table, checked; ``port`` ($CATALOGUE_SMTP_PORT) overrides its port:
    `make run` points the app and the scheduler at the mail sink it started, wherever
    that one could listen."""
    defaults = MailSettings()
    ints = bounded_ints(t, {"port": (1, 65535), "timeout_seconds": (1, 600),
                            "per_minute": (0, 100_000), "outbox_seconds": (5, 3600),
                            "retry_minutes": (1, 1440), "max_attempts": (1, 1000)}, defaults)
    if port:
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise t.fail("port", f"is overridden by $CATALOGUE_SMTP_PORT={port!r}, not a port")
        ints["port"] = int(port)
    sender = t.get("sender", str, defaults.sender).strip()
    if "@" not in sender or any(c in sender for c in "\r\n<> ,"):
        raise t.fail("sender", f"must be one e-mail address (got {sender!r})")
    name = t.get("sender_name", str, default_name)
    if any(c in name for c in "\r\n"):
        raise t.fail("sender_name", "must be one line")
    host = t.get("host", str, defaults.host).strip()
    if not host:
        raise t.fail("host", "must name the SMTP server")
    return MailSettings(host=host, security=t.choice("security", SECURITY, "none"),
                        username=t.get("username", str, ""), password=password,
                        sender=sender, sender_name=name, **ints)


def parse_accounts(t: TomlTable) -> AccountSettings:
    """The ``[accounts]`` table, checked."""
    return AccountSettings(**bounded_ints(
        t, {"confirm_hours": (1, 24 * 30), "link_minutes": (5, 24 * 60),
            "session_hours": (1, 24 * 30), "lockout_attempts": (1, 100),
            "lockout_minutes": (1, 24 * 60), "mails_per_address": (1, 1000),
            "mails_per_client": (1, 10_000)}, AccountSettings()))
