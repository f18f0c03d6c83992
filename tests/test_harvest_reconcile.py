"""Records that leave a partner's harvested set, or vanish without a trace, are deleted here
once a periodic ListIdentifiers (pyoai's server, real HTTP) no longer lists them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.harvesting import harvest_reports, harvest_source
from catalogue.settings import SettingsError, load
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records
from tests.harvest_support import Sleeps, StepClock, as_dc, deployment, partner, stored, tombstones

SET = "politique-ville"
RECORDS = demo_records(40)


@pytest.fixture()
def repo() -> PartnerRepository:
    repository = PartnerRepository()
    for n, record in enumerate(RECORDS):
        repository.put(record, (SET,) if n % 2 == 0 else ("prevention",), past=True)
    return repository


def expected(repo: PartnerRepository, source: str) -> dict:
    return {i: as_dc(r, source, i) for i, r in repo.live(SET).items()}


def listings(server: PyoaiServer, since: int = 0) -> list[dict[str, str]]:
    return [r for r in server.requests[since:] if r.get("verb") == "ListIdentifiers"]


def test_left_the_set_or_purged_are_deleted_by_the_periodic_listing(
        tmp_path: Path, repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=6) as server:
        _, settings, engine = deployment(tmp_path, partner("p1", server.url, set=SET))
        source = settings.source("p1")
        assert settings.harvest.reconcile_days == 7
        first = harvest_source(engine, settings, source, clock=StepClock(), sleep=Sleeps())
        assert first.status == "completed" and first.added == 20
        assert first.reconciliation is None and not listings(server)  # it listed everything

        in_set = sorted(repo.live(SET))
        moved, purged, deleted = in_set[0], in_set[1], in_set[2]
        record = repo.entries[moved].record
        assert record is not None
        repo.put(record, ("prevention",))  # re-filed by the partner: it leaves our set
        del repo.entries[purged]  # deleted, and the deletion forgotten (transient)
        repo.delete(deleted)  # deleted, and said so
        new = repo.put(demo_records(41)[-1], (SET,))

        second = harvest_source(engine, settings, source, clock=StepClock(), sleep=Sleeps())
        assert second.status == "completed" and second.reconciliation is None
        assert (second.added, second.deleted) == (1, 1)
        live = stored(engine, "p1")
        assert moved in live and purged in live and new in live  # unnoticed so far

        before = len(server.requests)
        week_later = StepClock(datetime(2025, 1, 9, tzinfo=UTC))
        third = harvest_source(engine, settings, source, clock=week_later, sleep=Sleeps())
        assert third.status == "completed", third.message
        listing = third.reconciliation
        assert listing is not None and listing.status == "completed"
        assert (listing.listed, listing.deleted) == (len(repo.live(SET)), 2)
        assert {r.get("set") for r in listings(server, before) if "metadataPrefix" in r} == {SET}
        assert "identifiers listed: 18 in 4 page(s); 2 record(s) no longer" in third.message
        assert stored(engine, "p1") == expected(repo, "p1")
        assert tombstones(engine, "p1") == {moved, purged, deleted}

        before = len(server.requests)
        fourth = harvest_source(engine, settings, source,
                                clock=StepClock(datetime(2025, 1, 10, tzinfo=UTC)), sleep=Sleeps())
        assert fourth.reconciliation is None and not listings(server, before)  # not due again
    kinds = [(r.kind, r.status, r.deleted) for r in harvest_reports(engine, "p1")]
    assert kinds == [("oai", "completed", 0), ("reconcile", "completed", 2),
                     ("oai", "completed", 0), ("oai", "completed", 1), ("oai", "completed", 0)]


def test_an_incomplete_listing_deletes_nothing(tmp_path: Path, repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=6) as server:
        config, settings, engine = deployment(tmp_path, partner("p1", server.url, set=SET))
        source = settings.source("p1")
        assert harvest_source(engine, settings, source, sleep=Sleeps()).status == "completed"
        gone = sorted(repo.live(SET))[5]
        del repo.entries[gone]
        server.fault = lambda n, params: ((500, {}, b"down") if params.get("verb") == "ListIdentifiers"
                                          and "resumptionToken" in params else None)
        report = harvest_source(engine, settings, source, sleep=Sleeps(), reconcile=True)
        assert report.status == "completed"
        assert report.reconciliation is not None and report.reconciliation.status == "failed"
        assert "nothing was deleted, the next harvest lists again" in report.message
        assert gone in stored(engine, "p1")

        server.fault = None
        result = CliRunner().invoke(main, ["--config", str(config), "harvest", "p1", "--reconcile"])
        assert result.exit_code == 0, result.output
        assert "identifiers listed: 19 in 4 page(s); 1 record(s) no longer at the partner deleted" \
            in result.stdout
    assert stored(engine, "p1") == expected(repo, "p1")


def test_an_empty_listing_deletes_nothing(tmp_path: Path, repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=6) as server:
        config, settings, engine = deployment(tmp_path, partner("p1", server.url, set=SET))
        assert harvest_source(engine, settings, settings.source("p1"),
                              sleep=Sleeps()).status == "completed"
        for entry in repo.entries.values():  # the partner renames its sets
            entry.sets = tuple("pv" if s == SET else s for s in entry.sets)
        result = CliRunner().invoke(main, ["--config", str(config), "harvest", "p1", "--reconcile"])
        assert result.exit_code == 2  # the harvest went in, but the listing was refused
        assert "identifier listing refused: the partner listed no identifier while we hold " \
               "20 live record(s): nothing was deleted" in result.stdout
    assert len(stored(engine, "p1")) == 20


def test_a_partner_can_opt_out_of_the_periodic_listing(tmp_path: Path,
                                                       repo: PartnerRepository) -> None:
    with PyoaiServer(repo, page_size=6) as server:
        _, settings, engine = deployment(tmp_path, partner("p1", server.url, set=SET,
                                                           reconcile_days=0))
        source = settings.source("p1")
        assert source.reconcile_days == 0 and settings.harvest.reconcile_days == 7
        harvest_source(engine, settings, source, clock=StepClock(), sleep=Sleeps())
        del repo.entries[sorted(repo.live(SET))[0]]
        later = harvest_source(engine, settings, source, sleep=Sleeps(),
                               clock=StepClock(datetime(2025, 3, 1, tzinfo=UTC)))
        assert later.reconciliation is None and not listings(server)
        forced = harvest_source(engine, settings, source, sleep=Sleeps(), reconcile=True)
        assert forced.reconciliation is not None and forced.reconciliation.deleted == 1
    with pytest.raises(SettingsError, match=r"'sources\[1\]\.reconcile_days' must be between"):
        deployment(tmp_path / "bad", partner("p1", "http://127.0.0.1:9/oai", reconcile_days=400))


def test_a_listing_that_would_delete_too_much_deletes_nothing(
        tmp_path: Path, repo: PartnerRepository) -> None:
    """A partner half-way through re-filing its sets must not halve our catalogue."""
    with PyoaiServer(repo, page_size=6) as server:
        config, settings, engine = deployment(tmp_path, partner("p1", server.url, set=SET))
        assert settings.harvest.reconcile_max_percent == 30
        source = settings.source("p1")
        assert harvest_source(engine, settings, source, sleep=Sleeps()).status == "completed"
        refiled = sorted(repo.live(SET))[:11]  # 11 of 20 (55%) leave the set
        for identifier in refiled:
            record = repo.entries[identifier].record
            assert record is not None
            repo.put(record, ("prevention",))
        report = harvest_source(engine, settings, source, sleep=Sleeps(), reconcile=True)
        assert report.status == "completed"
        listing = report.reconciliation
        assert listing is not None and (listing.status, listing.deleted) == ("refused", 0)
        assert ("identifier listing refused: the partner no longer lists 11 of our 20 live "
                "record(s) (55%, more than [harvest] reconcile_max_percent = 30): nothing was "
                "deleted. If it really dropped them, `catalogue harvest p1 --full` deletes them"
                ) in report.message
        assert len(stored(engine, "p1")) == 20 and not tombstones(engine, "p1")

        # The documentalist agrees: a higher limit lets the next listing delete them.
        config.write_text(config.read_text("utf-8").replace(
            "workers = 0", "workers = 0\nreconcile_max_percent = 60"), encoding="utf-8")
        settings = load(config)
        report = harvest_source(engine, settings, settings.source("p1"), sleep=Sleeps(),
                                reconcile=True)
        assert report.reconciliation is not None and report.reconciliation.deleted == 11
        assert tombstones(engine, "p1") == set(refiled)
        assert stored(engine, "p1") == expected(repo, "p1")


def test_the_limit_is_checked(tmp_path: Path) -> None:
    config, _, _ = deployment(tmp_path, "")
    config.write_text(config.read_text("utf-8").replace(
        "workers = 0", "workers = 0\nreconcile_max_percent = 0"), encoding="utf-8")
    with pytest.raises(SettingsError, match="reconcile_max_percent"):
        load(config)
