"""Import throughput and peak memory, side by side with pymarc's bare parse rate.

Usage: python bench/import.py [--sizes 10000,100000] [--repeat 3]

For each size, a demo PMB export is generated once (not timed). Then, interleaved, each
repetition runs in a fresh child process: (a) pymarc's MARCReader parsing the file
(force_utf8, the fastest correct pymarc mode for UTF-8 UNIMARC), (b) ``catalogue import``'s
code path (detection, decoding, mapping, JSON, upsert into a fresh SQLite store). Each
child reports its own wall time; peak RSS comes from ``os.wait4``. Medians are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def child_pymarc(path: str) -> dict[str, float]:
    import pymarc

    start = time.perf_counter()
    count = 0
    with open(path, "rb") as fh:
        for record in pymarc.MARCReader(fh, force_utf8=True, to_unicode=True):
            if record is not None:
                count += 1
    return {"seconds": time.perf_counter() - start, "records": count}


def child_import(path: str) -> dict[str, float]:
    from catalogue.store import database
    from catalogue.store.ingest import Ingest
    from harvesters.pmb import open_export

    with tempfile.TemporaryDirectory() as tmp:
        engine = database.open_store(f"sqlite:///{tmp}/bench.db")
        start = time.perf_counter()
        export = open_export(path)
        ingest = Ingest(engine, source="bench", format=export.format, path=path, full=True,
                        batch_size=500)
        ingest.add_all(export.read("bench"))
        report = ingest.finish()
        seconds = time.perf_counter() - start
        engine.dispose()
    return {"seconds": seconds, "records": report.added}


def measure(kind: str, path: Path) -> tuple[float, float, int]:
    """Run one measurement in a child; return (seconds, peak RSS MB, records)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(path)],
        stdout=subprocess.PIPE, cwd=REPO,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{kind} child failed with status {proc.returncode}")
    result = json.loads(out)
    return result["seconds"], usage.ru_maxrss / 1024, int(result["records"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps(child_pymarc(path) if kind == "pymarc" else child_import(path)))
        return

    from catalogue import demo

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"demo-{size}.mrc"
            demo.write_export(path, count=size, seed=1)
            runs: dict[str, list[tuple[float, float, int]]] = {"pymarc": [], "import": []}
            for _ in range(args.repeat):
                for kind in ("pymarc", "import"):
                    runs[kind].append(measure(kind, path))
            for kind in runs:
                assert all(r[2] == size for r in runs[kind]), (kind, [r[2] for r in runs[kind]])
            bare = statistics.median(size / r[0] for r in runs["pymarc"])
            ours = statistics.median(size / r[0] for r in runs["import"])
            rows.append((size, path.stat().st_size / 1e6, bare, ours, ours / bare,
                         statistics.median(r[1] for r in runs["pymarc"]),
                         statistics.median(r[1] for r in runs["import"])))
    print(f"median of {args.repeat} interleaved runs, each in a fresh process "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print("| records | file MB | pymarc parse rec/s | import rec/s | import / pymarc "
          "| pymarc peak RSS MB | import peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, mb, bare, ours, ratio, rss_bare, rss_ours in rows:
        print(f"| {size:,} | {mb:.1f} | {bare:,.0f} | {ours:,.0f} | {ratio:.0%} "
              f"| {rss_bare:.0f} | {rss_ours:.0f} |")


if __name__ == "__main__":
    main()
