"""Harvest throughput from a local OAI-PMH endpoint, side by side with sickle's bare iteration.

Usage: python bench/harvest.py [--records 100000] [--page 100] [--prefix oai_dc] [--repeat 3]
       [--workers 1] [--procs 1] [--engines whoosh,tantivy]

The endpoint serves the generated demo catalogue (``catalogue.demo``), written once with
our own writers into pre-rendered ListRecords pages of ``--page`` records (not timed),
from a separate process so that the server never competes with the client for the GIL.
Then, interleaved, each repetition runs in a fresh child process: (a) sickle's bare
iteration, ``for r in Sickle(url).ListRecords(...)``, storing nothing, the reference;
(b) ``catalogue harvest``'s code path, :func:`catalogue.harvesting.harvest_source`:
HTTP, hardened parsing, mapping to the canonical record, JSON, change detection, upsert
into a fresh SQLite store, checkpoints after every page and the union clustering;
then (c) the search index brought up to date from the store with
:func:`catalogue.indexing.update_index`, once per engine of ``--engines``
(``[index] engine``) on the same store ("harvest, then index" adds (b) and (c));
(d) per engine, on a fresh store and index, the scheduler's job itself,
:func:`catalogue.scheduler.run_source`: the harvest with the index following it
(:mod:`catalogue.index_following`), timed until the index holds every record.
Medians are printed as a markdown table, then a second one with each phase's CPU time
per record (user + system, summed over every process the phase ran) beside the budget
that half of sickle's rate leaves a record on this machine's cores: CPU time moves
little with the load, where rates measured on a shared machine do.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
OAI = "http://www.openarchives.org/OAI/2.0/"
HEAD = (f'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="{OAI}">'
        "<responseDate>{now}</responseDate><request>{url}</request>")


def build_pages(folder: Path, count: int, page: int, prefix: str) -> int:
    """Write identify.xml and page-N.xml for ``count`` demo records (not timed)."""
    from lxml import etree

    from catalogue.demo import generate
    from catalogue.formats import dublincore, marcxml, pmbxml, unimarc

    writer = {"oai_dc": dublincore.to_element,
              "unimarc": lambda r: marcxml.record_to_element(r, "unimarc"),
              "pmb_xml_unimarc": pmbxml.to_element}[prefix]
    now = datetime(2025, 1, 1, tzinfo=UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    (folder / "identify.xml").write_text(
        HEAD.format(now=stamp, url="http://127.0.0.1/oai")
        + "<Identify><repositoryName>Bench</repositoryName><baseURL>http://127.0.0.1/oai</baseURL>"
          "<protocolVersion>2.0</protocolVersion><adminEmail>a@b.fr</adminEmail>"
          "<earliestDatestamp>2000-01-01T00:00:00Z</earliestDatestamp>"
          "<deletedRecord>persistent</deletedRecord>"
          "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify></OAI-PMH>",
        encoding="utf-8")
    chunk: list[bytes] = []
    number = written = 0
    pages = (count + page - 1) // page

    def flush(last: bool) -> None:
        nonlocal number
        token = "" if last else (f'<resumptionToken cursor="{number * page}" '
                                 f'completeListSize="{count}">t{number + 1}</resumptionToken>')
        body = (HEAD.format(now=stamp, url="http://127.0.0.1/oai").encode()
                + b"<ListRecords>" + b"".join(chunk) + token.encode() + b"</ListRecords></OAI-PMH>")
        (folder / f"page-{number}.xml").write_bytes(body)
        number += 1
        chunk.clear()

    # generate() yields pymarc records; read back as canonical Records in blocks
    block: list[bytes] = []

    def drain() -> None:
        nonlocal written
        for parsed in unimarc.read(io.BytesIO(b"".join(block)), "bench"):
            if parsed.record is None:
                continue
            written += 1
            day = (now - timedelta(seconds=count - written)).strftime("%Y-%m-%dT%H:%M:%SZ")
            header = (f"<header><identifier>oai:bench:{parsed.record.source_id}</identifier>"
                      f"<datestamp>{day}</datestamp></header>")
            meta = etree.tostring(writer(parsed.record), encoding="utf-8")
            chunk.append(f"<record>{header}<metadata>".encode() + meta + b"</metadata></record>")
            if len(chunk) == page:
                flush(number + 1 >= pages)
        block.clear()

    for record in generate(count, 1):
        block.append(record.as_marc())
        if len(block) == 1000:
            drain()
    drain()
    if chunk or number == 0:
        flush(True)
    return written


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: dict[str, bytes] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        if params.get("verb") == "Identify":
            body = self.pages["identify"]
        elif "resumptionToken" in params:
            body = self.pages[f"page-{params['resumptionToken'][1:]}"]
        else:
            body = self.pages["page-0"]
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(folder: Path) -> None:
    """The endpoint process: pre-rendered pages from memory, forever."""
    _Handler.pages = {p.stem: p.read_bytes() for p in folder.glob("*.xml")}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def cpu_seconds() -> float:
    """CPU (user + system) of this process and of its children reaped so far: the
    harvest's mapping worker, the follower and the index's preparing processes are
    joined when their phase ends, so a phase's CPU is the difference around it."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def child_sickle(url: str, prefix: str) -> dict[str, float]:
    from sickle import Sickle

    start, cpu = time.perf_counter(), cpu_seconds()
    count = sum(1 for _ in Sickle(url, max_retries=0).ListRecords(metadataPrefix=prefix,
                                                                  ignore_deleted=False))
    return {"seconds": time.perf_counter() - start, "records": count,
            "cpu": cpu_seconds() - cpu}


