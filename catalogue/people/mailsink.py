"""A local SMTP server that keeps every message as an ``.eml`` file: the demo's mailbox.

``make run`` starts it beside the web app (``catalogue mail sink``) and the demo
configuration points ``[mail]`` at it, so sign-in links, DSI digests and overdue
reminders can be read in ``DATA_DIR/mail`` (any mail client opens ``.eml`` files)
without a real mail server. Production points ``[mail]`` at the centre's server instead.
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Keeper:
    """aiosmtpd handler: one file per accepted message, written then renamed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else \
            str(envelope.content).encode()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.folder / f"{stamp}-{os.getpid()}-{next(self.counter):05d}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(content)
        os.replace(tmp, target)
        return "250 Message accepted for delivery"


def start(folder: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the sink in a background thread; ``stop()`` the returned controller."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_Keeper(folder), hostname=host, port=port, decode_data=False,
                            enable_SMTPUTF8=True)
    controller.start()
    return controller
