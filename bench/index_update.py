"""Index update throughput: :func:`catalogue.indexing.update_index` on a store of demo records.

Usage: python bench/index_update.py [--records 20000 100000] [--repeat 3]
                                    [--variants procs1 procs2] [--again]

For each size, the generated demo catalogue (``catalogue.demo.generate``, read back as
canonical records with ``catalogue.formats.unimarc.read``) is imported once into a fresh
SQLite store (not timed). Then, interleaved, each repetition runs every variant in a
fresh child process: the update of an empty index from that store, as after a partner's
first harvest (with ``--again``: the same update a second time over the full index, so
every record replaces its own document). Variants: ``procs1``, ``procs2`` (``[index]
procs``), and the same with Whoosh's own posting pool and flush (``-whoosh``) instead of
:mod:`indexes.whoosh.segment`'s grouped postings. Medians are printed as a markdown table with
the load average, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: name -> ([index] procs, postings grouped per field and flushed in blocks, or Whoosh's
#: own pool and flush: indexes.writer.GROUPED)
VARIANTS = {"procs1-whoosh": (1, False), "procs1": (1, True),
            "procs2-whoosh": (2, False), "procs2": (2, True)}


def build_store(url: str, count: int) -> int:
    """Import ``count`` demo records into the store at ``url`` (not timed)."""
    from catalogue.demo import generate
    from catalogue.formats import unimarc
    from catalogue.store import database
    from catalogue.store.ingest import Ingest

    engine = database.open_store(url)
    ingest = Ingest(engine, source="bench", format="unimarc", batch_size=1000)
    block: list[bytes] = []
    for record in generate(count, 1):
        block.append(record.as_marc())
        if len(block) == 1000:
            ingest.add_all(unimarc.read(io.BytesIO(b"".join(block)), "bench"))
            block.clear()
    ingest.add_all(unimarc.read(io.BytesIO(b"".join(block)), "bench"))
    report = ingest.finish()
    engine.dispose()
    return int(report.added)


def child(url: str, variant: str, again: bool) -> dict[str, float]:
    from catalogue.indexing import update_index
    from catalogue.store import database
    from indexes.whoosh import writer

    procs, writer.GROUPED = VARIANTS[variant]  # read by segment_writer at each writer
    engine = database.open_store(url)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        if again:
            update_index(engine, index_dir, procs=2)  # not timed: the index to update
        load = os.getloadavg()[0]
        since = datetime(1970, 1, 1, tzinfo=UTC) if again else None
        start = time.perf_counter()
        run = update_index(engine, index_dir, since=since, procs=procs)
        seconds = time.perf_counter() - start
    engine.dispose()
    peak = max(resource.getrusage(who).ru_maxrss  # kB; the writer processes are children
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {"seconds": seconds, "indexed": run.indexed, "load": load, "peak_mb": peak / 1024}


def run_child(url: str, variant: str, again: bool) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", url, variant]
                         + (["--again"] if again else []),
                         check=True, capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--again", action="store_true",
                        help="update an index that already holds every record")
    parser.add_argument("--child", nargs=2, metavar=("URL", "VARIANT"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.again)))
        return
    load_before = os.getloadavg()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.records:
            url = f"sqlite:///{tmp}/store-{size}.db"
            started = time.perf_counter()
            count = build_store(url, size)
            print(f"imported {count} records ({time.perf_counter() - started:.0f} s, not timed)",
                  file=sys.stderr)
            runs: dict[str, list[dict[str, float]]] = {v: [] for v in args.variants}
            for n in range(args.repeat):
                for variant in args.variants:
                    runs[variant].append(run_child(url, variant, args.again))
                    print(f"{size} run {n + 1} {variant}: {runs[variant][-1]}", file=sys.stderr)
            base = statistics.median(r["seconds"] for r in runs[args.variants[0]])
            for variant in args.variants:
                seconds = statistics.median(r["seconds"] for r in runs[variant])
                indexed = runs[variant][0]["indexed"]
                loads = ", ".join(f"{r['load']:.1f}" for r in runs[variant])
                peak = max(r["peak_mb"] for r in runs[variant])
                lines.append(f"| {size:,} | {variant} | {indexed:,.0f} | {seconds:.1f} | "
                             f"{indexed / seconds:,.0f} | {base / seconds:.2f}x | {peak:,.0f} | "
                             f"{loads} |")
    load_after = os.getloadavg()
    print(f"{'again: every record replaces its own document; ' if args.again else ''}"
          f"{os.cpu_count()} cores; load average (1, 5, 15 min) before "
          f"{', '.join(f'{v:.1f}' for v in load_before)}, after "
          f"{', '.join(f'{v:.1f}' for v in load_after)}; medians of {args.repeat}")
    print("| records | variant | indexed | seconds | docs/s | speed-up | peak RSS MB "
          "| load at each start |\n|---:|---|---:|---:|---:|---:|---:|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
