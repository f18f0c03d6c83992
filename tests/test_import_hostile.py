"""Hostile files through `catalogue import`, run as a separate process like a cron job.

Each file is generated here: good records around one broken in a known way (ISO 2709
in UTF-8 and ISO 5426, PMB XML, MARCXML). What must hold, read from the command's
output, its exit status (README: 0 records imported, 2 refused) and the store: every
good record is stored, the broken one is reported with its record number and its byte
(ISO 2709) or line (XML) and a reason, no traceback, and the process stays within a
bounded time and memory (its peak resident size, ``VmHWM``: see :func:`high_water_kb`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from catalogue.formats import unimarc
from catalogue.records import MarcField, from_json
from catalogue.settings import load
from catalogue.store import database
from catalogue.store.tables import records

UTF8 = MarcField(tag="100", subfields=(("a", "20240101u        u  u0frey5003    ba"),))
LATIN = MarcField(tag="100", subfields=(("a", "20240101u        u  u0frey0103    ba"),))
#: A generous ceiling for one import's peak resident memory (the interpreter, Flask,
#: SQLAlchemy and the index writer take about 100 MB before the first record).
MAX_RSS_KB = 400_000


def iso(sid: str, title: str, charset: str = "utf-8") -> bytes:
    return unimarc.fields_to_iso2709(
        "00000nam0 22     1 450 ",
        [MarcField(tag="001", data=sid), UTF8 if charset == "utf-8" else LATIN,
         MarcField(tag="200", indicators="1 ", subfields=(("a", title),))], charset)


GOOD = [iso(f"g{n}", f"Écoles et quartiers {n}") for n in range(1, 5)]
GOOD_IDS = {f"g{n}" for n in range(1, 5)}


def around(bad: bytes) -> bytes:
    """Two good records, the bad one, two good records."""
    return GOOD[0] + GOOD[1] + bad + GOOD[2] + GOOD[3]


BAD_AT = len(GOOD[0]) + len(GOOD[1])  # the byte where the third record starts


def _bad(title: str = "Mauvaise notice") -> bytearray:
    return bytearray(iso("bad", title))


def _lying_length() -> bytes:
    bad = _bad()
    bad[0:5] = b"99999"
    return around(bytes(bad))


def _directory_past_end() -> bytes:
    bad = _bad()
    bad[24 + 7:24 + 12] = b"09999"  # the first entry's start, far past the record's end
    return around(bytes(bad))


def _missing_field_terminator() -> bytes:
    bad = bytes(_bad())
    second = bad.index(b"\x1e", bad.index(b"\x1e") + 1)
    return around(bad[:second] + bad[second + 1:])


def _invalid_utf8() -> bytes:
    return around(bytes(_bad("Avant MILIEU après")).replace(b"MILIEU", b"MI\xff\xfeLIEU"))


def _ten_mb_field() -> bytes:
    body = b"1 \x1fa" + b"A" * 10_000_000 + b"\x1e"
    return around(b"99999nam0 2200037   450 200999900000\x1e" + body + b"\x1d")


def _no_terminator_at_all() -> bytes:
    return GOOD[0] + GOOD[1] + b"00500nam0 2200037   450 " + b"B" * 3_000_000


@dataclass(frozen=True)
class Case:
    """A generated file and what the import must say about it."""

    data: bytes
    suffix: str
    reported: str  # the rejected line's beginning, '' when nothing is rejected
    warning: str = ""  # a warning the import must give
    stored: frozenset[str] = frozenset(GOOD_IDS)


ISO_CASES = {
    "truncated record": Case(GOOD[0] + GOOD[1] + bytes(_bad())[:40], ".mrc",
                             f"record 3 (byte {BAD_AT}): truncated record",
                             stored=frozenset({"g1", "g2"})),
    "record length lying": Case(_lying_length(), ".mrc",
                                f"record 3 (byte {BAD_AT}) [bad]: truncated record: the leader "
                                "announces 99999 bytes"),
    "directory past the end": Case(_directory_past_end(), ".mrc", "",
                                   f"record 3 (byte {BAD_AT}) [bad]: bad directory",
                                   stored=frozenset(GOOD_IDS | {"bad"})),
    "missing field terminator": Case(_missing_field_terminator(), ".mrc",
                                     f"record 3 (byte {BAD_AT}) [bad]: truncated record"),
    "NUL byte in a field": Case(around(bytes(_bad("Mauvaise\x00 notice"))), ".mrc", "",
                                f"record 3 (byte {BAD_AT}) [bad]: field 200: 1 control byte(s) "
                                "(0x00) removed", stored=frozenset(GOOD_IDS | {"bad"})),
    "NUL bytes between records": Case(GOOD[0] + b"\x00" * 300 + GOOD[1] + GOOD[2] + GOOD[3],
                                      ".mrc", ""),
    "invalid UTF-8 mid-field": Case(_invalid_utf8(), ".mrc",
                                    f"record 3 (byte {BAD_AT}) [bad]: invalid UTF-8 byte 0xFF "
                                    "in field 200$a"),
    "10 MB single field": Case(_ten_mb_field(), ".mrc",
                               f"record 3 (byte {BAD_AT}): record of 10000043 bytes: more than "
                               "the 1000000"),
    "no record terminator at all": Case(_no_terminator_at_all(), ".mrc",
                                        f"record 3 (byte {BAD_AT}): record of 3000024 bytes",
                                        stored=frozenset({"g1", "g2"})),
}


def _notice(sid: str, title: str) -> str:
    return (f'<notice><rs>n</rs><dt>a</dt><bl>m</bl><hl>0</hl><el>1</el><ru>i</ru>'
            f'<f c="001">{sid}</f><f c="200" ind="1 "><s c="a">{title}</s></f></notice>\n')


def pmb(bad: str, head: str = "") -> bytes:
    """A PMB XML export: line 1 declaration, line 2 root (after ``head``'s lines)."""
    notices = [_notice(f"g{n}", f"Écoles {n}") for n in range(1, 5)]
    body = notices[0] + notices[1] + bad + notices[2] + notices[3]
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{head}<unimarc>\n{body}</unimarc>\n'
            ).encode()


