"""MARCXML over real files: namespaces and prefixes, broken parts, UNIMARC, XSD-valid output."""

from __future__ import annotations

import io
import time
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lxml import etree

from catalogue.formats import marcxml, pmbxml
from catalogue.formats.base import FormatError, Parsed, RawRecord
from catalogue.records import MarcField, Record, Title

SLIM = "{http://www.loc.gov/MARC21/slim}"


def read(path: Path, **kwargs: str) -> list[Parsed]:
    with open(path, "rb") as fh:
        return list(marcxml.read(fh, "test", **kwargs))


def read_raw(data: bytes | Path, encoding: str = "auto") -> list[RawRecord | Parsed]:
    if isinstance(data, Path):
        data = data.read_bytes()
    return list(marcxml.read_raw(io.BytesIO(data), encoding))


def raws(data: bytes | Path) -> list[RawRecord]:
    items = read_raw(data)
    assert all(isinstance(i, RawRecord) for i in items), items
    return [i for i in items if isinstance(i, RawRecord)]


def subfields(raw: RawRecord, tag: str, code: str) -> list[str]:
    return [v for f in raw.fields if f.tag == tag for c, v in f.subfields if c == code]


def records(parsed: list[Parsed]) -> list[Record]:
    assert all(p.ok for p in parsed), [p.error for p in parsed if not p.ok]
    return [p.record for p in parsed if p.record is not None]


@pytest.fixture(scope="session")
def marc21() -> ModuleType:
    """The MARC21 mapping, written in parallel: its tests wait for it."""
    module: ModuleType = pytest.importorskip(
        "catalogue.formats.marc21", reason="catalogue.formats.marc21 is not written yet")
    return module


@pytest.fixture(scope="session")
def slim_schema(shared_data: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(shared_data / "schemas/MARC21slim.xsd"), parser))


# --- reading MARC21 -------------------------------------------------------------------


def test_default_namespace_and_prefix_give_the_same_fields(shared_data: Path) -> None:
    plain = raws(shared_data / "marc21/marc-perl/batch.xml")
    prefixed = raws(shared_data / "marc21/marc-perl/batch-ns.xml")
    assert len(plain) == len(prefixed) == 10
    assert [r.position for r in plain] == list(range(1, 11))
    for a, b in zip(plain, prefixed, strict=True):
        assert a.leader == b.leader and len(a.leader) == 24
        assert a.fields == b.fields
        assert a.charset == "utf-8"
    titles = [subfields(r, "245", "a")[0] for r in plain]
    assert titles[0] == "ActivePerl with ASP and ADO /"
    assert titles.count("Perl :") == 2 and len(set(titles)) == 9
    first = plain[0]
    assert first.fields[0] == MarcField(tag="001", data="fol05731351 ")  # trailing blank kept
    assert ("c", "DLC") in next(f for f in first.fields if f.tag == "040").subfields
    assert b"ActivePerl" in first.raw and first.raw.lstrip().startswith(b"<")
    assert first.offset == 3  # the line of <record>


def test_batch_with_and_without_prefix_give_equal_titles(shared_data: Path, marc21: ModuleType
                                                         ) -> None:
    plain = records(read(shared_data / "marc21/marc-perl/batch.xml"))
    prefixed = records(read(shared_data / "marc21/marc-perl/batch-ns.xml"))
    assert len(plain) == len(prefixed) == 10
    assert [r.title for r in plain] == [r.title for r in prefixed]
    assert plain[0].title.main.startswith("ActivePerl with ASP and ADO")
    assert all(r.marc_flavour == "marc21" for r in plain)
    assert plain == prefixed


def test_pymarc_batch_reads_two_lc_records(shared_data: Path) -> None:
    batch = raws(shared_data / "marc21/pymarc/batch.xml")
    assert [subfields(r, "245", "a") for r in batch] == [["The Great Ray Charles"],
                                                         ["The White House"]]
    assert [r.leader[6] for r in batch] == ["j", "m"]


