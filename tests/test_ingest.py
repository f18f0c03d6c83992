"""The store: upserts, idempotent re-imports, --full tombstones, items, runs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from catalogue.folder_imports import importer
from catalogue.formats import pmbxml, unimarc
from catalogue.formats.base import Parsed
from catalogue.records import replace
from catalogue.store import database, queries
from catalogue.store.ingest import Ingest, RunReport
from catalogue.store.tables import import_runs, items, records
from tests.harvest_support import deployment
from tests.stores import store_url


class SteppingClock:
    """A wall clock that moves one minute at each reading (the one allowed seam)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = database.open_store(store_url(tmp_path, "store"))
    yield eng
    eng.dispose()


def parse(data: bytes) -> list[Parsed]:
    return list(unimarc.read(io.BytesIO(data), "crpv"))


def run(engine: Engine, data: bytes, clock: SteppingClock, full: bool = False) -> RunReport:
    ingest = Ingest(engine, source="crpv", format="unimarc", full=full, batch_size=64, clock=clock)
    ingest.add_all(parse(data))
    return ingest.finish()


def stamps(engine: Engine) -> dict[str, tuple[datetime, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.source_id, records.c.datestamp, records.c.deleted))
        return {r.source_id: (r.datestamp, r.deleted) for r in rows}


@pytest.fixture(scope="module")
def export_bytes(demo_export: Path) -> bytes:
    """The first 300 demo records: enough for every kind, quick to import repeatedly."""
    data = demo_export.read_bytes()
    end = 0
    for _ in range(300):
        end = data.index(b"\x1d", end) + 1
    return data[:end]


def test_first_import_adds_everything_with_items(engine: Engine, export_bytes: bytes) -> None:
    report = run(engine, export_bytes, SteppingClock())
    assert (report.read, report.added, report.rejected) == (300, 300, 0)
    assert queries.count_records(engine, "crpv") == 300
    parsed = parse(export_bytes)
    with_items = [p.record for p in parsed if p.record and p.record.items]
    assert with_items
    sample = with_items[0]
    stored = queries.get_record(engine, "crpv", sample.source_id)
    assert stored is not None and stored.record == sample and stored.raw == parsed[
        [p.record for p in parsed].index(sample)
    ].raw
    with engine.connect() as conn:
        barcodes = set(conn.execute(select(items.c.barcode).where(items.c.record_id == stored.id)).scalars())
    assert barcodes == {i.barcode for i in sample.items}


def test_reimport_is_unchanged_and_keeps_datestamps(engine: Engine, export_bytes: bytes) -> None:
    clock = SteppingClock()
    run(engine, export_bytes, clock)
    before = stamps(engine)
    again = run(engine, export_bytes, clock)
    assert (again.added, again.updated, again.unchanged, again.deleted) == (0, 0, 300, 0)
    assert stamps(engine) == before


def test_changed_record_is_updated_and_only_it_gets_a_new_datestamp(
    engine: Engine, export_bytes: bytes
) -> None:
    clock = SteppingClock()
    run(engine, export_bytes, clock)
    before = stamps(engine)
    parsed = parse(export_bytes)
    target = parsed[10].record
    assert target is not None
    changed = replace(target, keywords=(*target.keywords, "mot-clé ajouté"))
    data = bytearray()
    for p in parsed:
        data += unimarc.to_iso2709(changed) if p.record is target else p.raw
    report = run(engine, bytes(data), clock)
    assert (report.updated, report.unchanged) == (1, 299)
    after = stamps(engine)
    moved = {sid for sid in after if after[sid] != before[sid]}
    assert moved == {target.source_id}
    stored = queries.get_record(engine, "crpv", target.source_id)
    assert stored and "mot-clé ajouté" in stored.record.keywords


