"""4xx links as PMB writes them on periodicals (462, 464) and articles (461, 463): every
subfield survives read -> write -> read, through ISO 2709, MARCXML and PMB XML."""

from __future__ import annotations

import io

from catalogue.formats import marcxml, pmbxml, unimarc
from catalogue.formats.base import RawRecord
from catalogue.formats.unimarc.reader import parsed_from_raw
from catalogue.records import MarcField, Record

#: PMB 464 (``exp_export_art_link`` with ``exp_export_notice_art``): article title then
#: issue title in two $t, ISO and printed dates, number, $0 and $9 id: both, page, lnk.
ART = MarcField(tag="464", subfields=(
    ("0", "201"), ("t", "Premier article"), ("t", "Dossier banlieues"), ("d", "2020-03-01"),
    ("e", "mars 2020"), ("v", "n° 12"), ("9", "id:201"), ("9", "page:5"), ("9", "lnk:art")))
BULL = MarcField(tag="462", subfields=(
    ("d", "2020-03-01"), ("e", "mars 2020"), ("v", "n° 12"), ("t", "Dossier banlieues"),
    ("9", "id:7"), ("9", "lnk:bull"), ("9", "rank:1")))


def _record() -> Record:
    raw = RawRecord(position=1, offset=0, raw=b"", leader="00000nas1 2200000   450 ",
                    fields=(MarcField(tag="001", data="100"),
                            MarcField(tag="200", indicators="1 ", subfields=(("a", "Revue"),)),
                            BULL, ART), charset="utf-8", warnings=())
    record = parsed_from_raw(raw, "crpv").record
    assert record is not None
    return record


def test_links_keep_the_printed_date_and_every_other_subfield() -> None:
    bull, art = _record().serial_links
    assert (bull.number, bull.date, bull.mention, bull.target_id) == (
        "n° 12", "2020-03-01", "mars 2020", "7")
    assert bull.numbering() == "n° 12, mars 2020"
    assert bull.extra == (("9", "rank:1"),)
    assert (art.title, art.target_id, art.page, art.link_type) == (
        "Premier article", "201", "5", "art")
    assert art.extra == (("0", "201"), ("t", "Dossier banlieues"))


def test_links_round_trip_through_every_writer() -> None:
    record = _record()
    data = unimarc.to_iso2709(record)
    for field in (BULL, ART):
        for code, value in field.subfields:
            assert f"\x1f{code}{value}".encode() in data, (code, value)
    assert next(unimarc.read(io.BytesIO(data), "crpv")).record == record
    xml = marcxml.records_to_xml([record])
    assert [p.record for p in marcxml.read(io.BytesIO(xml), "crpv")] == [record]
    out = io.BytesIO()
    pmbxml.write([record], out)
    assert [p.record for p in pmbxml.read(io.BytesIO(out.getvalue()), "crpv")] == [record]
