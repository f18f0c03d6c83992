"""Publication statements: 210 with its printing subfields, 214 with its function.

Generated records (every subfield of 210 and each indicator 2 of 214) go through each
writer and back: UNIMARC ISO 2709 (UTF-8 and ISO 5426), UNIMARC in MARCXML, PMB XML.
What must survive is read from the bytes written, not from the code under test.
"""

from __future__ import annotations

import io

import pytest
from lxml import etree

from catalogue.formats import marcxml, pmbxml, unimarc
from catalogue.formats.base import RawRecord
from catalogue.formats.unimarc.reader import parsed_from_raw
from catalogue.opac.description import statements
from catalogue.records import MarcField, Publication, Record

PRINTED = MarcField(tag="210", indicators=" 1", subfields=(
    ("a", "Paris"), ("b", "12 rue de l'Arsenal"), ("c", "La Documentation française"),
    ("d", "2011"), ("e", "Lonrai"), ("f", "ZI du Moulin"), ("g", "Normandie roto impr."),
    ("h", "impr. 2012"), ("r", "A Paris, chez l'auteur"), ("z", "FR"), ("9", "id:42"),
    ("z", "BE"), ("9", "pays:france")))
#: One 214 per function (indicator 2: production, publication, distribution, manufacture,
#: copyright), as RDA-era UNIMARC catalogues them.
STATEMENTS = tuple(
    MarcField(tag="214", indicators=" " + code, subfields=pairs) for code, pairs in (
        ("0", (("a", "Lyon"), ("c", "Atelier vidéo"), ("d", "2019"))),
        ("1", (("a", "Saint-Denis"), ("c", "CGET"), ("d", "2020"), ("s", "[s.n.]"))),
        ("2", (("a", "Marseille"), ("c", "Diffusion Sud"), ("d", "2021"))),
        ("3", (("a", "Lonrai"), ("c", "Corlet"), ("d", "2020"))),
        ("4", (("d", "©2018"),)),
    ))


def _record(*fields: MarcField, level: str = "m") -> Record:
    raw = RawRecord(position=1, offset=0, raw=b"", leader=f"00000na{level}0 2200000   450 ",
                    fields=(MarcField(tag="001", data="pub1"),
                            MarcField(tag="100", subfields=(("a", "20240101d2011    m  y0frey5003    ba"),)),
                            MarcField(tag="200", indicators="1 ", subfields=(("a", "Titre"),)),
                            *fields), charset="utf-8", warnings=())
    record = parsed_from_raw(raw, "crpv").record
    assert record is not None
    return record