def _record(sid: str, ns: str = "") -> str:
    return (f'<record{ns}><leader>00000nam0 22     1 450 x</leader>'
            f'<controlfield tag="001">{sid}</controlfield><datafield tag="200" ind1="1" ind2=" ">'
            f'<subfield code="a">Titre {sid}</subfield></datafield></record>\n')


def marcxml(bad: str, root: str = 'xmlns="http://www.loc.gov/MARC21/slim"') -> bytes:
    records = [_record(f"g{n}") for n in range(1, 5)]
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<collection {root}>\n'
            + records[0] + records[1] + bad + records[2] + records[3] + "</collection>\n").encode()


LAUGHS = ('<!DOCTYPE unimarc [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')

XML_CASES = {
    "XML with DOCTYPE and entities": Case(
        pmb(_notice("bad", "&d; &xxe;"), LAUGHS), ".xml", "",
        "record 3 (line 6) [bad]: entity reference &d; left unexpanded at line 6",
        stored=frozenset(GOOD_IDS | {"bad"})),
    "XML with a BOM": Case(b"\xef\xbb\xbf" + pmb(""), ".xml", ""),
    "NUL character reference": Case(pmb(_notice("bad", "Ti&#0;tre")), ".xml",
                                    "record 3 (line 5): XML is not well-formed"),
    "raw NUL in XML": Case(pmb(_notice("bad", "Ti\x00tre")), ".xml",
                           "record 3 (line 5): XML is not well-formed: Invalid character"),
    "invalid UTF-8 in XML": Case(pmb(_notice("bad", "MIDDLE")).replace(b"MIDDLE", b"MI\xff\xfe"),
                                 ".xml", "record 3 (line 5): XML is not well-formed: Invalid "
                                 "bytes in character encoding"),
    "10 MB text node": Case(pmb(_notice("bad", "A" * 10_500_000)), ".xml",
                            "record 3 (line 5): XML is not well-formed: Resource limit exceeded"),
    "deeply nested elements": Case(
        pmb('<notice><f c="200"><s c="a">' + "<x>" * 100_000 + "</x>" * 100_000
            + "</s></f></notice>\n"), ".xml",
        "record 3 (line 5): XML is not well-formed: Excessive depth in document"),
    "MARCXML in a wrong namespace": Case(
        marcxml(_record("bad", ' xmlns="http://example.org/not-marc"')), ".xml", "",
        "record 3 (line 5) [bad]: record in the namespace 'http://example.org/not-marc'",
        stored=frozenset(GOOD_IDS | {"bad"})),
    "MARCXML broken mid-file": Case(marcxml("<record><leader>x</record>\n"), ".xml",
                                    "record 3 (line 5): XML is not well-formed: Opening and "
                                    "ending tag mismatch"),
}


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    rss_kb: int


