"""A harvest while librarians import: nothing lost, nothing twice.

One thread harvests ListRecords page by page over HTTP while another imports updates,
new records and deletions into the same store. The first harvest must not repeat a
record; that harvest plus an incremental one ``from`` its first responseDate must give
exactly the store: every record, in its last state (deleted or not, last datestamp).
"""

from __future__ import annotations

import io
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from catalogue.formats import unimarc
from catalogue.records import replace
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records
from tests.oai_site import NS, Site, error_code, fetch, local_id, split_export, start_site

pytestmark = pytest.mark.shared

Seen = dict[tuple[str, str], tuple[bool, str]]


def _fill(engine: Engine, export: Path) -> None:
    chunks = split_export(export.read_bytes())[:800]
    ingest = Ingest(engine, source="crpv", format="unimarc", batch_size=100)
    ingest.add_all(unimarc.read(io.BytesIO(b"".join(chunks)), "crpv"))
    ingest.finish()


@pytest.fixture()
def busy_site(tmp_path: Path, demo_export: Path, shared_data: Path) -> Iterator[Site]:
    running = start_site(tmp_path, demo_export, shared_data, page_size=20, fill=_fill)
    yield running.site
    running.serving.stop()
    running.site.engine.dispose()
    assert running.site.validator.failures == []


def harvest(site: Site, first: dict[str, str], pause: float,
            started: threading.Event | None = None) -> tuple[Seen, str, int]:
    """A full ListRecords; (what it saw, its first responseDate, duplicates met)."""
    seen: Seen = {}
    duplicates = 0
    params: dict[str, str] = {"verb": "ListRecords", **first}
    response_date = ""
    while True:
        _, doc = fetch(site, params)
        response_date = response_date or doc.findtext("o:responseDate", namespaces=NS) or ""
        if error_code(doc) == "noRecordsMatch":
            return seen, response_date, duplicates
        assert error_code(doc) is None
        for header in doc.iterfind("o:ListRecords/o:record/o:header", NS):
            key = local_id(header.findtext("o:identifier", namespaces=NS) or "")
            duplicates += key in seen
            seen[key] = (header.get("status") == "deleted",
                         header.findtext("o:datestamp", namespaces=NS) or "")
        if started is not None:
            started.set()
        token = doc.findtext("o:ListRecords/o:resumptionToken", namespaces=NS)
        if not token:
            return seen, response_date, duplicates
        params = {"verb": "ListRecords", "resumptionToken": token}
        time.sleep(pause)


def librarian(engine: Engine, export: Path, started: threading.Event, rounds: int) -> None:
    """Imports while the harvest runs: edits, new records, deletions, in small batches."""
    chunks = split_export(export.read_bytes())
    parsed = [p.record for p in unimarc.read(io.BytesIO(b"".join(chunks[:800])), "crpv")]
    rng = random.Random(3)
    started.wait(30)
    fresh = iter(chunks[800:1000])
    for n in range(rounds):
        data = bytearray()
        for record in rng.sample(parsed, 15):
            assert record is not None
            edited = replace(record, keywords=(*record.keywords, f"révision {n}"))
            data += unimarc.to_iso2709(edited)
        for record in rng.sample(parsed, 3):
            assert record is not None
            deleted = unimarc.to_iso2709(record)
            data += deleted[:5] + b"d" + deleted[6:]
        for _ in range(5):
            data += next(fresh)
        ingest = Ingest(engine, source="crpv", format="unimarc", batch_size=7)
        ingest.add_all(unimarc.read(io.BytesIO(bytes(data)), "crpv"))
        ingest.finish()
        time.sleep(0.05)


def test_harvest_during_imports_loses_nothing_and_repeats_nothing(
        busy_site: Site, demo_export: Path) -> None:
    started = threading.Event()
    writer = threading.Thread(target=librarian, args=(busy_site.engine, demo_export, started, 12))
    writer.start()
    try:
        first, response_date, duplicates = harvest(busy_site, {"metadataPrefix": "oai_dc"}, 0.03,
                                                   started)
    finally:
        writer.join(120)
    assert not writer.is_alive()
    assert duplicates == 0
    later, _, duplicates_later = harvest(busy_site, {"metadataPrefix": "oai_dc",
                                                     "from": response_date}, 0)
    assert duplicates_later == 0
    union = {**first, **later}
    with busy_site.engine.connect() as conn:
        store = {("crpv", r.source_id): (bool(r.deleted), f"{r.datestamp:%Y-%m-%dT%H:%M:%SZ}")
                 for r in conn.execute(select(records.c.source_id, records.c.deleted,
                                              records.c.datestamp))}
    assert union == store
    # The imports did happen during the first harvest, and it did not see all of them.
    assert any(deleted for deleted, _ in store.values())
    assert len(later) > 0 and set(store) - set(first)