def _fields(data: bytes, tag: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(indicators, subfields) of every ``tag`` field in an ISO 2709 record, read by hand."""
    base = int(data[12:17])
    directory = data[24:data.index(b"\x1e")]
    out = []
    for n in range(0, len(directory), 12):
        entry = directory[n:n + 12]
        if entry[:3].decode() != tag:
            continue
        length, start = int(entry[3:7]), int(entry[7:12])
        body = data[base + start:base + start + length - 1]
        parts = body.split(b"\x1f")
        out.append((parts[0].decode(), [(p[:1].decode(), p[1:].decode()) for p in parts[1:]]))
    return out


def test_printing_subfields_of_210_are_read_apart_from_the_publishers() -> None:
    (pub,) = _record(PRINTED).publications
    assert pub.places == ("Paris",) and pub.publishers == ("La Documentation française",)
    assert pub.dates == ("2011",)
    assert pub.manufacture_places == ("Lonrai",)
    assert pub.manufacturers == ("Normandie roto impr.",)
    assert pub.manufacture_dates == ("impr. 2012",)
    assert pub.country == "FR" and pub.authority_id == "42" and pub.indicators == " 1"
    assert pub.extra == (("b", "12 rue de l'Arsenal"), ("f", "ZI du Moulin"),
                         ("r", "A Paris, chez l'auteur"), ("z", "BE"), ("9", "pays:france"))


def test_214_keeps_its_function_and_the_publication_one_is_the_main_statement() -> None:
    record = _record(*STATEMENTS)
    assert [p.function for p in record.publications] == [
        "production", "publication", "distribution", "manufacture", "copyright"]
    main = record.main_publication()
    assert main is not None and main.publishers == ("CGET",)
    assert record.year() == 2020  # the publication's, not the earlier production or copyright
    assert statements(record) == [
        ("publication", "Saint-Denis : CGET, 2020"), ("production", "Lyon : Atelier vidéo, 2019"),
        ("distribution", "Marseille : Diffusion Sud, 2021"),
        ("manufacture", "Lonrai : Corlet, 2020"), ("copyright", "©2018")]


def test_printing_statement_is_shown_after_the_publication() -> None:
    assert statements(_record(PRINTED)) == [
        ("publication", "Paris : La Documentation française, 2011"),
        ("printing", "Lonrai : Normandie roto impr., impr. 2012")]


@pytest.mark.parametrize("charset", ["utf-8", "iso-5426"])
def test_iso2709_round_trip_keeps_every_subfield_and_the_indicators(charset: str) -> None:
    record = _record(PRINTED, *STATEMENTS)
    data = unimarc.to_iso2709(record, charset)
    if charset == "utf-8":
        written = _fields(data, "210")
        assert written[0][0] == " 1"
        assert sorted(written[0][1]) == sorted(PRINTED.subfields)
        assert [(ind, pairs) for ind, pairs in _fields(data, "214")] == [
            (f.indicators, list(f.subfields)) for f in STATEMENTS]
    (again,) = list(unimarc.read(io.BytesIO(data), "crpv"))
    assert again.ok and again.charset == charset
    assert again.record == record


def test_marcxml_and_pmb_xml_round_trips_keep_them_too() -> None:
    record = _record(PRINTED, *STATEMENTS)
    xml = marcxml.records_to_xml([record])
    tree = etree.fromstring(xml)
    ns = {"m": marcxml.SLIM}
    (f210,) = tree.xpath("//m:datafield[@tag='210']", namespaces=ns)
    assert f210.get("ind2") == "1"
    assert sorted((s.get("code"), s.text) for s in f210) == sorted(PRINTED.subfields)
    assert [f.get("ind2") for f in tree.xpath("//m:datafield[@tag='214']", namespaces=ns)] == [
        "0", "1", "2", "3", "4"]
    (back,) = [p.record for p in marcxml.read(io.BytesIO(xml), "crpv")]
    assert back == record
    out = io.BytesIO()
    assert pmbxml.write([record], out) == 1
    text = out.getvalue()
    assert b'<f c="214" ind=" 3">' in text and b"Normandie roto impr." in text
    (from_pmb,) = [p.record for p in pmbxml.read(io.BytesIO(text), "crpv")]
    assert from_pmb == record


def test_marc21_export_says_printing_in_260_and_functions_in_264() -> None:
    record = _record(PRINTED, *STATEMENTS)
    tree = etree.fromstring(marcxml.records_to_xml([record], flavour="marc21"))
    ns = {"m": marcxml.SLIM}
    f260 = tree.xpath("//m:datafield[@tag='260']", namespaces=ns)
    printed = [{(s.get("code"), s.text) for s in f} for f in f260]
    assert {("e", "Lonrai"), ("f", "Normandie roto impr."), ("g", "impr. 2012")} <= printed[0]
    assert [f.get("ind2") for f in tree.xpath("//m:datafield[@tag='264']", namespaces=ns)] == [
        "0", "2", "3", "4"]


def test_old_stored_records_read_with_the_new_defaults() -> None:
    """A record stored before these fields existed decodes with empty ones."""
    from catalogue.records import from_json, to_json
    record = _record(MarcField(tag="210", subfields=(("a", "Paris"), ("c", "Seuil"))))
    assert '"indicators":"  "' not in to_json(record).split('"publications"')[1][:200]
    assert from_json(to_json(record)).publications == (
        Publication(places=("Paris",), publishers=("Seuil",)),)


def test_citations_and_dublin_core_name_the_publisher_not_the_producer_or_printer() -> None:
    from catalogue.formats import bibtex, dublincore, ris
    record = _record(*STATEMENTS)  # production first, then publication (CGET, 2020)
    lines = ris.to_ris(record).splitlines()
    assert [li for li in lines if li.startswith(("PB  -", "CY  -"))] == [
        "PB  - CGET", "CY  - Saint-Denis"]
    assert "publisher = {CGET}" in bibtex.to_bibtex(record)
    values = dict(dublincore.dc_values(record))
    assert values["date"] == "2020"
    assert [v for k, v in dublincore.dc_values(record) if k == "publisher"] == [
        "Atelier vidéo", "CGET", "Diffusion Sud"]  # not the printer (Corlet)
