"""Typed access to one table of config.toml, naming the key in every error.

Shared by :mod:`catalogue.settings` and the parts that validate their own table
(``[mail]``, ``[accounts]``, ``[dsi]``, ``[circulation]``), so every configuration
error reads the same: file, dotted key, what was expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class SettingsError(Exception):
    """The configuration cannot be used; the message names the file and the key."""


_KINDS = {int: "an integer", str: "a string", bool: "true or false", dict: "a table",
          list: "a list"}


class TomlTable:
    """Typed access to one TOML table that names the key in every error."""

    def __init__(self, data: Mapping[str, Any], prefix: str, path: Path,
                 tracker: list[TomlTable] | None = None) -> None:
        self.data, self.prefix, self.path = data, prefix, path
        #: The keys the code asked for: any other key of the file is a mistake.
        self.read: set[str] = set()
        #: Every table of one file, so that :meth:`check_known` sees them all.
        self.tracker: list[TomlTable] = [] if tracker is None else tracker
        self.tracker.append(self)

    def child(self, data: Mapping[str, Any], prefix: str) -> TomlTable:
        """A table of the same file that is not one of this one's keys ([[sources]])."""
        return TomlTable(data, prefix, self.path, self.tracker)

    def has(self, key: str) -> bool:
        """Whether ``key`` is set (and it counts as a known key)."""
        self.read.add(key)
        return key in self.data

    def check_known(self) -> None:
        """Refuse a key no part of the code reads, naming the closest valid one.

        A misspelt key used to be ignored: ``sett = "ville"`` in a [[sources]] entry
        harvested the partner's whole repository.

        Raises:
            SettingsError: the first unknown key of the file.
        """
        for table in self.tracker:
            for key in table.data:
                if key in table.read:
                    continue
                close = difflib.get_close_matches(key, sorted(table.read), n=1, cutoff=0.6)
                hint = f" (did you mean '{table.prefix}{close[0]}'?)" if close else ""
                raise SettingsError(f"{table.path}: unknown key '{table.prefix}{key}'{hint}")

    def _fail(self, key: str, why: str) -> SettingsError:
        return SettingsError(f"{self.path}: key '{self.prefix}{key}' {why}")

    fail = _fail  # public name for the parts that validate their own table

    def get(self, key: str, kind: type, default: Any = ...) -> Any:
        self.read.add(key)
        if key not in self.data:
            if default is ...:
                raise self._fail(key, "is missing")
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise self._fail(key, f"must be {_KINDS.get(kind, kind.__name__)}, got {value!r}")
        return value

    def file_name(self, key: str, default: str = "") -> str:
        """A file or folder name: a string without NUL (the operating system refuses
        one: ``Path.resolve()`` raised ValueError, a traceback instead of this message).
        """
        value: str = self.get(key, str, default)
        if "\x00" in value:
            raise self._fail(key, "must not hold a NUL character")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value: str = self.get(key, str, default)
        if value not in choices:
            raise self._fail(key, f"must be one of {', '.join(choices)} (got {value!r})")
        return value

    def table(self, key: str) -> TomlTable:
        value = self.get(key, dict, {})
        return TomlTable(value, f"{self.prefix}{key}.", self.path, self.tracker)




def bounded_ints(t: TomlTable, bounds: Mapping[str, tuple[int, int]], defaults: object) -> dict[str, int]:
    """Each integer key of ``bounds`` read from ``t`` (default from ``defaults``) within bounds."""
    values: dict[str, int] = {}
    for key, (low, high) in bounds.items():
        value: int = t.get(key, int, getattr(defaults, key))
        if not low <= value <= high:
            raise t._fail(key, f"must be between {low} and {high}")
        values[key] = value
    return values
