"""Our own OAI-PMH endpoint harvested by our own harvester: what goes out comes back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from catalogue.harvesting import harvest_source
from catalogue.records import Record, from_json, replace
from catalogue.store.tables import records
from oai import identifiers
from tests.harvest_support import Sleeps, as_dc, deployment, partner, stored
from tests.oai_site import REPOSITORY, Running, start_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path,
         shared_data: Path) -> Iterator[Running]:
    running = start_site(tmp_path_factory.mktemp("site"), demo_export, shared_data, page_size=100)
    yield running
    running.serving.stop()


def exposed(running: Running) -> dict[str, Record]:
    """The live records our provider exposes, by OAI identifier."""
    with running.site.engine.connect() as conn:
        rows = conn.execute(select(records.c.source, records.c.source_id, records.c.data)
                            .where(records.c.deleted.is_(False),
                                   records.c.source.in_(("crpv", "partner"))))
        return {identifiers.make(REPOSITORY, r.source, r.source_id): from_json(r.data)
                for r in rows}


def test_unimarc_round_trip_is_exact(tmp_path: Path, site: Running) -> None:
    _, settings, engine = deployment(tmp_path, partner("ours", site.site.url,
                                                       metadata_prefix="unimarc"))
    report = harvest_source(engine, settings, settings.source("ours"), sleep=Sleeps())
    assert report.status == "completed", report.message
    want = {i: replace(r, source="ours", source_id=i) for i, r in exposed(site).items()}
    got = stored(engine, "ours")
    assert set(got) == set(want) and len(got) > 1500
    different = [i for i in want if got[i] != want[i]]
    assert not different, (different[:3], got[different[0]], want[different[0]])
    assert report.rejected == 0 and not site.site.validator.failures


def test_oai_dc_round_trip_keeps_what_dublin_core_carries(tmp_path: Path, site: Running) -> None:
    _, settings, engine = deployment(tmp_path, partner("ours", site.site.url))
    report = harvest_source(engine, settings, settings.source("ours"), sleep=Sleeps())
    assert report.status == "completed", report.message
    want = {i: as_dc(r, "ours", i) for i, r in exposed(site).items()}
    got = stored(engine, "ours")
    assert set(got) == set(want)
    different = [i for i in want if got[i] != want[i]]
    assert not different, (different[:3], got[different[0]], want[different[0]])


def test_pmb_xml_unimarc_round_trip(tmp_path: Path, site: Running) -> None:
    _, settings, engine = deployment(tmp_path, partner("ours", site.site.url,
                                                       metadata_prefix="pmb_xml_unimarc"))
    report = harvest_source(engine, settings, settings.source("ours"), sleep=Sleeps())
    assert report.status == "completed", report.message
    got = stored(engine, "ours")
    want = exposed(site)
    assert set(got) == set(want)
    titles = sum(got[i].title == want[i].title for i in want)
    assert titles == len(want)