def test_pymarc_batch_maps_with_marc21(shared_data: Path, marc21: ModuleType) -> None:
    found = records(read(shared_data / "marc21/pymarc/batch.xml"))
    assert [r.title.main[:21] for r in found] == ["The Great Ray Charles", "The White House"]


def test_utf8_text_is_read_as_nfc(shared_data: Path) -> None:
    (raw,) = raws(shared_data / "marc21/pymarc/utf8.xml")
    assert subfields(raw, "505", "t") == ["Préludes"]
    assert subfields(raw, "245", "a") == ["Zen Classics"]
    for f in raw.fields:
        for _, value in f.subfields:
            assert unicodedata.is_normalized("NFC", value)


def test_nfd_text_becomes_nfc() -> None:
    doc = ("<record><leader>00000nam a2200000 a 4500</leader>"
           "<controlfield tag='001'>x1</controlfield>"
           "<datafield tag='245' ind1='0' ind2='0'><subfield code='a'>Re\u0301sume\u0301"
           "</subfield></datafield></record>").encode()
    (raw,) = raws(doc)
    assert subfields(raw, "245", "a") == ["Résumé"]


def test_broken_parts_are_reported_and_good_records_kept(shared_data: Path) -> None:
    items = read_raw(shared_data / "marc21/catmandu/broken.xml")
    assert len(items) == 10
    assert all(isinstance(i, RawRecord) for i in items)
    first = items[0]
    assert isinstance(first, RawRecord)
    assert first.position == 1
    assert [w for w in first.warnings if "082" in w and "line 27" in w and "no subfields" in w]
    assert "082" not in {f.tag for f in first.fields}
    assert "100" in {f.tag for f in first.fields}  # the rest of the record is kept
    assert all(not i.warnings for i in items[1:])


def test_broken_file_maps_every_record(shared_data: Path, marc21: ModuleType) -> None:
    parsed = read(shared_data / "marc21/catmandu/broken.xml")
    assert [p.position for p in parsed] == list(range(1, 11))
    assert all(p.ok for p in parsed)
    assert any("082" in w for w in parsed[0].warnings)


def test_fields_outside_a_record_are_one_reported_error(shared_data: Path) -> None:
    parsed = read(shared_data / "marc21/marc-perl/invalid.xml")
    assert len(parsed) == 1
    (error,) = parsed
    assert not error.ok and error.position == 1 and error.offset == 6
    assert "<datafield>" in error.error and "outside any <record>" in error.error
    assert b"barcode2" in error.raw


def test_empty_record_is_an_error_not_an_exception(shared_data: Path) -> None:
    (parsed,) = read(shared_data / "marc21/marc-perl/empty-record.xml")
    assert not parsed.ok and parsed.position == 1
    assert parsed.error == "empty <record>: no leader and no fields"


def test_record_in_no_namespace_inside_slim_collection(shared_data: Path) -> None:
    (raw,) = raws(shared_data / "marc21/marc-perl/namespace.xml")
    assert raw.leader == "-----nas-a22-----z--4500"
    assert subfields(raw, "245", "a") == ["19th century music"]
    assert subfields(raw, "035", "a") == ["(IlDesEIS)954925475457"]
    f022 = next(f for f in raw.fields if f.tag == "022")
    assert f022.indicators == "  "  # ind1="" ind2=""
    assert any("empty indicators" in w for w in raw.warnings)
    assert len(read(shared_data / "marc21/marc-perl/namespace.xml")) == 1


def test_subfield_code_zero_is_kept(shared_data: Path) -> None:
    (raw,) = raws(shared_data / "marc21/marc-perl/subfield0.xml")
    (f245,) = [f for f in raw.fields if f.tag == "245"]
    assert f245.subfields == (("a", "19th century music"), ("h", "[electronic resource]"),
                              ("0", "subfield $0 contents"))
    (parsed,) = read(shared_data / "marc21/marc-perl/subfield0.xml")
    assert parsed.position == 1 and (parsed.ok or parsed.error)


