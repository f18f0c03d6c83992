"""The import and harvest reports say each problem in the page's language.

The readers word their problems in English (``catalogue import`` and ``catalogue report``
print them so); the staff report pages are French first and were showing those English
sentences in the middle of a French page. Each file here goes through the real command
line import into a real SQLite store, and the report page is read over real HTTP, in
French (the default) and with the site switched to English.
"""

from __future__ import annotations

import html as entities
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.formats import detect, unimarc
from catalogue.formats.base import Parsed
from catalogue.records import MarcField
from catalogue.store.ingest import Ingest
from catalogue.web.reasons import REASONS, translated
from tests.desk_site import DeskSite, start
from tests.test_import_hostile import GOOD, ISO_CASES, LATIN, UTF8, XML_CASES, _bad, pmb

LEADER = "00000nam0 22     1 450 "


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[DeskSite]:
    running = start(tmp_path)
    yield running
    running.stop()


def imported(tmp_path: Path, name: str, data: bytes) -> str:
    """The run id of a real ``catalogue import`` of ``data``."""
    path = tmp_path / name
    path.write_bytes(data)
    done = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "import",
                                     "--source", "crpv", str(path)])
    found = re.search(r"import run (\d+)", done.output)
    assert found, done.output
    return found.group(1)


def rows(page: str) -> list[str]:
    """The problem table's rows as served, their cells' text joined with " | "."""
    body = page.split('id="problems-title"', 1)[1].split("</table>", 1)[0]
    found = []
    for row in re.findall(r"<tr><td>.*?</tr>", body, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        found.append(" | ".join(entities.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells))
    return found


def served(site: DeskSite, run_id: str, lang: str) -> str:
    session = site.http(site.world.librarian.email or "")
    if lang != "fr":
        session.cookies.set("lang", lang)
    answer = session.get(f"{site.url}/admin/moissons/import/{run_id}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert f'<html lang="{lang}">' in answer.text
    return answer.text


def iso_file() -> bytes:
    """A good record, one with 3 indicator characters, one declaring ISO 5426 but in
    UTF-8 (an encoding warning), and a last one cut short."""
    three = unimarc.fields_to_iso2709(LEADER, [
        MarcField(tag="001", data="w1"), UTF8,
        MarcField(tag="200", indicators="1 ", subfields=(("a", "Titre"),))], "utf-8")
    three = three.replace(b"1 \x1faTitre", b"1 x\x1faTitr")  # same length: directory holds
    lying = unimarc.fields_to_iso2709(LEADER, [
        MarcField(tag="001", data="w2"), LATIN,
        MarcField(tag="200", indicators="1 ", subfields=(("a", "Écoles"),))], "utf-8")
    return GOOD[0] + three + lying + bytes(_bad())[:40]


def test_a_broken_iso2709_file_is_reported_in_french_then_in_english(
        site: DeskSite, tmp_path: Path) -> None:
    run_id = imported(tmp_path, "export.mrc", iso_file())
    start_of_cut = len(GOOD[0]) + len(iso_file()[len(GOOD[0]):-40])
    assert start_of_cut == len(iso_file()) - 40
    french = rows(served(site, run_id, "fr"))
    assert french == [
        "2 | w1 | remarque | la zone 200 a 3 caractères d’indicateurs '1 x' au lieu de 2 ; "
        "les deux premiers ont été gardés",
        "3 | w2 | remarque | la notice se déclare en iso-5426 mais les données sont en UTF-8 "
        "valide : lue en UTF-8",
        "4 | – | rejetée | notice tronquée : 40 octets sans fin de notice avant la fin du "
        "fichier",
    ]
    english = rows(served(site, run_id, "en"))
    assert english == [
        "2 | w1 | remark | field 200 has 3 indicator characters '1 x' instead of 2; the "
        "first two were kept",
        "3 | w2 | remark | declares iso-5426 but the data is valid UTF-8; read as UTF-8",
        "4 | – | rejected | truncated record: 40 bytes and no record terminator before the "
        "end of the file",
    ]


def test_a_broken_xml_record_is_reported_in_the_page_language(
        site: DeskSite, tmp_path: Path) -> None:
    broken = ("<notice><rs>n</rs><dt>a</dt><bl>m</bl><hl>0</hl><el>1</el><ru>i</ru>"
              '<f c="001">x1</f><f c="200" ind="1 "><s c="a">AT&T</s></f></notice>\n')
    run_id = imported(tmp_path, "export.xml", pmb(broken))
    page = served(site, run_id, "fr")
    [row] = rows(page)
    assert re.fullmatch(r"3 \| – \| rejetée \| XML mal formé : .+ \(ligne 5\)", row), row
    assert "not well-formed" not in page
    [row] = rows(served(site, run_id, "en"))
    assert re.fullmatch(r"3 \| – \| rejected \| XML is not well-formed: .+ \(line 5\)", row)


def test_a_text_no_pattern_knows_is_shown_as_stored_and_marked_english(
        site: DeskSite) -> None:
    """Rows of older runs, or a reader's new message, stay readable: as stored, and a
    screen reader is told they are English."""
    job = Ingest(site.world.engine, source="crpv", path="ancien.iso", format="unimarc")
    job.add(Parsed(position=7, offset=900, raw=b"\x00", error="leader: not a number"))
    run = job.finish()
    page = served(site, str(run.run_id), "fr")
    assert '<td><span lang="en">leader: not a number</span></td>' in page
    assert rows(page) == ["7 | – | rejetée | leader: not a number"]


@pytest.mark.parametrize("stored", [
    "truncated record: the leader announces 99999 bytes, only 120 found",
    "invalid UTF-8 byte 0xFF in field 200$a; the record is not in utf-8 (force the "
    "source's character set with --encoding)",
    "Windows-1252 characters in a file declared ISO-8859-1, re-mapped: U+0092->’",
    "invalid ISO 5426 byte 0xC9 at offset 3 in field 200$a; the record is not in iso-5426 "
    "(force the source's character set with --encoding)",
    "record id 'k1' appears more than once in the file; this later occurrence replaces "
    "the earlier one",
])
def test_each_known_kind_has_a_french_sentence(site: DeskSite, stored: str) -> None:
    with site.app.test_request_context():
        said = translated(stored)
    assert said is not None and said != stored
    assert not re.search(r"\b(the|record|field|bytes?|invalid)\b", said), said


def test_the_report_page_escapes_what_a_record_brought(site: DeskSite) -> None:
    job = Ingest(site.world.engine, source="crpv", path="x.iso", format="unimarc")
    job.add(Parsed(position=1, offset=0, raw=b"\x00",
                   error="bad leader: base address '<b>' does not end the directory"))
    run = job.finish()
    page = requests.Session()  # anonymous: the report is for staff only
    assert page.get(f"{site.url}/admin/moissons/import/{run.run_id}", timeout=10,
                    allow_redirects=False).status_code in (302, 303)
    text = served(site, str(run.run_id), "fr")
    assert "l’adresse de base &#39;&lt;b&gt;&#39; ne termine pas le répertoire" in text
    assert "<b>" not in text


#: Hostile files of the import tests whose every problem must have its French sentence
#: (the multi-megabyte ones are left to the import tests; libxml2's own words stay English).
CORPUS = {name: case for name, case in {**ISO_CASES, **XML_CASES}.items()
          if len(case.data) < 1_000_000}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_problem_the_readers_give_on_hostile_files_is_translated(
        site: DeskSite, name: str) -> None:
    data = CORPUS[name].data
    read = detect.reader(detect.resolve("auto", data[:4096]))
    said = [p.error or w for p in read(io.BytesIO(data), "crpv", "auto")
            for w in (p.warnings if p.ok else ("",))]
    assert any(said) or not (CORPUS[name].reported or CORPUS[name].warning), name
    with site.app.test_request_context():
        for message in filter(None, said):
            french = translated(message)
            assert french is not None and french != message, message


def test_a_full_import_that_read_nothing_says_so_in_french(
        site: DeskSite, tmp_path: Path) -> None:
    path = tmp_path / "vide.mrc"
    path.write_bytes(bytes(_bad())[:40])
    done = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "import",
                                     "--source", "crpv", "--full", str(path)])
    found = re.search(r"import run (\d+)", done.output)
    assert found, done.output
    page = served(site, found.group(1), "fr")
    assert ("<dd>aucune notice de ce catalogue complet n’a pu être lue : rien n’a été "
            "supprimé</dd>") in page
    assert ("<dd>no record of this full catalogue could be read: nothing was deleted</dd>"
            in served(site, found.group(1), "en"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_sentence_uses_only_what_its_pattern_captures(site: DeskSite, lang: str) -> None:
    """A placeholder its pattern does not capture would turn a report page into an error."""
    with site.app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        first = str(REASONS[0][1])
        assert first.startswith("truncated record" if lang == "en" else "notice tronquée")
        for pattern, said in REASONS:
            wanted = set(re.findall(r"%\((\w+)\)s", str(said)))
            assert wanted <= set(pattern.groupindex), (pattern.pattern, str(said))
            assert "%" not in re.sub(r"%\(\w+\)s", "", str(said)), str(said)
