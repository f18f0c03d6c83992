"""CPU per record of the index's preparing step (decode, document, tantivy fields, JSON).

What a preparing worker process does per record (:mod:`indexes.preparing`), over the
records of a store, in a fresh process so that the analysis caches start cold as in a
worker. ``--roots`` runs each checkout in turn (old then new...), ``--repeat`` times
interleaved, and prints the medians side by side:

- ``cpu``, ``wall``: decode, document, fields and JSON record by record, as a worker
  does: CPU (user+sys) and wall time per record;
- ``decode``, ``document``, ``fields``, ``json``: the CPU time of each step in that pass
  (``time.thread_time`` around each call), ``d+f+j`` their sum without decoding;

twice: ``cold`` (the first pass: every word is new to the analysis caches, as in a
freshly started worker) and ``warm`` (the same records again).

Usage: ``python bench/prepare.py --db bench.db --roots /work/main . --repeat 3``
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def measure(root: Path, db: Path, limit: int) -> dict[str, float]:
    sys.path.insert(0, str(root))
    from catalogue.records import from_json
    from indexes.documents import document
    from indexes.tantivy import schema

    rows = [r[0] for r in sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
        "select data from records order by id limit ?", (limit,))]
    out: dict[str, float] = {}
    for label in ("cold", "warm"):
        out.update({f"{label} {k}": v for k, v in one_pass(rows, from_json, document,
                                                            schema).items()})
    return out


def one_pass(rows: list[str], from_json: Any, document: Any, schema: Any) -> dict[str, float]:
    """One pass over ``rows``: CPU and wall per record, and each step's CPU time."""
    n = len(rows)
    clock = time.thread_time
    steps = [0.0, 0.0, 0.0, 0.0]
    c0, w0 = cpu(), time.perf_counter()
    for row in rows:
        t0 = clock()
        record = from_json(row)
        t1 = clock()
        doc = document(record)
        t2 = clock()
        fields = schema.fields(doc)
        t3 = clock()
        schema._JSON.encode(fields)
        t4 = clock()
        steps[0] += t1 - t0
        steps[1] += t2 - t1
        steps[2] += t3 - t2
        steps[3] += t4 - t3
    c1, w1 = cpu(), time.perf_counter()
    out = {"cpu": (c1 - c0) / n * 1e6, "wall": (w1 - w0) / n * 1e6}
    out.update({name: value / n * 1e6
                for name, value in zip(("decode", "document", "fields", "json"), steps,
                                       strict=True)})
    out["d+f+j"] = out["document"] + out["fields"] + out["json"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--roots", type=Path, nargs="+", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=20000)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.db, args.limit)))
        return
    results: dict[Path, list[dict[str, float]]] = {root: [] for root in args.roots}
    for _ in range(args.repeat):
        for root in args.roots:
            python = root.resolve() / ".venv" / "bin" / "python"
            done = subprocess.run(
                [str(python), __file__, "--db", str(args.db), "--roots", str(root),
                 "--limit", str(args.limit), "--one", str(root.resolve())],
                check=True, capture_output=True, text=True, cwd=root)
            results[root].append(json.loads(done.stdout))
    keys = list(results[args.roots[0]][0])
    print(f"µs/record, median of {args.repeat} interleaved runs")
    for label in ("cold", "warm"):
        names = [k for k in keys if k.startswith(label)]
        print(f"{label:24s}" + "".join(f"{k.split()[1]:>9s}" for k in names))
        for root, runs in results.items():
            medians = [statistics.median(r[k] for r in runs) for k in names]
            print(f"{str(root):24s}" + "".join(f"{v:9.1f}" for v in medians))


if __name__ == "__main__":
    main()
