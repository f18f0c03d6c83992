"""Every real MARC file of ../shared/data imported through `catalogue import` into a store.

test_real_files pins what the readers make of each file; this pins what a documentalist
sees: the summary line, the exit status (0: records imported; 1: nothing usable stored,
the report still written; 2: refused before anything was written), and never a
traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from catalogue.cli import main
from catalogue.settings import load
from catalogue.store import database
from catalogue.store.tables import import_runs
from tests.test_real_files import EXPECTED

#: file -> (exit status, summary line); None for a file refused as a whole (exit 2).
SUMMARIES: dict[str, tuple[int, str]] = {
    "marc21/catmandu/broken.xml": (0, "read 10, added 10, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/catmandu/bu_bibs.mrc": (0, "read 100, added 92, updated 0, unchanged 0, deleted 0, rejected 8, with warnings 8"),
    "marc21/catmandu/camel.mrc": (0, "read 10, added 10, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/catmandu/marc.xml": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/catmandu/oschrift_me.mrc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/catmandu/utf8.mrc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/baddir.usmarc": (1, "read 1, added 0, updated 0, unchanged 0, deleted 0, rejected 1, with warnings 0"),
    "marc21/marc-perl/badind.usmarc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/marc-perl/badldr.usmarc": (0, "read 7, added 6, updated 0, unchanged 0, deleted 0, rejected 1, with warnings 6"),
    "marc21/marc-perl/batch-ns.xml": (0, "read 10, added 10, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/batch.xml": (0, "read 10, added 10, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/camel.usmarc": (0, "read 10, added 10, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/cameleof.usmarc": (0, "read 10, added 10, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/cjk1.marc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/cyrillic.marc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/empty-record.xml": (1, "read 1, added 0, updated 0, unchanged 0, deleted 0, rejected 1, with warnings 0"),
    "marc21/marc-perl/escape.mrc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/marc-perl/filler.usmarc": (0, "read 3, added 3, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/hebrew1.marc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/invalid.xml": (1, "read 1, added 0, updated 0, unchanged 0, deleted 0, rejected 1, with warnings 0"),
    "marc21/marc-perl/namespace.xml": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/marc-perl/sample1eof.usmarc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/marc-perl/subfield0.xml": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/marc-perl/test.mrc": (0, "read 9, added 9, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/marc-perl/title_proper.usmarc": (0, "read 5, added 5, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/1251.dat": (1, "read 6, added 0, updated 0, unchanged 0, deleted 0, rejected 6, with warnings 0"),
    "marc21/pymarc/alphatag.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/bad_eacc_encoding.dat": (1, "read 1, added 0, updated 0, unchanged 0, deleted 0, rejected 1, with warnings 0"),
    "marc21/pymarc/bad_indicator.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/pymarc/bad_marc8_escape.dat": (1, "read 1, added 0, updated 0, unchanged 0, deleted 0, rejected 1, with warnings 0"),
    "marc21/pymarc/bad_records.mrc": (0, "read 9, added 4, updated 0, unchanged 0, deleted 0, rejected 4, with warnings 6"),
    "marc21/pymarc/bad_subfield_code.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/pymarc/bad_tag.xml": (1, "read 1, added 0, updated 0, unchanged 0, deleted 0, rejected 1, with warnings 0"),
    "marc21/pymarc/batch.xml": (0, "read 2, added 2, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/diacritic.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/marc.dat": (0, "read 20, added 20, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/marc8-to-unicode.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/marc8.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/multi_isbn.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/one.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/regression45.dat": (0, "read 12, added 12, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 11"),
    "marc21/pymarc/test.dat": (0, "read 10, added 10, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/utf8.xml": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/utf8_errors.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/utf8_invalid.mrc": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "marc21/pymarc/utf8_with_leader_flag.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "marc21/pymarc/utf8_without_leader_flag.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "unimarc/bnf/serie-HarryPotter.pan": (0, "read 7, added 7, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "unimarc/bsg-xml/marcxml_bsg_nordiquenumerisation.xml": (0, "read 4, added 4, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "unimarc/catmandu/dollar_subfields.mrc": (0, "read 2, added 2, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 1"),
    "unimarc/kentika-archires/010_original_records.mrc": (0, "read 40, added 40, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 40"),
    "unimarc/pmb-xml-generated/kentika_fixed.pmbxml.iso-8859-1.xml": (0, "read 29, added 29, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 27"),
    "unimarc/pmb-xml-generated/kentika_fixed.pmbxml.utf-8.xml": (0, "read 29, added 29, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 3"),
    "unimarc/pymarc/testunimarc.dat": (0, "read 1, added 1, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 0"),
    "unimarc/sciencespo/cotes8.mrc": (0, "read 35, added 35, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 35"),
    "unimarc/sciencespo/cotesBR.mrc": (0, "read 4, added 4, updated 0, unchanged 0, deleted 0, rejected 0, with warnings 4"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_real_file_imports_through_the_command_with_its_summary_and_status(
        shared_data: Path, config_path: Path, name: str) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_path), "import",
                                       str(shared_data / name), "--source", "crpv"])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    engine = database.open_store(load(config_path).store_url)
    with engine.connect() as conn:
        statuses = conn.execute(select(import_runs.c.status)).scalars().all()
    engine.dispose()
    if EXPECTED[name] is None:
        assert result.exit_code == 2
        assert [line for line in result.stderr.splitlines() if line] == [
            result.stderr.strip()] and result.stderr.startswith("error: ")
        assert statuses == []
        return
    status, summary = SUMMARIES[name]
    assert (result.exit_code, summary) == (
        status, next(line for line in result.stdout.splitlines() if line.startswith("read ")))
    assert statuses == ["completed"]  # never left running
    if status == 1:
        assert "error: no record of this file could be imported" in result.stderr


def test_the_summaries_cover_every_file_read() -> None:
    assert set(SUMMARIES) == {name for name, expected in EXPECTED.items() if expected}
