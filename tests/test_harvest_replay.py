"""Recorded responses of real OAI-PMH servers, replayed over HTTP on 127.0.0.1.

sickle's and xoai's samples, the Zenodo sequence (oaipmh-scythe's cassettes) that ends
in a badResumptionToken with HTTP 422, MIT DSpace's deleted records and 500 errors,
pyoai's broken fake3/4/5, invenio's empty and MARCXML answers; plus an entity bomb and
an oversized page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalogue.harvesting import HarvestReport, harvest_source
from harvesters import oai_protocol as oai
from harvesters.oai_mapping import parsed_from_record
from tests.harvest_servers import ReplayServer
from tests.harvest_support import Sleeps, deployment, partner, stored, tombstones


@pytest.fixture()
def data(shared_data: Path) -> Path:
    return shared_data / "oai_responses"


def token_of(path: Path) -> str:
    found = re.search(rb"<resumptionToken[^>]*>([^<]+)<", path.read_bytes())
    assert found, path
    return found.group(1).decode()


def harvest(tmp_path: Path, server: ReplayServer, **keys: object) -> tuple[HarvestReport, object]:
    _, settings, engine = deployment(tmp_path, partner("p", server.url, **keys))
    sleeps = Sleeps()
    report = harvest_source(engine, settings, settings.source("p"), sleep=sleeps)
    return report, engine


def test_sickle_sequence_with_deletions_and_a_header_without_identifier(tmp_path: Path,
                                                                        data: Path) -> None:
    s = data / "sickle"
    script = {"Identify": [(200, s / "Identify.xml")],
              "ListMetadataFormats": [(200, s / "ListMetadataFormats.xml")],
              "ListRecords": [(200, s / "ListRecords.xml")],
              "resume:ListRecords2.xml": [(200, s / "ListRecords2.xml")],
              "resume:ListRecords3.xml": [(200, s / "ListRecords3.xml")],
              "resume:ListRecords4.xml": [(200, s / "ListRecords4.xml")]}
    with ReplayServer(script) as server:
        report, engine = harvest(tmp_path, server)
    assert report.status == "completed", report.message
    assert report.pages == 4 and report.rejected == 1
    assert any("no <identifier>" in p.message for p in report.problems if p.severity == "error")
    live = stored(engine, "p")  # type: ignore[arg-type]
    assert set(live) == {"oai:test.example.com:1585322"}
    assert live["oai:test.example.com:1585322"].title.main == "Sample Title"
    # a granularity of days: the watermark and the next from are dates
    assert all("T" not in r.get("from", "") for r in server.requests)


def test_zenodo_bad_resumption_token_422_restarts_without_losing_or_doubling(
        tmp_path: Path, data: Path) -> None:
    z = data / "extracted" / "oaipmh-scythe"
    first, second, last = (z / "list_records__05__ListRecords__200.xml",
                           z / "list_records__09__ListRecords-resume__200.xml",
                           z / "list_records__08__ListRecords-resume__200.xml")
    script = {"Identify": [(200, z / "identify__02__Identify__200.xml")],
              "ListMetadataFormats": [(200, z / "list_metadata_formats__00__ListMetadataFormats__200.xml")],
              "ListRecords": [(200, first)],
              f"resume:{token_of(first)}": [(200, second)],
              f"resume:{token_of(second)}": [
                  (422, z / "list_records__10__ListRecords-resume__422.xml"), (200, last)]}
    with ReplayServer(script) as server:
        report, engine = harvest(tmp_path, server)
    assert report.status == "completed", report.message
    assert report.restarts == 1
    assert "badResumptionToken" in report.message and "datestamp order" in report.message
    expected = set()
    for page in (first, second, last):
        expected |= set(re.findall(r"<header>\s*<identifier>(oai:zenodo[^<]+)<", page.read_text()))
    assert set(stored(engine, "p")) == expected and len(expected) == 8  # type: ignore[arg-type]
    assert report.added == 8 and report.rejected == 0


def test_mit_dspace_500s_are_retried_and_deleted_records_tombstoned(tmp_path: Path,
                                                                    data: Path) -> None:
    m = data / "extracted" / "mit-dspace"
    deleted_page = m / "list-records-include-deleted__00__ListRecords__200.xml"
    text = deleted_page.read_text()
    gone = re.search(r'<header status="deleted"><identifier>([^<]+)<', text)
    assert gone
    # The record existed before it was deleted: a first harvest meets it live, earlier.
    dc = ('<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Thesis</dc:title>'
          '</oai_dc:dc></metadata>')
    live_page = (text.replace('<header status="deleted">', "<header>")
                 .replace("2017-12-14T15:03:59Z", "2017-01-01T00:00:00Z")
                 .replace("</header></record>", f"</header>{dc}</record>"))
    identify = data / "xoai" / "identify.xml"
    errors = [(500, m / "get-records-two-errors__01__GetRecord__500.txt"),
              (500, m / "get-records-two-errors__02__GetRecord__500.txt")]
    with ReplayServer({"Identify": [(200, identify)],
                       "ListRecords": [(200, live_page.encode())]}) as server:
        report, engine = harvest(tmp_path, server)
        assert report.status == "completed", report.message
        assert gone.group(1) in stored(engine, "p")  # type: ignore[arg-type]
        server.script["ListRecords"] = [*errors, (200, deleted_page)]
        _, settings, _ = deployment(tmp_path, partner("p", server.url))
        again = harvest_source(engine, settings, settings.source("p"), sleep=Sleeps(),  # type: ignore[arg-type]
                               full=False)
    assert again.status == "completed", again.message
    assert again.retries == 2 and again.deleted == 1
    assert tombstones(engine, "p") == {gone.group(1)}  # type: ignore[arg-type]


def test_pyoai_fake1_and_fake2_and_a_broken_identify_date(tmp_path: Path, data: Path) -> None:
    p = data / "pyoai"
    script = {"Identify": [(200, p / "fake5" / "00001.xml")],  # earliestDatestamp "aaaa-bb-cc"
              "ListMetadataFormats": [(200, p / "fake1" / "00002.xml")],
              "ListRecords": [(200, p / "fake2" / "00002.xml")]}
    with ReplayServer(script) as server:
        report, engine = harvest(tmp_path, server)
    assert report.status == "completed", report.message
    assert "earliestDatestamp 'aaaa-bb-cc' is not a date" in report.message
    page = (p / "fake2" / "00002.xml").read_text()
    live = set(re.findall(r"<header><identifier>([^<]+)<", page))
    assert set(stored(engine, "p")) == live  # type: ignore[arg-type]
    assert report.added == len(live) and report.rejected == 0


@pytest.mark.parametrize(("broken", "why"), [
    ("fake3", "not an OAI-PMH endpoint"),
    ("fake4", "not an OAI-PMH endpoint"),
])
def test_pyoai_broken_identify_is_one_clear_error(tmp_path: Path, data: Path, broken: str,
                                                  why: str) -> None:
    with ReplayServer({"Identify": [(200, data / "pyoai" / broken / "00001.xml")]}) as server:
        report, _ = harvest(tmp_path, server)
    assert report.status == "failed" and why in report.message
    assert "not well-formed" in report.message


@pytest.mark.parametrize("broken", ["sickle/ListRecordsBroken.xml", "pyoai/fake4/00001.xml",
                                    "pyoai/fake3/00001.xml", "xoai/oai_dc.xml"])
def test_malformed_page_is_retried_then_reported(tmp_path: Path, data: Path, broken: str) -> None:
    s = data / "sickle"
    bad = (200, data / broken)
    with ReplayServer({"Identify": [(200, s / "Identify.xml")],
                       "ListRecords": [bad, (200, s / "ListRecords4.xml")]}) as server:
        report, engine = harvest(tmp_path, server)
        assert report.status == "completed" and report.retries == 1, report.message
        server.script["ListRecords"] = [bad]
        _, settings, _ = deployment(tmp_path, partner("p", server.url))
        failed = harvest_source(engine, settings, settings.source("p"), sleep=Sleeps(),  # type: ignore[arg-type]
                                full=True)
    assert failed.status == "failed"
    assert "still malformed after 4 attempts" in failed.message
    assert set(stored(engine, "p")) == {"oai:test.example.com:1585322"}  # type: ignore[arg-type]


def test_invenio_no_records_match_and_marcxml(tmp_path: Path, data: Path) -> None:
    i = data / "invenio"
    identify = data / "xoai" / "identify.xml"
    with ReplayServer({"Identify": [(200, identify)],
                       "ListRecords": [(200, i / "sample_empty_response.xml")]}) as server:
        report, engine = harvest(tmp_path, server)
    assert report.status == "completed" and report.records == 0 and report.pages == 1
    with ReplayServer({"Identify": [(200, identify)],
                       "ListRecords": [(200, i / "sample_inspire_response_listrecords.xml")]}) as server:
        report, engine = harvest(tmp_path / "m", server, metadata_prefix="marcxml")
    assert report.status == "completed", report.message
    live = stored(engine, "p")  # type: ignore[arg-type]
    assert set(live) == {"oai:inspirehep.net:972855", "oai:inspirehep.net:974318"}
    assert all(r.marc_flavour == "marc21" for r in live.values())
    # INSPIRE's conference records have no 245: kept, with the remark reported
    assert [p.message for p in report.problems] == ["no title (field 245)"] * 2


def test_xoai_cdata_and_sickle_utf8_records_map(data: Path) -> None:
    for name in ("xoai/oai_dc-CDATA.xml", "xoai/oai_dc-valid.xml", "sickle/GetRecord_utf8test.xml"):
        root = oai.parse((data / name).read_bytes())
        element = next(root.iter("{http://www.openarchives.org/OAI/2.0/}record"))
        header = oai.read_header(element)
        parsed = parsed_from_record(element, header, "dc", "p", 1, 1)
        assert parsed.ok and parsed.record is not None, parsed.error
        assert parsed.record.source_id == header.identifier and parsed.record.title.main


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>&f;</ListRecords></OAI-PMH>"""


def test_xml_bomb_and_huge_page_are_refused(tmp_path: Path, data: Path) -> None:
    identify = data / "xoai" / "identify.xml"
    with ReplayServer({"Identify": [(200, identify)], "ListRecords": [(200, BOMB)]}) as server:
        report, _ = harvest(tmp_path, server)
    assert report.status == "failed" and report.retries == 0
    assert "refused" in report.message
    huge = b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">' \
           + b"<!-- padding -->" * 80_000 + b"</OAI-PMH>"
    with ReplayServer({"Identify": [(200, identify)], "ListRecords": [(200, huge)]}) as server:
        path, settings, engine = deployment(tmp_path / "h", partner("p", server.url))
        path.write_text(path.read_text().replace("[harvest]", "[harvest]\nmax_response_mb = 1"))
        from catalogue.settings import load
        settings = load(path)
        report = harvest_source(engine, settings, settings.source("p"), sleep=Sleeps())
    assert report.status == "failed" and "larger than 1 MB refused" in report.message