def test_full_import_tombstones_exactly_the_missing_record(engine: Engine, export_bytes: bytes) -> None:
    clock = SteppingClock()
    run(engine, export_bytes, clock, full=True)
    parsed = parse(export_bytes)
    removed = parsed[42]
    without = b"".join(p.raw for p in parsed if p is not removed)
    report = run(engine, without, clock, full=True)
    assert (report.deleted, report.unchanged) == (1, 299)
    after = stamps(engine)
    assert [sid for sid, (_, deleted) in after.items() if deleted] == [removed.source_id]
    # It comes back on the next export: resurrected, with a new datestamp.
    back = run(engine, export_bytes, clock, full=True)
    assert (back.updated, back.deleted) == (1, 0)
    assert not stamps(engine)[removed.source_id][1]


def test_full_import_with_unidentifiable_reject_deletes_nothing(
    engine: Engine, export_bytes: bytes
) -> None:
    clock = SteppingClock()
    run(engine, export_bytes, clock, full=True)
    parsed = parse(export_bytes)
    damaged = b"0" * 40 + b"\x1d"  # unreadable, and no 001 to recognise it by
    data = b"".join(p.raw for p in parsed[:-1]) + damaged
    report = run(engine, data, clock, full=True)
    assert report.rejected == 1 and report.deleted == 0
    assert "nothing was deleted" in report.message


def test_reimport_of_a_record_with_a_changed_item_keeps_item_ids(
    engine: Engine, export_bytes: bytes
) -> None:
    clock = SteppingClock()
    run(engine, export_bytes, clock)
    parsed = parse(export_bytes)
    p = next(p for p in parsed if p.record and len(p.record.items) >= 1 and p.record.items[0].barcode)
    assert p.record is not None
    record = p.record
    with engine.connect() as conn:
        before = dict(conn.execute(select(items.c.barcode, items.c.id)).all())
    first = record.items[0]
    moved = replace(first, call_number="NOUVELLE COTE")
    new = replace(record, items=(moved, *record.items[1:]))
    run(engine, unimarc.to_iso2709(new), clock)
    with engine.connect() as conn:
        row = conn.execute(select(items.c.id, items.c.call_number)
                           .where(items.c.barcode == first.barcode)).one()
    assert row.id == before[first.barcode] and row.call_number == "NOUVELLE COTE"


def test_duplicate_ids_in_one_file_are_reported(engine: Engine, export_bytes: bytes) -> None:
    parsed = parse(export_bytes)
    data = parsed[0].raw + parsed[1].raw + parsed[0].raw
    report = run(engine, data, SteppingClock())
    assert report.added == 2
    assert any("more than once" in p.message for p in report.problems)


def test_interrupted_import_keeps_committed_batches_and_can_be_rerun(
    engine: Engine, export_bytes: bytes
) -> None:
    clock = SteppingClock()
    parsed = parse(export_bytes)

    def interrupted() -> Iterator[Parsed]:
        yield from parsed[:150]
        raise KeyboardInterrupt

    ingest = Ingest(engine, source="crpv", format="unimarc", full=True, batch_size=64, clock=clock)
    with pytest.raises(KeyboardInterrupt):
        ingest.add_all(interrupted())
    report = ingest.abort("interrupted")
    assert report.status == "interrupted"
    kept = queries.count_records(engine, "crpv")
    assert kept == 128  # two whole batches of 64 were committed; the third was not
    again = run(engine, export_bytes, clock, full=True)
    assert (again.added, again.unchanged, again.deleted) == (300 - kept, kept, 0)
    assert queries.count_records(engine, "crpv") == 300
    with engine.connect() as conn:
        assert conn.execute(select(records.c.id).where(records.c.deleted.is_(True))).first() is None


def _items_of(engine: Engine, source_id: str) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.item_key, items.c.barcode, items.c.call_number)
                            .join(records, records.c.id == items.c.record_id)
                            .where(records.c.source_id == source_id).order_by(items.c.id))
        return [tuple(r) for r in rows]


