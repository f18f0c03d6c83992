"""A Whoosh searcher must not hold a copy of the index: its peak stays put as the index grows.

Whoosh maps each segment with ``mmap`` and wrapped each file of it in a ``BytesIO``,
which copies it whole: one search of the web app at 100,000 records peaked at 419 MB,
214 MB of it the copy (README, *Performance*). :mod:`indexes.whoosh.storage` reads the
map without the copy, or through plain files where this Whoosh's classes differ.

The memory test opens the engine's searcher in fresh processes, as a web worker does,
over an index of a few records and one of a few thousand, runs one search with facets
and highlighting, and compares the peak resident sizes (``VmHWM``, read by the process
itself after the search). With Whoosh's own way (``storage.MODE = "whoosh"``) the
larger index peaked 34 MB higher; read from the map without the copy, 7-8 MB (the
document sets and facet columns of 5,000 records, and 3-4 MB of mapped pages the search
read, which the page cache shares between processes); through files, 4 MB.

The term cache of :mod:`indexes.whoosh.postings` is bounded in bytes: after many distinct
searches in a real process it holds no more than its bound as ``tracemalloc`` sees it
(the code before kept 20 MB against a 2 MB bound), and a cache that packs and lets go
finds what an unbounded one finds.
"""

from __future__ import annotations

import io
import json
import logging
import mmap
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalogue.formats import unimarc
from catalogue.records import Record
from indexes import Searcher, SearchRequest, rebuild
from indexes.whoosh import storage

#: Records of the small and the large index.
FEW = 5
MANY = 5000
#: What the larger index may add to the peak: 7-8 MB measured (module docstring), run-to-run
#: noise 1-2 MB; Whoosh's copy of the 5,000-record index added 34 MB.
SLACK_KB = 15_000
FACETS = ("doctype", "year", "language", "availability", "descriptor")

CHILD = """
import json, sys
from pathlib import Path
from indexes import Searcher, SearchRequest
from indexes.whoosh import storage
storage.MODE = sys.argv[2]
with Searcher(Path(sys.argv[1]), result_cache=0) as searcher:
    found = searcher.search(SearchRequest(query=sys.argv[3], facets=tuple(sys.argv[4:]),
                                          page_size=20))
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1])
print(json.dumps({"total": found.total, "hits": len(found.hits), "peak_kb": peak}))
"""


