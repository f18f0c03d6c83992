"""The `catalogue` command: one clear error line on bad input, and the store untouched."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from catalogue.cli import main
from catalogue.formats import unimarc
from catalogue.settings import load
from catalogue.store import database
from catalogue.store.tables import import_runs, records


def invoke(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def store_state(config: Path) -> tuple[int, int]:
    engine = database.open_store(load(config).store_url)
    with engine.connect() as conn:
        state = (
            conn.execute(select(func.count()).select_from(records)).scalar_one(),
            conn.execute(select(func.count()).select_from(import_runs)).scalar_one(),
        )
    engine.dispose()
    return state


@pytest.fixture()
def small_export(tmp_path: Path, demo_export: Path) -> Path:
    data = demo_export.read_bytes()
    end = 0
    for _ in range(25):
        end = data.index(b"\x1d", end) + 1
    path = tmp_path / "small.mrc"
    path.write_bytes(data[:end])
    return path


@pytest.fixture()
def iso5426_export(tmp_path: Path, small_export: Path) -> Path:
    out = bytearray()
    for p in unimarc.read(io.BytesIO(small_export.read_bytes()), "x"):
        assert p.record is not None
        out += unimarc.to_iso2709(p.record, "iso-5426")
    path = tmp_path / "latin.mrc"
    path.write_bytes(bytes(out))
    return path


def test_import_then_sources(config_path: Path, small_export: Path) -> None:
    code, out, _ = invoke(config_path, "import", str(small_export), "--full")
    assert code == 0, out
    assert "read 25, added 25, updated 0, unchanged 0, deleted 0, rejected 0" in out
    code, out, _ = invoke(config_path, "import", str(small_export))
    assert "read 25, added 0, updated 0, unchanged 25" in out
    code, out, _ = invoke(config_path, "sources")
    line = next(li for li in out.splitlines() if li.startswith("crpv"))
    assert line.split()[1:4] == ["file", "25", "0"] and "completed" in line
    assert any(li.startswith("partner") for li in out.splitlines())


def test_iso5426_file_is_detected_from_100a(config_path: Path, iso5426_export: Path) -> None:
    code, out, _ = invoke(config_path, "import", str(iso5426_export))
    assert code == 0 and "added 25" in out and "rejected 0" in out


BAD_INPUTS = {
    "missing": (None, "file not found"),
    "empty": (b"", "the file is empty"),
    "blank": (b"\n\n  \n", "the file is empty"),
    "binary": (random.Random(7).randbytes(5000), "binary file"),
    "text": (b"Titre;Auteur\nLa ville;Dupont\n", "unrecognised format"),
    "xml": (b"<?xml version='1.0'?><html><body/></html>", "root element <html>"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_files_give_one_error_line_and_leave_the_store_unchanged(
    config_path: Path, small_export: Path, tmp_path: Path, case: str
) -> None:
    invoke(config_path, "import", str(small_export))
    before = store_state(config_path)
    content, expected = BAD_INPUTS[case]
    path = tmp_path / f"{case}.mrc"
    if content is not None:
        path.write_bytes(content)
    code, out, err = invoke(config_path, "import", str(path))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err, err
    assert "Traceback" not in out + err
    assert store_state(config_path) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "endnote"], "unknown format 'endnote'"),
        (["--format", "pmbxml"], "does not match the file"),
        (["--encoding", "klingon"], "unknown encoding 'klingon'"),
        (["--encoding", "iso-8859-1"], "the data is UTF-8"),
        (["--encoding", "iso-5426"], "the data is UTF-8"),
        (["--source", "nowhere"], "unknown source 'nowhere'"),
    ],
)
def test_bad_options_give_one_error_line(
    config_path: Path, small_export: Path, args: list[str], expected: str
) -> None:
    invoke(config_path, "import", str(small_export))
    before = store_state(config_path)
    code, _, err = invoke(config_path, "import", str(small_export), *args)
    assert code == 2 and err.count("\n") == 1 and expected in err, err
    assert store_state(config_path) == before


def test_forcing_utf8_on_an_iso5426_file_is_refused(config_path: Path, iso5426_export: Path) -> None:
    code, _, err = invoke(config_path, "import", str(iso5426_export), "--encoding", "utf-8")
    assert code == 2 and "does not fit" in err and "invalid UTF-8" in err, err


def test_broken_files_report_positions_and_keep_good_records(
    config_path: Path, shared_data: Path
) -> None:
    # badldr.usmarc: leaders whose record lengths lie. Cutting at record terminators
    # recovers all six records (pymarc, trusting the lengths, reads two); the stray byte
    # after the last terminator is reported with its position.
    code, out, _ = invoke(config_path, "import", str(shared_data / "marc21/marc-perl/badldr.usmarc"))
    assert code == 0
    assert "read 7, added 6" in out and "rejected 1" in out
    assert "record 7 (byte 1717): truncated record" in out
    # bad_records.mrc: one file, many kinds of damage, each named with its record number.
    code, out, _ = invoke(config_path, "import", str(shared_data / "marc21/pymarc/bad_records.mrc"))
    assert code == 0
    rejected = [li for li in out.splitlines() if li.startswith("  record ") and "(byte" in li]
    assert rejected and all(": " in li for li in rejected)
    assert "bad leader" in out or "bad directory" in out


def test_missing_config_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[import]\nbatch_size = "many"\n', encoding="utf-8")
    code, _, err = invoke(config, "sources")
    assert code == 2 and "'import.batch_size' must be an integer" in err


@pytest.mark.parametrize(("table", "key"), [
    ('[catalogue]\ndata_dir = "var\\u0000x"\n', "catalogue.data_dir"),
    ('[store]\nurl = "sqlite:///var/x\\u0000.db"\n', "store.url"),
    ('[index]\ndir = "var/\\u0000"\n', "index.dir"),
    ('[covers]\ndir = "\\u0000"\n', "covers.dir"),
    ('[documents]\ndir = "a\\u0000"\n', "documents.dir"),
    ('[documents]\nfolder = "a\\u0000"\n', "documents.folder"),
    ('[[sources]]\nslug = "x"\nfolder = "depot\\u0000"\n', "sources[0].folder"),
])
def test_a_file_name_with_nul_is_a_config_error(tmp_path: Path, table: str, key: str) -> None:
    """``Path.resolve()`` raised ValueError ("embedded null byte"): a traceback instead
    of the message naming the key, found by the hostile sweep of config.toml's keys."""
    config = tmp_path / "config.toml"
    config.write_text(table, encoding="utf-8")
    code, out, err = invoke(config, "sources")
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"'{key}' must not hold a NUL character" in err