def test_bad_tag_is_a_clear_error(shared_data: Path) -> None:
    (parsed,) = read(shared_data / "marc21/pymarc/bad_tag.xml")
    assert not parsed.ok and parsed.position == 1 and parsed.offset == 2
    assert parsed.error == ("bad tag '42' in <datafield> at line 12: "
                            "a tag is three letters or digits")
    assert b"The Untamed" in parsed.raw


def test_short_leader_is_padded_and_noted() -> None:
    doc = (b"<record><leader>      Z   22 4500</leader>"
           b"<controlfield tag='001'>1</controlfield></record>")
    (raw,) = raws(doc)
    assert raw.leader == "      Z   22 4500       " and len(raw.leader) == 24
    assert any("malformed leader" in w and "17 characters" in w for w in raw.warnings)


def test_record_without_leader_is_an_error() -> None:
    doc = (b"<collection><record><controlfield tag='001'>1</controlfield></record>"
           b"<record><leader>00000nam a2200000 a 4500</leader>"
           b"<controlfield tag='001'>2</controlfield></record></collection>")
    first, second = read_raw(doc)
    assert isinstance(first, Parsed) and first.error == "record has no <leader>"
    assert isinstance(second, RawRecord) and second.position == 2


# --- not well-formed, not XML, hostile XML ---------------------------------------------


def test_truncated_file_keeps_the_records_before_the_break(shared_data: Path) -> None:
    data = (shared_data / "marc21/marc-perl/batch.xml").read_bytes()
    starts = [n for n in range(len(data)) if data.startswith(b"<record>", n)]
    items = read_raw(data[: starts[5] + 200])  # in the middle of the sixth record
    assert [i.position for i in items] == [1, 2, 3, 4, 5, 6]
    assert all(isinstance(i, RawRecord) for i in items[:-1])
    last = items[-1]
    assert isinstance(last, Parsed) and not last.ok
    assert last.error.startswith("XML is not well-formed: ")
    assert last.error.endswith(f"(line {last.offset})") and last.offset > 1


def test_a_break_late_in_a_large_file_keeps_every_record_around_it(shared_data: Path) -> None:
    data = (shared_data / "marc21/marc-perl/batch-ns.xml").read_bytes()
    start = data.index(b"<marc:record>")
    end = data.rindex(b"</marc:collection>")
    body = data[start:end]
    doc = data[:start] + body * 40 + b"<marc:record><marc:leader>broken</marc:record>" + body
    items = read_raw(doc)
    # 400 records, the broken one, the 10 after it, then the cut end (no root end tag).
    assert len(items) == 412
    assert all(isinstance(i, RawRecord) for i in items[:400] + items[401:411])
    assert isinstance(items[400], Parsed) and isinstance(items[411], Parsed)
    assert "Opening and ending tag mismatch" in items[400].error
    assert [i.position for i in items] == list(range(1, 413))
    first_after = items[401]
    assert isinstance(first_after, RawRecord)
    at = doc.index(b"<marc:record>", doc.index(b"broken"))
    assert first_after.offset == doc.count(b"\n", 0, at) + 1  # the file's line, not the parser's


def test_not_xml_at_all_is_a_format_error(shared_data: Path) -> None:
    with open(shared_data / "marc21/catmandu/camel.mrc", "rb") as fh, \
            pytest.raises(FormatError, match="not XML"):
        list(marcxml.read(fh, "test"))
    with pytest.raises(FormatError, match="empty"):
        list(marcxml.read(io.BytesIO(b"  \n"), "test"))


def test_an_unusable_encoding_is_a_format_error() -> None:
    with pytest.raises(FormatError, match="iso-5426"):
        list(marcxml.read(io.BytesIO(b"<collection/>"), "test", encoding="iso-5426"))


