"""The deployment's secret key: signs OAI resumption tokens (and, later, sessions and links).

``$CATALOGUE_SECRET_KEY`` wins; otherwise a random key is generated once and kept in
``DATA_DIR/secret_key`` (mode 0600), so a restart does not invalidate the tokens that
harvesters hold.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from catalogue.settings import Settings

FILENAME = "secret_key"


def secret_key(settings: Settings) -> str:
    """The secret from the environment, else from (or newly written to) DATA_DIR."""
    if settings.secret_key:
        return settings.secret_key
    return stored_key(settings.data_dir / FILENAME)


def stored_key(path: Path) -> str:
    """The key kept in ``path``, created with a fresh random key if absent."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: if two workers start together, one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key
