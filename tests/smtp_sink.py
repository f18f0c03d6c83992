"""A real SMTP server on 127.0.0.1 (aiosmtpd) that tests can make misbehave.

``SmtpSink`` accepts and records every message by default. Tests switch faults on:
``refuse[address] = 450`` (or 550) refuses a recipient; ``drop_next = n`` closes the
connection, without answering, after the DATA of the next n messages (the client cannot
know whether they were accepted, so they are *not* recorded); ``stop()`` takes the
server down and ``start()`` brings it back on the same port.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    """One accepted message: the envelope recipients and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class _Handler:
    sink: SmtpSink

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        code = self.sink.refuse.get(address.lower())
        if code is not None:
            return f"{code} {'4.2.1 try later' if code < 500 else '5.1.1 no such user'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.sink.lock:
            if self.sink.drop_next > 0:
                self.sink.drop_next -= 1
                self.sink.dropped += 1
                assert server.transport is not None
                server.transport.close()
                return "421 closing"  # never reaches the client: the socket is closed
            raw = bytes(envelope.content if isinstance(envelope.content, bytes)
                        else str(envelope.content).encode())
            msg = BytesParser(policy=policy.default).parsebytes(raw)
            assert isinstance(msg, EmailMessage)
            self.sink.received.append(Received(str(envelope.mail_from),
                                               list(envelope.rcpt_tos), msg, raw))
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    """The server and what it received (see the module docstring)."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)
    drop_next: int = 0
    dropped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def start(self) -> SmtpSink:
        if not self.port:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      decode_data=False, enable_SMTPUTF8=True)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages_to(self, address: str) -> list[EmailMessage]:
        """Accepted messages addressed to ``address``."""
        with self.lock:
            return [r.message for r in self.received if address.lower() in
                    (a.lower() for a in r.rcpt_tos)]

    def mail_settings(self, **overrides: Any) -> Any:
        """``MailSettings`` pointing at this server."""
        from catalogue.people.settings import MailSettings

        return MailSettings(host="127.0.0.1", port=self.port, sender="doc@crpv.example.fr",
                            sender_name="Centre de ressources", timeout_seconds=5, **overrides)
