"""Harvesting pyoai's server (an independent OAI-PMH implementation) over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from catalogue.harvesting import harvest_reports, harvest_source
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records, oai_error
from tests.harvest_support import (
    Sleeps,
    StepClock,
    as_dc,
    deployment,
    partner,
    stored,
    tombstones,
)

RECORDS = demo_records(60)


def expected(repo: PartnerRepository, source: str, set_spec: str | None = None) -> dict:
    return {i: as_dc(r, source, i) for i, r in repo.live(set_spec).items()}


@pytest.fixture()
def repo() -> PartnerRepository:
    repository = PartnerRepository()
    for n, record in enumerate(RECORDS):
        repository.put(record, ("politique-ville",) if n % 3 == 0 else ("prevention",), past=True)
    return repository


@pytest.mark.parametrize("workers", [0, 1], ids=["inline", "worker-process"])
def test_full_then_incremental_with_changes_and_deletions(tmp_path: Path, repo: PartnerRepository,
                                                          workers: int) -> None:
    with PyoaiServer(repo, page_size=7) as server:
        _, settings, engine = deployment(tmp_path, partner("p1", server.url), workers=workers)
        source = settings.source("p1")
        first = harvest_source(engine, settings, source, clock=StepClock(), sleep=Sleeps())
        assert first.status == "completed", first.message
        assert first.pages == 9 and first.added == 60 and first.rejected == 0
        assert stored(engine, "p1") == expected(repo, "p1")

        # The partner edits three records, deletes two and adds one.
        ids = sorted(repo.live())
        for identifier in ids[:3]:
            record = repo.entries[identifier].record
            assert record is not None
            repo.put(record.__class__(**{**{f: getattr(record, f) for f in record.__struct_fields__},
                                         "abstracts": ("Résumé révisé.",)}))
        repo.delete(ids[10])
        repo.delete(ids[11])
        extra = demo_records(61)[-1]
        repo.put(extra)
        before = len(server.requests)
        second = harvest_source(engine, settings, source, clock=StepClock(), sleep=Sleeps())
        assert second.status == "completed", second.message
        assert second.from_ != "" and second.pages == 1
        assert (second.added, second.updated, second.deleted) == (1, 3, 2)
        assert server.requests[before + 2]["from"] == second.from_
        assert stored(engine, "p1") == expected(repo, "p1")
        assert tombstones(engine, "p1") == {ids[10], ids[11]}

        third = harvest_source(engine, settings, source, clock=StepClock(), sleep=Sleeps())
        assert third.status == "completed" and third.added == third.updated == third.deleted == 0
        reports = harvest_reports(engine, "p1")
        assert [r.status for r in reports] == ["completed"] * 3
        assert reports[-1].pages == 9


def test_sets_harvest_only_their_records(tmp_path: Path, repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=5) as server:
        _, settings, engine = deployment(tmp_path, partner("p1", server.url, set="politique-ville"))
        report = harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())
        assert report.status == "completed", report.message
        assert stored(engine, "p1") == expected(repo, "p1", "politique-ville")
        assert {r.get("set") for r in server.requests if r.get("verb") == "ListRecords"
                and "metadataPrefix" in r} == {"politique-ville"}


def test_two_sets_sharing_records_store_each_once(tmp_path: Path, repo: PartnerRepository) -> None:
    for entry in list(repo.entries.values())[:10]:
        entry.sets = ("politique-ville", "prevention")
    with PyoaiServer(repo, page_size=6) as server:
        _, settings, engine = deployment(
            tmp_path, partner("p1", server.url, sets=["politique-ville", "prevention"]))
        report = harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())
        assert report.status == "completed", report.message
        assert stored(engine, "p1") == expected(repo, "p1")
        assert not [p for p in report.problems if "more than once" in p.message]


def test_busy_partner_503_retry_after_is_waited_out(tmp_path: Path, repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=7) as server:
        server.fault = lambda n, params: (503, {"Retry-After": "7"}, b"busy") if n % 3 == 0 else None
        _, settings, engine = deployment(tmp_path, partner("p1", server.url))
        sleeps = Sleeps()
        report = harvest_source(engine, settings, settings.source("p1"), sleep=sleeps)
        assert report.status == "completed", report.message
        assert report.retries >= 3 and 7.0 in sleeps.calls
        assert stored(engine, "p1") == expected(repo, "p1")


def test_5xx_timeouts_and_dropped_connections_back_off(tmp_path: Path, repo: PartnerRepository) -> None:
    faults = {3: (500, {}, b"oops"), 4: "drop", 6: (502, {}, b"bad gateway"), 9: "drop"}
    with PyoaiServer(repo, page_size=10) as server:
        server.fault = lambda n, params: faults.get(n)
        _, settings, engine = deployment(tmp_path, partner("p1", server.url))
        sleeps = Sleeps()
        report = harvest_source(engine, settings, settings.source("p1"), sleep=sleeps)
        assert report.status == "completed", report.message
        assert report.retries == 4
        assert sleeps.calls[:2] == [1.0, 2.0]  # exponential from backoff_seconds
        assert stored(engine, "p1") == expected(repo, "p1")


def test_bad_resumption_token_restarts_from_checkpoint(tmp_path: Path, repo: PartnerRepository) -> None:
    state = {"refused": False}

    def refuse_third_page(n: int, params: dict[str, str]) -> object:
        if "resumptionToken" in params and "cursor%3D14" in params["resumptionToken"].replace("=", "%3D") \
                and not state["refused"]:
            state["refused"] = True
            return 200, {}, oai_error("badResumptionToken", "expired")
        return None

    with PyoaiServer(repo, page_size=7) as server:
        server.fault = refuse_third_page  # type: ignore[assignment]
        _, settings, engine = deployment(tmp_path, partner("p1", server.url))
        report = harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())
        assert state["refused"]
        assert report.status == "completed", report.message
        assert report.restarts == 1 and "badResumptionToken" in report.message
        restart = [r for r in server.requests if "from" in r]
        fourteenth = sorted(e.datestamp for e in repo.entries.values())[13]
        assert restart and restart[0]["from"] == fourteenth.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert report.added == 60
        assert stored(engine, "p1") == expected(repo, "p1")


def test_unmappable_record_is_reported_rest_of_page_kept(tmp_path: Path, repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=7) as server:
        def break_one(n: int, params: dict[str, str]) -> object:
            if params.get("verb") == "ListRecords" and "metadataPrefix" in params:
                body = server.respond(params)
                assert isinstance(body, tuple)
                text = body[2].replace(b"<dc:title>", b"<dc:nothing>", 0)
                # the first record loses its metadata: a live record that cannot be mapped
                start = text.index(b"<metadata>")
                end = text.index(b"</metadata>") + len(b"</metadata>")
                return 200, {}, text[:start] + text[end:]
            return None
        server.fault = break_one  # type: ignore[assignment]
        _, settings, engine = deployment(tmp_path, partner("p1", server.url))
        report = harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps())
        assert report.status == "completed", report.message
        assert report.rejected == 1 and report.added == 59
        assert "without <metadata>" in report.problems[0].message
        first = sorted(repo.live(), key=lambda i: repo.entries[i].datestamp)[0]
        want = expected(repo, "p1")
        del want[first]
        assert stored(engine, "p1") == want


def test_session_is_injected(tmp_path: Path, repo: PartnerRepository) -> None:
    class Counting(requests.Session):
        calls = 0

        def get(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
            Counting.calls += 1
            return super().get(*args, **kwargs)  # type: ignore[arg-type]

    with PyoaiServer(repo, page_size=20) as server:
        _, settings, engine = deployment(tmp_path, partner("p1", server.url))
        report = harvest_source(engine, settings, settings.source("p1"), session=Counting())
        assert report.status == "completed"
        assert Counting.calls == len(server.requests)
