"""Composing and sending email over SMTP, with a verdict per message.

``compose`` builds a multipart (text, optional HTML, attachments) UTF-8 message with
``Message-ID`` and ``Date``; header values with line breaks are refused (the standard
library raises), so a name or subject cannot inject headers. ``Mailer`` keeps one SMTP
connection for a batch and tells, for each message, whether the server *accepted* it
(``sent``), refused it for now (``retry``: 4xx, connection refused or dropped, timeout)
or for good (``refused``: 5xx for the recipient). Callers move their watermarks on
``sent`` only, which is what makes the DSI lose nothing and send nothing twice.
"""

from __future__ import annotations

import binascii
import contextlib
import email.policy
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from types import TracebackType

from catalogue.people.settings import MailSettings

SENT, RETRY, REFUSED = "sent", "retry", "refused"
_FROM_LINE = re.compile(r"^From ", re.M)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message (a RIS or UNIMARC export of a digest)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the SMTP server said about one message."""

    status: str  # sent, retry, refused
    detail: str = ""

    @property
    def sent(self) -> bool:
        return self.status == SENT


#: Headers written as they are, never folded nor encoded: RFC 2369/8058 want the URL.
_VERBATIM = frozenset({"list-unsubscribe", "list-unsubscribe-post"})


class _Policy(email.policy.EmailPolicy):
    """The standard policy, except that :data:`_VERBATIM` headers stay on one plain line.

    At 78 columns the library RFC 2047-encoded List-Unsubscribe's long signed URL
    ("=?utf-8?q?=3Chttp..." over three lines), which mail clients then ignored.
    """

    def fold(self, name: str, value: str) -> str:
        if name.lower() in _VERBATIM and str(value).isascii():
            return f"{name}: {value}{self.linesep}"
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _VERBATIM and str(value).isascii():
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return bytes(super().fold_binary(name, value))


SMTP_POLICY = _Policy()

def address(email: str, name: str = "") -> Address:
    """An address header value; the display name is encoded as needed (RFC 2047)."""
    return Address(display_name=name, addr_spec=email)


def compose(settings: MailSettings, *, to: str, subject: str, text: str, now: datetime,
            to_name: str = "", html: str | None = None,
            headers: Mapping[str, str] | None = None,
            attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """A ready-to-send message from the configured sender.

    Raises:
        ValueError: a header value holds a line break (header injection) or an address
            is malformed.
    """
    msg = EmailMessage(policy=SMTP_POLICY)  # List-Unsubscribe kept plain (see _Policy)
    msg["From"] = address(settings.sender, settings.sender_name)
    msg["To"] = address(to, to_name)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to digests
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text, cte="8bit")
    _quoted_printable(msg, text)
    if html is not None:
        msg.add_alternative(html, subtype="html", cte="8bit")
        part = msg.get_body(("html",))
        assert isinstance(part, EmailMessage)
        _quoted_printable(part, html)
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        msg.add_attachment(item.content, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=item.filename)
    return msg


def _quoted_printable(part: EmailMessage, text: str) -> None:
    """Re-encode a text part set as 8bit in quoted-printable (7-bit safe for any relay).

    The standard library's own quoted-printable encoder is pure Python and cost about
    3 ms a digest, more than the SMTP transaction; ``binascii.b2a_qp`` is C and encodes
    the same way (line breaks kept, trailing blanks, a lone dot and non-ASCII escaped,
    76 columns), plus "From " at a line start, which mbox-minded relays would mangle.
    """
    del part["Content-Transfer-Encoding"]
    part["Content-Transfer-Encoding"] = "quoted-printable"
    data = "\n".join(text.splitlines()).encode("utf-8") + (b"\n" if text.endswith("\n") else b"")
    encoded = binascii.b2a_qp(data, istext=True).decode("ascii")
    # A line starting "From " would be turned into ">From " by mbox-minded relays.
    part.set_payload(_FROM_LINE.sub("=46rom ", encoded))


class Mailer:
    """One SMTP session for a batch of messages (a context manager).

    Connection failures do not raise: every message then gets a ``retry`` outcome, and
    after a failed connection the rest of the batch is not tried again (a down server
    would otherwise cost one timeout per subscriber).
    """

    def __init__(self, settings: MailSettings, *, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._sleep, self._monotonic = sleep, monotonic
        self._smtp: smtplib.SMTP | None = None
        self._down = ""
        self._last_send: float | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    def close(self) -> None:
        """End the SMTP session politely (QUIT), ignoring a server already gone."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            if s.security == "starttls":
                smtp.starttls(context=context)
        if s.username:
            smtp.login(s.username, s.password)
        return smtp

    def _throttle(self) -> None:
        if self.settings.per_minute <= 0:
            return
        gap = 60.0 / self.settings.per_minute
        if self._last_send is not None:
            wait = self._last_send + gap - self._monotonic()
            if wait > 0:
                self._sleep(wait)
        self._last_send = self._monotonic()

    def send(self, msg: EmailMessage) -> Outcome:
        """Hand ``msg`` to the server; reconnects once if the session dropped."""
        if self._down:
            return Outcome(RETRY, self._down)
        self._throttle()
        for attempt in (1, 2):
            if self._smtp is None:
                try:
                    self._smtp = self._connect()
                except smtplib.SMTPAuthenticationError as exc:
                    self._down = f"SMTP authentication refused: {exc.smtp_code}"
                    return Outcome(RETRY, self._down)
                except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                    self._down = f"SMTP server unreachable: {exc}"
                    return Outcome(RETRY, self._down)
            try:
                refused = self._smtp.send_message(msg)
            except smtplib.SMTPRecipientsRefused as exc:
                return _verdict(exc.recipients)
            except smtplib.SMTPResponseException as exc:
                status = REFUSED if 500 <= exc.smtp_code < 600 and not isinstance(
                    exc, smtplib.SMTPSenderRefused) else RETRY
                self._reset()
                return Outcome(status, f"{exc.smtp_code} {_text(exc.smtp_error)}")
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                # Not accepted (no 250 after DATA): safe to try again, once, on a new session.
                self._smtp = None
                if attempt == 2:
                    return Outcome(RETRY, f"connection lost: {exc}")
                continue
            if refused:
                return _verdict(refused)
            return Outcome(SENT)
        return Outcome(RETRY, "connection lost")

    def _reset(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self._smtp = None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _verdict(refused: Mapping[str, tuple[int, bytes]]) -> Outcome:
    """Our messages have one recipient: its code decides between retry and refused."""
    code, message = next(iter(refused.values()))
    return Outcome(REFUSED if 500 <= code < 600 else RETRY, f"{code} {_text(message)}")
