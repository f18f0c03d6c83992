"""OAI-PMH harvest throughput over real HTTP, side by side with pyoai's reference server.

Usage: python bench/oai.py [--records 100000] [--page-size 100] [--store PATH] [--postgres URL]
                           [--rounds 3] [--no-unimarc]

A demo PMB export of N records is generated and imported once into a temporary SQLite
store (or an existing ``--store`` is reused). Our app (``create_app``) and pyoai's
``BatchingServer`` over the same records, each in its own process behind waitress on
127.0.0.1, are then harvested in full with ListRecords by one requests + lxml client
(the harvester a partner would write): records/s, p95 page latency, first and last page
latency (single pages, and the mean of the first and last ten).

The servers are started once and harvested in turn, round after round, so that every
row of the table sees the same machine load; each figure is the median over the rounds
(the spread of records/s is shown too), and each row's rate is also given relative to
the two peers as the median of its per-round ratios to them. Each round first empties our dissemination
cache, then harvests ours ``cold`` (every record written and the cache filled as the
harvest goes: a first harvest after an import or a mapping change), pyoai reading each
page from the store by OFFSET and mapping it, ours again ``warm`` (served from the
cache: every later harvest), and pyoai over records read and mapped to Dublin Core
before its clock starts (pyoai's protocol and serialisation cost only, paging by offset
over a list in memory). Clients accept gzip as requests does by default (pyoai never
compresses). With ``--postgres URL`` the same records are also imported into a fresh
database on that server and our app serves them from there too (rows "on PostgreSQL",
harvested cold and warm in the same rounds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import requests
from databases import postgres_database
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OAI = "{http://www.openarchives.org/OAI/2.0/}"
CONFIG = """
[catalogue]
name = "Banc d'essai"
base_url = "http://127.0.0.1:{port}"
data_dir = "{data}"

[store]
url = "{url}"

[[sources]]
slug = "crpv"
name = "CRPV"

[oai]
repository_identifier = "crpv.example.fr"
admin_emails = ["doc@crpv.example.fr"]
page_size = {page_size}
local_source = "crpv"

[[oai.sets]]
slug = "prevention"
name = "Prévention de la délinquance"
terms = ["prévention de la délinquance", "tranquillité publique"]

