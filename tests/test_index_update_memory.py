"""A small import into a large catalogue: its index update must not cost the catalogue's size.

``catalogue import`` brings the index up to date after the store
(:func:`catalogue.indexing.update_index`). An update replaces documents by id, so the
writer looks ids up in every existing segment; Whoosh, reading segments through
``mmap``, copied each segment's terms and postings whole into memory to do so: five
records imported into 50,000 peaked at 295 MB, 110 MB into 2,000 (README, *Performance*).

Each test runs real ``catalogue import`` processes on one store and index: a few records
into a catalogue of a few records (the baseline, measured here, on this machine, now),
then a few thousand records, then a few records again, whose peak resident size
(``VmHWM``, read from ``/proc`` while it runs) must stay near the baseline. Before the
fix, the second small import of the Whoosh case took 25 MB more than the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.demo import record_at
from catalogue.demo.generator import write_records
from catalogue.settings import load
from indexes import Searcher
from tests.stores import store_url
from tests.test_import_hostile import run_import

#: Records of the catalogue the small import goes into: enough for Whoosh's copy of the
#: index (about 5 kB a record) to stand well above the noise of a process's peak.
CATALOGUE = 5000
#: Records of each small import.
FEW = 5
#: What a small import may take above the baseline: run-to-run noise is 1-3 MB.
SLACK_KB = 12_000

CONFIG = """
[catalogue]
name = "Test"
data_dir = "var"

[store]
url = "{store}"

[import]
default_source = "crpv"
batch_size = 500

[index]
engine = "{engine}"

[[sources]]
slug = "crpv"
name = "Centre de ressources"
"""


def peak_import_kb(config: Path, path: Path, timeout: float = 300) -> int:
    """``catalogue import path`` in its own process; its peak resident size in kB.

    Sampled every 10 ms: ``VmHWM`` only grows, and the process lives on after its peak
    (the commit, the report, the interpreter's exit), so a later sample sees it.
    """
    run = run_import(config, path, timeout, every=0.01)
    output = run.out + run.err
    assert run.code == 0, output
    assert "Traceback" not in output and "index was not updated" not in output, output
    return run.rss_kb


def demo_file(folder: Path, start: int, count: int) -> Path:
    """Demo records ``start`` to ``start + count`` (new ids) as an ISO 2709 file."""
    path = folder / f"records-{start}-{count}.mrc"
    write_records(path, (record_at(k) for k in range(start, start + count)))
    return path


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_a_small_import_peaks_as_high_into_a_large_catalogue_as_into_a_small_one(
        tmp_path: Path, engine: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(store=store_url(tmp_path), engine=engine), "utf-8")
    peak_import_kb(config, demo_file(tmp_path, 0, FEW))  # creates the store and the index
    baseline = peak_import_kb(config, demo_file(tmp_path, FEW, FEW))
    peak_import_kb(config, demo_file(tmp_path, 2 * FEW, CATALOGUE))
    after = peak_import_kb(config, demo_file(tmp_path, 2 * FEW + CATALOGUE, FEW))

    index = load(config).index.dir
    assert (index / "store-watermark").is_file()
    with Searcher(index) as searcher:  # every import did reach the index
        assert searcher.document_count() == CATALOGUE + 3 * FEW
    assert after <= baseline + SLACK_KB, (
        f"{engine}: {FEW} records into {CATALOGUE + 2 * FEW} peaked at {after // 1024} MB, "
        f"into {FEW} at {baseline // 1024} MB")
