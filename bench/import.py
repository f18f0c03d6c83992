"""Import throughput and peak memory, side by side with pymarc's bare parse rate.

Usage: python bench/import.py [--sizes 10000,100000] [--repeat 3]
                               [--postgres postgresql+psycopg://user@host/postgres]

For each size, a demo PMB export is generated once (not timed). Then, interleaved, each
repetition runs in a fresh child process: (a) pymarc's MARCReader parsing the file
(force_utf8, the fastest correct pymarc mode for UTF-8 UNIMARC), (b) ``catalogue import``'s
code path (detection, decoding, mapping, JSON, upsert into a fresh SQLite store) and, with
``--postgres``, (c) the same import into a fresh PostgreSQL database created on that server
(and dropped after). Each child reports its own wall time; peak RSS comes from
``os.wait4``. Medians are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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


def child_import(path: str, server: str = "") -> dict[str, float]:
    from catalogue.store import database
    from catalogue.store.ingest import Ingest
    from harvesters.pmb import open_export

    with tempfile.TemporaryDirectory() as tmp, scratch_store(tmp, server) as url:
        engine = database.open_store(url)
        start = time.perf_counter()
        export = open_export(path)
        ingest = Ingest(engine, source="bench", format=export.format, path=path, full=True,
                        batch_size=500)
        ingest.add_all(export.read("bench"))
        report = ingest.finish()
        seconds = time.perf_counter() - start
        engine.dispose()
    return {"seconds": seconds, "records": report.added}


@contextlib.contextmanager
def scratch_store(folder: str, server: str) -> Iterator[str]:
    """A fresh store's URL: a SQLite file in ``folder``, or a database created on the
    PostgreSQL ``server`` and dropped afterwards."""
    if not server:
        yield f"sqlite:///{folder}/bench.db"
        return
    from databases import postgres_database

    with postgres_database(server) as url:
        yield url


def measure(kind: str, path: Path, server: str = "") -> tuple[float, float, int]:
    """Run one measurement in a child; return (seconds, peak RSS MB, records)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(path), "--postgres", server],
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
    parser.add_argument("--postgres", default="",
                        help="also import into fresh databases on this PostgreSQL server")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps(child_pymarc(path) if kind == "pymarc" else
                         child_import(path, args.postgres if kind == "postgres" else "")))
        return
    kinds = ("pymarc", "import", "postgres") if args.postgres else ("pymarc", "import")

    from catalogue import demo

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"demo-{size}.mrc"
            demo.write_export(path, count=size, seed=1)
            runs: dict[str, list[tuple[float, float, int]]] = {kind: [] for kind in kinds}
            for _ in range(args.repeat):
                for kind in kinds:
                    runs[kind].append(measure(kind, path, args.postgres))
            for kind in runs:
                assert all(r[2] == size for r in runs[kind]), (kind, [r[2] for r in runs[kind]])
            rate = {kind: statistics.median(size / r[0] for r in runs[kind]) for kind in kinds}
            rss = {kind: statistics.median(r[1] for r in runs[kind]) for kind in kinds}
            rows.append((size, path.stat().st_size / 1e6, rate, rss))
    print(f"median of {args.repeat} interleaved runs, each in a fresh process "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    pg_head = " | import on PostgreSQL rec/s | PostgreSQL / SQLite" if args.postgres else ""
    print("| records | file MB | pymarc parse rec/s | import rec/s | import / pymarc "
          f"| pymarc peak RSS MB | import peak RSS MB{pg_head} |")
    print("|---:|---:|---:|---:|---:|---:|---:" + ("|---:|---:" if args.postgres else "") + "|")
    for size, mb, rate, rss in rows:
        pg = (f" | {rate['postgres']:,.0f} | {rate['postgres'] / rate['import']:.0%}"
              if args.postgres else "")
        print(f"| {size:,} | {mb:.1f} | {rate['pymarc']:,.0f} | {rate['import']:,.0f} "
              f"| {rate['import'] / rate['pymarc']:.0%} | {rss['pymarc']:.0f} "
              f"| {rss['import']:.0f}{pg} |")


if __name__ == "__main__":
    main()
