"""The checklist of the OAI-PMH validator (HTTP::OAIPMH::Validator, Validator.md), as tests.

Each test names the validator method it re-implements against our endpoint; together
they are ``run_complete_validation``: Identify, ListSets, ListIdentifiers,
ListMetadataFormats, GetRecord, ListRecords, resumption tokens, the expected errors of
OAI-PMH 1.1/2.0, POST, and the per-response checks (responseDate, schema name, verb
element, granularity of every datestamp, UTF-8 well-formedness).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests
from lxml import etree

from tests.oai_site import NS, Site, error_code, fetch

pytestmark = pytest.mark.shared

OAI_SCHEMA_LOCATION = "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")


def request(site: Site, params: dict[str, str], method: str = "GET") -> etree._Element:
    """make_request_and_validate: HTTP 200, UTF-8 XML, then the per-response checks."""
    response, doc = fetch(site, params, method=method)
    response.content.decode("utf-8")  # parse_response: UTF-8 or fail
    check_response_date(doc)
    check_schema_name(doc)
    for stamp in doc.iterfind(".//o:header/o:datestamp", NS):
        assert SECONDS.match(stamp.text or ""), "get_datestamp_granularity: seconds"
    if error_code(doc) is None:
        assert doc.find(f"o:{params['verb']}", NS) is not None, "is_verb_response"
    return doc


def check_response_date(doc: etree._Element) -> None:
    """check_response_date: UTC, and today."""
    text = doc.findtext("o:responseDate", namespaces=NS) or ""
    assert SECONDS.match(text)
    when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=5)


def check_schema_name(doc: etree._Element) -> None:
    """check_schema_name: the official OAI-PMH schema, not one of our own."""
    assert doc.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
    location = doc.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") or ""
    assert " ".join(location.split()) == OAI_SCHEMA_LOCATION


@pytest.fixture(scope="module")
def identify(oai_site: Site) -> etree._Element:
    """test_identify."""
    doc = request(oai_site, {"verb": "Identify"})
    node = doc.find("o:Identify", NS)
    assert node is not None
    return node


def test_identify(identify: etree._Element) -> None:
    # check_protocol_version, parse_granularity, get_admin_email + bad_admin_email
    assert identify.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    emails = [e.text or "" for e in identify.iterfind("o:adminEmail", NS)]
    assert emails and all(re.match(r"[^@\s]+@[^@\s]+\.\w+$", e) for e in emails)
    assert not any(e.split("@")[0] in {"root", "webmaster", "postmaster"} for e in emails)
    # get_earliest_datestamp: present, at the declared granularity
    assert SECONDS.match(identify.findtext("o:earliestDatestamp", namespaces=NS) or "")


def test_list_sets(oai_site: Site) -> None:
    doc = request(oai_site, {"verb": "ListSets"})
    specs = [s.text for s in doc.iterfind("o:ListSets/o:set/o:setSpec", NS)]
    assert specs and len(specs) == len(set(specs))
    # Some set must have records (the validator tries them in turn).
    assert any(error_code(request(oai_site, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                                              "set": spec or ""})) is None for spec in specs)


@pytest.fixture(scope="module")
def example_record(oai_site: Site) -> str:
    """test_list_identifiers: remember an example record id."""
    doc = request(oai_site, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    ids = [h.findtext("o:identifier", namespaces=NS) for h in doc.iterfind(".//o:header", NS)
           if h.get("status") != "deleted"]
    assert ids
    return ids[0] or ""


def test_list_metadata_formats(oai_site: Site, example_record: str) -> None:
    doc = request(oai_site, {"verb": "ListMetadataFormats", "identifier": example_record})
    assert "oai_dc" in [p.text for p in doc.iterfind(".//o:metadataPrefix", NS)]


def get_record(site: Site, record_id: str, prefix: str) -> str:
    doc = request(site, {"verb": "GetRecord", "identifier": record_id, "metadataPrefix": prefix})
    assert error_code(doc) is None
    assert doc.findtext(".//o:header/o:identifier", namespaces=NS) == record_id
    return doc.findtext(".//o:header/o:datestamp", namespaces=NS) or ""


def test_get_record(oai_site: Site, example_record: str) -> None:
    for prefix in ("oai_dc", "marcxml", "unimarc", "pmb_xml_unimarc"):
        assert SECONDS.match(get_record(oai_site, example_record, prefix))


def test_list_records(oai_site: Site, example_record: str) -> None:
    datestamp = get_record(oai_site, example_record, "oai_dc")
    doc = request(oai_site, {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": datestamp,
                             "until": datestamp})
    ids = [h.text for h in doc.iterfind(".//o:header/o:identifier", NS)]
    assert example_record in ids or doc.find(".//o:resumptionToken", NS) is not None


def test_resumption_tokens(oai_site: Site) -> None:
    doc = request(oai_site, {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    token = doc.findtext(".//o:resumptionToken", namespaces=NS)
    assert token and quote(token, safe="") == token  # url_encode leaves it as it is
    following = request(oai_site, {"verb": "ListRecords", "resumptionToken": token})
    assert error_code(following) is None
    assert following.find(".//o:record", NS) is not None


def test_expected_errors(oai_site: Site, example_record: str) -> None:
    """test_expected_errors: each of these must be an OAI error with HTTP 200."""
    cases = [
        ({"verb": "junk"}, {"badVerb"}),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "junk"}, {"badArgument"}),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "junk"}, {"badArgument"}),
        ({"verb": "GetRecord", "identifier": example_record}, {"badArgument"}),
        ({"verb": "GetRecord", "identifier": "invalid\"id", "metadataPrefix": "oai_dc"},
         {"idDoesNotExist", "badArgument"}),
        ({"verb": "GetRecord", "identifier": example_record, "metadataPrefix": "junk_prefix"},
         {"cannotDisseminateFormat"}),
        ({"verb": "ListIdentifiers"}, {"badArgument"}),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "really_wrong_set"},
         {"noRecordsMatch", "badArgument"}),
        ({"verb": "ListRecords", "resumptionToken": "junk"}, {"badResumptionToken"}),
        ({"verb": "ListSets", "resumptionToken": "junk"}, {"badResumptionToken"}),
        ({"verb": "ListMetadataFormats", "identifier": "really_wrong_id"}, {"idDoesNotExist"}),
        ({"verb": "Identify", "junk": "junk"}, {"badArgument"}),
    ]
    for params, codes in cases:
        assert error_code(request(oai_site, params)) in codes, params


def test_expected_v2_errors(oai_site: Site, identify: etree._Element) -> None:
    """test_expected_v2_errors: noRecordsMatch before the earliest datestamp, and friends."""
    earliest = identify.findtext("o:earliestDatestamp", namespaces=NS) or ""
    year_before = f"{int(earliest[:4]) - 1}{earliest[4:10]}"  # one_year_before
    cases = [
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": year_before}, "noRecordsMatch"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": earliest[:10],
          "until": earliest}, "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "junk_prefix"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2002-02-05",
          "until": "2002-02-04"}, "badArgument"),
    ]
    for params, code in cases:
        assert error_code(request(oai_site, params)) == code, params


def test_post_requests(oai_site: Site, example_record: str) -> None:
    doc = request(oai_site, {"verb": "Identify"}, method="POST")
    assert doc.find("o:Identify", NS) is not None
    doc = request(oai_site, {"verb": "GetRecord", "identifier": example_record,
                             "metadataPrefix": "oai_dc"}, method="POST")
    assert doc.findtext(".//o:header/o:identifier", namespaces=NS) == example_record


def test_no_503_and_no_redirects(oai_site: Site) -> None:
    """make_request: the validator retries on 503; we never need it to."""
    response = requests.get(oai_site.url, params={"verb": "Identify"}, allow_redirects=False,
                            timeout=30)
    assert response.status_code == 200 and "Retry-After" not in response.headers