def _settings(tmp: Path, name: str, url: str, prefix: str, workers: int, procs: int,
              engine_name: str = "whoosh") -> Any:
    from catalogue.settings import load

    folder = tmp / name
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{folder}/bench.db"\n[[sources]]\nslug = "b"\n'
                      f'kind = "oai"\nurl = "{url}"\nmetadata_prefix = "{prefix}"\n'
                      f"[harvest]\nworkers = {workers}\n"
                      f'[index]\ndir = "{folder}/index"\nprocs = {procs}\n'
                      f'engine = "{engine_name}"\n',
                      encoding="utf-8")
    return load(config)


def child_ours(url: str, prefix: str, workers: int = 1, procs: int = 1,
               engines: tuple[str, ...] = ("whoosh",)) -> dict[str, float]:
    from catalogue.harvesting import harvest_source
    from catalogue.indexing import update_index
    from catalogue.scheduler import run_source
    from catalogue.store import database

    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp), "store", url, prefix, workers, procs)
        engine = database.open_store(settings.store_url)
        start, cpu = time.perf_counter(), cpu_seconds()
        report = harvest_source(engine, settings, settings.source("b"))
        harvested = time.perf_counter() - start
        assert report.status == "completed", report.message
        out = {"seconds": harvested, "records": report.added, "cpu": cpu_seconds() - cpu}
        for name in engines:
            begun, cpu = time.perf_counter(), cpu_seconds()
            indexed = update_index(engine, Path(tmp) / f"index-{name}", procs=procs,
                                   engine_name=name)
            out[f"indexed_{name}"] = indexed.indexed
            out[f"index_seconds_{name}"] = time.perf_counter() - begun
            out[f"index_cpu_{name}"] = cpu_seconds() - cpu
        engine.dispose()
        for name in engines:  # the scheduler's job: harvest, the index following it
            settings = _settings(Path(tmp), f"job-{name}", url, prefix, workers, procs, name)
            engine = database.open_store(settings.store_url)
            settings.index.dir.mkdir()
            begun, cpu = time.perf_counter(), cpu_seconds()
            line = run_source(settings, engine, "b", settings.index.dir)
            out[f"job_seconds_{name}"] = time.perf_counter() - begun
            out[f"job_cpu_{name}"] = cpu_seconds() - cpu
            assert f"index: {report.added} updated" in line, line
            engine.dispose()
    return out


