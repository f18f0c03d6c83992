"""Typed access to one table of config.toml, naming the key in every error.

Shared by :mod:`catalogue.settings` and the parts that validate their own table
(``[mail]``, ``[accounts]``, ``[dsi]``, ``[circulation]``), so every configuration
error reads the same: file, dotted key, what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class SettingsError(Exception):
    """The configuration cannot be used; the message names the file and the key."""


_KINDS = {int: "an integer", str: "a string", bool: "true or false", dict: "a table",
          list: "a list"}


class TomlTable:
    """Typed access to one TOML table that names the key in every error."""

    def __init__(self, data: Mapping[str, Any], prefix: str, path: Path) -> None:
        self.data, self.prefix, self.path = data, prefix, path

    def _fail(self, key: str, why: str) -> SettingsError:
        return SettingsError(f"{self.path}: key '{self.prefix}{key}' {why}")

    fail = _fail  # public name for the parts that validate their own table

    def get(self, key: str, kind: type, default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise self._fail(key, "is missing")
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise self._fail(key, f"must be {_KINDS.get(kind, kind.__name__)}, got {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value: str = self.get(key, str, default)
        if value not in choices:
            raise self._fail(key, f"must be one of {', '.join(choices)} (got {value!r})")
        return value

    def table(self, key: str) -> TomlTable:
        value = self.get(key, dict, {})
        return TomlTable(value, f"{self.prefix}{key}.", self.path)




def bounded_ints(t: TomlTable, bounds: Mapping[str, tuple[int, int]], defaults: object) -> dict[str, int]:
    """Each integer key of ``bounds`` read from ``t`` (default from ``defaults``) within bounds."""
    values: dict[str, int] = {}
    for key, (low, high) in bounds.items():
        value: int = t.get(key, int, getattr(defaults, key))
        if not low <= value <= high:
            raise t._fail(key, f"must be between {low} and {high}")
        values[key] = value
    return values