def run_import(config: Path, path: Path, timeout: float = 180, every: float = 0.05) -> Run:
    """``catalogue import`` in its own process; its exit status, output, time, peak RSS
    (``VmHWM`` sampled every ``every`` seconds)."""
    exe = shutil.which("catalogue", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed with the package"
    out, err = path.with_suffix(".out"), path.with_suffix(".err")
    started = time.monotonic()
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([exe, "import", str(path)], stdout=o, stderr=e,
                                env={"CATALOGUE_CONFIG": str(config), "PATH": "/usr/bin:/bin"})
        deadline = started + timeout
        peak = 0
        while True:  # bounded: the import must end before the deadline
            peak = max(peak, high_water_kb(proc.pid))
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"catalogue import {path.name} still running after {timeout} s")
            time.sleep(every)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(proc.returncode, out.read_text("utf-8"), err.read_text("utf-8"),
               time.monotonic() - started, peak)


def high_water_kb(pid: int) -> int:
    """The peak resident size of process ``pid`` since its ``exec`` (``VmHWM``), 0 once gone.

    Not ``wait4``'s ``ru_maxrss``: Linux carries the peak of the memory a process had
    before its ``exec`` into it, so a child of a test worker that has grown to 400 MB
    reports 400 MB whatever it used itself (seen with parallel test workers).
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def stored(config: Path) -> dict[str, str]:
    engine = database.open_store(load(config).store_url)
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.source_id, records.c.data))
        out = {sid: from_json(data).title.main for sid, data in rows}
    engine.dispose()
    return out


@pytest.mark.parametrize("name", sorted(ISO_CASES) + sorted(XML_CASES))
def test_a_hostile_file_keeps_every_good_record_and_names_the_bad_one(
        config_path: Path, tmp_path: Path, name: str) -> None:
    case = {**ISO_CASES, **XML_CASES}[name]
    path = tmp_path / f"hostile{case.suffix}"
    path.write_bytes(case.data)
    done = run_import(config_path, path)
    assert "Traceback" not in done.out + done.err, done.err
    assert done.code == 0, (done.out, done.err)
    assert done.rss_kb < MAX_RSS_KB and done.seconds < 120, (done.rss_kb, done.seconds)
    titles = stored(config_path)
    assert set(titles) == case.stored, done.out
    rejected = done.out.split("Rejected:\n")[1].split("\n")[0].strip() if case.reported else ""
    assert rejected.startswith(case.reported), done.out
    assert ("Rejected:" in done.out) == bool(case.reported)
    if case.warning:
        assert "  " + case.warning in done.out, done.out
    if "NUL" in name and "bad" in titles:
        assert titles["bad"] == "Mauvaise notice"  # the NUL removed, nothing else


def test_an_iso5426_diacritic_at_the_end_of_a_field_is_kept_and_warned_about(
        config_path: Path, tmp_path: Path) -> None:
    # Same length as the placeholder, so leader and directory stay right: 0xC2 is the
    # acute accent, which ISO 5426 writes before its letter; here no letter follows.
    broken = iso("bad", "FinX", "iso-5426").replace(b"\x1faFinX\x1e", b"\x1faFin\xc2\x1e")
    first = iso("g1", "Ecoles 1", "iso-5426")
    path = tmp_path / "latin.mrc"
    path.write_bytes(first + broken + iso("g2", "Ecoles 2", "iso-5426"))
    done = run_import(config_path, path)
    assert done.code == 0 and "Traceback" not in done.out + done.err
    assert (f"  record 2 (byte {len(first)}) [bad]: field 200$a ends with an ISO 5426 "
            "diacritic that has no letter after it") in done.out
    assert stored(config_path) == {"g1": "Ecoles 1", "g2": "Ecoles 2", "bad": "Fi\u0144"}  # ń


def test_utf16_xml_is_refused_with_one_clear_line(config_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "unicode.xml"
    path.write_bytes(pmb("").decode().replace('encoding="utf-8"', 'encoding="UTF-16"')
                     .encode("utf-16"))
    done = run_import(config_path, path)
    assert done.code == 2 and done.out == ""
    assert done.err == ("error: this is UTF-16 text (XML saved as \"Unicode\"?): re-save it as "
                        "UTF-8, the encoding PMB and MARCXML exports use\n")
    assert stored(config_path) == {}


def test_a_hundred_thousand_tiny_records_import_in_bounded_time_and_memory(
        config_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "many.mrc"
    template = iso("000000", "T")
    with path.open("wb") as fh:
        for n in range(100_000):
            fh.write(template.replace(b"000000", f"{n:06d}".encode(), 1))
    done = run_import(config_path, path, timeout=600)
    assert done.code == 0 and "Traceback" not in done.out + done.err
    assert "read 100000, added 100000, updated 0, unchanged 0, deleted 0, rejected 0" in done.out
    assert done.rss_kb < MAX_RSS_KB, done.rss_kb
    assert len(stored(config_path)) == 100_000


def m21(sid: str, title: str, leader9: str, charset: str = "utf-8") -> bytes:
    return unimarc.fields_to_iso2709(
        f"00000nam {leader9}22     4500",
        [MarcField(tag="001", data=sid),
         MarcField(tag="245", indicators="10", subfields=(("a", title),))], charset)


def test_leader_09_is_checked_against_the_bytes_and_ignored_for_unimarc(
        config_path: Path, tmp_path: Path) -> None:
    # MARC 21 saying UTF-8 (leader/09 'a') with bytes that are not: that record only.
    good = [m21(f"g{n}", f"Écoles {n}", "a") for n in range(1, 5)]
    bad = m21("bad", "Avant MILIEU", "a").replace(b"MILIEU", b"MI\xff\xfeLIEU")
    path = tmp_path / "marc21.mrc"
    path.write_bytes(good[0] + good[1] + bad + good[2] + good[3])
    done = run_import(config_path, path)
    assert done.code == 0 and "Traceback" not in done.out + done.err
    at = len(good[0]) + len(good[1])
    assert (f"  record 3 (byte {at}) [bad]: invalid UTF-8 byte 0xFF in field 245$a"
            in done.out)
    assert stored(config_path) == {f"g{n}": f"Écoles {n}" for n in range(1, 5)}
    # MARC 21 saying MARC-8 (leader/09 blank) with UTF-8 bytes: read as UTF-8, said so.
    plain = [m21(f"m{n}", f"Ecoles {n}", " ") for n in range(1, 3)]
    path = tmp_path / "marc8.mrc"
    path.write_bytes(plain[0] + m21("utf", "Élèves", " ") + plain[1])
    done = run_import(config_path, path)
    assert done.code == 0
    assert (f"  record 2 (byte {len(plain[0])}) [utf]: declares marc-8 but the data is valid "
            "UTF-8; read as UTF-8") in done.out
    assert stored(config_path)["utf"] == "Élèves"
    # UNIMARC with leader/09 'a' and ISO 5426 declared in 100$a: 100$a wins.
    latin = [unimarc.fields_to_iso2709(
        "00000nam0a22     1 450 ",
        [MarcField(tag="001", data=sid), LATIN,
         MarcField(tag="200", indicators="1 ", subfields=(("a", title),))], "iso-5426")
        for sid, title in (("u1", "Écoles"), ("u2", "Élèves"))]
    assert b"\xc2Ecoles" in latin[0]  # ISO 5426 bytes: the accent before its letter
    path = tmp_path / "unimarc.mrc"
    path.write_bytes(b"".join(latin))
    done = run_import(config_path, path)
    assert done.code == 0 and "with warnings 0" in done.out
    titles = stored(config_path)
    assert (titles["u1"], titles["u2"]) == ("Écoles", "Élèves")
