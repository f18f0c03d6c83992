"""Memory and speed of a Whoosh searcher by the way it reads segments, or by code, side by side.

Usage: python bench/searcher_memory.py [--sizes 20000,100000] [--workdir DIR]
                                       [--modes whoosh,files,mapped] [--rounds 3]
                                       [--queries 200] [--cold 20] [--passes 5]
                                       [--what memory,speed,codes] [--build-only]
                                       [--codes DIR[:MB],DIR[:MB]] [--varied 600]

For each size, a demo export and a Whoosh index of that many records are built once into
``--workdir`` (``rebuild`` of the records' canonical JSON, as ``catalogue reindex`` does)
and reused by later runs. Then, for each round and each way of reading segments
(:data:`indexes.whoosh.storage.MODES`, in turns, so that a change of load on the machine
falls on every mode alike), a fresh Python process:

* opens the engine's searcher (``indexes.Searcher``, result cache off) and runs one search
  (5 facets, top 20, highlighting): its peak resident size (``VmHWM``) then;
* runs the 200 mixed queries of ``bench/search.py`` (common and rare words, ANDs,
  phrases, field queries, prefixes) three times: ``VmHWM`` after them, how much of the
  resident size is then the process's own (``RssAnon``) and how much mapped files'
  pages (``RssFile``: the page cache's, shared by every process mapping the index), and
  each query's median time over the three passes (*warm*);
* times *cold* searches: a new searcher (open + one query) for each of ``--cold`` queries
  of the mix.

Prints, per size and mode, the medians over the rounds of the peaks and of p50/p95 of
the warm and cold times (markdown). Then (``--what speed``), in one more process, the
modes side by side query by query (:func:`speed`), which the load of a shared machine
disturbs far less than processes one after the other.

``--what codes`` compares code trees (this one and ``/work/main`` by default; ``DIR:MB``
sets that tree's ``indexes.whoosh.postings.CACHE_BYTES`` to MB megabytes where it has
one, ``DIR:MB:SHARE`` its ``READY_SHARE`` too): a searcher process per tree, alive side by side, fed the same queries in turns
(:func:`codes`): one pass of the mix to fill the caches, ``--passes`` timed passes (warm:
each query's median), then ``--varied`` *distinct* queries (``bench/search.py``'s mix
drawn with another seed, as a web worker sees after hours of searches), after which each
process reports its peak (``VmHWM``), its own memory (``RssAnon``) and what its term
cache says it holds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FACETS = ("doctype", "year", "language", "availability", "descriptor")


def status_kb(key: str = "VmHWM") -> int:
    """A size from ``/proc/self/status`` in kB: ``VmHWM`` (peak resident size so far),
    ``RssFile`` (resident pages of mapped files, shared with the page cache) or
    ``RssAnon`` (the process's own memory)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/self/status")


def build(size: int, workdir: Path) -> Path:
    """The Whoosh index of ``size`` demo records in ``workdir``, built once."""
    index_dir = workdir / f"whoosh-{size}"
    if (index_dir / "CURRENT").is_file():
        return index_dir
    from bench.search import read_records
    from catalogue import demo
    from catalogue.lending.states import availability
    from catalogue.records import to_json
    from indexes import rebuild

    export = workdir / f"demo-{size}.mrc"
    if not export.exists():
        print(f"generating {size} records...", file=sys.stderr)
        demo.write_export(export, count=size, seed=1)
    print(f"building whoosh-{size}...", file=sys.stderr)
    started = time.perf_counter()
    stored = ((to_json(r), None) for r in read_records(export))
    rebuild(stored, index_dir, availability, procs=1, engine_name="whoosh")
    print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return index_dir


def child(index_dir: Path, mode: str, mix_file: Path, cold: int) -> dict[str, object]:
    """One fresh process's measures (run with ``--child``)."""
    from indexes import Searcher, SearchRequest
    from indexes.whoosh import storage

    storage.MODE = mode
    mix = [query for _, query in json.loads(mix_file.read_text())]

    def search(searcher: Searcher, query: str) -> None:
        searcher.search(SearchRequest(query=query, facets=FACETS, page_size=20))

    start_kb = status_kb()
    searcher = Searcher(index_dir, result_cache=0)
    search(searcher, mix[0])
    one_kb = status_kb()
    passes: list[list[float]] = []
    for _ in range(3):
        times = []
        for query in mix:
            started = time.perf_counter()
            search(searcher, query)
            times.append((time.perf_counter() - started) * 1000)
        passes.append(times)
    mixed_kb = status_kb()
    file_kb, anon_kb = status_kb("RssFile"), status_kb("RssAnon")
    searcher.close()
    warm = [statistics.median(t) for t in zip(*passes, strict=True)]
    cold_times = []
    for query in mix[:: max(1, len(mix) // cold)][:cold]:
        started = time.perf_counter()
        with Searcher(index_dir, result_cache=0) as fresh:
            search(fresh, query)
        cold_times.append((time.perf_counter() - started) * 1000)
    return {"start_kb": start_kb, "one_kb": one_kb, "mixed_kb": mixed_kb,
            "file_kb": file_kb, "anon_kb": anon_kb, "warm": warm,
            "cold": cold_times}


def speed(index_dir: Path, modes: list[str], mix_file: Path, cold: int,
          passes: int) -> dict[str, dict[str, list[float]]]:
    """Search times of every mode in one process, query by query in turns (``--speed``).

    Processes one after the other see the machine's load change between them (other
    sessions' test runs): p95 moved by 50% from one round to the next. Here each query
    is timed on every mode in a row, the mode that goes first rotating, so a change of
    load falls on all of them alike: *warm* is each query's median over ``passes``
    passes on one searcher per mode, *cold* a new searcher (open + the query) per mode
    for each of ``cold`` queries of the mix.
    """
    from indexes import Searcher, SearchRequest
    from indexes.whoosh import storage

    mix = [query for _, query in json.loads(mix_file.read_text())]
    request = {q: SearchRequest(query=q, facets=FACETS, page_size=20) for q in mix}

    def opened(mode: str, query: str) -> tuple[Searcher, float]:
        storage.MODE = mode  # read when the searcher opens its generation
        started = time.perf_counter()
        searcher = Searcher(index_dir, result_cache=0)
        searcher.search(request[query])
        return searcher, (time.perf_counter() - started) * 1000

    searchers = {mode: opened(mode, mix[0])[0] for mode in modes}
    for query in mix:  # a first pass (caches of each searcher filled)
        for mode in modes:
            searchers[mode].search(request[query])
    warm: dict[str, list[list[float]]] = {m: [[] for _ in mix] for m in modes}
    turn = 0
    for _ in range(passes):
        for n, query in enumerate(mix):
            turn += 1
            for mode in modes[turn % len(modes):] + modes[:turn % len(modes)]:
                started = time.perf_counter()
                searchers[mode].search(request[query])
                warm[mode][n].append((time.perf_counter() - started) * 1000)
    for searcher in searchers.values():
        searcher.close()
    cold_times: dict[str, list[float]] = {m: [] for m in modes}
    for query in mix[:: max(1, len(mix) // cold)][:cold]:
        turn += 1
        for mode in modes[turn % len(modes):] + modes[:turn % len(modes)]:
            searcher, took = opened(mode, query)
            searcher.close()
            cold_times[mode].append(took)
    return {m: {"warm": [statistics.median(t) for t in warm[m]], "cold": cold_times[m]}
            for m in modes}


def speed_table(index_dir: Path, modes: list[str], cold: int, passes: int,
                mix_file: Path) -> list[str]:
    print(f"{index_dir.name} speed, modes in turns...", file=sys.stderr)
    out = subprocess.run(
        [sys.executable, __file__, "--speed", str(index_dir), ",".join(modes), str(mix_file),
         str(cold), str(passes)], capture_output=True, text=True, check=True, timeout=7200)
    raw = json.loads(out.stdout)
    lines = [f"### {index_dir.name}, speed: the modes query by query in turns, one process, "
             f"warm = median of {passes} passes", "",
             "| mode | warm p50 ms | warm p95 ms | warm max ms | warm total s "
             "| cold p50 ms | cold p95 ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for mode in modes:
        warm, cold_times = raw[mode]["warm"], raw[mode]["cold"]
        lines.append(f"| {mode} | {pct(warm, 0.5):.1f} | {pct(warm, 0.95):.1f} "
                     f"| {max(warm):.0f} | {sum(warm) / 1000:.2f} | {pct(cold_times, 0.5):.0f} "
                     f"| {pct(cold_times, 0.95):.0f} |")
    return [*lines, ""]


#: A searcher process of one code tree for :func:`codes`: a JSON line in (a query, or
#: "stats"), a JSON line out.
SERVER = """
import json, sys, time
from pathlib import Path
tree, index, (mb, _, share) = sys.argv[1], Path(sys.argv[2]), sys.argv[3].partition(":")
sys.path.insert(0, tree)
from indexes import Searcher, SearchRequest
from indexes.whoosh import postings
if mb and hasattr(postings, "CACHE_BYTES"):
    postings.CACHE_BYTES = int(float(mb) * 2**20)
if share and hasattr(postings, "READY_SHARE"):
    postings.READY_SHARE = float(share)
facets = tuple(sys.argv[4].split(","))
searcher = Searcher(index, result_cache=0)
def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
for line in sys.stdin:
    asked = json.loads(line)
    if asked == "stats":
        cache = searcher._generation.reader.postings
        print(json.dumps({"peak_kb": status("VmHWM"), "anon_kb": status("RssAnon"),
                          "file_kb": status("RssFile"), "code": postings.__file__,
                          "cache_bytes": getattr(cache, "cached_bytes", None),
                          "entries": len(cache._cache)}), flush=True)
        continue
    started = time.perf_counter()
    searcher.search(SearchRequest(query=asked, facets=facets, page_size=20))
    print(json.dumps((time.perf_counter() - started) * 1000), flush=True)
"""


def codes(index_dir: Path, trees: list[str], mix_file: Path, varied_file: Path,
          passes: int) -> dict[str, dict[str, object]]:
    """Warm times and memory of each code tree's searcher, the trees in turns (see the
    module docstring): each query goes to every process in a row, the one that goes first
    rotating, so a change of load on the machine falls on all of them alike."""
    mix = [query for _, query in json.loads(mix_file.read_text())]
    varied = [query for _, query in json.loads(varied_file.read_text())]
    procs = {}
    for spec in trees:
        tree, _, mb = spec.partition(":")
        procs[spec] = subprocess.Popen(
            [sys.executable, "-c", SERVER, tree, str(index_dir), mb, ",".join(FACETS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/")

    def ask(spec: str, what: str) -> object:
        proc = procs[spec]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(what) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    turn = 0

    def each(query: str) -> dict[str, float]:
        nonlocal turn
        turn += 1
        order = trees[turn % len(trees):] + trees[:turn % len(trees)]
        return {spec: float(ask(spec, query)) for spec in order}  # type: ignore[arg-type]

    try:
        for query in mix:
            each(query)
        filled = {spec: ask(spec, "stats") for spec in trees}
        warm: dict[str, list[list[float]]] = {spec: [[] for _ in mix] for spec in trees}
        for _ in range(passes):
            for n, query in enumerate(mix):
                for spec, took in each(query).items():
                    warm[spec][n].append(took)
        mixed = {spec: ask(spec, "stats") for spec in trees}
        for query in varied:
            each(query)
        after = {spec: ask(spec, "stats") for spec in trees}
    finally:
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)
    return {spec: {"warm": [statistics.median(t) for t in warm[spec]],
                   "filled": filled[spec], "mixed": mixed[spec], "varied": after[spec]}
            for spec in trees}


def codes_table(index_dir: Path, trees: list[str], queries: int, varied: int,
                passes: int, workdir: Path) -> list[str]:
    print(f"{index_dir.name}: code trees in turns...", file=sys.stderr)
    mix_file = mix_of(index_dir, queries, workdir)
    varied_file = mix_of(index_dir, varied, workdir, seed=11)
    raw = codes(index_dir, trees, mix_file, varied_file, passes)
    print(json.dumps({k: {**v, "warm": None} for k, v in raw.items()}), file=sys.stderr)
    lines = [f"### {index_dir.name}: code trees side by side, queries in turns, warm = median "
             f"of {passes} passes of {queries}; then {len(json.loads(varied_file.read_text()))} "
             "distinct queries", "",
             "| code | warm p50 ms | warm p95 ms | warm total s | cache after the mix MB "
             "| own MB after the mix | cache after the distinct MB | peak MB "
             "| own MB after the distinct |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def mb(stats: object, key: str) -> str:
        value = stats[key] if isinstance(stats, dict) else None
        return "-" if value is None else f"{value / (2**20 if key == 'cache_bytes' else 1024):.0f}"

    for spec in trees:
        warm, mixed, after = raw[spec]["warm"], raw[spec]["mixed"], raw[spec]["varied"]
        assert isinstance(warm, list)
        lines.append(f"| {spec} | {pct(warm, 0.5):.1f} | {pct(warm, 0.95):.1f} "
                     f"| {sum(warm) / 1000:.2f} | {mb(mixed, 'cache_bytes')} "
                     f"| {mb(mixed, 'anon_kb')} | {mb(after, 'cache_bytes')} "
                     f"| {mb(after, 'peak_kb')} | {mb(after, 'anon_kb')} |")
    return [*lines, ""]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def mix_of(index_dir: Path, queries: int, workdir: Path, seed: int = 7) -> Path:
    """The file of ``bench/search.py``'s query mix for this index, written once (distinct
    queries when the seed is not the mix's own)."""
    from bench.search import query_mix

    if seed == 7:
        mix_file = workdir / f"mix-{index_dir.name}-{queries}.json"
    else:
        mix_file = workdir / f"mix-{index_dir.name}-{queries}-seed{seed}.json"
    if not mix_file.exists():
        mix = query_mix(index_dir, queries * 3, seed=seed) if seed != 7 else (
            query_mix(index_dir, queries))
        if seed != 7:
            mix = list({query: (kind, query) for kind, query in mix}.values())[:queries]
        mix_file.write_text(json.dumps(mix))
    return mix_file


def measure(index_dir: Path, modes: list[str], rounds: int, queries: int,
            cold: int, workdir: Path) -> list[str]:
    mix_file = mix_of(index_dir, queries, workdir)
    found: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    for n in range(rounds):
        for mode in modes:
            print(f"{index_dir.name} round {n + 1} {mode}...", file=sys.stderr)
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(index_dir), mode, str(mix_file),
                 str(cold)], capture_output=True, text=True, check=True, timeout=3600)
            raw = json.loads(out.stdout)
            found[mode].append({
                "start": raw["start_kb"] / 1024, "one": raw["one_kb"] / 1024,
                "mixed": raw["mixed_kb"] / 1024, "anon": raw["anon_kb"] / 1024,
                "file": raw["file_kb"] / 1024,
                "warm50": pct(raw["warm"], 0.5), "warm95": pct(raw["warm"], 0.95),
                "cold50": pct(raw["cold"], 0.5), "cold95": pct(raw["cold"], 0.95)})
            print(json.dumps(found[mode][-1]), file=sys.stderr)
    lines = [f"### {index_dir.name}, medians of {rounds} rounds", "",
             "| mode | peak, 1 search, MB | peak, 1 + 3 x 200, MB | then own / mapped MB "
             "| warm p50 ms | warm p95 ms | cold p50 ms | cold p95 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for mode in modes:
        med = {k: statistics.median(r[k] for r in found[mode]) for k in found[mode][0]}
        lines.append(f"| {mode} | {med['one']:.0f} | {med['mixed']:.0f} "
                     f"| {med['anon']:.0f} / {med['file']:.0f} | {med['warm50']:.1f} "
                     f"| {med['warm95']:.1f} | {med['cold50']:.0f} | {med['cold95']:.0f} |")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        folder, mode, mix, cold = argv[1:5]
        print(json.dumps(child(Path(folder), mode, Path(mix), int(cold))))
        return 0
    if argv[:1] == ["--speed"]:
        folder, modes, mix, cold, passes = argv[1:6]
        print(json.dumps(speed(Path(folder), modes.split(","), Path(mix), int(cold),
                               int(passes))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-searcher"))
    parser.add_argument("--modes", default="whoosh,files,mapped")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--passes", type=int, default=5, help="warm passes of --speed")
    parser.add_argument("--what", default="memory,speed",
                        help="memory (a process per mode and round), speed (modes in turns), "
                             "codes (code trees in turns)")
    parser.add_argument("--codes", default=f"{REPO},/work/main",
                        help="code trees of --what codes, DIR or DIR:MB (its CACHE_BYTES)")
    parser.add_argument("--varied", type=int, default=600,
                        help="distinct queries after the mix (--what codes)")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    out = ["## Whoosh searcher: memory and speed by the way segments are read", ""]
    for size in (int(s) for s in args.sizes.split(",")):
        index_dir = build(size, args.workdir)
        if args.build_only:
            continue
        modes = args.modes.split(",")
        if "memory" in args.what:
            out += measure(index_dir, modes, args.rounds, args.queries, args.cold,
                           args.workdir)
        if "codes" in args.what:
            out += codes_table(index_dir, args.codes.split(","), args.queries, args.varied,
                               args.passes, args.workdir)
        if "speed" in args.what:
            out += speed_table(index_dir, modes, args.cold, args.passes,
                               mix_of(index_dir, args.queries, args.workdir))
        print("\n".join(out), file=sys.stderr)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