def peak_search_kb(index: Path, query: str, mode: str = storage.MODE) -> tuple[int, int]:
    """(total found, peak resident size in kB) of one search in a fresh process."""
    run = subprocess.run([sys.executable, "-c", CHILD, str(index), mode, query, *FACETS],
                         capture_output=True, text=True, timeout=300, check=False,
                         env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/")})
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["hits"] == min(20, found["total"])
    return found["total"], found["peak_kb"]


@pytest.fixture(scope="module")
def many_records(tmp_path_factory: pytest.TempPathFactory) -> list[Record]:
    from catalogue import demo

    path = tmp_path_factory.mktemp("many") / "export.mrc"
    demo.write_export(path, count=MANY, seed=1)
    with open(path, "rb") as fh:
        return [p.record for p in unimarc.read(fh, "crpv") if p.record is not None]


@pytest.fixture(scope="module")
def many_index(many_records: list[Record], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from catalogue.lending.states import availability

    path = tmp_path_factory.mktemp("indexes") / "many"
    rebuild(many_records, path, availability, engine_name="whoosh")
    return path


def test_a_search_peaks_as_high_over_a_large_index_as_over_a_small_one(
        many_records: list[Record], many_index: Path, tmp_path: Path) -> None:
    from catalogue.lending.states import availability

    rebuild(many_records[:FEW], tmp_path / "few", availability, engine_name="whoosh")
    query = "politique"
    few_total, baseline = peak_search_kb(tmp_path / "few", query)
    many_total, peak = peak_search_kb(many_index, query)
    assert many_total > 100 and few_total <= FEW  # the search did read the postings
    assert peak <= baseline + SLACK_KB, (
        f"one search over {len(many_records)} records peaked at {peak // 1024} MB, "
        f"over {FEW} at {baseline // 1024} MB")


# --- the term cache stays under its bound -----------------------------------------------

#: The bound the cache is given in the test: the 400 distinct searches below over 5,000
#: records fill 11 MB when nothing bounds them; before the bound was in bytes (it was 4
#: million ids) they filled 20 MB, all of it kept whatever CACHE_BYTES said.
BOUND = 2 * 2**20

CACHE_CHILD = """
import gc, json, sys, tracemalloc
from pathlib import Path
from indexes import Searcher, SearchRequest
from indexes.whoosh import postings
postings.CACHE_BYTES = int(sys.argv[2])
queries = json.loads(sys.argv[3])
tracemalloc.start()
with Searcher(Path(sys.argv[1]), result_cache=0) as searcher:
    totals = [searcher.search(SearchRequest(query=q, facets=tuple(sys.argv[4:]))).total
              for q in queries]
    cache = searcher._generation.reader.postings
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    accounted = getattr(cache, "cached_bytes", None)
    entries = len(cache._cache)
    cache._cache.clear()
    getattr(cache, "_packed", {}).clear()
    gc.collect()
    held -= tracemalloc.get_traced_memory()[0]
print(json.dumps({"totals": totals, "traced": held, "accounted": accounted,
                  "entries": entries}))
"""


def cache_after(index: Path, bound: int, queries: list[str]) -> dict[str, object]:
    """What a fresh process's term cache holds after ``queries`` (``traced``: the bytes
    ``tracemalloc`` sees freed when the cache is emptied; ``accounted``: its own count)."""
    run = subprocess.run([sys.executable, "-c", CACHE_CHILD, str(index), str(bound),
                          json.dumps(queries), *FACETS],
                         capture_output=True, text=True, timeout=600, check=False,
                         env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/")})
    assert run.returncode == 0, run.stderr
    found: dict[str, object] = json.loads(run.stdout)
    return found


def distinct_queries(records: list[Record], count: int) -> list[str]:
    """``count`` distinct one- and two-word queries from the records' titles."""
    words = list(dict.fromkeys(w.lower() for r in records for w in r.title.display().split()
                               if len(w) >= 5 and w.isalpha()))
    return (words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])[:count]


def test_the_term_cache_stays_under_its_bound_after_many_distinct_searches(
        many_records: list[Record], many_index: Path) -> None:
    """A web worker searches all day: its term cache holds no more than its bound, in
    bytes that tracemalloc sees, however many distinct terms went through it."""
    queries = distinct_queries(many_records, 400)
    assert len(queries) == 400
    free = cache_after(many_index, 2**40, queries)
    bounded = cache_after(many_index, BOUND, queries)
    assert bounded["totals"] == free["totals"]  # the bound changes no result
    assert sum(free["totals"]) > 10_000  # type: ignore[arg-type]
    free_traced, traced = int(free["traced"]), int(bounded["traced"])  # type: ignore[call-overload]
    assert free_traced > 4 * BOUND, f"the searches filled only {free_traced} bytes"
    assert traced <= BOUND * 1.05, f"the cache holds {traced} bytes, bound {BOUND}"
    assert traced >= BOUND * 0.7  # it is used up to its bound
    # its own count is what tracemalloc sees (within 5%), unbounded or not
    for cache in (free, bounded):
        assert abs(int(cache["accounted"]) - int(cache["traced"])) <= 0.05 * int(  # type: ignore[call-overload]
            cache["traced"])  # type: ignore[call-overload]


def test_a_cache_that_packs_and_lets_go_finds_the_same(
        demo_index: Path, index_engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Totals, hits (scores included) and facets are the same whether the term cache keeps
    everything or keeps it packed and lets it go (a bound of 32 kB), round after round."""
    if index_engine != "whoosh":
        pytest.skip("Whoosh's term cache only")
    from indexes.whoosh import postings

    wide = results(demo_index)
    monkeypatch.setattr(postings, "CACHE_BYTES", 32 * 1024)
    request = dict(facets=("doctype", "descriptor"), page_size=50)
    with Searcher(demo_index, result_cache=0) as searcher:
        for _ in range(3):
            found = [searcher.search(SearchRequest(query=q, **request)) for q in QUERIES]  # type: ignore[arg-type]
            assert [(r.total, r.hits, r.facets) for r in found] == wide
        cache = searcher._generation.reader.postings  # type: ignore[union-attr]
        assert cache.packed_bytes > 0 and 0 < cache.cached_bytes <= 32 * 1024


# --- every way of reading finds the same; the fallback --------------------------------

QUERIES = ["prévention", "politique de la ville", '"politique de la ville"', "jeunes -emploi",
           "auteur:martin", "polit*", "annee:2010-2015 insertion"]


def results(index: Path) -> list[tuple[int, object, object]]:
    request = dict(facets=("doctype", "descriptor"), page_size=50)
    with Searcher(index) as searcher:
        found = [searcher.search(SearchRequest(query=q, **request)) for q in QUERIES]  # type: ignore[arg-type]
        return [(r.total, r.hits, r.facets) for r in found]


@pytest.mark.parametrize("mode", ["files", "whoosh"])
def test_every_way_of_reading_segments_finds_the_same(
        demo_index: Path, index_engine: str, monkeypatch: pytest.MonkeyPatch,
        mode: str) -> None:
    if index_engine != "whoosh":
        pytest.skip("Whoosh's storage only")
    monkeypatch.setattr(storage, "MODE", "mapped")
    mapped = results(demo_index)
    monkeypatch.setattr(storage, "MODE", mode)
    assert results(demo_index) == mapped
    assert all(total for total, _, _ in mapped[:2])


def test_a_file_class_of_another_shape_reads_through_files(
        demo_index: Path, index_engine: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    if index_engine != "whoosh":
        pytest.skip("Whoosh's storage only")
    monkeypatch.setattr(storage, "MODE", "mapped")
    assert storage.supported()
    assert isinstance(storage.storage(demo_index), storage.MappedStorage)
    mapped = results(demo_index)

    class Other:  # a StructFile that would take its arguments otherwise
        def __init__(self, stream: object, *, label: str | None = None) -> None:
            self.stream = stream

    monkeypatch.setattr(storage, "StructFile", Other)
    assert not storage.supported()
    with caplog.at_level(logging.WARNING, "indexes.whoosh"):
        chosen = storage.storage(demo_index)
        assert results(demo_index) == mapped
    assert not isinstance(chosen, storage.MappedStorage) and not chosen.supports_mmap
    assert "read through files" in caplog.text


def test_an_unknown_way_of_reading_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown way"):
        storage.storage(tmp_path, "memory")


# --- the mapped file reads as Whoosh's in-memory file does --------------------------------

DATA = b"".join(b"line %d\n" % n for n in range(500)) + b"tail without newline"


@pytest.fixture
def mapped(tmp_path: Path) -> mmap.mmap:
    path = tmp_path / "data"
    path.write_bytes(b"HEADER--" + DATA)
    with open(path, "rb") as fh:
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def test_a_mapped_window_reads_seeks_and_tells_as_bytesio(mapped: mmap.mmap) -> None:
    ours = storage.MappedFile(mapped, 0, len(DATA) + 8).subset(8, len(DATA))
    theirs = io.BytesIO(DATA)
    steps: list[tuple[str, tuple[int, ...]]] = [
        ("read", (5,)), ("readline", ()), ("tell", ()), ("seek", (100,)), ("read", (0,)),
        ("readline", (3,)), ("seek", (-10, 2)), ("read", (100,)), ("read", (4,)),
        ("readline", ()), ("seek", (20, 0)), ("seek", (7, 1)), ("tell", ()), ("read", ()),
        ("seek", (len(DATA) + 50,)), ("read", (3,)), ("tell", ()), ("seek", (0,)),
        ("readline", (-1,)), ("read", (-1,))]
    for name, args in steps:
        assert getattr(ours.file, name)(*args) == getattr(theirs, name)(*args), (name, args)
    with pytest.raises(ValueError):
        ours.file.seek(-1)
    with pytest.raises(ValueError):
        theirs.seek(-1)


def test_pickles_read_through_the_window_peek_no_further_than_they_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoosh reads each posting block's header with ``read_pickle``; pickle's loader reads
    ahead through ``peek`` and must leave the file right after the pickle, also for a
    pickle longer than a peek."""
    import pickle

    from whoosh.filedb.structfile import BufferFile

    monkeypatch.setattr(storage, "PEEK", 64)
    objects = [(3, 1.5, b"x" * 10, None), list(range(400)), {"a": "é" * 100}, (7, 8)]
    data = b"".join(pickle.dumps(o, 2) for o in objects) + b"rest"
    path = tmp_path / "pickles"
    path.write_bytes(b"0123" + data)
    with open(path, "rb") as fh:
        source = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    ours, theirs = storage.MappedFile(source, 4, len(data)), BufferFile(data)
    for expected in objects:
        assert ours.read_pickle() == theirs.read_pickle() == expected
        assert ours.tell() == theirs.tell()
    assert ours.read() == b"rest"


def test_a_mapped_file_gets_what_whoosh_buffer_file_gets(mapped: mmap.mmap) -> None:
    from whoosh.filedb.structfile import BufferFile  # type: ignore[import-untyped]

    ours = storage.MappedFile(mapped, 8, len(DATA))
    theirs = BufferFile(DATA)
    for position, length in ((0, 10), (37, 1), (len(DATA) - 4, 100), (len(DATA) + 3, 5)):
        assert ours.get(position, length) == theirs.get(position, length)
    assert ours.get_int(12) == theirs.get_int(12)
    assert list(ours.get_array(40, "H", 6)) == list(theirs.get_array(40, "H", 6))
    inner, theirs_inner = ours.subset(100, 50), theirs.subset(100, 50)
    assert inner.read() == theirs_inner.read() == DATA[100:150]
    assert inner.get(45, 10) == theirs_inner.get(45, 10) == DATA[145:150]
    lines = storage.MappedFile(mapped, 8, 21)
    assert list(lines.file) == [b"line 0\n", b"line 1\n", b"line 2\n"]
    inner.close()  # an inner file's close leaves the map to its owner
    assert inner.is_closed and ours.get(0, 4) == DATA[:4]


def test_closed_searchers_leave_no_mapping_behind(
        demo_index: Path, index_engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A web worker opens a searcher after each commit: the old ones' maps must go."""
    if index_engine != "whoosh":
        pytest.skip("Whoosh's storage only")
    monkeypatch.setattr(storage, "MODE", "mapped")

    def mappings() -> int:
        maps = Path("/proc/self/maps").read_text()
        return sum(str(demo_index) in line for line in maps.splitlines())

    before = mappings()
    for _ in range(3):
        with Searcher(demo_index) as searcher:
            assert searcher.search(SearchRequest(query="politique", facets=FACETS)).total
            assert mappings() > before
    assert mappings() == before
