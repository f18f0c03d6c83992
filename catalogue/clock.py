"""The only place that reads the wall clock.

Domain functions take ``now`` or a :data:`Clock`; tests pass a fixed or stepping clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