def test_console_script_runs_from_a_fresh_process(config_path: Path, small_export: Path) -> None:
    exe = shutil.which("catalogue", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed with the package"
    done = subprocess.run(
        [exe, "import", str(small_export), "--source", "crpv"],
        env={"CATALOGUE_CONFIG": str(config_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "added 25" in done.stdout


@pytest.mark.parametrize(("extra", "message"), [
    ('[[sources]]\nslug = "lyon"\nkind = "oai"\nurl = "http://127.0.0.1:9/oai"\n'
     'sett = "ville"\n',
     "unknown key 'sources[2].sett' (did you mean 'sources[2].set'?)"),
    ('[[sources]]\nslug = "lyon"\nkind = "oai"\nurl = "http://127.0.0.1:9/oai"\n'
     'metadataPrefix = "marcxml"\n',
     "unknown key 'sources[2].metadataPrefix' (did you mean 'sources[2].metadata_prefix'?)"),
    ('[harvest]\nattempt = 3\n', "unknown key 'harvest.attempt' (did you mean "
                                 "'harvest.attempts'?)"),
    ('[catalog]\nname = "x"\n', "unknown key 'catalog' (did you mean 'catalogue'?)"),
    ('[mail]\nsmtp_hots = "x"\n', "unknown key 'mail.smtp_hots'"),
])
def test_an_unknown_config_key_stops_every_command_naming_the_closest(
        config_path: Path, extra: str, message: str) -> None:
    config_path.write_text(config_path.read_text(encoding="utf-8") + "\n" + extra,
                           encoding="utf-8")
    for command in (["sources"], ["harvest", "lyon"], ["reindex"]):
        code, out, err = invoke(config_path, *command)
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


@pytest.mark.parametrize(("name", "option", "message"), [
    ("unimarc/bnf/serie-HarryPotter.pan", ("--format", "marc21"),
     "--format marc21 does not fit: the file looks like unimarc"),
    ("marc21/pymarc/marc.dat", ("--format", "unimarc"),
     "--format unimarc does not fit: the file looks like marc21"),
    ("marc21/pymarc/marc8.dat", ("--encoding", "utf-8"), "--encoding utf-8 does not fit"),
])
def test_a_forced_setting_the_data_contradicts_is_refused_and_nothing_written(
        config_path: Path, shared_data: Path, name: str, option: tuple[str, str],
        message: str) -> None:
    code, out, err = invoke(config_path, "import", str(shared_data / name), *option)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert store_state(config_path) == (0, 0)


def test_utf8_forced_on_marc8_with_the_first_records_ascii_is_refused(
        config_path: Path, shared_data: Path, tmp_path: Path) -> None:
    # Twenty-five plain ASCII MARC 21 records, then one in MARC-8 with accents.
    ascii_records = (shared_data / "marc21/pymarc/test.dat").read_bytes() * 3
    marc8 = (shared_data / "marc21/pymarc/marc8.dat").read_bytes()
    path = tmp_path / "mixed.mrc"
    path.write_bytes(ascii_records + marc8)
    code, _, err = invoke(config_path, "import", str(path), "--encoding", "utf-8")
    assert code == 2 and "record 31 cannot be read in it" in err
    assert store_state(config_path) == (0, 0)
    code, out, _ = invoke(config_path, "import", str(path))
    assert code == 0 and "read 31, added 11" in out


@pytest.mark.parametrize("repair", [False, True])
def test_mojibake_in_a_source_is_warned_about_and_repaired_on_request(
        config_path: Path, shared_data: Path, repair: bool) -> None:
    if repair:
        text = config_path.read_text(encoding="utf-8").replace(
            'name = "Centre de ressources"', 'name = "Centre de ressources"\n'
            "repair_mojibake = true")
        config_path.write_text(text, encoding="utf-8")
    code, out, _ = invoke(config_path, "import",
                          str(shared_data / "unimarc/sciencespo/cotes8.mrc"))
    assert code == 0
    assert ("mojibake (UTF-8 read as Latin-1 upstream) in items[0].call_number "
            "'8Â°007.775(1892-1)': " + ("repaired" if repair else "kept as it is")) in out
    engine = database.open_store(load(config_path).store_url)
    from catalogue.store import queries
    stored = queries.get_record(engine, "crpv", "054273242")
    engine.dispose()
    assert stored is not None
    assert stored.record.items[0].call_number == (
        "8°007.775(1892-1)" if repair else "8Â°007.775(1892-1)")
