"""DSI preview ("aperçu") and matching benchmark: the throw-away index of every candidate
(before) against the public index asked about the candidates (now), side by side in one
run, on the same store and index, checking that both select the same records.

``--catalogue demo`` builds what ``make run`` builds (the demo export and the partner's,
imported, indexed, the demo people and their three lists a week old: every record is
new for them) and previews each list. ``--catalogue generated`` builds ``bench/dsi.py``'s
store (``--records`` records of which ``--new`` arrived in the last week, 30 lists, one
private alert per person drawn from 600 searches), indexes it, previews the 30 lists
and times a dry run's matching (every due list and alert). Each figure is the median of
``--rounds``; "cold" is the first preview through a newly opened searcher, the others
go through a warm one, as the web app's. ``--profile`` prints cProfile's top functions of
one preview on each path.

    .venv/bin/python bench/dsi_preview.py [--catalogue demo|generated] [--engine whoosh]
        [--records 100000] [--new 1000] [--people 200] [--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dsi import MONDAY, build
from catalogue.clock import utcnow
from catalogue.dsi import profiles, runs
from catalogue.indexing import reindex
from catalogue.people.tokens import LinkSigner
from catalogue.settings import Settings, load
from catalogue.store import database
from indexes import Searcher

REPO = Path(__file__).resolve().parents[1]


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = call()
    return time.perf_counter() - started, out


def demo(tmp: Path, engine_name: str) -> tuple[Settings, Any]:
    """``make run``'s catalogue (without the covers) in ``tmp``."""
    config = tmp / "config.toml"
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('\nengine = "whoosh"\n', f'\nengine = "{engine_name}"\n', 1),
                      encoding="utf-8")
    cli = [str(REPO / ".venv/bin/catalogue"), "--config", str(config)]
    steps = [["demo", "--output", "var/demo/pmb-export.mrc"],
             ["import", "var/demo/pmb-export.mrc", "--source", "crpv", "--full"],
             ["demo", "--partner", "--output", "var/demo/partner-export.mrc"],
             ["import", "var/demo/partner-export.mrc", "--source", "grenoble", "--full"],
             ["reindex"], ["circulation", "demo"]]
    for step in steps:
        done = subprocess.run(cli + step, cwd=tmp, capture_output=True, text=True,
                              env={**os.environ, "CATALOGUE_SECRET_KEY": "bench"})
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(step)}: {done.stdout}{done.stderr}")
    settings = load(config, env={})
    return settings, database.open_store(settings.store_url)


def generated(tmp: Path, engine_name: str, n_records: int, n_new: int,
              n_people: int) -> tuple[Settings, Any]:
    """``bench/dsi.py``'s store, indexed."""
    config = tmp / "config.toml"
    config.write_text('[catalogue]\nname = "Bench"\n[store]\nurl = "sqlite:///bench.db"\n'
                      f'[index]\nengine = "{engine_name}"\n'
                      '[[sources]]\nslug = "crpv"\nname = "CRPV"\n', encoding="utf-8")
    settings, engine = build(config, n_records, n_new, n_people)
    # Indexed an hour ago: every record is behind the index's watermark, as in service.
    reindex(engine, settings.index.dir, engine_name=engine_name)
    return settings, engine


def profile(call: Callable[[], Any], label: str) -> None:
    prof = cProfile.Profile()
    prof.enable()
    call()
    prof.disable()
    print(f"--- cProfile, {label} (cumulative, top 14)")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(14)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalogue", choices=("demo", "generated"), default="demo")
    parser.add_argument("--engine", choices=("whoosh", "tantivy"), default="whoosh")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"load before: {_load()}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-dsi-preview-"))
    try:
        started = time.perf_counter()
        if args.catalogue == "demo":
            settings, engine = demo(tmp, args.engine)
            now = utcnow()
        else:
            settings, engine = generated(tmp, args.engine, args.records, args.new, args.people)
            now = MONDAY
        print(f"{args.catalogue} catalogue ({args.engine}) built in "
              f"{time.perf_counter() - started:.0f} s")
        lists = [p for p in profiles.lists(engine, staff=True) if p.sends]
        old: list[float] = []
        new: list[float] = []
        with Searcher(settings.index.dir) as cold_searcher:
            cold, _ = _timed(lambda: [runs.preview_issue(engine, settings, p, now,
                                                         cold_searcher) for p in lists[:1]])
        with Searcher(settings.index.dir) as searcher:
            searcher.warm()
            for _ in range(args.rounds):
                for p in lists:
                    t_old, before = _timed(lambda p=p: runs.preview_issue(
                        engine, settings, p, now, use_index=False))
                    t_new, after = _timed(lambda p=p: runs.preview_issue(
                        engine, settings, p, now, searcher))
                    if [c.record_id for c in before] != [c.record_id for c in after]:
                        raise SystemExit(f"different selections for {p.slug}")
                    old.append(t_old)
                    new.append(t_new)
            sizes = [len(runs.preview_issue(engine, settings, p, now, searcher)) for p in lists]
            print(f"{len(lists)} lists, {min(sizes)}-{max(sizes)} records each, same records "
                  "on both paths")
            print(f"preview, median of {len(old)}: before {statistics.median(old):.2f} s "
                  f"(max {max(old):.2f}), now {statistics.median(new):.3f} s "
                  f"(max {max(new):.3f}); now through a cold searcher {cold:.2f} s")
            if args.profile:
                profile(lambda: runs.preview_issue(engine, settings, lists[0], now,
                                                   use_index=False), "before")
                profile(lambda: runs.preview_issue(engine, settings, lists[0], now,
                                                   searcher), "now")
            if args.catalogue == "generated":
                signer = LinkSigner("bench secret")
                matching: dict[bool, list[float]] = {False: [], True: []}
                for _ in range(max(1, args.rounds // 2)):
                    for use in (False, True):
                        report = runs.run(engine, settings, MONDAY + timedelta(hours=1), signer,
                                          dry_run=True, index=searcher, use_index=use,
                                          workdir=tmp)
                        matching[use].append(report.match_seconds)
                print(f"dry run ({report.due} due subscriptions, {report.candidates} "
                      f"candidates, {report.evaluations} equations): matching before "
                      f"{statistics.median(matching[False]):.2f} s, now "
                      f"{statistics.median(matching[True]):.2f} s")
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load after: {_load()}")


if __name__ == "__main__":
    main()
