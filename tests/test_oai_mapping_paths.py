"""The harvest mapping worker's fast paths read what the plain paths read.

A ListRecords page is mapped record by record in a worker: header children are matched
by lxml (``{*}name``), a Dublin Core payload is checked and read in one pass, ASCII text
skips normalisation, and the union keys take ASCII short cuts. Each test states the
behaviour the slower code had, on the odd inputs partners send.
"""

from __future__ import annotations

import unicodedata

from lxml import etree

from catalogue import union
from catalogue.formats import dublincore
from harvesters import oai_protocol as oai
from harvesters.oai_pages import map_body, map_records, unpack

DCNS = ('xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"')


def page(*records: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            "<responseDate>2025-01-01T00:00:00Z</responseDate><ListRecords>"
            + "".join(records) + "</ListRecords></OAI-PMH>").encode()


def record(metadata: str, header: str = "<identifier>oai:x:1</identifier>") -> str:
    return f"<record><header>{header}</header><metadata>{metadata}</metadata></record>"


def dc(inner: str) -> str:
    return f"<oai_dc:dc {DCNS}>{inner}</oai_dc:dc>"


def test_children_match_any_namespace_or_none_and_skip_comments() -> None:
    root = etree.fromstring(b'<r xmlns:a="urn:a"><a:h>1</a:h><!--h--><h>2</h><?h x?>'
                            b'<x:h xmlns:x="urn:x">3</x:h><hh>4</hh></r>')
    assert [c.text for c in oai.children(root, "h")] == ["1", "2", "3"]
    assert oai.child(root, "hh") is not None and oai.child(root, "none") is None


def test_text_of_reads_nested_text_and_a_childless_element_alike() -> None:
    root = etree.fromstring(b"<r><a>  plain \n</a><b> x<i>y</i>z </b><c/></r>")
    assert [oai.text_of(e) for e in root] == ["plain", "xyz", ""]
    assert oai.text_of(None) == ""


def test_a_header_is_read_in_one_pass_first_identifier_and_every_set() -> None:
    element = etree.fromstring(
        b'<record xmlns="http://www.openarchives.org/OAI/2.0/"><!-- c -->'
        b'<header status="deleted"><setSpec>a</setSpec><identifier> oai:x:<b>1</b> </identifier>'
        b"<?pi?><identifier>oai:x:2</identifier><datestamp>2024-01-01</datestamp>"
        b"<datestamp>1999</datestamp><setSpec> b:c </setSpec><other>o</other></header></record>")
    assert oai.read_header(element) == oai.Header(identifier="oai:x:1", datestamp="2024-01-01",
                                                  deleted=True, sets=("a", "b:c"))
    assert oai.read_header(element[1]).identifier == "oai:x:1"  # a ListIdentifiers header
    assert oai.read_header(etree.fromstring(b"<record/>")) == oai.Header("", "", False, ())


def test_a_header_in_another_namespace_is_read_by_local_name() -> None:
    element = etree.fromstring(b'<record><o:header xmlns:o="urn:o"><o:identifier>i</o:identifier>'
                               b"</o:header></record>")
    assert oai.read_header(element).identifier == "i"


def test_from_payload_is_none_without_any_dublin_core_child() -> None:
    assert dublincore.from_payload(etree.fromstring(b'<foo xmlns="urn:f"><title>x</title></foo>'),
                                   "s", "i") is None
    assert dublincore.from_payload(etree.fromstring(b"<foo/>"), "s", "i") is None


def test_a_dc_element_not_read_still_makes_the_payload_dublin_core() -> None:
    element = etree.fromstring(f"<oai_dc:dc {DCNS}><?pi x?><dc:foo>f</dc:foo></oai_dc:dc>")
    found = dublincore.from_payload(element, "s", "oai:x:1")
    assert found is not None
    record, notes = found
    assert record.source_id == "oai:x:1" and record.title.main == ""
    assert notes == ["no dc:title", "element <foo> (http://purl.org/dc/elements/1.1/) left out"]
    assert (record, notes) == dublincore.from_element(element, "s", "oai:x:1")


