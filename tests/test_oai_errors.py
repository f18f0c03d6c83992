"""Bad input gets the right OAI error with HTTP 200 and a schema-valid body, never a 500."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta

import pytest
import requests

from oai import identifiers, tokens
from tests.oai_site import NS, REPOSITORY, Site, error_code, fetch, store_state

pytestmark = pytest.mark.shared

OAI_DC = {"metadataPrefix": "oai_dc"}


def a_record(site: Site) -> str:
    source, sid = next(k for k, gone in store_state(site.engine).items() if not gone)
    return identifiers.make(REPOSITORY, source, sid)


def first_token(site: Site, verb: str = "ListRecords") -> str:
    _, doc = fetch(site, {"verb": verb, **OAI_DC})
    token = doc.findtext(f"o:{verb}/o:resumptionToken", namespaces=NS)
    assert token
    return token


CASES: list[tuple[list[tuple[str, str]], str]] = [
    ([], "badVerb"),
    ([("verb", "Frobnicate")], "badVerb"),
    ([("verb", "identify")], "badVerb"),
    ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),
    ([("verb", "Identify"), ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "ListRecords")], "badArgument"),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("foo", "bar")], "badArgument"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "GetRecord"), ("identifier", "oai:x:y")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-02-30")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("until", "2024-01-01T25:00:00Z")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01T00:00:00")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01T00:00:00.5Z")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "24-01-01")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01"),
      ("until", "2024-01-02T00:00:00Z")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-02"),
      ("until", "2024-01-01")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "bad set!?")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "x")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "nonexistent")], "cannotDisseminateFormat"),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "marc21")], "cannotDisseminateFormat"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "centre:nowhere")],
     "noRecordsMatch"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "centre:closed")],
     "noRecordsMatch"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("until", "1990-01-01")],
     "noRecordsMatch"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2999-01-01")],
     "noRecordsMatch"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc"), ("identifier", "not-an-oai-id")],
     "idDoesNotExist"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc"),
      ("identifier", f"oai:{REPOSITORY}:crpv:%zz")], "idDoesNotExist"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc"),
      ("identifier", f"oai:{REPOSITORY}:crpv:%ff%fe")], "idDoesNotExist"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc"),
      ("identifier", "oai:other.example.org:crpv:1")], "idDoesNotExist"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc"),
      ("identifier", f"oai:{REPOSITORY}:crpv:\x00\x01<>&")], "idDoesNotExist"),
    ([("verb", "ListMetadataFormats"), ("identifier", f"oai:{REPOSITORY}:crpv:missing")],
     "idDoesNotExist"),
    ([("verb", "ListSets"), ("resumptionToken", "anything")], "badResumptionToken"),
    ([("verb", "ListRecords"), ("resumptionToken", "")], "badResumptionToken"),
    ([("verb", "ListRecords"), ("resumptionToken", "garbage.token.here")], "badResumptionToken"),
]


@pytest.mark.parametrize(("params", "code"), CASES)
def test_bad_request_gets_its_error(oai_site: Site, params: list[tuple[str, str]], code: str) -> None:
    for method in ("GET", "POST"):
        _, doc = fetch(oai_site, params, method=method)
        assert error_code(doc) == code, (method, params)
        request = doc.find("o:request", NS)
        assert request is not None and request.text == oai_site.url
        if code in ("badVerb", "badArgument"):
            assert dict(request.attrib) == {}


def test_errors_after_valid_arguments_echo_them(oai_site: Site) -> None:
    params = {"verb": "GetRecord", "metadataPrefix": "oai_dc",
              "identifier": f"oai:{REPOSITORY}:crpv:missing"}
    _, doc = fetch(oai_site, params)
    assert dict(doc.find("o:request", NS).attrib) == params  # type: ignore[union-attr]
    params = {"verb": "ListRecords", "metadataPrefix": "nope", "from": "2024-02-30"}
    _, doc = fetch(oai_site, params)
    assert error_code(doc) == "badArgument"


def test_tampered_truncated_and_foreign_tokens_are_refused(oai_site: Site) -> None:
    token = first_token(oai_site)
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    signed_elsewhere = tokens.encode(
        tokens.ListState("ListRecords", "oai_dc", None, None, datetime.now(UTC)),
        datetime.now(UTC) + timedelta(days=1), "another-secret")
    for bad in (flipped, token[: len(token) // 2], token[:-1], token + "x", signed_elsewhere,
                token.upper()):
        _, doc = fetch(oai_site, {"verb": "ListRecords", "resumptionToken": bad})
        assert error_code(doc) == "badResumptionToken", bad
        assert dict(doc.find("o:request", NS).attrib) == {"verb": "ListRecords"}  # type: ignore[union-attr]
    # A ListRecords token does not resume ListIdentifiers.
    _, doc = fetch(oai_site, {"verb": "ListIdentifiers", "resumptionToken": token})
    assert error_code(doc) == "badResumptionToken"
    # The genuine one still works.
    _, doc = fetch(oai_site, {"verb": "ListRecords", "resumptionToken": token})
    assert error_code(doc) is None


def test_tokens_last_a_day_then_expire(oai_site: Site) -> None:
    token = first_token(oai_site, "ListIdentifiers")
    try:
        oai_site.clock.offset = timedelta(hours=23, minutes=59)
        _, doc = fetch(oai_site, {"verb": "ListIdentifiers", "resumptionToken": token})
        assert error_code(doc) is None
        oai_site.clock.offset = timedelta(hours=24, seconds=2)
        _, doc = fetch(oai_site, {"verb": "ListIdentifiers", "resumptionToken": token})
        assert error_code(doc) == "badResumptionToken"
        assert "expired" in (doc.findtext("o:error", namespaces=NS) or "")
    finally:
        oai_site.clock.offset = timedelta(0)


@pytest.mark.parametrize("name", ["identifier", "metadataPrefix", "set", "from", "until",
                                  "resumptionToken", "verb", "x" * 5000])
def test_very_long_parameters(oai_site: Site, name: str) -> None:
    value = "é" * 20_000
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc", name: value}
    if name == "identifier":
        params = {"verb": "GetRecord", "metadataPrefix": "oai_dc", name: value}
    if name == "resumptionToken":
        params = {"verb": "ListRecords", name: value}
    _, doc = fetch(oai_site, params, method="POST")
    assert error_code(doc) in {"badArgument", "badVerb", "idDoesNotExist", "badResumptionToken",
                               "cannotDisseminateFormat"}
    assert len(doc.findtext("o:error", namespaces=NS) or "") < 400


def test_random_garbage_never_breaks_the_endpoint(oai_site: Site) -> None:
    rng = random.Random(7)
    names = ["verb", "identifier", "metadataPrefix", "from", "until", "set", "resumptionToken",
             "", "x"]
    verbs = ["Identify", "ListRecords", "ListIdentifiers", "GetRecord", "ListSets",
             "ListMetadataFormats", ""]
    alphabet = string.printable + "éß\u200b\ufffd\x00\x7f\U0001f600"
    for _ in range(150):
        params: list[tuple[str, str]] = [("verb", rng.choice(verbs))]
        for _ in range(rng.randint(0, 4)):
            value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
            params.append((rng.choice(names), value))
        response = requests.post(oai_site.url, data=params, timeout=30)
        assert response.status_code == 200
    assert all(s.startswith("200") for s in oai_site.middleware.statuses)


def test_raw_invalid_utf8_in_the_query_string(oai_site: Site) -> None:
    response = requests.get(oai_site.url + "?verb=GetRecord&metadataPrefix=oai_dc&identifier=%ff%fe%00",
                            timeout=30)
    assert response.status_code == 200 and b'code="idDoesNotExist"' in response.content
    response = requests.get(oai_site.url + "?verb=%ff", timeout=30)
    assert response.status_code == 200 and b'code="badVerb"' in response.content


@pytest.mark.parametrize("bounds", [
    {"until": "9999-12-31"},
    {"until": "9999-12-31T23:59:59Z"},
    {"from": "0001-01-01", "until": "9999-12-31"},
    {"from": "0001-01-01T00:00:00Z"},
])
@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_the_extreme_dates_the_protocol_allows_are_answered(
        oai_site: Site, bounds: dict[str, str], verb: str) -> None:
    _, doc = fetch(oai_site, {"verb": verb, "metadataPrefix": "oai_dc", **bounds})
    assert error_code(doc) is None
    tag = "o:record" if verb == "ListRecords" else "o:header"
    assert len(doc.findall(f".//{tag}", NS)) > 0
    token = doc.find(".//o:resumptionToken", NS)
    if token is not None and token.text:
        _, following = fetch(oai_site, {"verb": verb, "resumptionToken": token.text})
        assert error_code(following) is None