def test_forced_encoding_reads_an_undeclared_latin1_file(shared_data: Path) -> None:
    text = (shared_data / "unimarc/bsg-xml/marcxml_bsg_nordiquenumerisation.xml").read_text(
        encoding="utf-8")
    body = text[text.index("<collection>"):]
    data = body.encode("iso-8859-1", errors="xmlcharrefreplace")
    broken = read_raw(data)  # read as UTF-8, the default without a declaration
    assert isinstance(broken[-1], Parsed) and "not well-formed" in broken[-1].error
    fixed = read_raw(data, "iso-8859-1")
    assert len(fixed) == 4 and all(isinstance(i, RawRecord) for i in fixed)
    assert isinstance(fixed[0], RawRecord)
    assert "thet är åthskillige påminnelser uthi rättegångs saker ..." in subfields(
        fixed[0], "200", "e")


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE collection [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<collection><record><leader>00000nam  2200000   450 </leader>
<controlfield tag="001">bomb</controlfield>
<datafield tag="200" ind1="1" ind2=" "><subfield code="a">&lol9;</subfield></datafield>
</record></collection>"""


def xxe(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE collection [<!ENTITY xxe SYSTEM "{target}">]>
<collection><record><leader>00000nam  2200000   450 </leader>
<controlfield tag="001">xxe</controlfield>
<datafield tag="200" ind1="1" ind2=" "><subfield code="a">A&xxe;B</subfield></datafield>
</record></collection>""".encode()


def everything(parsed: list[Parsed]) -> str:
    return repr([(p.record, p.error, p.warnings, p.raw) for p in parsed])


def test_billion_laughs_is_not_expanded() -> None:
    began = time.monotonic()
    parsed = list(marcxml.read(io.BytesIO(BOMB), "test"))
    assert time.monotonic() - began < 5
    assert parsed, "the reader says something about the document"
    assert "lollollol" not in everything(parsed)
    # libxml2 refuses the document; an older one would at least leave it unexpanded.
    assert any(p.error.startswith("XML refused") for p in parsed) or all(p.ok for p in parsed)


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    for target in (secret.as_uri(), "file:///etc/passwd"):
        (parsed,) = list(marcxml.read(io.BytesIO(xxe(target)), "test"))
        text = everything([parsed])
        assert "TOP-SECRET-MARKER" not in text and "root:" not in text
        assert parsed.record is not None and parsed.record.title.main == "AB"
        assert any("&xxe;" in w and "unexpanded" in w for w in parsed.warnings)


def test_pmb_reader_is_hardened_too(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    doc = f"""<?xml version="1.0"?>
<!DOCTYPE unimarc [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
<unimarc><notice><rs>n</rs><dt>a</dt><bl>m</bl><hl>0</hl><el>1</el><ru>i</ru>
<f c="001">1</f><f c="200" ind="1 "><s c="a">A&xxe;B</s></f></notice></unimarc>""".encode()
    text = everything(list(pmbxml.read(io.BytesIO(doc), "test")))
    assert "TOP-SECRET-MARKER" not in text
    bomb = BOMB.replace(b"collection", b"unimarc").replace(b"<record>", b"<notice>")
    assert "lollollol" not in everything(list(pmbxml.read(io.BytesIO(bomb), "test")))


def test_marc_records_inside_an_oai_envelope(shared_data: Path) -> None:
    data = (shared_data / "oai_responses/invenio/sample_inspire_response_listrecords.xml"
            ).read_bytes()
    found = raws(data)
    assert len(found) == 2
    assert all(r.fields and len(r.leader) == 24 for r in found)


# --- UNIMARC in MARCXML structure --------------------------------------------------------


def test_unimarc_without_namespace(shared_data: Path) -> None:
    path = shared_data / "unimarc/bsg-xml/marcxml_bsg_nordiquenumerisation.xml"
    found = records(read(path))
    assert len(found) == 4
    assert all(r.marc_flavour == "unimarc" and r.title.main for r in found)
    assert [r.source_id for r in found] == ["1/1188528", "1/306661", "1/428946", "1/428983"]
    assert found[0].title.main.startswith("Observationes juris practicae")
    assert found[2].title.main == "Conférences du Palais du Trocadéro"
    assert found[0].languages == ("swe",)
    assert found == records(read(path, flavour="unimarc"))


def test_flavour_is_decided_per_record() -> None:
    fields_200 = [MarcField(tag="001", data="1"), MarcField(tag="200", subfields=(("a", "T"),))]
    assert marcxml.detect_flavour(fields_200) == "unimarc"
    both = [*fields_200, MarcField(tag="245", subfields=(("a", "T"),))]
    assert marcxml.detect_flavour(both) == "marc21"
    assert marcxml.detect_flavour([MarcField(tag="001", data="1")]) == "marc21"
    with pytest.raises(FormatError, match="flavour"):
        list(marcxml.read(io.BytesIO(b"<collection/>"), "test", flavour="usmarc"))


# --- writing -------------------------------------------------------------------------------


def test_marc21_fields_written_are_schema_valid(shared_data: Path,
                                                slim_schema: etree.XMLSchema) -> None:
    source = raws(shared_data / "marc21/marc-perl/batch.xml")
    for prefix in (None, "marc"):
        nsmap: Any = {prefix: SLIM[1:-1]}  # lxml-stubs reject the None (default) prefix
        collection = etree.Element(SLIM + "collection", nsmap=nsmap)
        for raw in source:
            collection.append(marcxml.to_element(raw.leader, list(raw.fields), prefix))
        slim_schema.assertValid(collection)
        back = raws(etree.tostring(collection))
        assert [r.fields for r in back] == [r.fields for r in source]
        assert [r.leader for r in back] == [r.leader for r in source]


def test_marc21_records_written_are_schema_valid(shared_data: Path, marc21: ModuleType,
                                                 slim_schema: etree.XMLSchema) -> None:
    found = records(read(shared_data / "marc21/marc-perl/batch.xml"))
    buffer = io.BytesIO()
    assert marcxml.write_collection(found, buffer, flavour="marc21") == 10
    document = etree.fromstring(buffer.getvalue())
    slim_schema.assertValid(document)
    assert records(list(marcxml.read(io.BytesIO(buffer.getvalue()), "test"))) == found
    single = etree.fromstring(marcxml.to_xml(found[0], "marc21"))
    slim_schema.assertValid(single)


def test_unimarc_round_trip_through_slim_structure(shared_data: Path) -> None:
    path = shared_data / "unimarc/bsg-xml/marcxml_bsg_nordiquenumerisation.xml"
    found = records(read(path))
    data = marcxml.records_to_xml(found, flavour="unimarc")
    root = etree.fromstring(data)
    assert root.tag == SLIM + "collection" and root.prefix == "marc"
    assert len(root) == 4 and all(child.tag == SLIM + "record" for child in root)
    assert records(list(marcxml.read(io.BytesIO(data), "test"))) == found
    leader = root.find(f"{SLIM}record/{SLIM}leader")
    assert leader is not None and leader.text is not None and leader.text.endswith("450 ")


def test_pmb_records_survive_marcxml(shared_data: Path) -> None:
    path = shared_data / "unimarc/pmb-xml-generated/kentika_fixed.pmbxml.utf-8.xml"
    with open(path, "rb") as fh:
        found = records(list(pmbxml.read(fh, "test")))
    buffer = io.BytesIO()
    marcxml.write_collection(found, buffer, prefix=None)
    assert records(list(marcxml.read(io.BytesIO(buffer.getvalue()), "test"))) == found


def test_characters_xml_cannot_carry_are_replaced() -> None:
    record = Record(source="test", source_id="1\x1b", title=Title(main="Bad\x00 \x1b text"))
    data = marcxml.to_xml(record)
    (parsed,) = list(marcxml.read(io.BytesIO(data), "test"))
    assert parsed.record is not None
    assert parsed.record.title.main == "Bad\ufffd \ufffd text"