def test_non_ascii_values_are_still_normalised_and_ascii_ones_kept_as_they_are() -> None:
    nfd = unicodedata.normalize("NFD", "Été à Orléans")
    element = etree.fromstring(f"<oai_dc:dc {DCNS}><dc:title>{nfd}</dc:title>"
                               "<dc:subject> plain \n ascii </dc:subject>"
                               "<dc:description>  keep\n lines </dc:description></oai_dc:dc>")
    found = dublincore.from_payload(element, "s", "i")
    assert found is not None
    record, _ = found
    assert record.title.main == "Été à Orléans" and unicodedata.is_normalized("NFC", record.title.main)
    assert record.keywords == ("plain ascii",) and record.abstracts == ("keep\n lines",)


def test_latin1_documents_still_check_ascii_text_for_lost_characters() -> None:
    element = etree.fromstring(f"<oai_dc:dc {DCNS}><dc:title>Hors se?rie</dc:title></oai_dc:dc>")
    _, notes = dublincore.from_element(element, "s", "i", latin1=True)
    assert any("'?' inside a word" in note for note in notes)
    _, notes = dublincore.from_element(element, "s", "i")
    assert not any("'?' inside a word" in note for note in notes)


def test_dc_types_and_languages_read_the_same_when_repeated() -> None:
    element = etree.fromstring(f"<oai_dc:dc {DCNS}><dc:type>info:eu-repo/semantics/article"
                               "</dc:type><dc:language>fr-FR</dc:language>"
                               "<dc:language>klingon</dc:language></oai_dc:dc>")
    first = dublincore.from_element(element, "s", "i")
    assert first == dublincore.from_element(element, "s", "i")
    record, notes = first
    assert (record.doc_type, record.bib_level, record.languages) == ("a", "a", ("fre",))
    assert "dc:language 'klingon' is not a language code: kept as a literal" in notes


def test_union_keys_ascii_short_cuts_agree_with_the_unicode_path() -> None:
    assert union.normalise("Le Monde, 2001 !") == "monde 2001"
    assert union.normalise("L'Œuvre d'Été") == "oeuvre d ete"
    assert union.isbn13("isbn 2-07-036822-x") == "9782070368228"
    assert union.isbn13("978-2-343-70570-5") == "9782343705705"
    # Non-ASCII digits take the unchanged Unicode path (str.isdigit), keeping its key.
    assert union.isbn13("２-07-036822-X") == "978２070368228"
    assert union.issn("ISSN 1576-9186") == "15769186" and union.issn("1576-9187") is None


def test_map_body_and_map_records_agree_on_odd_records() -> None:
    body = page(
        record(dc("<dc:title>a<!-- c -->b</dc:title><dc:creator>Dupont, Jean</dc:creator>"
                  "<dc:date>2001</dc:date><dc:publisher>P</dc:publisher>")),
        record("<foo xmlns='urn:foo'><bar>x</bar></foo>"),
        record(dc("<dc:foo>only unknown</dc:foo>")),
        "<record><header><datestamp>2024</datestamp></header></record>",
        "<record><header status='deleted'><identifier>oai:x:d</identifier>"
        "<setSpec>s</setSpec></header></record>",
        "<record><header><identifier>oai:x:n</identifier></header></record>",
    )
    direct = map_records(oai.read_page(oai.parse(body)), "dc", "src", 10, 2)
    packed = unpack(map_body(body, "dc", "src", 10, 2, union.match_keys))
    assert [h for h, _ in packed] == [h for h, _ in direct]
    for (_, a), (_, b) in zip(direct, packed, strict=True):
        assert (a.position, a.raw, a.error, a.warnings, a.source_id, a.deleted, a.record) \
            == (b.position, b.raw, b.error, b.warnings, b.source_id, b.deleted, b.record)
    errors = [p.error for _, p in direct]
    assert errors[1] == "oai:x:1: cannot be mapped from dc: the <foo> payload holds no Dublin Core element"
    assert errors[2] == "" and errors[4] == "" and direct[4][1].deleted
    assert errors[3].startswith("record header has no <identifier>")
    assert errors[5] == "oai:x:n: live record without <metadata>"
    assert packed[0][1].match_keys == ("work:ab|dupont|2001|p",)
