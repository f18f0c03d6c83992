"""The drop folder: complete files are imported and filed with a report; others wait."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.folder_imports import process_folder
from catalogue.settings import SettingsError
from harvesters.dropfolder import DropFolder, Outcome, is_temporary
from tests.harvest_support import deployment, stored, tombstones

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
    (drop / "growing.mrc").write_bytes(small_export(demo_export, 5))
    aged(drop / "growing.mrc", 0)  # written "just now" on the test's clock (NOW is import time)
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


def records_of(demo_export: Path, first: int, last: int) -> bytes:
    """Records ``first``..``last`` (1-based, inclusive) of the demo export."""
    data = demo_export.read_bytes()
    ends = [0]
    while len(ends) <= last:
        ends.append(data.index(b"\x1d", ends[-1]) + 1)
    return data[ends[first - 1]:ends[last]]


def test_full_pattern_files_are_the_whole_catalogue(tmp_path: Path, demo_export: Path) -> None:
    _, settings, engine = deployment(tmp_path, "", local() + '\nfull_pattern = "*-COMPLET.*"')
    source = settings.source("crpv")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a-changes.mrc").write_bytes(records_of(demo_export, 1, 30))
    aged(drop / "a-changes.mrc")
    [partial] = process_folder(engine, settings, source, now=lambda: NOW)
    assert partial.ok and "read 30, added 30" in partial.report
    assert "full catalogue" not in partial.report

    (drop / "b-catalogue-complet.mrc").write_bytes(records_of(demo_export, 1, 20))
    aged(drop / "b-catalogue-complet.mrc")
    [full] = process_folder(engine, settings, source, now=lambda: NOW)
    assert full.ok, full.report
    assert full.report.startswith("the full catalogue of crpv (its name matches '*-COMPLET.*')")
    assert "read 20, added 0, updated 0, unchanged 20, deleted 10" in full.report
    assert len(stored(engine, "crpv")) == 20 and len(tombstones(engine, "crpv")) == 10

    # an export of changes again: adds, deletes nothing
    (drop / "c-changes.mrc").write_bytes(records_of(demo_export, 31, 35))
    aged(drop / "c-changes.mrc")
    [changes] = process_folder(engine, settings, source, now=lambda: NOW)
    assert "added 5" in changes.report and "deleted 0" in changes.report
    assert len(stored(engine, "crpv")) == 25


def test_full_true_but_unreadable_file_deletes_nothing(tmp_path: Path, demo_export: Path) -> None:
    _, settings, engine = deployment(tmp_path, "", local() + "\nfull = true")
    source = settings.source("crpv")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "first.mrc").write_bytes(records_of(demo_export, 1, 10))
    aged(drop / "first.mrc")
    [first] = process_folder(engine, settings, source, now=lambda: NOW)
    assert first.ok and first.report.startswith("the full catalogue of crpv (full = true)")

    # every record's directory garbled: all rejected
    broken = b"".join(rec[:24] + b"Z" * (int(rec[12:17]) - 25) + rec[int(rec[12:17]) - 1:] + b"\x1d"
                      for rec in records_of(demo_export, 1, 3).split(b"\x1d")[:-1])
    (drop / "second.mrc").write_bytes(broken)
    aged(drop / "second.mrc")
    [second] = process_folder(engine, settings, source, now=lambda: NOW)
    assert not second.ok and second.path.parent.name == "failed"
    assert "deleted 0" in second.report and "nothing was deleted" in second.report
    assert len(stored(engine, "crpv")) == 10


def test_full_keys_need_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"key 'sources\[0\]\.full' applies to drop-folder"):
        deployment(tmp_path, "", "full = true")


def test_a_missing_folder_is_created_and_an_impossible_one_reported(
        tmp_path: Path, demo_export: Path) -> None:
    """A folder named in config.toml before PMB ever wrote to it is created (it used to
    fail every pass with a traceback); one that cannot be (a path under a file) is one
    clear error, and the other sources are still harvested."""
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    other = ('[[sources]]\nslug = "lille"\nname = "Lille"\nkind = "file"\n'
             'folder = "blocker/drop"\n')
    config, settings, engine = deployment(tmp_path, other, local("incoming/pmb"))
    result = CliRunner().invoke(main, ["--config", str(config), "harvest", "--all"])
    assert result.exit_code == 2, result.output
    assert (tmp_path / "incoming" / "pmb" / "done").is_dir()
    assert "crpv: no complete file in" in result.stdout
    assert "error: lille: drop folder" in result.stderr and "cannot be used" in result.stderr
    assert "Traceback" not in result.output
    # the scheduler's job: one line, no exception
    from catalogue.scheduler import run_source

    line = run_source(settings, engine, "lille")
    assert line.startswith("folder lille: drop folder") and "cannot be used" in line
    target = tmp_path / "incoming" / "pmb" / "e.mrc"
    target.write_bytes(small_export(demo_export, 5))
    aged(target)
    assert run_source(settings, engine, "crpv") == "folder crpv: e.mrc done"