[[oai.sets]]
slug = "jeunesse"
name = "Jeunesse"
terms = ["jeunesse"]
fields = ["descriptors", "keywords", "title"]
"""


def build_store(url: str, export: Path, count: int) -> None:
    from catalogue import demo
    from catalogue.formats import unimarc
    from catalogue.store import database
    from catalogue.store.ingest import Ingest

    start = time.perf_counter()
    if not export.exists():
        demo.write_export(export, count=count, seed=1)
    engine = database.open_store(url)
    ingest = Ingest(engine, source="crpv", format="unimarc", batch_size=2000)
    with open(export, "rb") as fh:
        ingest.add_all(unimarc.read(fh, "crpv"))
    report = ingest.finish()
    engine.dispose()
    print(f"generated and imported {report.added} records in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)


def serve(app: Any) -> tuple[Any, int]:
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="bench")
    threading.Thread(target=server.run, daemon=True).start()
    return server, int(server.effective_port)


# --- pyoai's reference server over the same records -------------------------------------


def pyoai_app(url: str, page_size: int, in_memory: bool) -> Any:
    """pyoai's BatchingServer over the store's records, as a WSGI app.

    ``in_memory``: every record read and mapped to DC before serving (pyoai's protocol
    cost alone); otherwise each page is read from the store by OFFSET and mapped then,
    as a pyoai-based provider over a database would do.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cgi
    from urllib.parse import parse_qs

    from oaipmh import common, metadata, server
    from sqlalchemy import create_engine, select

    from catalogue.formats.dublincore import dc_values
    from catalogue.records import from_json
    from catalogue.store.tables import records

    cgi.parse_qs = parse_qs  # type: ignore[attr-defined]  # removed in Python 3.8; pyoai uses it
    engine = create_engine(url)
    query = select(records.c.source, records.c.source_id, records.c.datestamp,
                   records.c.data).order_by(records.c.datestamp, records.c.id)

    def mapped(rows: Any) -> list[tuple[Any, Any]]:
        out = []
        for row in rows:
            fields: dict[str, list[str]] = {}
            for name, value in dc_values(from_json(row.data)):
                fields.setdefault(name, []).append(value)
            stamp = row.datestamp.replace(microsecond=0, tzinfo=None)  # pyoai: naive UTC
            header = common.Header(None, f"oai:crpv.example.fr:{row.source}:{row.source_id}",
                                   stamp, [], False)
            out.append((header, common.Metadata(None, fields)))
        return out

    def page(cursor: int, size: int) -> list[tuple[Any, Any]]:
        if in_memory:
            return items[cursor:cursor + size]
        with engine.connect() as conn:
            return mapped(conn.execute(query.limit(size).offset(cursor)))

    items: list[tuple[Any, Any]] = []
    if in_memory:
        with engine.connect() as conn:
            items = mapped(conn.execute(query))
    earliest = datetime(2000, 1, 1)  # noqa: DTZ001  (pyoai wants naive UTC)

    class Catalogue:
        def identify(self) -> Any:
            return common.Identify("pyoai", "http://127.0.0.1/oai", "2.0", ["doc@crpv.example.fr"],
                                   earliest, "persistent", "YYYY-MM-DDThh:mm:ssZ", [])

        def listMetadataFormats(self, identifier: str | None = None) -> Any:
            return [("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                     "http://www.openarchives.org/OAI/2.0/oai_dc/")]

        def listSets(self, cursor: int = 0, batch_size: int = 10) -> Any:
            return []

        def listRecords(self, metadataPrefix: str, set: str | None = None, from_: Any = None,
                        until: Any = None, cursor: int = 0, batch_size: int = 10) -> Any:
            return [(h, m, None) for h, m in page(cursor, batch_size)]

        def listIdentifiers(self, metadataPrefix: str, set: str | None = None, from_: Any = None,
                            until: Any = None, cursor: int = 0, batch_size: int = 10) -> Any:
            return [h for h, _ in page(cursor, batch_size)]

        def getRecord(self, metadataPrefix: str, identifier: str) -> Any:
            raise NotImplementedError

    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    oai = server.BatchingServer(Catalogue(), registry, resumption_batch_size=page_size)

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        kw = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        body: bytes = oai.handleRequest(kw)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return iter([body])

    return app


# --- the harvester ----------------------------------------------------------------------


def harvest(url: str, prefix: str) -> dict[str, float]:
    """A full ListRecords harvest; the figures of the table."""
    session = requests.Session()
    params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": prefix}
    latencies: list[float] = []
    count = 0
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        response = session.get(url, params=params, timeout=120)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
        doc = etree.fromstring(response.content)
        latencies.append(time.perf_counter() - t0)
        count += len(doc.findall(f"{OAI}ListRecords/{OAI}record"))
        token = doc.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
        if not token:
            break
        params = {"verb": "ListRecords", "resumptionToken": token}
    total = time.perf_counter() - start
    ordered = sorted(latencies)
    return {"records": count, "seconds": total, "rate": count / total,
            "p95": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
            "first": latencies[0] * 1000, "last": latencies[-1] * 1000,
            "first10": statistics.mean(latencies[:10]) * 1000,
            "last10": statistics.mean(latencies[-10:]) * 1000, "pages": len(latencies)}


def child(kind: str, url: str, page_size: int) -> None:
    """Serve one provider until killed; print its port first."""
    if kind.startswith("ours"):
        from catalogue.settings import load
        from catalogue.web import create_app

        holder: dict[str, Any] = {}
        server, port = serve(lambda environ, start: holder["app"](environ, start))
        folder = Path(tempfile.mkdtemp())
        config = folder / "config.toml"
        config.write_text(CONFIG.format(port=port, data=folder, url=url, page_size=page_size),
                          encoding="utf-8")
        holder["app"] = create_app(load(config, env={"CATALOGUE_SECRET_KEY": "bench"}))
    else:
        server, port = serve(pyoai_app(url, page_size, in_memory=kind == "pyoai-memory"))
    print(port, flush=True)
    threading.Event().wait()


def empty_cache(url: str) -> None:
    """Forget every kept dissemination (our next harvest is a first one)."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        for table in ("oai_disseminations", "oai_record_sets"):
            if table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


def start(kind: str, url: str, page_size: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--store-url", url,
                                "--page-size", str(page_size)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    path = "/oai" if kind.startswith("ours") else "/"
    return process, f"http://127.0.0.1:{port}{path}"


NAMES = {
    "ours": "catalogue (this project)",
    "ours-pg": "catalogue (this project) on PostgreSQL",
    "pyoai-store": "pyoai 2.5 BatchingServer, records read per page (OFFSET)",
    "pyoai-memory": "pyoai 2.5 BatchingServer, records pre-mapped in memory",
}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-unimarc", action="store_true", help="oai_dc only")
    parser.add_argument("--store", type=Path, default=None,
                        help="reuse (or create) this SQLite store instead of a temporary one")
    parser.add_argument("--postgres", default="",
                        help="also serve from a fresh database on this PostgreSQL server")
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--store-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        child(args.serve, args.store_url, args.page_size)
        return
    # (server, prefix, cache state); "cold" rows run right after the cache is emptied.
    plan = [("ours", "oai_dc", "cold"), ("pyoai-store", "oai_dc", ""),
            ("ours", "oai_dc", "warm"), ("pyoai-memory", "oai_dc", "")]
    if not args.no_unimarc:
        plan += [("ours", "unimarc", "cold"), ("ours", "unimarc", "warm")]
    if args.postgres:
        plan += [("ours-pg", "oai_dc", "cold"), ("ours-pg", "oai_dc", "warm")]
    results: dict[tuple[str, str, str], list[dict[str, float]]] = {row: [] for row in plan}
    loads = []
    with tempfile.TemporaryDirectory() as tmp, postgres_database(args.postgres, "bench_oai") as pg_url:
        db = args.store or Path(tmp) / "bench.db"
        urls = {"ours": f"sqlite:///{db}", "pyoai-store": f"sqlite:///{db}",
                "pyoai-memory": f"sqlite:///{db}"}
        if not db.exists():
            build_store(urls["ours"], db.with_suffix(".mrc"), args.records)
        if pg_url:
            build_store(pg_url, db.with_suffix(".mrc"), args.records)
            urls["ours-pg"] = pg_url
        servers = {kind: start(kind, url, args.page_size) for kind, url in urls.items()}
        try:
            for round_no in range(1, args.rounds + 1):
                loads.append(load())
                for kind, prefix, cache in plan:
                    if cache == "cold":
                        empty_cache(urls[kind])
                    print(f"round {round_no}: {NAMES[kind]} {prefix} {cache} (load {load()})",
                          file=sys.stderr)
                    result = harvest(servers[kind][1], prefix)
                    print(f"  {result['rate']:.0f} records/s", file=sys.stderr)
                    results[(kind, prefix, cache)].append(result)
            loads.append(load())
        finally:
            for process, _ in servers.values():
                process.kill()
                process.wait()
    count = results[plan[0]][0]["records"]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nFull ListRecords harvest of {count:.0f} records, pages of {args.page_size}, "
          f"requests + lxml client, servers under waitress on 127.0.0.1, {os.cpu_count()} cores, "
          f"median of {args.rounds} interleaved rounds ({when}; load average 1/5 min at the "
          f"start of each round and at the end: {', '.join(loads)})\n")
    offset = [r["rate"] for r in results[("pyoai-store", "oai_dc", "")]]
    memory = [r["rate"] for r in results[("pyoai-memory", "oai_dc", "")]]
    print("| server | format | cache | records/s (min-max) | / pyoai OFFSET | / pyoai pre-mapped "
          "| p95 page ms | first page ms | last page ms | mean first 10 / last 10 pages ms |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (kind, prefix, cache), runs in results.items():
        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(r[key] for r in runs)
        rates = [r["rate"] for r in runs]
        # Ratios to the peers harvested in the same round, then their median: the load
        # changes between rounds far more than within one.
        vs_offset = statistics.median(a / b for a, b in zip(rates, offset, strict=True))
        vs_memory = statistics.median(a / b for a, b in zip(rates, memory, strict=True))
        print(f"| {NAMES[kind]} | {prefix} | {cache or '-'} | {med('rate'):,.0f} "
              f"({min(rates):,.0f}-{max(rates):,.0f}) | {vs_offset:.0%} | {vs_memory:.0%} | "
              f"{med('p95'):.1f} | {med('first'):.1f} | {med('last'):.1f} | "
              f"{med('first10'):.1f} / {med('last10'):.1f} |")

if __name__ == "__main__":
    main()
