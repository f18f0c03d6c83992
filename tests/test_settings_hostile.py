"""Hostile values in every key of the shipped config.toml: a SettingsError naming the key,
never another exception (a traceback instead of the message).

Each ``key = value`` line of ``config.toml``, and each documented one left commented out
(``# key = value``), is given each value of :data:`VALUES` in turn: NaN and infinities,
numbers past every bound, NUL, empty and 5,000-character strings, the wrong types, an
impossible date. ``load`` must accept it or refuse it with :class:`SettingsError`. A
folder name with NUL once raised ValueError from ``Path.resolve()``.
"""

from __future__ import annotations

import re
from pathlib import Path

from catalogue.settings import SettingsError, load

REPO = Path(__file__).resolve().parents[1]
VALUES = ("nan", "inf", "-inf", "1e309", "99999999999999999999", "-1", "0", '""',
          '"\\u0000"', '"a\\u0000b"', "[]", "{}", "true", '"' + "x" * 5000 + '"',
          '"2024-02-30"', "1979-05-27T07:32:00Z", '"../../../etc"', '[1, "a"]', '"%FF"')
_KEY = re.compile(r"^(#\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\S")


def test_every_key_of_config_toml_refuses_hostile_values_by_name(tmp_path: Path) -> None:
    lines = (REPO / "config.toml").read_text(encoding="utf-8").splitlines()
    others: list[str] = []
    tried = 0
    for n, line in enumerate(lines):
        found = _KEY.match(line)
        if not found:
            continue
        for value in VALUES:
            config = tmp_path / "config.toml"
            config.write_text("\n".join([*lines[:n], f"{found.group(2)} = {value}",
                                         *lines[n + 1:]]), encoding="utf-8")
            tried += 1
            try:
                load(config, env={})
            except SettingsError:
                pass
            except Exception as exc:  # the very thing this test looks for
                others.append(f"line {n + 1} {found.group(2)} = {value[:20]}: "
                              f"{type(exc).__name__}: {exc}")
    assert others == [], "\n".join(others[:40])
    assert tried > 2000
