"""The index in operations: ``catalogue reindex``, the index update after each committed
import, and the ``[index]`` / ``[web]`` settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.settings import SettingsError, load
from indexes import Searcher


def invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture()
def export_of(tmp_path: Path, demo_export: Path) -> Path:
    data = demo_export.read_bytes()
    end = 0
    for _ in range(60):
        end = data.index(b"\x1d", end) + 1
    path = tmp_path / "sixty.mrc"
    path.write_bytes(data[:end])
    return path


def test_import_updates_the_index_and_reindex_rebuilds_it(config_path: Path,
                                                          export_of: Path) -> None:
    code, out = invoke(config_path, "import", str(export_of), "--full")
    assert code == 0, out
    assert "search index: 60 record(s) indexed, 0 removed" in out
    index_dir = load(config_path).index.dir
    assert index_dir == config_path.parent / "var" / "index"
    with Searcher(index_dir) as searcher:
        assert searcher.document_count() == 60
        # A --full import of fewer records tombstones the rest, and the index follows.
        shorter = export_of.with_name("fifty.mrc")
        data = export_of.read_bytes()
        end = 0
        for _ in range(50):
            end = data.index(b"\x1d", end) + 1
        shorter.write_bytes(data[:end])
        code, out = invoke(config_path, "import", str(shorter), "--full")
        assert code == 0 and "10 removed" in out, out
        assert searcher.document_count() == 50
        code, out = invoke(config_path, "reindex")
        assert code == 0 and "indexed 50 record(s)" in out, out
        assert searcher.document_count() == 50
        assert searcher.search("délinquance").total > 0


def test_a_failed_index_update_does_not_fail_the_import(config_path: Path,
                                                        export_of: Path) -> None:
    (config_path.parent / "var").mkdir()
    (config_path.parent / "var" / "index").write_text("not a directory")
    code, out = invoke(config_path, "import", str(export_of))
    assert code == 0
    assert "warning: the search index was not updated" in out
    assert "run `catalogue reindex`" in out
    assert "import run 1: completed" in out


def test_index_updates_can_be_switched_off(config_path: Path, export_of: Path) -> None:
    config_path.write_text(config_path.read_text() + "\n[index]\nupdate_after_import = false\n")
    code, out = invoke(config_path, "import", str(export_of))
    assert code == 0 and "search index" not in out
    assert not (config_path.parent / "var" / "index").exists()


def test_index_and_web_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[catalogue]\ndata_dir = "data"\n')
    settings = load(path, env={})
    assert settings.index.dir == (tmp_path / "data" / "index").resolve()
    assert (settings.web.page_size, settings.web.latest, settings.web.max_export) == (20, 10, 500)
    path.write_text('[index]\ndir = "elsewhere/ix"\nprocs = 2\n[web]\npage_size = 50\n')
    settings = load(path, env={})
    assert settings.index.dir == (tmp_path / "elsewhere" / "ix").resolve()
    assert settings.index.procs == 2 and settings.web.page_size == 50
    assert settings.index.engine == "whoosh"
    path.write_text('[index]\nengine = "tantivy"\n')
    assert load(path, env={}).index.engine == "tantivy"
    for text, key in (("[index]\nengine = \"lucene\"\n", "index.engine"),
                      ("[index]\nengine = 1\n", "index.engine"),
                      ("[index]\nengines = \"tantivy\"\n", "index.engines"),("[web]\npage_size = 1000\n", "web.page_size"),
                      ("[web]\nlatest = -1\n", "web.latest"),
                      ("[web]\nmax_export = \"many\"\n", "web.max_export"),
                      ("[index]\nprocs = 0\n", "index.procs"),
                      ("[index]\nupdate_after_import = 1\n", "index.update_after_import")):
        path.write_text(text)
        with pytest.raises(SettingsError, match=f"'{key}'"):
            load(path, env={})
