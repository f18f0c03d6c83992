"""MARC 21 ISO 2709 over real files: mapping, MARC-8, round trips, MARCXML validity."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

from catalogue.formats import marc21, marcxml, unimarc
from catalogue.formats.base import Parsed, RawRecord
from catalogue.records import Agent, Descriptor, Identifier, Item, MarcField, Record, Title

ROUND_TRIP_FILES = [
    "marc21/marc-perl/camel.usmarc",
    "marc21/pymarc/test.dat",
    "marc21/pymarc/utf8_with_leader_flag.dat",
    "marc21/catmandu/camel.mrc",
    "marc21/pymarc/marc8.dat",
]


def read(path: Path | bytes, encoding: str = "auto") -> list[Parsed]:
    if isinstance(path, bytes):
        return list(marc21.read(io.BytesIO(path), "test", encoding))
    with open(path, "rb") as fh:
        return list(marc21.read(fh, "test", encoding))


def records(path: Path) -> list[Record]:
    parsed = read(path)
    assert all(p.ok for p in parsed), [p.error for p in parsed if not p.ok]
    return [p.record for p in parsed if p.record is not None]


def raw(*fields: MarcField, leader: str = "00000nam a2200000 a 4500") -> RawRecord:
    return RawRecord(position=1, offset=0, raw=b"", leader=leader, fields=fields,
                     charset="utf-8")


def df(tag: str, indicators: str, *pairs: tuple[str, str]) -> MarcField:
    return MarcField(tag=tag, indicators=indicators, subfields=pairs)


def reread(record: Record) -> Record:
    (back,) = read(marc21.to_iso2709(record))
    assert back.ok and back.record is not None, back.error
    return back.record


@pytest.fixture(scope="module")
def slim_schema(shared_data: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(shared_data / "schemas/MARC21slim.xsd"), parser))


# --- reading real files ---------------------------------------------------------------


def test_camel_first_record_is_mapped_field_by_field(shared_data: Path) -> None:
    found = records(shared_data / "marc21/marc-perl/camel.usmarc")
    assert len(found) == 10
    first = found[0]
    assert first.source_id == "fol05731351"  # 001 "fol05731351 ": trailing blank dropped
    assert first.marc_flavour == "marc21"
    assert (first.doc_type, first.bib_level, first.hier_level) == ("a", "m", "0")
    assert first.record_status == "c" and first.created == "20000107"
    assert first.title.main == "ActivePerl with ASP and ADO"  # " /" dropped
    assert first.title.responsibility == ("Tobias Martinsson",)  # final period dropped
    assert first.agents == (Agent(name="Martinsson", rest="Tobias", dates="1976-", level=0,
                                  indicators=" 1"),)
    assert first.identifiers == (Identifier(scheme="isbn", value="0471383147",
                                            qualifier="paper/cd-rom : alk. paper"),)
    (pub,) = first.publications
    assert (pub.tag, pub.places, pub.publishers, pub.dates) == (
        "210", ("New York",), ("John Wiley & Sons",), ("2000",))
    (phys,) = first.physical
    assert (phys.extent, phys.illustrations, phys.dimensions) == ("xxi, 289 p.", "ill.", "23 cm.")
    assert phys.accompanying.startswith("1 computer")
    assert first.languages == ("eng",)
    assert first.general_notes == ('"Wiley Computer Publishing."',)
    assert [(d.tag, d.label, d.system) for d in first.descriptors] == [
        ("606", "Perl (Computer program language)", "lcsh"),
        ("605", "Active server pages", "lcsh"),  # 630 after 650: cataloguer's order kept
        ("605", "ActiveX", "lcsh"),
    ]
    assert [(i.code, i.edition, i.tag) for i in first.indexing] == [("005.13/3", "21", "676")]
    assert [f.tag for f in first.unmapped] == ["003", "005", "008", "010", "040", "042", "050"]
    lc_call = next(f for f in first.unmapped if f.tag == "050")
    assert lc_call.subfields == (("a", "QA76.73.P22"), ("b", "M33 2000"))


def test_camel_names_editions_meetings_and_initials(shared_data: Path) -> None:
    found = records(shared_data / "marc21/marc-perl/camel.usmarc")
    dbi = found[1]
    assert [(a.name, a.rest, a.level) for a in dbi.agents] == [
        ("Descartes", "Alligator", 0), ("Bunce", "Tim", 1)]
    reference = found[2]
    assert reference.title.main == "Perl"
    assert reference.title.subtitle == ("programmer's reference",)
    assert reference.title.responsibility == ("Martin C. Brown",)
    assert reference.identifiers == ()
    assert reference.agents[0].rest == "Martin C."  # an initial keeps its period
    assert found[4].edition == ("2nd ed., expanded & updated",)
    conference = found[5]
    (meeting,) = conference.agents
    assert meeting.kind == "corporate" and meeting.indicators[0] == "1"
    assert (meeting.name, meeting.dates, meeting.place) == (
        "Perl Conference 4.0", "2000", "Monterey, Calif.")
    assert conference.edition == ("1st ed.",)  # an abbreviation keeps its period
    assert conference.publications[0].places == ("Cambridge, Mass.",)
    assert conference.descriptors[0].subdivisions == (("j", "Congresses"),)
    assert conference.encoding_level == "2"  # MARC 21 '8' prepublication is UNIMARC '2'
    assert found[7].title.main == "Programming Perl"
    assert [a.display() for a in found[7].agents] == [
        "Wall, Larry", "Christiansen, Tom", "Orwant, Jon"]
    assert found[8].isbns() == ("013020868X",)
    assert found[9].identifiers[0].qualifier == "alk. paper"


def test_the_same_records_in_three_files_read_the_same(shared_data: Path) -> None:
    camel = records(shared_data / "marc21/marc-perl/camel.usmarc")
    assert records(shared_data / "marc21/pymarc/test.dat") == camel
    assert records(shared_data / "marc21/catmandu/camel.mrc") == camel


def test_utf8_record_with_leader_flag(shared_data: Path) -> None:
    (parsed,) = read(shared_data / "marc21/pymarc/utf8_with_leader_flag.dat")
    assert parsed.charset == "utf-8" and parsed.record is not None
    record = parsed.record
    assert record.source_id == "2"
    assert record.title.main == "Escape from loneliness"
    assert record.title.responsibility == ("by Paul Tournier ; translated by John S. Gilmour",)
    assert record.agents[0].display() == "Tournier, Paul"
    assert record.languages == ("eng", "und")  # 041 "engund": codes run together, split
    assert record.general_notes == ("Translation of De la solitude à la communauté.",)
    assert [(d.label, d.system) for d in record.descriptors] == [
        ("Loneliness", "lcsh"), ("Self", "lcsh"), ("Social psychology", "lcsh"),
        ("Loneliness", "mesh"), ("Social Isolation", "mesh")]
    assert record.created == "19840112"


def test_marc8_record_decodes_accents(shared_data: Path) -> None:
    (parsed,) = read(shared_data / "marc21/pymarc/marc8.dat")
    assert parsed.ok and parsed.record is not None
    assert parsed.charset == "marc-8"
    note = parsed.record.general_notes[0]
    assert note == "Translation of De la solitude à la communauté."
    assert unicodedata.is_normalized("NFC", note) and "\u0300" not in note
    uniform = next(f for f in parsed.record.unmapped if f.tag == "240")
    assert uniform.subfields[0] == ("a", "De la solitude à la communauté.")
    # The same record in UTF-8 maps to the same canonical record.
    assert records(shared_data / "marc21/pymarc/utf8_with_leader_flag.dat") == [parsed.record]


def test_broken_records_are_reported_with_their_position(shared_data: Path) -> None:
    parsed = read(shared_data / "marc21/pymarc/bad_records.mrc")
    assert len(parsed) == 9
    # Records 2, 3 and 6 have a wrong base address in their leader; the directory's own
    # terminator shows where it ends, so they are recovered, with a warning saying so.
    assert [p.position for p in parsed if p.ok] == [1, 2, 3, 6, 8]
    assert all(any("base address" in w for w in parsed[n].warnings) for n in (1, 2, 5))
    bad = [p for p in parsed if not p.ok]
    assert all(p.error and p.position for p in bad)
    assert [p.position for p in parsed] == list(range(1, 10))


# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ROUND_TRIP_FILES)
def test_round_trip_gives_the_same_record(shared_data: Path, name: str) -> None:
    found = records(shared_data / name)
    assert found
    for record in found:
        data = marc21.to_iso2709(record)
        assert data[9:10] == b"a"  # UTF-8
        (back,) = read(data)
        assert back.charset == "utf-8"
        assert back.record == record


def test_round_trip_of_every_mapped_field() -> None:
    source = raw(
        MarcField(tag="001", data="k42"),
        MarcField(tag="008", data="200131s2019    fr a          000 0 fre d"),
        df("020", "  ", ("a", "9782070368228 (br.) :"), ("c", "7,50 EUR")),
        df("020", "  ", ("z", "2070368227")),
        df("022", "  ", ("a", "1234-5679"), ("y", "1234-5678")),
        df("024", "7 ", ("a", "10.1000/182"), ("2", "doi")),
        df("041", "1 ", ("a", "fre"), ("a", "eng"), ("h", "ger")),
        df("082", "04", ("a", "305.8"), ("2", "23")),
        df("100", "1 ", ("a", "Dupont, Marie,"), ("d", "1950-"), ("e", "author.")),
        df("245", "13", ("a", "La ville :"), ("b", "politiques et pratiques /"),
           ("c", "Marie Dupont.")),
        df("246", "31", ("a", "The city")),
        df("250", "  ", ("a", "2e éd.")),
        df("264", " 1", ("a", "Paris :"), ("b", "La Découverte,"), ("c", "2019.")),
        df("264", " 4", ("c", "©2019")),
        df("300", "  ", ("a", "250 p. :"), ("b", "ill. ;"), ("c", "22 cm")),
        df("490", "1 ", ("a", "Repères ;"), ("v", "712")),
        df("500", "  ", ("a", "Index.")),
        df("505", "0 ", ("t", "Introduction --"), ("t", "La ville")),
        df("520", "  ", ("a", "Un résumé.")),
        df("650", " 7", ("a", "Politique de la ville"), ("z", "France"), ("y", "1990-2020"),
           ("2", "rameau"), ("0", "https://data.bnf.fr/ark:/12148/cb1")),
        df("651", " 0", ("a", "Lyon (France)"), ("x", "Social conditions.")),
        df("653", "  ", ("a", "quartiers"), ("a", "cohésion sociale")),
        df("700", "1 ", ("a", "Martin, Paul"), ("4", "trl")),
        df("700", "1 ", ("a", "Durand, Anne"), ("4", "aut")),
        df("710", "2 ", ("a", "Observatoire des villes."), ("b", "Service études")),
        df("773", "0 ", ("t", "Revue urbaine"), ("x", "0000-0019"), ("g", "n° 12"),
           ("w", "r1")),
        df("830", " 0", ("a", "Repères (La Découverte)"), ("v", "712")),
        df("856", "40", ("u", "https://example.org/k42.pdf"), ("q", "application/pdf"),
           ("z", "Texte intégral")),
        df("852", "  ", ("a", "CRPV"), ("b", "Centre"), ("h", "307.76"), ("i", "DUP"),
           ("p", "B0001")),
        df("952", "  ", ("a", "MAIN"), ("b", "ANNEX"), ("c", "STACKS"), ("o", "307.76 DUP"),
           ("p", "B0002"), ("y", "BK"), ("7", "0"), ("9", "77"), ("d", "2020-01-31")),
        df("952", "  ", ("p", "B0003"), ("7", "1")),
        df("999", "  ", ("c", "77")),
    )
    record, notes = marc21.to_record(source, "test")
    assert notes == []
    assert record.source_id == "k42"
    assert record.title.main == "La ville" and record.title.subtitle == ("politiques et pratiques",)
    assert record.title.parallel == ("The city",)
    assert record.languages == ("fre", "eng") and record.original_languages == ("ger",)
    assert [(i.scheme, i.value, i.qualifier, i.price, i.invalid) for i in record.identifiers] == [
        ("isbn", "9782070368228", "br.", "7,50 EUR", False),
        ("isbn", "2070368227", "", "", True),
        ("issn", "1234-5679", "", "", False),
        ("issn", "1234-5678", "", "", True),
        ("doi", "10.1000/182", "", "", False),
    ]
    assert [(a.display(), a.level, a.roles) for a in record.agents] == [
        ("Dupont, Marie", 0, ("070",)),
        ("Martin, Paul", 2, ("730",)),  # translator: secondary responsibility
        ("Durand, Anne", 1, ("070",)),
        ("Observatoire des villes. Service études", 1, ()),
    ]
    assert record.publications[0].dates == ("2019",)
    assert any(f.tag == "264" and f.indicators == " 4" for f in record.unmapped)
    assert [(s.tag, s.title, s.number) for s in record.series] == [
        ("225", "Repères", "712"), ("410", "Repères (La Découverte)", "712")]
    assert record.contents_notes == ("Introduction -- La ville",)
    rameau, lcsh = record.descriptors
    assert rameau == Descriptor(label="Politique de la ville", tag="606", system="rameau",
                                uri="https://data.bnf.fr/ark:/12148/cb1",
                                subdivisions=(("y", "France"), ("z", "1990-2020")))
    assert (lcsh.tag, lcsh.system, lcsh.subdivisions) == ("607", "lcsh",
                                                          (("x", "Social conditions"),))
    assert record.keywords == ("quartiers", "cohésion sociale")
    assert record.serial_links[0].tag == "463"
    assert (record.serial_links[0].title, record.serial_links[0].number) == ("Revue urbaine",
                                                                              "n° 12")
    assert record.links[0].url == "https://example.org/k42.pdf"
    annex, main, excluded = record.items
    assert (annex.barcode, annex.call_number, annex.owner, annex.loanable) == (
        "B0001", "307.76 DUP", "CRPV", None)
    assert main == Item(barcode="B0002", call_number="307.76 DUP", item_type="BK",
                        owner="MAIN", holder="ANNEX", location="STACKS", status="0",
                        loanable=True,
                        columns=(("itemnumber", "77"), ("dateaccessioned", "2020-01-31")))
    assert excluded.loanable is False
    assert reread(record) == record


def test_relator_terms_and_codes_decide_the_level() -> None:
    record, _ = marc21.to_record(raw(
        MarcField(tag="001", data="r"),
        df("245", "00", ("a", "T")),
        df("700", "1 ", ("a", "Editor, An,"), ("e", "editor.")),
        df("700", "1 ", ("a", "Ill, Us"), ("4", "ill")),
        df("700", "1 ", ("a", "Co, Author"), ("e", "joint author")),
        df("700", "1 ", ("a", "Other, Role"), ("e", "singing coach")),
        df("711", "2 ", ("a", "Colloque"), ("j", "organizer"))), "test")
    assert [(a.name, a.level, a.roles) for a in record.agents] == [
        ("Editor", 2, ("340",)), ("Ill", 2, ("440",)), ("Co", 1, ("070",)),
        ("Other", 1, ("singing coach",)), ("Colloque", 1, ("557",))]
    fields = marc21.to_fields(record)[1]
    written = [f.subfields for f in fields if f.tag in {"700", "711"}]
    assert written[0] == (("a", "Editor, An"), ("4", "edt"))
    assert written[3] == (("a", "Other, Role"), ("e", "singing coach"))
    assert written[4] == (("a", "Colloque"), ("4", "orm"))
    assert reread(record) == record


def test_record_without_001_is_identified_and_deleted_flag_is_read() -> None:
    source = raw(df("035", "  ", ("a", "(OCoLC)123")), df("245", "00", ("a", "T")),
                 leader="00000dam a2200000 a 4500")
    parsed = marc21.parsed_from_raw(source, "test")
    assert parsed.deleted and parsed.source_id == "(OCoLC)123"
    empty = marc21.parsed_from_raw(raw(df("245", "00", ("a", "T"))), "test")
    assert empty.ok and empty.source_id.startswith("nokey-")


def test_clean_drops_isbd_punctuation_but_never_letters() -> None:
    cases = {
        "ActivePerl with ASP and ADO /": "ActivePerl with ASP and ADO",
        "New York :": "New York",
        "John Wiley & Sons,": "John Wiley & Sons",
        "2000.": "2000",
        "Brown, Martin C.": "Brown, Martin C.",
        "3rd ed.": "3rd ed.",
        "xxi, 289 p. :": "xxi, 289 p.",
        "Database management.": "Database management",
        "Et après...": "Et après...",
        "C++": "C++",
    }
    for value, expected in cases.items():
        assert marc21.clean(value) == expected
        assert marc21.clean(expected) == expected


# --- writing any record ---------------------------------------------------------------


def test_unimarc_record_written_as_marc21(shared_data: Path, slim_schema: etree.XMLSchema
                                          ) -> None:
    with open(shared_data / "unimarc/bnf/serie-HarryPotter.pan", "rb") as fh:
        found = [p.record for p in unimarc.read(fh, "bnf") if p.record is not None]
    record = found[0]
    leader, fields = marc21.to_fields(record)
    assert leader[6:8] == "am" and leader[9] == "a" and leader[18] == "c"
    tags = [f.tag for f in fields]
    assert "200" not in tags and "801" not in tags  # UNIMARC unmapped fields stay out
    by_tag = {f.tag: f for f in reversed(fields)}
    assert by_tag["245"].subfields[0] == ("a", "Harry Potter et l'ordre du Phénix")
    assert by_tag["100"].subfields[0] == ("a", "Rowling, Joanne Kathleen")
    assert ("4", "aut") in by_tag["100"].subfields
    assert by_tag["020"].subfields[0] == ("a", "978-2-07-062456-0")
    assert by_tag["008"].data is not None and by_tag["008"].data[35:38] == "fre"
    assert len(by_tag["008"].data) == 40
    back = reread(record)
    assert back.title.main == record.title.main and back.isbns() == record.isbns()
    assert [a.display() for a in back.agents] == [a.display() for a in record.agents]
    for item in found:
        slim_schema.assertValid(marcxml.record_to_element(item, "marc21"))


def test_marc21_output_is_valid_marcxml(shared_data: Path, slim_schema: etree.XMLSchema
                                        ) -> None:
    for name in ROUND_TRIP_FILES:
        for record in records(shared_data / name):
            slim_schema.assertValid(marcxml.record_to_element(record, "marc21"))


def test_invalid_indicators_codes_and_controls_are_repaired() -> None:
    record, notes = marc21.to_record(raw(
        MarcField(tag="001", data="x\x1fy"),
        df("245", "1|", ("a", "Titre\x1b"), ("B", "sous-titre"), ("@", "perdu")),
        df("500", "AB", ("a", "Note")),
        MarcField(tag="0A1", subfields=(("a", "bad"),))), "test")
    assert record.source_id == "xy"
    assert record.title.main == "Titre" and record.title.subtitle == ("sous-titre",)
    (note_field,) = [f for f in record.unmapped if f.tag == "0A1"]
    assert note_field.subfields == (("a", "bad"),)
    assert record.general_notes == ("Note",)
    assert any("subfield code '@'" in n for n in notes)
    leader, fields = marc21.to_fields(record)
    for f in fields:
        assert f.data is not None or all(c.isdigit() or "a" <= c <= "z" for c, _ in f.subfields)
        assert all(ch == " " or ch.isdigit() or "a" <= ch <= "z" for ch in f.indicators)
    assert reread(record) == record


def test_long_field_is_cut_to_fit_iso2709() -> None:
    record = Record(source="test", source_id="long", title=Title(main="Long"),
                    abstracts=("é" * 6000,), marc_flavour="dc")
    (back,) = read(marc21.to_iso2709(record))
    assert back.ok and back.record is not None
    (abstract,) = back.record.abstracts
    assert abstract.endswith(" [...]") and len(abstract.encode("utf-8")) < 9999

