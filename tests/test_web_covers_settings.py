"""The ``[covers]`` table: off by default, every key checked, unknown keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.covers.settings import CoverSettings
from catalogue.settings import SettingsError, load

BASE = '[catalogue]\ndata_dir = "var"\n[[sources]]\nslug = "crpv"\n'


def _load(tmp_path: Path, table: str) -> CoverSettings:
    path = tmp_path / "config.toml"
    path.write_text(BASE + "[covers]\n" + table, encoding="utf-8")
    return load(path, env={}).covers


def test_defaults_call_no_other_server(tmp_path: Path) -> None:
    covers = _load(tmp_path, "")
    assert covers.isbn_url == "" and covers.thumbnails is False
    assert covers.private_hosts is False
    assert covers.dir == (tmp_path / "var" / "covers").resolve()
    set_ = _load(tmp_path, 'isbn_url = "https://covers.example.org/b/{isbn}-M.jpg"\n'
                           'thumbnails = true\ndir = "vignettes"\ncache_mb = 50\n')
    assert set_.isbn_url == "https://covers.example.org/b/{isbn}-M.jpg"
    assert set_.thumbnails is True and set_.cache_mb == 50
    assert set_.dir == (tmp_path / "vignettes").resolve()


@pytest.mark.parametrize(("table", "said"), [
    ('isbn_url = "https://covers.example.org/b/"', "covers.isbn_url"),  # no {isbn}
    ('isbn_url = "ftp://covers.example.org/{isbn}"', "covers.isbn_url"),
    ('thumbnails = "yes"', "covers.thumbnails"),
    ("timeout_seconds = 0", "covers.timeout_seconds"),
    ("max_kb = 999999", "covers.max_kb"),
    ("cache_mb = -1", "covers.cache_mb"),
    ("concurrent = 0", "covers.concurrent"),
    ('private_hosts = 1', "covers.private_hosts"),
    ("isbn_uri = ''", "covers.isbn_uri"),
])
def test_bad_values_name_their_key(tmp_path: Path, table: str, said: str) -> None:
    with pytest.raises(SettingsError, match=said.replace(".", r"\.")):
        _load(tmp_path, table + "\n")


def test_the_shipped_config_loads(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    assert load(repo / "config.toml", env={}).covers.isbn_url == ""