def run_child(kind: str, url: str, prefix: str, workers: int = 1,
              procs: int = 1, engines: str = "whoosh") -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, url, prefix, str(workers),
                          str(procs), engines],
                         check=True,
                         capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--prefix", default="oai_dc", choices=["oai_dc", "unimarc", "pmb_xml_unimarc"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1,
                        help="[harvest] workers: mapping processes (0: map in the harvest's)")
    parser.add_argument("--procs", type=int, default=1,
                        help="[index] procs: index writer processes for the update")
    parser.add_argument("--engines", default="whoosh,tantivy",
                        help="[index] engine of the index updates, comma-separated")
    parser.add_argument("--child", nargs=6,
                        metavar=("KIND", "URL", "PREFIX", "WORKERS", "PROCS", "ENGINES"))
    parser.add_argument("--serve", metavar="DIR")
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve))
        return
    if args.child:
        kind, url, prefix, workers, procs, names = args.child
        result = child_sickle(url, prefix) if kind == "sickle" else child_ours(
            url, prefix, int(workers), int(procs), tuple(names.split(",")))
        print(json.dumps(result))
        return
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        count = build_pages(Path(tmp), args.records, args.page, args.prefix)
        print(f"built {count} {args.prefix} records in pages of {args.page} "
              f"({time.perf_counter() - started:.0f} s, not timed)", file=sys.stderr)
        server = subprocess.Popen([sys.executable, __file__, "--serve", tmp], stdout=subprocess.PIPE,
                                  text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            assert server.stdout is not None
            url = f"http://127.0.0.1:{server.stdout.readline().strip()}/oai"
            sickle, ours = [], []
            for n in range(args.repeat):
                sickle.append(run_child("sickle", url, args.prefix))
                ours.append(run_child("ours", url, args.prefix, args.workers, args.procs,
                                      args.engines))
                print(f"run {n + 1}: sickle {sickle[-1]}, ours {ours[-1]}", file=sys.stderr)
        finally:
            server.terminate()
            server.wait(10)
    load_after = os.getloadavg()
    s_rate = statistics.median(r["records"] / r["seconds"] for r in sickle)
    o_rate = statistics.median(r["records"] / r["seconds"] for r in ours)
    print(f"workers = {args.workers}; procs = {args.procs}; {os.cpu_count()} cores; load average (1, 5, 15 min) "
          f"before {', '.join(f'{v:.1f}' for v in load_before)}, "
          f"after {', '.join(f'{v:.1f}' for v in load_after)}")
    print("| records | format | page | engine | sickle bare rec/s | harvest + store rec/s "
          "| store / sickle | index update rec/s | harvest, then index: rec/s | / sickle "
          "| harvest, index following: rec/s | / sickle |\n"
          "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.engines.split(","):
        x_rate = statistics.median(r[f"indexed_{name}"] / r[f"index_seconds_{name}"]
                                   for r in ours)
        i_rate = statistics.median(r["records"] / (r["seconds"] + r[f"index_seconds_{name}"])
                                   for r in ours)
        j_rate = statistics.median(r["records"] / r[f"job_seconds_{name}"] for r in ours)
        print(f"| {count:,} | {args.prefix} | {args.page} | {name} | {s_rate:,.0f} | "
              f"{o_rate:,.0f} | {o_rate / s_rate:.0%} | {x_rate:,.0f} | {i_rate:,.0f} | "
              f"{i_rate / s_rate:.0%} | {j_rate:,.0f} | {j_rate / s_rate:.0%} |")
    cores = os.cpu_count() or 1
    print(f"\nCPU (user + system, every process of the phase) per record, medians. Half of "
          f"sickle's rate leaves a record {2 * cores} times sickle's wall time per record on "
          f"{cores} cores used without a gap: counted from sickle's CPU (as if it had a core "
          "to itself: the load changes it little) and from its rate (true on a quiet "
          "machine only):\n")
    print("| engine | sickle | harvest + store | index update | harvest, then index "
          "| harvest, index following | / sickle's | budget from sickle's CPU "
          "| budget from sickle's rate |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    def per_record(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] / r["records"] * 1e6 for r in runs)

    bare = per_record(sickle, "cpu")
    for name in args.engines.split(","):
        store, index = per_record(ours, "cpu"), per_record(ours, f"index_cpu_{name}")
        job = per_record(ours, f"job_cpu_{name}")
        print(f"| {name} | {bare:.0f} | {store:.0f} | {index:.0f} | {store + index:.0f} | "
              f"{job:.0f} | {job / bare:.1f}x | {2 * cores * bare:.0f} | "
              f"{2 * cores * 1e6 / s_rate:.0f} |")


if __name__ == "__main__":
    main()
