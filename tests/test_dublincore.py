"""Simple Dublin Core: recorded OAI responses in, oai_dc.xsd-valid documents out."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from lxml import etree

from catalogue.formats import dublincore, marc21, unimarc, xmlsafe
from catalogue.formats.base import FormatError, Parsed
from catalogue.records import (
    Agent,
    AttachedDocument,
    CustomField,
    Descriptor,
    Identifier,
    Indexing,
    Link,
    Physical,
    Publication,
    Record,
    SerialLink,
    Series,
    Title,
    replace,
)

OAI_FILES = [
    "oai_responses/sickle/GetRecord.xml",
    "oai_responses/sickle/ListRecords.xml",
    "oai_responses/pyoai/fake1/00005.xml",
    "oai_responses/invenio/sample_oai_dc_response.xml",
    "oai_responses/xoai/oai_dc-valid.xml",
]


def dc_elements(path: Path) -> list[etree._Element]:
    root = xmlsafe.fromstring(path.read_bytes())
    return list(root.iter(f"{{{dublincore.OAI_DC}}}dc"))


def read(data: bytes | Path) -> list[Parsed]:
    stream = io.BytesIO(data) if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115
    with stream:
        return list(dublincore.read(stream, "partner"))


def values(element: etree._Element, name: str) -> list[str]:
    return [e.text or "" for e in element.iter(f"{{{dublincore.DC}}}{name}")]


@pytest.fixture(scope="module")
def oai_dc_schema(shared_data: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(shared_data / "schemas/oai_dc.xsd"), parser))


def full_record() -> Record:
    """A record using every field the DC writer maps, with NFD text to normalise."""
    return Record(
        source="crpv", source_id="42",
        title=Title(main="La ville", subtitle=("politiques et pratiques",),
                    parallel=("The city",)),
        doc_type="a", bib_level="m",
        agents=(Agent(name="Dupont", rest="Marie", level=0, roles=("070",)),
                Agent(name="Durand", rest="Anne", level=1),
                Agent(name="Martin", rest="Paul", level=2, roles=("730",)),
                Agent(name="Observatoire des villes", rest="Service études", kind="corporate",
                      level=1)),
        publications=(Publication(places=("Paris",), publishers=("La Découverte",),
                                  dates=("DL 2019",)),),
        physical=(Physical(extent="250 p.", dimensions="22 cm"),),
        series=(Series(tag="225", title="Repères", number="712"),),
        serial_links=(SerialLink(tag="461", title="Revue urbaine", number="n° 12",
                                 issn="0000-0019"),),
        general_notes=("Index.",), contents_notes=("Introduction -- La ville",),
        abstracts=("Un re\u0301sume\u0301.",),
        languages=("fre",),
        identifiers=(Identifier(scheme="isbn", value="978-2-7071-9990-2"),
                     Identifier(scheme="issn", value="1234-5679"),
                     Identifier(scheme="doi", value="10.1000/182"),
                     Identifier(scheme="isbn", value="2070368227", invalid=True)),
        descriptors=(Descriptor(label="Politique de la ville", subdivisions=(("y", "France"),)),),
        keywords=("quartiers",),
        indexing=(Indexing(code="307.76", label="Sociologie urbaine"),),
        links=(Link(url="https://example.org/42"),),
        documents=(AttachedDocument(url="https://example.org/doc_num.php?explnum_id=7"),),
        custom_fields=(CustomField(name="cp_public", value="oui"),),
    )


# --- reading --------------------------------------------------------------------------


def test_get_record_response(shared_data: Path) -> None:
    (element,) = dc_elements(shared_data / "oai_responses/sickle/GetRecord.xml")
    record, notes = dublincore.from_element(element, "partner", "oai:test.example.com:1996652")
    assert record.source_id == "oai:test.example.com:1996652"
    assert record.marc_flavour == "dc"
    assert record.title.main == "Sample Title"
    assert [(a.name, a.level) for a in record.agents] == [("John Doe", 0)]  # given twice
    assert any("kept once" in n for n in notes)
    assert record.languages == ("eng",)
    assert record.publications == (Publication(publishers=("Sample Publisher",),
                                               dates=("2011",)),)
    assert record.year() == 2011
    assert (record.doc_type, record.bib_level) == ("a", "a")  # text, article
    assert [cf.value for cf in record.custom_fields if cf.name == "dc:type"] == [
        "info:eu-repo/semantics/article", "doc-type:article", "text"]
    assert CustomField(name="dc:source", value="Sample Source") in record.custom_fields
    assert record.links == (Link(url="http://test.example.com/publication/1996652"),)
    (parsed,) = read(shared_data / "oai_responses/sickle/GetRecord.xml")
    assert parsed.ok and parsed.source_id == "http://test.example.com/publication/1996652"
    assert parsed.record == replace(record, source_id=parsed.source_id)


def test_pyoai_list_records(shared_data: Path) -> None:
    parsed = read(shared_data / "oai_responses/pyoai/fake1/00005.xml")
    assert len(parsed) == 16 and all(p.ok for p in parsed)
    found = [p.record for p in parsed if p.record is not None]
    first = found[0]
    assert first.title.main == "Kijken in het brein: Over de mogelijkheden van neuromarketing"
    assert [(a.name, a.rest, a.level) for a in first.agents] == [("Smidts", "A.", 2)]
    assert first.isbns() == ("90-5892-036-4",)
    assert parsed[0].source_id == "90-5892-036-4"  # the first dc:identifier
    assert first.links == (Link(url="http://hdl.handle.net/1765/308"),)
    assert "neuromarketing" in first.keywords and len(first.keywords) == 13
    assert first.languages == ()
    assert CustomField(name="dc:language", value="other") in first.custom_fields
    assert [ph.extent for ph in first.physical] == ["995607", "application/pdf"]
    assert first.publications[0].dates == ("2003-04-15T10:18:51Z",)  # given 3 times
    assert len(first.abstracts) == 2
    assert found[1].isbns() == ("90-5892-032-1",)  # "90 - 5892 - 032 - 1"
    assert found[2].languages == ("dut",)  # "nl"
    assert found[7].issns() == ("1566-5283",)
    assert [a.display() for a in found[13].agents] == [
        "Berg, J. van den", "Bergh, W.M. van den", "Kaymak, U."]
    assert found[15].title.main == "Predicting Customer Lifetime Value in Multi-Service Industries"


def test_identifiers_languages_types_and_dewey() -> None:
    cases = {
        "urn:isbn:978-2-07-036822-8": Identifier(scheme="isbn", value="978-2-07-036822-8"),
        "ISBN 2-07-036822-X": Identifier(scheme="isbn", value="2-07-036822-X"),
        "9782070368228": Identifier(scheme="isbn", value="9782070368228"),
        "9782070368229": Identifier(scheme="uri", value="9782070368229"),  # bad check digit
        "ISSN 0395-2649": Identifier(scheme="issn", value="0395-2649"),
        "0395-2649": Identifier(scheme="issn", value="0395-2649"),
        "doi:10.1000/182": Identifier(scheme="doi", value="10.1000/182"),
        "https://doi.org/10.1000/182": Identifier(scheme="doi", value="10.1000/182"),
        "10.1000/182": Identifier(scheme="doi", value="10.1000/182"),
        "https://hal.science/hal-1": Link(url="https://hal.science/hal-1"),
        "hdl:1765/308": Identifier(scheme="uri", value="hdl:1765/308"),
    }
    for value, expected in cases.items():
        assert dublincore.identifier(value) == expected, value
    assert [dublincore.language(v) for v in ("fr", "fr-FR", "fra", "eng", "English", "xx-1")] \
        == ["fre", "fre", "fre", "eng", "eng", ""]
    doc = (f'<oai_dc:dc xmlns:oai_dc="{dublincore.OAI_DC}" xmlns:dc="{dublincore.DC}">'
           "<dc:title>Carte</dc:title><dc:type>Image</dc:type>"
           "<dc:type>Document cartographique imprimé</dc:type>"
           "<dc:subject>ddc: 912.44</dc:subject><dc:subject>305.8</dc:subject>"
           "<dc:subject>100 ans de cartes</dc:subject></oai_dc:dc>").encode()
    (parsed,) = read(doc)
    assert parsed.record is not None
    assert parsed.record.doc_type == "e"  # our French label wins over the DCMI term
    assert [ix.code for ix in parsed.record.indexing] == ["912.44", "305.8"]
    assert parsed.record.keywords == ("100 ans de cartes",)
    assert parsed.source_id == "dc-1"


def test_problems_are_reported_per_record() -> None:
    doc = (f'<list xmlns:dc="{dublincore.DC}">'
           "<dc><dc:title>Un</dc:title><dc:identifier>a1</dc:identifier></dc>"
           "<dc><title>sans espace de noms</title></dc>"
           "<dc><dc:title>Trois</dc:title></dc>"
           "<dc><dc:title>Quatre</dc:title></oops></list>").encode()
    parsed = read(doc)
    assert [p.ok for p in parsed] == [True, False, True, False]
    assert parsed[0].source_id == "a1" and parsed[2].source_id == "dc-3"
    assert "no Dublin Core element" in parsed[1].error
    assert "not well-formed" in parsed[3].error
    with pytest.raises(FormatError):
        read(b"this is not XML")


# --- writing --------------------------------------------------------------------------


def test_full_record_mapping_and_nfc(oai_dc_schema: etree.XMLSchema) -> None:
    element = dublincore.to_element(full_record())
    oai_dc_schema.assertValid(element)
    assert values(element, "title") == ["La ville : politiques et pratiques", "The city"]
    assert values(element, "creator") == ["Dupont, Marie", "Durand, Anne",
                                          "Observatoire des villes. Service études"]
    assert values(element, "contributor") == ["Martin, Paul"]
    assert values(element, "subject") == ["Politique de la ville -- France", "quartiers",
                                          "307.76 Sociologie urbaine"]
    assert values(element, "description") == ["Un résumé.", "Introduction -- La ville",
                                              "Index."]
    assert unicodedata.is_normalized("NFC", values(element, "description")[0])
    assert values(element, "publisher") == ["La Découverte"]
    assert values(element, "date") == ["2019"]
    assert values(element, "type") == ["Text", "Texte imprimé"]
    assert values(element, "format") == ["250 p."]
    assert values(element, "identifier") == [
        "URN:ISBN:978-2-7071-9990-2", "URN:ISSN:1234-5679", "https://doi.org/10.1000/182",
        "https://example.org/42", "https://example.org/doc_num.php?explnum_id=7"]
    assert values(element, "language") == ["fre"]
    assert values(element, "relation") == ["Repères ; 712",
                                           "Revue urbaine, n° 12 (ISSN 0000-0019)"]
    assert values(element, "rights") == []
    document = etree.fromstring(dublincore.to_xml(full_record()))
    assert document.tag == f"{{{dublincore.OAI_DC}}}dc"


def test_records_of_every_kind_validate(shared_data: Path, oai_dc_schema: etree.XMLSchema
                                        ) -> None:
    found: list[Record] = []
    with open(shared_data / "marc21/marc-perl/camel.usmarc", "rb") as fh:
        found += [p.record for p in marc21.read(fh, "t") if p.record is not None]
    with open(shared_data / "unimarc/bnf/serie-HarryPotter.pan", "rb") as fh:
        found += [p.record for p in unimarc.read(fh, "t") if p.record is not None]
    for name in OAI_FILES:
        found += [p.record for p in read(shared_data / name) if p.record is not None]
    assert len(found) > 30
    for record in found:
        oai_dc_schema.assertValid(dublincore.to_element(record))
    camel = dublincore.to_element(found[0])
    assert values(camel, "title") == ["ActivePerl with ASP and ADO"]
    assert values(camel, "creator") == ["Martinsson, Tobias"]
    assert "URN:ISBN:0471383147" in values(camel, "identifier")
    assert values(camel, "subject")[0] == "Perl (Computer program language)"
    potter = dublincore.to_element(found[10])
    assert values(potter, "title") == ["Harry Potter et l'ordre du Phénix"]
    assert values(potter, "creator") == ["Rowling, Joanne Kathleen"]


@pytest.mark.parametrize("name", OAI_FILES)
def test_dc_record_dc_keeps_the_essentials(shared_data: Path, name: str) -> None:
    for element in dc_elements(shared_data / name):
        record, _ = dublincore.from_element(element, "partner", "x")
        out = dublincore.to_element(record)
        for dc_name in ("title", "creator", "contributor", "subject"):
            # Whitespace is collapsed, empty elements and repeats dropped.
            given = [" ".join(v.split()) for v in values(element, dc_name)]
            assert values(out, dc_name) == list(dict.fromkeys(v for v in given if v))
        again, _ = dublincore.from_element(out, "partner", "x")
        assert again.identifiers == record.identifiers and again.links == record.links
        assert again.agents == record.agents and again.keywords == record.keywords
        assert again.title == record.title and again.indexing == record.indexing
        written = " ".join(values(out, "identifier"))
        for ident in record.identifiers:
            assert ident.value in written


# --- places and times: dc:coverage ------------------------------------------------------


def territorial_record() -> Record:
    """A watch-like record: topical subjects (606), territories (607), a period literal."""
    return Record(
        source="crpv", source_id="v1", title=Title(main="Un contrat de ville renouvelé"),
        descriptors=(Descriptor(label="Politique de la ville"),
                     Descriptor(label="Toulouse (31)", tag="607"),
                     Descriptor(label="Haute-Garonne (31)", tag="607"),
                     Descriptor(label="France", tag="607", subdivisions=(("x", "Histoire"),))),
        keywords=("quartiers",),
        custom_fields=(CustomField(name="dc:coverage", value="1990-2000"),),
    )


def test_territories_are_written_as_coverage_not_subject(oai_dc_schema: etree.XMLSchema
                                                         ) -> None:
    element = dublincore.to_element(territorial_record())
    oai_dc_schema.assertValid(element)
    assert values(element, "subject") == ["Politique de la ville", "quartiers"]
    assert values(element, "coverage") == ["Toulouse (31)", "Haute-Garonne (31)",
                                           "France -- Histoire", "1990-2000"]


def test_coverage_is_read_back_as_territories_and_times() -> None:
    again, notes = dublincore.from_element(dublincore.to_element(territorial_record()),
                                           "partner", "v1")
    assert notes == []
    assert again.descriptors == (Descriptor(label="Toulouse (31)", tag="607"),
                                 Descriptor(label="Haute-Garonne (31)", tag="607"),
                                 Descriptor(label="France", tag="607",
                                            subdivisions=(("x", "Histoire"),)))
    assert again.keywords == ("Politique de la ville", "quartiers")
    assert [c for c in again.custom_fields if c.name != "dc:type"] == [
        CustomField(name="dc:coverage", value="1990-2000")]
    # Written again, the same elements come out: the round trip is stable.
    assert dublincore.dc_values(again)[-4:] == [
        ("coverage", "Toulouse (31)"), ("coverage", "Haute-Garonne (31)"),
        ("coverage", "France -- Histoire"), ("coverage", "1990-2000")]


@pytest.mark.parametrize(("value", "time"), [
    ("1990-2000", True), ("XXe siècle", True), ("XIXe-XXe siècles", True),
    ("années 1980", True), ("vers 1900", True), ("2015", True), ("Moyen Âge", True),
    ("IIIe millénaire av. J.-C.", True), ("start=1990; end=2000; scheme=W3C-DTF", True),
    ("east=2.35; north=48.85", True),
    ("Toulouse (31)", False), ("Île-de-France", False), ("Lille", False), ("Vic", False),
    ("75", False), ("Quartier du Mirail", False), ("France -- Histoire", False),
])
def test_coverage_times_and_places(value: str, time: bool) -> None:
    assert dublincore.is_time(value) is time
    doc = (f'<oai_dc:dc xmlns:oai_dc="{dublincore.OAI_DC}" xmlns:dc="{dublincore.DC}">'
           f"<dc:title>T</dc:title><dc:coverage>{value}</dc:coverage></oai_dc:dc>").encode()
    (parsed,) = read(doc)
    assert parsed.record is not None
    places = [d.label for d in parsed.record.descriptors if d.tag == "607"]
    literals = [c.value for c in parsed.record.custom_fields if c.name == "dc:coverage"]
    assert (literals, places) == (([value], []) if time else ([], [value.split(" -- ")[0]]))


def test_dcterms_spatial_and_temporal_refine_coverage(oai_dc_schema: etree.XMLSchema) -> None:
    """dcterms:spatial is a place whatever it looks like (a partner's "75" included), bar a
    DCMI Point/Box; dcterms:temporal is a time whatever it looks like ("Renaissance")."""
    doc = (f'<oai_dc:dc xmlns:oai_dc="{dublincore.OAI_DC}" xmlns:dc="{dublincore.DC}" '
           f'xmlns:dcterms="{dublincore.DCTERMS}"><dc:title>T</dc:title>'
           "<dcterms:spatial>Villeurbanne</dcterms:spatial>"
           "<dcterms:spatial>France -- Rhône</dcterms:spatial>"
           "<dcterms:spatial>75</dcterms:spatial>"
           "<dcterms:spatial>name=Lyon; east=4.83; north=45.76</dcterms:spatial>"
           "<dcterms:temporal>2015-2020</dcterms:temporal>"
           "<dcterms:temporal>Renaissance</dcterms:temporal>"
           "<dc:coverage>Lille</dc:coverage></oai_dc:dc>").encode()
    (parsed,) = read(doc)
    assert parsed.record is not None and parsed.warnings == ()  # nothing left out
    assert parsed.record.descriptors == (
        Descriptor(label="Lille", tag="607"), Descriptor(label="Villeurbanne", tag="607"),
        Descriptor(label="France", tag="607", subdivisions=(("x", "Rhône"),)),
        Descriptor(label="75", tag="607"))
    assert [c.value for c in parsed.record.custom_fields if c.name == "dc:coverage"] == [
        "name=Lyon; east=4.83; north=45.76", "2015-2020", "Renaissance"]
    # Served back in oai_dc, all of it is dc:coverage (the refinements are DC terms only).
    element = dublincore.to_element(parsed.record)
    oai_dc_schema.assertValid(element)
    assert values(element, "coverage") == [
        "Lille", "Villeurbanne", "France -- Rhône", "75",
        "name=Lyon; east=4.83; north=45.76", "2015-2020", "Renaissance"]
