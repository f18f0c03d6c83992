"""UNIMARC ISO 2709 over real files: encodings, items, broken records, round trips."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest

from catalogue.formats import unimarc
from catalogue.formats.base import Parsed
from catalogue.records import Record


def read(path: Path, encoding: str = "auto") -> list[Parsed]:
    with open(path, "rb") as fh:
        return list(unimarc.read(fh, "test", encoding))


def records(path: Path) -> list[Record]:
    out = [p.record for p in read(path)]
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


UNIMARC_FILES = [
    "unimarc/bnf/serie-HarryPotter.pan",
    "unimarc/sciencespo/cotes8.mrc",
    "unimarc/sciencespo/cotesBR.mrc",
    "unimarc/kentika-archires/010_original_records.mrc",
    "unimarc/catmandu/dollar_subfields.mrc",
    "unimarc/pymarc/testunimarc.dat",
]


def test_bnf_utf8_records_have_correct_french_accents(shared_data: Path) -> None:
    parsed = read(shared_data / "unimarc/bnf/serie-HarryPotter.pan")
    assert len(parsed) == 7 and all(p.ok for p in parsed)
    titles = [p.record.title.main for p in parsed if p.record]
    assert "Harry Potter et l'ordre du Phénix" in titles
    assert "Harry Potter et le prince de sang-mêlé" in titles
    first = parsed[0].record
    assert first is not None
    assert first.source_id == "FRBNF452528980000005"
    assert first.languages == ("fre",)
    assert any(a.name == "Rowling" for a in first.agents)
    assert all(p.charset == "utf-8" for p in parsed)
    for p in parsed:
        assert p.record and "Ã" not in p.record.title.main


def test_sciencespo_items_are_attached_and_lying_charset_is_detected(shared_data: Path) -> None:
    parsed = read(shared_data / "unimarc/sciencespo/cotes8.mrc")
    assert len(parsed) == 35 and all(p.ok for p in parsed)
    first = parsed[0].record
    assert first is not None
    assert first.source_id == "054273242"
    assert first.title.main == "Traité de la science des finances"
    assert [i.barcode for i in first.items][:1] == ["00000001158900"]
    assert first.items[0].call_number.startswith("8")
    assert first.items[0].item_type == "DI"
    # 100$a says 0103 (ISO 5426) but the bytes are UTF-8: read as UTF-8, and said so.
    assert parsed[0].charset == "utf-8"
    assert any("valid UTF-8" in w for w in parsed[0].warnings)
    texts = " ".join(p.record.title.display() for p in parsed if p.record)
    assert "démographiques" not in texts  # that one lives in cotesBR
    brs = records(shared_data / "unimarc/sciencespo/cotesBR.mrc")
    assert brs[0].title.main == "Les conditions démographiques de la nationalité aux Etats-Unis"
    assert all(len(r.items) >= 1 for r in brs)


def test_kentika_nfd_three_indicators_and_missing_001(shared_data: Path) -> None:
    parsed = read(shared_data / "unimarc/kentika-archires/010_original_records.mrc")
    assert len(parsed) == 40 and all(p.ok for p in parsed)
    second = parsed[1].record
    assert second is not None
    assert second.title.main == "L'Ethnologie et le paysage. Questions sans réponses"
    assert unicodedata.is_normalized("NFC", second.title.main)
    assert second.source_id.startswith("Kentika_")  # from 035$a: the export has no 001
    assert any("indicator characters" in w for w in parsed[1].warnings)
    assert parsed[0].record and parsed[0].record.items[0].barcode == "ENSP_0001831"


def test_literal_dollar_delimiters_are_reported_and_data_kept(shared_data: Path) -> None:
    parsed = read(shared_data / "unimarc/catmandu/dollar_subfields.mrc")
    assert len(parsed) == 2 and all(p.ok for p in parsed)
    assert any("literal '$'" in w for w in parsed[0].warnings)
    first = parsed[0].record
    assert first is not None
    assert "Technology h$f: 3-6 September 2001$e: Ermoupolis" in first.title.main


@pytest.mark.parametrize("name", UNIMARC_FILES)
def test_raw_payload_is_byte_identical_to_the_input(shared_data: Path, name: str) -> None:
    data = (shared_data / name).read_bytes()
    for p in read(shared_data / name):
        assert data[p.offset : p.offset + len(p.raw)] == p.raw


@pytest.mark.parametrize("name", UNIMARC_FILES)
@pytest.mark.parametrize("charset", ["utf-8", "iso-5426"])
def test_round_trip_parse_write_parse_gives_equal_records(
    shared_data: Path, name: str, charset: str
) -> None:
    originals = [p.record for p in read(shared_data / name) if p.record]
    assert originals
    for original in originals:
        try:
            data = unimarc.to_iso2709(original, charset)
        except ValueError as exc:  # a character ISO 5426 cannot carry (Greek, Catalan...)
            assert charset == "iso-5426", exc
            continue
        again = list(unimarc.read(io.BytesIO(data), "test"))
        assert len(again) == 1 and again[0].ok, again[0].error
        assert again[0].charset == charset
        assert again[0].record == original


def test_round_trip_of_the_demo_export(demo_export: Path) -> None:
    data = demo_export.read_bytes()
    count = 0
    for p in unimarc.read(io.BytesIO(data), "crpv"):
        assert p.ok, p.error
        assert data[p.offset : p.offset + len(p.raw)] == p.raw
        assert p.record is not None
        again = next(unimarc.read(io.BytesIO(unimarc.to_iso2709(p.record)), "crpv"))
        assert again.record == p.record
        count += 1
    assert count == 2000


def test_iso5426_record_written_by_us_reads_back_with_accents(shared_data: Path) -> None:
    record = records(shared_data / "unimarc/bnf/serie-HarryPotter.pan")[0]
    data = unimarc.to_iso2709(record, "iso-5426")
    assert b"Ph\xc2enix" in data  # acute accent before the letter, as ISO 5426 wants
    assert b"0103" in data and data[9:10] == b" "
    again = next(unimarc.read(io.BytesIO(data), "test"))
    assert again.charset == "iso-5426"
    assert again.record and again.record.title.main == "Harry Potter et l'ordre du Phénix"


def test_forced_encoding_overrides_detection(shared_data: Path) -> None:
    record = records(shared_data / "unimarc/bnf/serie-HarryPotter.pan")[0]
    data = unimarc.to_iso2709(record, "iso-5426")
    # Pretend the 100$a lied the other way: forcing UTF-8 makes the record unreadable.
    forced = next(unimarc.read(io.BytesIO(data), "test", "utf-8"))
    assert not forced.ok and "invalid UTF-8" in forced.error


def test_truncated_and_garbled_records_are_reported_good_ones_kept(shared_data: Path) -> None:
    good = (shared_data / "unimarc/bnf/serie-HarryPotter.pan").read_bytes()
    first_end = good.index(b"\x1d") + 1
    second_end = good.index(b"\x1d", first_end) + 1
    broken_dir = bytearray(good[first_end:second_end])
    broken_dir[30:33] = b"X9Z"  # corrupt the first directory entry's length
    stream = good[:first_end] + bytes(broken_dir) + good[second_end:] + good[:100]
    parsed = list(unimarc.read(io.BytesIO(stream), "test"))
    assert [p.ok for p in parsed] == [True, False, True, True, True, True, True, False]
    assert parsed[1].position == 2 and "bad directory" in parsed[1].error
    assert parsed[-1].position == 8 and "truncated" in parsed[-1].error
    assert parsed[-1].offset == len(stream) - 100


def test_invalid_utf8_in_a_utf8_record_is_rejected_with_field_and_neighbours_kept(
    shared_data: Path,
) -> None:
    data = bytearray((shared_data / "unimarc/bnf/serie-HarryPotter.pan").read_bytes())
    first_end = data.index(b"\x1d") + 1
    at = data.index("Phénix".encode(), 0, first_end)
    data[at + 2] = 0xFF  # the first byte of 'é' becomes a byte UTF-8 never uses
    parsed = list(unimarc.read(io.BytesIO(bytes(data)), "test"))
    assert [p.ok for p in parsed] == [False] + [True] * 6
    assert parsed[0].error.startswith("invalid UTF-8 byte 0xFF in field 200$a")
    assert "--encoding" in parsed[0].error


def test_every_subordinate_unit_of_a_corporate_body_is_kept() -> None:
    from catalogue.formats import dublincore, marcxml
    from catalogue.formats.base import RawRecord
    from catalogue.formats.unimarc.reader import parsed_from_raw
    from catalogue.records import MarcField
    unit = "Direction de l'évaluation et de la prospective"
    field = MarcField(tag="710", indicators="02", subfields=(
        ("a", "France"), ("b", "Ministère de l'éducation nationale"), ("b", unit),
        ("4", "070")))
    raw = RawRecord(position=1, offset=0, raw=b"", leader="00000nam0 2200000   450 ",
                    fields=(MarcField(tag="001", data="dep1"),
                            MarcField(tag="200", indicators="1 ", subfields=(("a", "Titre"),)),
                            field), charset="utf-8", warnings=())
    record = parsed_from_raw(raw, "crpv").record
    assert record is not None
    (agent,) = record.agents
    assert agent.display() == ("France. Ministère de l'éducation nationale. "
                               "Direction de l'évaluation et de la prospective")
    written = unimarc.to_iso2709(record)
    assert written.count(b"\x1fb") == 2 and unit.encode() in written
    (again,) = [p.record for p in unimarc.read(io.BytesIO(written), "crpv")]
    assert again == record
    assert dict(dublincore.dc_values(record))["creator"] == agent.display()
    xml = marcxml.records_to_xml([record], flavour="marc21").decode()
    assert xml.count('<marc:subfield code="b">') == 2 and unit in xml


def test_repeated_physical_and_series_subfields_are_all_kept() -> None:
    from catalogue.formats.base import RawRecord
    from catalogue.formats.unimarc.reader import parsed_from_raw
    from catalogue.records import MarcField
    raw = RawRecord(position=1, offset=0, raw=b"", leader="00000nam0 2200000   450 ",
                    fields=(MarcField(tag="001", data="r1"),
                            MarcField(tag="200", indicators="1 ", subfields=(("a", "T"),)),
                            MarcField(tag="215", indicators="  ", subfields=(
                                ("a", "1 vol. (120 p.)"), ("d", "24 cm"), ("e", "1 CD"),
                                ("e", "1 livret"))),
                            MarcField(tag="225", indicators="2 ", subfields=(
                                ("a", "Repères"), ("i", "Politique de la ville"),
                                ("i", "Quartiers"), ("v", "12"), ("v", "3")))),
                    charset="utf-8", warnings=())
    record = parsed_from_raw(raw, "crpv").record
    assert record is not None
    assert record.physical[0].accompanying == "1 CD + 1 livret"
    assert record.series[0].part_title == "Politique de la ville. Quartiers"
    assert record.series[0].number == "12 ; 3"
    (again,) = [p.record for p in unimarc.read(io.BytesIO(unimarc.to_iso2709(record)), "crpv")]
    assert again == record
