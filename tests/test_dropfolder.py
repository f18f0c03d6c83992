"""The drop folder: complete files are imported and filed with a report; others wait."""

from __future__ import annotations

import os
import time
from pathlib import Path

from click.testing import CliRunner

from catalogue.cli import main
from catalogue.folder_imports import process_folder
from harvesters.dropfolder import DropFolder, Outcome, is_temporary
from tests.harvest_support import deployment, stored

NOW = time.time()


def aged(path: Path, seconds: float = 3600) -> Path:
    os.utime(path, (NOW - seconds, NOW - seconds))
    return path


def small_export(demo_export: Path, count: int) -> bytes:
    data = demo_export.read_bytes()
    end = 0
    for _ in range(count):
        end = data.index(b"\x1d", end) + 1
    return data[:end]


def local(folder: str = "drop") -> str:
    return f'folder = "{folder}"\nsettle_seconds = 60\nformat = "auto"'


def test_complete_file_imported_and_filed_with_report(tmp_path: Path, demo_export: Path) -> None:
    _, settings, engine = deployment(tmp_path, "", local())
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "export-2025-01-01.mrc").write_bytes(small_export(demo_export, 30))
    aged(drop / "export-2025-01-01.mrc")
    (drop / "growing.mrc").write_bytes(small_export(demo_export, 5))  # mtime: just now
    (drop / "export.mrc.part").write_bytes(b"half")
    aged(drop / "export.mrc.part")
    (drop / "garbage.mrc").write_bytes(b"\x00\x01\x02 not a catalogue" * 10)
    aged(drop / "garbage.mrc")
    done = process_folder(engine, settings, settings.source("crpv"), now=lambda: NOW)
    outcome = {p.name: p for p in done}
    assert set(outcome) == {"export-2025-01-01.mrc", "garbage.mrc"}
    good, bad = outcome["export-2025-01-01.mrc"], outcome["garbage.mrc"]
    assert good.ok and good.path.parent == drop / "done" and good.path.exists()
    assert good.report_path.read_text().startswith("export-2025-01-01.mrc: imported")
    assert "read 30, added 30" in good.report_path.read_text()
    assert not bad.ok and bad.path.parent == drop / "failed"
    assert "error:" in bad.report_path.read_text()
    assert len(stored(engine, "crpv")) == 30
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == ["export.mrc.part", "growing.mrc"]
    assert not list((drop / "processing").iterdir())

    # once settled, the file that was still being written is taken on a later pass
    later = process_folder(engine, settings, settings.source("crpv"), now=lambda: NOW + 120)
    assert [p.name for p in later] == ["growing.mrc"] and later[0].ok


def test_file_still_changing_between_passes_waits(tmp_path: Path) -> None:
    folder = DropFolder(tmp_path, settle_seconds=10, now=lambda: NOW)
    path = tmp_path / "export.xml"
    path.write_bytes(b"<x/>")
    aged(path)
    assert folder.ready() == [path]
    with open(path, "ab") as fh:  # the writer appends, keeping an old mtime
        fh.write(b"more")
    aged(path)
    assert folder.ready() == []
    assert folder.ready() == [path]  # unchanged since the last pass: now it is complete


def test_temporary_names_and_crashing_importer(tmp_path: Path) -> None:
    for name in ("a.part", "a.tmp", ".hidden", "~lock.x", "a.mrc~", "a.crdownload"):
        assert is_temporary(name)
    assert not is_temporary("export.mrc")
    path = tmp_path / "export.mrc"
    path.write_bytes(b"data")
    aged(path)

    def crash(p: Path) -> Outcome:
        raise RuntimeError("disk on fire")

    [result] = DropFolder(tmp_path, settle_seconds=1, now=lambda: NOW).process(crash)
    assert not result.ok and "disk on fire" in result.report_path.read_text()
    assert result.path.parent.name == "failed"


def test_harvest_command_runs_the_folder(tmp_path: Path, demo_export: Path) -> None:
    config, _, engine = deployment(tmp_path, "", local())
    (tmp_path / "drop").mkdir()
    target = tmp_path / "drop" / "e.mrc"
    target.write_bytes(small_export(demo_export, 12))
    aged(target)
    result = CliRunner().invoke(main, ["--config", str(config), "harvest", "crpv"])
    assert result.exit_code == 0, result.output
    assert "crpv: e.mrc -> done/" in result.stdout
    assert len(stored(engine, "crpv")) == 12
