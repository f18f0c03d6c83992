"""PMB's XML UNIMARC over the files PMB's own converter wrote: NFD, Latin-1, round trips."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

from catalogue.formats import pmbxml
from catalogue.formats.base import FormatError, Parsed, RawRecord
from catalogue.records import Record, to_json

PMB = "unimarc/pmb-xml-generated/"
UTF8 = PMB + "kentika_fixed.pmbxml.utf-8.xml"
LATIN1 = PMB + "kentika_fixed.pmbxml.iso-8859-1.xml"


def read(data: bytes | Path, encoding: str = "auto") -> list[Parsed]:
    if isinstance(data, Path):
        data = data.read_bytes()
    return list(pmbxml.read(io.BytesIO(data), "test", encoding))


def records(parsed: list[Parsed]) -> list[Record]:
    assert all(p.ok for p in parsed), [(p.position, p.error) for p in parsed if not p.ok]
    return [p.record for p in parsed if p.record is not None]


def by_id(found: list[Record], source_id: str) -> Record:
    return next(r for r in found if r.source_id == source_id)


def test_utf8_export_reads_29_records(shared_data: Path) -> None:
    parsed = read(shared_data / UTF8)
    found = records(parsed)
    assert len(found) == 29
    assert [p.position for p in parsed] == list(range(1, 30))
    assert all(p.charset == "utf-8" for p in parsed)
    giotto = found[0]
    assert giotto.source_id == "Kentika_ENSP2675"  # no 001 in Kentika records: 035$a
    assert giotto.title.main == "Giotto"
    assert (giotto.doc_type, giotto.bib_level, giotto.hier_level) == ("a", "m", "0")
    assert giotto.encoding_level == " " and giotto.cataloguing_form == " "  # '*' in the file
    assert giotto.publications[0].publishers == ("CITADELLES ET MAZENOD",)
    assert giotto.agents[0].name == "FLORES D'ARCAIS (Francesca)"
    assert parsed[0].offset == 3 and parsed[0].raw.startswith(b"<notice>")


def test_items_come_from_995(shared_data: Path) -> None:
    found = records(read(shared_data / UTF8))
    (item,) = found[0].items
    assert (item.barcode, item.call_number, item.item_type, item.status) == (
        "ENSP_000000267501", "USUEL", "LIV", "3")
    bachelard = by_id(found, "Kentika_ENSP6675")
    assert [i.call_number for i in bachelard.items] == ["PH 023", "PH 023 Ter", "PH 023"]
    assert sum(len(r.items) for r in found) >= 29


def test_nfd_in_the_file_becomes_nfc(shared_data: Path) -> None:
    data = (shared_data / UTF8).read_bytes()
    assert "Hors se\u0301rie".encode() in data  # PMB kept the source's decomposed accents
    found = records(read(data))
    dongen = by_id(found, "Kentika_ENSP247")
    assert dongen.title.main == "Van Dongen"
    assert dongen.title.subtitle == ("Hors série de Beaux Arts magazine",)
    assert "\u0301" not in dongen.title.subtitle[0]
    for record in found:
        assert unicodedata.is_normalized("NFC", to_json(record))


def test_latin1_export_decodes_latin1_and_flags_lost_characters(shared_data: Path) -> None:
    parsed = read(shared_data / LATIN1)
    found = records(parsed)
    assert len(found) == 29
    utf8_ids = [r.source_id for r in records(read(shared_data / UTF8))]
    assert [r.source_id for r in found] == utf8_ids
    text = "".join(to_json(r) for r in found)
    assert "École nationale supérieure de paysage" in text
    assert "«Espaces et milieux»" in text
    assert "N°3329" in text
    assert not any("\x80" <= ch <= "\x9f" for ch in text)
    # PMB in ISO-8859-1 turned the decomposed accents it could not store into '?'.
    dongen = next(p for p in parsed if p.source_id == "Kentika_ENSP247")
    assert dongen.record is not None
    assert dongen.record.title.subtitle == ("Hors se?rie de Beaux Arts magazine",)
    assert any("'se?rie'" in w and "lost" in w for w in dongen.warnings)
    giotto = parsed[0]
    assert not giotto.warnings  # nothing lost, nothing re-mapped there


def test_windows_1252_bytes_in_a_latin1_file_are_remapped(shared_data: Path) -> None:
    data = (shared_data / LATIN1).read_bytes()
    assert not any(0x80 <= b <= 0x9F for b in data)  # the sample has none: put some in
    data = data.replace(b"D&#039;ARCAIS", b"D\x92ARCAIS", 1)
    data = data.replace(b'<s c="a">Giotto</s>', b'<s c="a">Giotto \x96 l\x92\x9cuvre</s>', 1)
    parsed = read(data)
    found = records(parsed)
    giotto = found[0]
    assert giotto.title.main == "Giotto \u2013 l\u2019\u0153uvre"
    assert giotto.agents[0].name == "FLORES D\u2019ARCAIS (Francesca)"
    (warning,) = [w for w in parsed[0].warnings if "Windows-1252" in w]
    assert "U+0092->\u2019" in warning and "U+009C->\u0153" in warning
    assert "U+0096->\u2013" in warning
    assert not any("Windows-1252" in w for p in parsed[1:] for w in p.warnings)


def test_c1_characters_are_kept_when_the_file_says_utf8() -> None:
    doc = ("<?xml version='1.0' encoding='utf-8'?><unimarc><notice><rs>n</rs><dt>a</dt>"
           "<bl>m</bl><hl>0</hl><el>1</el><ru>i</ru><f c='001'>1</f>"
           "<f c='200' ind='1 '><s c='a'>A\u0092B</s></f></notice></unimarc>").encode()
    (parsed,) = read(doc)
    assert parsed.record is not None and parsed.record.title.main == "A\u0092B"
    assert not parsed.warnings


def test_forced_encoding_overrides_the_declaration(shared_data: Path) -> None:
    data = (shared_data / LATIN1).read_bytes().replace(b"D&#039;ARCAIS", b"D\x92ARCAIS", 1)
    found = records(read(data, encoding="cp1252"))
    assert found[0].agents[0].name == "FLORES D\u2019ARCAIS (Francesca)"


def test_round_trip_gives_equal_records(shared_data: Path) -> None:
    for name in (UTF8, LATIN1):
        found = records(read(shared_data / name))
        buffer = io.BytesIO()
        assert pmbxml.write(found, buffer) == 29
        data = buffer.getvalue()
        assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
        again = records(read(data))
        assert again == found
        buffer2 = io.BytesIO()
        pmbxml.write(again, buffer2)
        assert buffer2.getvalue() == data  # stable


def test_written_notices_have_pmb_structure(shared_data: Path) -> None:
    found = records(read(shared_data / UTF8))
    buffer = io.BytesIO()
    pmbxml.write(found, buffer)
    root = etree.fromstring(buffer.getvalue())
    assert root.tag == "unimarc" and len(root) == 29
    notice = root[0]
    assert [c.tag for c in notice][:6] == ["rs", "dt", "bl", "hl", "el", "ru"]
    assert [c.text for c in notice][:6] == ["n", "a", "m", "0", "*", "*"]
    first = notice[6]
    assert first.tag == "f" and first.get("c") == "001" and first.text == "Kentika_ENSP2675"
    assert first.get("ind") is None and len(first) == 0
    for f in notice.iter("f"):
        if len(f):
            assert len(f.get("ind") or "") == 2
            assert all(s.tag == "s" and len(s.get("c") or "") == 1 for s in f)
    title = notice.find("f[@c='200']/s[@c='a']")
    assert title is not None and title.text == "Giotto"


def test_to_element_is_one_notice(shared_data: Path) -> None:
    (record,) = records(read(shared_data / UTF8))[:1]
    element = pmbxml.to_element(record)
    assert element.tag == "notice"
    (back,) = records(read(b"<unimarc>" + etree.tostring(element) + b"</unimarc>"))
    assert back == record


def test_broken_notices_are_reported_with_positions() -> None:
    good = ("<notice><rs>n</rs><dt>a</dt><bl>m</bl><hl>0</hl><el>1</el><ru>i</ru>"
            "<f c='001'>{id}</f><f c='200' ind='1 '><s c='a'>Titre {id}</s></f></notice>")
    doc = ("<?xml version='1.0' encoding='utf-8'?>\n<unimarc>\n"
           + good.format(id=1) + "\n"
           + "<notice><rs>n</rs></notice>\n"
           + "<notice><f c='20'><s c='a'>x</s></f></notice>\n"
           + "<f c='300' ind='  '><s c='a'>stray</s></f>\n"
           + good.format(id=2) + "\n"
           + "<notice/>\n"
           + good.format(id=3) + "\n"
           + "<notice><f c='001'>4</f><f c='200' ind='1 '><s c='a'>cut").encode()
    parsed = read(doc)
    summary = [(p.position, p.offset, p.ok, p.error) for p in parsed]
    assert summary == [
        (1, 3, True, ""),
        (2, 4, False, "notice has no fields"),
        (3, 5, False, "bad tag '20' in <f> at line 5: a tag is three letters or digits"),
        (4, 6, False, "1 <f> element(s) outside any <notice> (line 6): left out"),
        (5, 7, True, ""),
        (6, 8, False, "empty <notice>: no leader parts and no fields"),
        (7, 9, True, ""),
        (8, 10, False, summary[-1][3]),
    ]
    assert summary[-1][3].startswith("XML is not well-formed: ")
    assert summary[-1][3].endswith("(line 10)")
    assert [p.record.title.main for p in parsed if p.record] == ["Titre 1", "Titre 2", "Titre 3"]


def test_missing_leader_parts_are_blank_and_noted() -> None:
    doc = b"<unimarc><notice><dt>a</dt><f c='001'>1</f><f c='200' ind='1'><s c='a'>T</s></f></notice></unimarc>"
    (item,) = list(pmbxml.read_raw(io.BytesIO(doc)))
    assert isinstance(item, RawRecord)
    assert item.leader == "00000 a   22        450 " and len(item.leader) == 24
    assert item.fields[1].indicators == "1 "
    assert any("<rs>" in w and "<ru>" in w for w in item.warnings)
    assert any("indicators '1'" in w for w in item.warnings)


def test_not_xml_is_a_format_error(shared_data: Path) -> None:
    with open(shared_data / "unimarc/pymarc/testunimarc.dat", "rb") as fh, \
            pytest.raises(FormatError, match="not XML"):
        list(pmbxml.read(fh, "test"))
