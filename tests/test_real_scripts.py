"""Real records in other scripts and with non-sorting parts, from the store to the wire.

MARC-8 switches to Cyrillic, Hebrew, Arabic or CJK with escape sequences made of ASCII
bytes; such values skipped the decoder and were stored as "(NsAWEZNI USTAWNI SUD.(B".
The exact strings are asserted in the stored record, on the record page served over
HTTP, and in the MARCXML export as served.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine, select

from catalogue import union
from catalogue.formats import marc8
from catalogue.store import queries
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records
from harvesters.pmb import open_export
from tests.web_site import WebSite, start_site

FILES = ("marc21/marc-perl/cyrillic.marc", "marc21/marc-perl/hebrew1.marc",
         "marc21/marc-perl/cjk1.marc", "unimarc/pymarc/testunimarc.dat")
ASIMOV = "IT\\ICCU\\ANA\\0019370"
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: record id -> (romanised title, texts of its 880 fields that must appear exactly).
SCRIPTS = {
    "MIUL99-S141": ("Odluke i res̆enja Saveznog ustavnog suda", [
        "Yugoslavia. Савезни уставни суд.",
        "Одлуке и решења Савезног уставног суда.",
        "Београд : Савезни уставни суд,",
        "Одлуке и мишљења Уставног суда Југославије (CStRLIN)MIUL84-S122",
    ]),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[WebSite]:
    def fill(engine: Engine, _: Path) -> None:
        for name in FILES:
            export = open_export(shared_data / name)
            ingest = Ingest(engine, source="crpv", format=export.format)
            ingest.add_all(export.read("crpv"))
            assert ingest.finish().rejected == 0
        union.refresh(engine, "crpv")

    running = start_site(tmp_path_factory.mktemp("scripts"), shared_data / FILES[0], fill=fill)
    yield running
    running.serving.stop()
    running.engine.dispose()


def _880(engine: Engine, source_id: str) -> list[str]:
    stored = queries.get_record(engine, "crpv", source_id)
    assert stored is not None
    return [" ".join(v for c, v in f.subfields if c != "6")
            for f in stored.record.unmapped if f.tag == "880"]


def test_marc8_escapes_to_cyrillic_are_decoded_in_the_store_page_and_export(
        site: WebSite) -> None:
    for sid, (title, texts) in SCRIPTS.items():
        assert _880(site.engine, sid) == texts
        page = requests.get(f"{site.url}/notice/crpv/{sid}", timeout=10)
        assert page.status_code == 200
        assert title in page.text
        for text in texts:
            assert text in page.text
        xml = requests.get(f"{site.url}/export", params={"format": "marcxml",
                                                         "id": f"crpv:{sid}"}, timeout=10)
        assert xml.status_code == 200
        stored = queries.get_record(site.engine, "crpv", sid)
        assert stored is not None
        for field in (f for f in stored.record.unmapped if f.tag == "880"):
            for code, value in field.subfields:
                wire = f'<marc:subfield code="{code}">{value}</marc:subfield>'
                assert wire.encode("utf-8") in xml.content


def test_hebrew_and_cjk_880_fields_are_decoded(site: WebSite) -> None:
    hebrew = _880(site.engine, queries_id(site, "Gag"))
    assert "בטאון איגוד כללי סופרים." in " ".join(hebrew)
    assert "תל־אביב : האיגוד, c1998-." in hebrew
    cjk = _880(site.engine, queries_id(site, "Kindaichi Kyōsuke to Ainugo"))
    assert cjk[:2] == ["大正 十三造, 1924-", "金田一 京助 と アイヌ語 / 大友 幸男."]
    for text in hebrew + cjk:
        assert "\x1b" not in text and "(B" not in text


def queries_id(site: WebSite, title: str) -> str:
    with site.engine.connect() as conn:
        found: str = conn.execute(select(records.c.source_id)
                                  .where(records.c.title.startswith(title))).scalar_one()
    return found


def test_marc8_sets_designated_in_either_half_decode_as_the_tables_say(
        shared_data: Path) -> None:
    # Extended Cyrillic (tabled at 0xC0-0xFF) designated as G0 by ESC ( Q.
    assert marc8.decode(b"\x1b(NRE[E\x1b(QJ\x1b(NA\x1b(B") == "решења"
    # Basic Cyrillic (tabled at 0x21-0x7E) designated as G1 by ESC ) N.
    assert marc8.decode(b"\x1b)N\xd2\xc5\xdb\x1b)E") == "реш"
    farsi = [unicodedata.normalize("NFC", marc8.decode(line)) for line in
             (shared_data / "marc21/marc-perl/farsi.marc").read_bytes().split(b"\n") if line]
    assert farsi == ["كتابخانه عمومى اصفهان.",
                     "فهرست نسخه\u200cهاى خطى كتابخانۀ عمومى اصفهان /",
                     "تهران :", "كتابخانۀ عمومى اصفهان.", "مقصود، جواد."]
    with pytest.raises(marc8.Marc8Error, match="escape sequence at offset 2"):
        marc8.decode(b"ab\x1b")
    with pytest.raises(marc8.Marc8Error, match="unknown MARC-8 character set 0x5A"):
        marc8.decode(b"\x1b(Zx")


def _no_controls(text: str) -> None:
    found = CONTROLS.search(text)
    assert found is None, (found, text[max(0, found.start() - 40):found.end() + 40])


def test_non_sorting_markers_never_reach_a_reader_and_survive_the_unimarc_round_trip(
        site: WebSite, shared_data: Path) -> None:
    from urllib.parse import quote
    stored = queries.get_record(site.engine, "crpv", ASIMOV)
    assert stored is not None
    title = stored.record.title
    assert title.main == "\x88L'\x89altra faccia della spirale"  # the model keeps them
    assert title.display() == "L'altra faccia della spirale"
    assert title.sort_text() == "altra faccia della spirale"
    page = requests.get(f"{site.url}/notice/crpv/{quote(ASIMOV, safe='')}", timeout=10)
    assert page.status_code == 200
    assert "<title>L&#39;altra faccia della spirale" in page.text
    _no_controls(page.text)
    api = requests.get(f"{site.url}/api/records/crpv/{quote(ASIMOV, safe='')}", timeout=10)
    assert api.status_code == 200
    assert "\\u0088" not in api.text and "\\u0089" not in api.text
    assert api.json()["record"]["title"]["main"] == "L'altra faccia della spirale"
    for fmt in ("ris", "bibtex", "dc"):
        wire = requests.get(f"{site.url}/export", params={"format": fmt, "id": f"crpv:{ASIMOV}"},
                            timeout=10)
        assert wire.status_code == 200
        assert "altra faccia della spirale" in wire.content.decode("utf-8")
        _no_controls(wire.content.decode("utf-8"))
    feed = requests.get(f"{site.url}/recherche/atom", params={"q": "spirale"}, timeout=10)
    assert feed.status_code == 200 and b"altra faccia della spirale" in feed.content
    _no_controls(feed.content.decode("utf-8"))
    marc = requests.get(f"{site.url}/export", params={"format": "unimarc",
                                                      "id": f"crpv:{ASIMOV}"}, timeout=10)
    assert b"\xc2\x88L'\xc2\x89altra faccia della spirale" in marc.content
    original = (shared_data / "unimarc/pymarc/testunimarc.dat").read_bytes()
    assert b"\xc2\x88L'\xc2\x89altra faccia della spirale" in original
