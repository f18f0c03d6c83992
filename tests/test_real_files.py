"""Every real MARC file in ../shared/data: what is imported, what is reported, and why.

The table pins, file by file, how many records are read and how many are rejected with a
reason, so a change in the readers that loses (or silently gains) records shows up here.
Where pymarc structurally reads a record we reject, the reason is listed: we never keep a
record whose text we would have to garble.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pymarc
import pytest

from catalogue.formats.base import FormatError
from harvesters.pmb import open_export

#: file -> (records read, records rejected with a reason); None: refused as a whole.
EXPECTED: dict[str, tuple[int, int] | None] = {
    "marc21/catmandu/broken.xml": (10, 0),
    "marc21/catmandu/bu_bibs.mrc": (92, 8),
    "marc21/catmandu/camel.mrc": (10, 0),
    "marc21/catmandu/marc.xml": (1, 0),
    "marc21/catmandu/oschrift_me.mrc": (1, 0),
    "marc21/catmandu/utf8.mrc": (1, 0),
    "marc21/marc-perl/baddir.usmarc": (0, 1),
    "marc21/marc-perl/badind.usmarc": (1, 0),
    "marc21/marc-perl/badldr.usmarc": (6, 1),
    "marc21/marc-perl/batch-ns.xml": (10, 0),
    "marc21/marc-perl/batch.xml": (10, 0),
    "marc21/marc-perl/camel.usmarc": (10, 0),
    "marc21/marc-perl/cameleof.usmarc": (10, 0),
    "marc21/marc-perl/cjk1.marc": (1, 0),
    "marc21/marc-perl/cyrillic.marc": (1, 0),
    "marc21/marc-perl/empty-record.xml": (0, 1),
    "marc21/marc-perl/escape.mrc": (1, 0),
    "marc21/marc-perl/farsi.marc": None,
    "marc21/marc-perl/filler.usmarc": (3, 0),
    "marc21/marc-perl/hebrew1.marc": (1, 0),
    "marc21/marc-perl/invalid.xml": (0, 1),
    "marc21/marc-perl/namespace.xml": (1, 0),
    "marc21/marc-perl/sample1eof.usmarc": (1, 0),
    "marc21/marc-perl/subfield0.xml": (1, 0),
    "marc21/marc-perl/test.mrc": (9, 0),
    "marc21/marc-perl/title_proper.usmarc": (5, 0),
    "marc21/pymarc/1251.dat": (0, 6),
    "marc21/pymarc/alphatag.dat": (1, 0),
    "marc21/pymarc/bad_eacc_encoding.dat": (0, 1),
    "marc21/pymarc/bad_indicator.dat": (1, 0),
    "marc21/pymarc/bad_marc8_escape.dat": (0, 1),
    "marc21/pymarc/bad_records.mrc": (5, 4),
    "marc21/pymarc/bad_subfield_code.dat": (1, 0),
    "marc21/pymarc/bad_tag.xml": (0, 1),
    "marc21/pymarc/batch.xml": (2, 0),
    "marc21/pymarc/diacritic.dat": (1, 0),
    "marc21/pymarc/marc.dat": (20, 0),
    "marc21/pymarc/marc8-to-unicode.dat": (1, 0),
    "marc21/pymarc/marc8.dat": (1, 0),
    "marc21/pymarc/multi_isbn.dat": (1, 0),
    "marc21/pymarc/one.dat": (1, 0),
    "marc21/pymarc/regression45.dat": (12, 0),
    "marc21/pymarc/test.dat": (10, 0),
    "marc21/pymarc/utf8.xml": (1, 0),
    "marc21/pymarc/utf8_errors.dat": (1, 0),
    "marc21/pymarc/utf8_invalid.mrc": (1, 0),
    "marc21/pymarc/utf8_with_leader_flag.dat": (1, 0),
    "marc21/pymarc/utf8_without_leader_flag.dat": (1, 0),
    "unimarc/bnf/serie-HarryPotter.pan": (7, 0),
    "unimarc/bsg-xml/marcxml_bsg_nordiquenumerisation.xml": (4, 0),
    "unimarc/catmandu/dollar_subfields.mrc": (2, 0),
    "unimarc/kentika-archires/010_original_records.mrc": (40, 0),
    "unimarc/pmb-xml-generated/kentika_fixed.pmbxml.iso-8859-1.xml": (29, 0),
    "unimarc/pmb-xml-generated/kentika_fixed.pmbxml.utf-8.xml": (29, 0),
    "unimarc/pymarc/testunimarc.dat": (1, 0),
    "unimarc/sciencespo/cotes8.mrc": (35, 0),
    "unimarc/sciencespo/cotesBR.mrc": (4, 0),
}

#: Files where pymarc "reads" records that we reject, and why that is right.
PYMARC_READS_MORE = {
    # A directory of garbage: pymarc slices fields at random offsets.
    "marc21/marc-perl/baddir.usmarc": "bad directory",
    # Windows-1251 bytes in a MARC-8 record: pymarc turns them into spaces and noise.
    "marc21/pymarc/1251.dat": "invalid MARC-8",
    # An EACC (CJK) value with bytes no table defines: pymarc prints spaces for them.
    "marc21/pymarc/bad_eacc_encoding.dat": "invalid MARC-8 byte 0x7B at offset 27",
    # An escape to no character set: pymarc drops the ESC and reads on in the wrong set.
    "marc21/pymarc/bad_marc8_escape.dat": "invalid MARC-8 escape sequence at offset 19",
}


def pymarc_count(path: Path) -> int:
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), open(path, "rb") as fh:
            warnings.simplefilter("ignore")
            reader = pymarc.MARCReader(fh, permissive=True, to_unicode=True)
            return sum(1 for record in reader if record is not None)
    finally:
        logging.disable(logging.NOTSET)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_file_imports_its_good_records_and_reports_the_rest(
    shared_data: Path, name: str
) -> None:
    expected = EXPECTED[name]
    path = shared_data / name
    if expected is None:
        with pytest.raises(FormatError):
            open_export(path)
        return
    parsed = list(open_export(path).read("test"))
    assert [p.position for p in parsed] == list(range(1, len(parsed) + 1))
    for p in parsed:
        assert p.ok != bool(p.error)
        if p.record:
            texts = [p.record.title.main, *(a.name for a in p.record.agents)]
            assert not any("\ufffd" in t for t in texts), texts
    assert (sum(p.ok for p in parsed), sum(not p.ok for p in parsed)) == expected
    if not name.endswith(".xml"):
        ours = sum(p.ok for p in parsed)
        if name in PYMARC_READS_MORE:
            reason = PYMARC_READS_MORE[name]
            assert any(reason in p.error for p in parsed if not p.ok)
        else:
            assert ours >= pymarc_count(path)


def test_every_file_in_the_data_folders_is_covered(shared_data: Path) -> None:
    found = {
        str(p.relative_to(shared_data))
        for folder in ("unimarc", "marc21")
        for p in (shared_data / folder).rglob("*")
        if p.is_file() and p.suffix not in {".md", ".txt"}
    }
    assert found == set(EXPECTED)
