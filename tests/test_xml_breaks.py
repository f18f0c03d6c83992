"""A break in an XML file loses only the record it is in, whatever the parser's read size.

lxml 6.2's iterparse read bigger chunks than 6.1 and raised before handing over the
records of the chunk holding the break: one malformed spot lost every good record of a
small file. These tests cut and break documents at every byte and read them with read
sizes from one byte to the default, so they hold for any lxml that setup.cfg allows
(`make test-lxml-oldest` runs them under the oldest).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from catalogue.formats import dublincore, marcxml, pmbxml, xmlsafe
from catalogue.formats.base import Parsed, RawRecord

SIZES = (1, 7, 64, 4096, xmlsafe.CHUNK)


def _notice(n: int) -> str:
    return (f"<notice><rs>n</rs><dt>a</dt><bl>m</bl><hl>0</hl><el>1</el><ru>i</ru>"
            f"<f c='001'>{n}</f><f c='200' ind='1 '><s c='a'>Titre n° {n}</s></f></notice>\n")


PMB_DOC = ("<?xml version='1.0' encoding='utf-8'?>\n<unimarc>\n"
           + "".join(_notice(n) for n in range(1, 9)) + "</unimarc>\n").encode()


def _complete_before(data: bytes, cut: int, end_tag: bytes) -> int:
    """How many records end (their end tag whole) in the first ``cut`` bytes."""
    return data[:cut].count(end_tag)


def _pmb(data: bytes) -> list[Parsed]:
    return list(pmbxml.read(io.BytesIO(data), "test"))


@pytest.mark.parametrize("size", SIZES)
def test_a_truncated_file_keeps_every_whole_record_and_reports_the_cut(
        size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlsafe, "CHUNK", size)
    end = PMB_DOC.rindex(b"</unimarc>")
    for cut in range(PMB_DOC.index(b"<notice>"), end, 5 if size == 1 else 1):
        parsed = _pmb(PMB_DOC[:cut])
        whole = _complete_before(PMB_DOC, cut, b"</notice>")
        assert [p.ok for p in parsed] == [True] * whole + [False], (cut, size)
        assert [p.source_id for p in parsed[:whole]] == [str(n) for n in range(1, whole + 1)]
        assert parsed[-1].error.startswith("XML is not well-formed: ")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("broken", [
    "<f c='200' ind='1 '><s c='a'>x</f>",          # tag mismatch
    "<f c='200' ind='1 '><s c='a'>AT&T</s></f>",   # bare ampersand
    "<f c='200' ind='1 '><s c='a'>&eacute;</s></f>",  # undefined entity
    "<f c='200' ind='1 '><s c='a' c='b'>x</s></f>",  # repeated attribute
])
def test_a_malformed_spot_loses_only_the_record_it_is_in(
        size: int, broken: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlsafe, "CHUNK", size)
    for k in (1, 2, 8):  # the first, the second and the last record break
        text = PMB_DOC.decode()
        target = _notice(k)
        text = text.replace(target, target.replace("</notice>", broken + "</notice>"))
        parsed = _pmb(text.encode())
        assert [p.ok for p in parsed] == [True] * (k - 1) + [False] + [True] * (8 - k), (
            k, broken, size)
        assert [p.source_id for p in parsed if p.ok] == [str(n) for n in range(1, 9) if n != k]
        assert [p.position for p in parsed] == list(range(1, 9))
        assert parsed[k - 1].error.startswith("XML is not well-formed: ")
        assert parsed[k - 1].offset == 2 + k  # the line of the break
        assert [p.offset for p in parsed if p.ok] == [2 + n for n in range(1, 9) if n != k]


@pytest.mark.parametrize("size", SIZES)
def test_marcxml_and_dublin_core_keep_the_records_around_a_break(
        size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmlsafe, "CHUNK", size)
    record = ('<record><leader>00000nam a2200000 a 4500</leader>'
              '<controlfield tag="001">{n}</controlfield></record>')
    doc = ('<collection xmlns="http://www.loc.gov/MARC21/slim">'
           + "".join(record.format(n=n) for n in range(3)) + "<record><leader>x</record>"
           + record.format(n=9) + "</collection>").encode()
    items = list(marcxml.read_raw(io.BytesIO(doc)))
    assert [isinstance(i, RawRecord) for i in items] == [True, True, True, False, True]
    assert items[-1].fields[0].data == "9"  # the record after the break is read
    dc = ('<dc xmlns:dc="http://purl.org/dc/elements/1.1/">'
          '<dc:title>T{n}</dc:title><dc:identifier>i{n}</dc:identifier></dc>')
    doc = ('<list xmlns:dc="http://purl.org/dc/elements/1.1/">'
           + "".join(dc.format(n=n) for n in range(3)) + "<dc><dc:title>x</dc></dc>"
           + dc.format(n=9) + "</list>").encode()
    parsed = list(dublincore.read(io.BytesIO(doc), "partner"))
    assert [p.source_id for p in parsed[:3]] == ["i0", "i1", "i2"]
    assert [p.ok for p in parsed] == [True, True, True, False, True]
    assert parsed[-1].source_id == "i9"  # the record after the break is read
    parsed.pop()
    assert "Opening and ending tag mismatch" in parsed[-1].error


def test_an_undeclared_prefix_is_a_record_without_dublin_core_not_a_traceback() -> None:
    doc = (b'<list><dc xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Un</dc:title>'
           b"</dc><dc><dc:title>sans d\xc3\xa9claration</dc:title></dc></list>")
    parsed = list(dublincore.read(io.BytesIO(doc), "partner"))
    assert [p.ok for p in parsed] == [True, False, False]
    assert "holds no Dublin Core element" in parsed[1].error
    assert "Namespace prefix dc on title is not defined" in parsed[2].error
    marc = (b'<collection><record><leader>00000nam a2200000 a 4500</leader>'
            b'<marc:controlfield tag="001">1</marc:controlfield></record></collection>')
    items = list(marcxml.read_raw(io.BytesIO(marc)))
    assert not isinstance(items[-1], RawRecord)  # the prefix is reported, no exception


@pytest.mark.parametrize("name", ["kentika_fixed.pmbxml.utf-8.xml",
                                  "kentika_fixed.pmbxml.iso-8859-1.xml"])
def test_a_real_pmb_export_broken_in_one_notice_keeps_every_other_one_unchanged(
        shared_data: Path, name: str) -> None:
    data = (shared_data / "unimarc/pmb-xml-generated" / name).read_bytes()
    whole = _pmb(data)
    assert all(p.ok for p in whole) and len(whole) == 29
    parts = data.split(b"<notice>")
    for k in (1, 10, 29):  # the first, one in the middle, the last notice
        broken = parts.copy()
        broken[k] = broken[k].replace(b"</rs>", b"</rs>&#0;", 1)  # no XML can hold U+0000
        doc = b"<notice>".join(broken)
        parsed = _pmb(doc)
        assert [p.position for p in parsed] == list(range(1, 30))
        assert [p.ok for p in parsed] == [n != k for n in range(1, 30)]
        assert "invalid xmlChar value 0" in parsed[k - 1].error
        assert parsed[k - 1].offset == doc.count(b"\n", 0, doc.index(b"&#0;")) + 1
        assert [p.record for p in parsed if p.ok] == [
            p.record for n, p in enumerate(whole, start=1) if n != k]