@pytest.mark.parametrize("encoding", ["utf-8", "iso-8859-1"])
def test_a_barcode_given_twice_in_a_record_imports_with_a_warning(
        engine: Engine, shared_data: Path, encoding: str) -> None:
    path = shared_data / f"unimarc/pmb-xml-generated/kentika_fixed.pmbxml.{encoding}.xml"
    ingest = Ingest(engine, source="crpv", format="pmbxml", clock=SteppingClock())
    with open(path, "rb") as fh:
        ingest.add_all(pmbxml.read(fh, "crpv"))
    report = ingest.finish()
    assert (report.status, report.added, report.rejected) == ("completed", 29, 0)
    # Three copies sharing Kentika's placeholder barcode, with different call numbers.
    assert [i for i in _items_of(engine, "Kentika_ENSP351") if i[1] == "ENSP_"] == [
        ("ENSP_", "ENSP_", "A 446"), ("ENSP_#2", "ENSP_", "A 446 bis"),
        ("ENSP_#3", "ENSP_", "A 446 ter")]
    # The same copy twice: kept once.
    assert [i for i in _items_of(engine, "Kentika_ENSP49147") if i[1] == "ENSP_"] == [
        ("ENSP_", "ENSP_", "TPFE 2011 (09)")]
    said = {(p.source_id, p.message) for p in report.problems if p.severity == "warning"}
    assert ("Kentika_ENSP351", "barcode 'ENSP_' is shared by different copies (call numbers "
            "A 446 and A 446 bis): both kept, give each its own barcode for the lending "
            "desk") in said
    assert ("Kentika_ENSP49147", "barcode 'ENSP_' is given twice to the same copy (call "
            "number TPFE 2011 (09)): kept once") in said
    again = Ingest(engine, source="crpv", format="pmbxml", clock=SteppingClock())
    with open(path, "rb") as fh:
        again.add_all(pmbxml.read(fh, "crpv"))
    assert again.finish().unchanged == 29
    assert len([i for i in _items_of(engine, "Kentika_ENSP351") if i[1] == "ENSP_"]) == 3


class BreakingClock(SteppingClock):
    """The wall clock seam, failing once at its third reading: an unexpected error."""

    def __init__(self) -> None:
        super().__init__()
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        if self.readings == 3:
            raise OSError("clock device gone")
        return super().__call__()


def test_an_unexpected_failure_closes_the_run_as_failed_with_its_reason(
        tmp_path: Path, demo_export: Path) -> None:
    _, settings, eng = deployment(tmp_path, "")
    outcome = importer(eng, settings, settings.source("crpv"), clock=BreakingClock())(demo_export)
    assert not outcome.ok and "OSError: clock device gone" in outcome.report
    with eng.connect() as conn:
        (status, message), = conn.execute(select(import_runs.c.status, import_runs.c.message))
    eng.dispose()
    assert status == "failed" and message == "failed: OSError: clock device gone"


def test_a_batch_s_new_and_changed_records_share_the_datestamp_read_last(
    engine: Engine, export_bytes: bytes
) -> None:
    """New records are inserted at the end of their transaction with the datestamp read
    then; the records it changed are stamped with the same reading."""
    clock = SteppingClock()
    parsed = parse(export_bytes)
    first = Ingest(engine, source="crpv", format="unimarc", batch_size=1000, clock=clock)
    first.add_all(parsed[:200])
    first.finish()
    target = parsed[10].record
    assert target is not None
    changed = replace(target, keywords=(*target.keywords, "mot-clé ajouté"))
    again = Ingest(engine, source="crpv", format="unimarc", batch_size=1000, clock=clock)
    again.add_all([*parse(unimarc.to_iso2709(changed)), *parsed[1:10], *parsed[200:210]])
    before = clock.now
    report = again.finish()
    assert (report.added, report.updated, report.unchanged) == (10, 1, 9)
    with engine.connect() as conn:
        rows = {r.source_id: (r.datestamp, r.first_seen) for r in conn.execute(
            select(records.c.source_id, records.c.datestamp, records.c.first_seen))}
    new_ids = {p.record.source_id for p in parsed[200:210] if p.record}
    reading, first_seen = rows[target.source_id]
    assert before < reading < clock.now  # read during the finish, before its last reading
    assert first_seen < before  # first seen by the first import
    assert {rows[sid] for sid in new_ids} == {(reading, reading)}
    assert all(rows[p.record.source_id][0] < before for p in parsed[1:10] if p.record)
