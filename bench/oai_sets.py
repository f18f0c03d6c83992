"""OAI-PMH sets on a large catalogue: ListSets and the first and last pages of set lists.

Builds a store of ``--records`` generated records (:mod:`catalogue.demo`, 100,000 by
default), four fifths from the centre (``crpv``) and one fifth from a partner that
redistributes (``partner``). The demo generator writes no geographic subject, so this
bench adds UNIMARC 607s itself: ``--placed`` of the records (85 % by default) name one
commune, one in six of those a second one; three in five of those communes lie in
Auvergne-Rhône-Alpes (a regional centre's catalogue), the others anywhere in France, the
communes of a département drawn with a skew (a few big towns hold most records). The
ingest path fills ``record_territories`` as it does for any import.

The app is served by waitress on 127.0.0.1 in a child process; a ``requests`` client
times whole HTTP requests (the body read). Each round asks, in the same order: ListSets,
then for each set ListIdentifiers and ListRecords (oai_dc) first page (the request
without token, which also counts the set) and last page (a resumption token for the
last page, signed with the bench's secret: the position a harvester reaches after
walking the whole set). The first round fills the dissemination cache for the pages
it asks; the table gives the median of all rounds (``--rounds``) and the first round's
figure apart. With ``--postgres URL`` the same records are imported into a fresh
database on that server and the same requests are asked of an app serving from there.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from databases import postgres_database
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OAI = "{http://www.openarchives.org/OAI/2.0/}"
SECRET = "bench-oai-sets"
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

[[sources]]
slug = "partner"
name = "Centre partenaire"
redistribute = true

[oai]
repository_identifier = "crpv.example.fr"
admin_emails = ["doc@crpv.example.fr"]
page_size = {page_size}
local_source = "crpv"
"""
#: The sets asked for (besides ListSets): a big and a small département, a commune, a
#: region, both centres.
SETS = ["territoire:dep-69", "territoire:dep-2A", "territoire:com-69266", "territoire:reg-84",
        "centre:crpv", "centre:partner"]


def places(rng: random.Random) -> Iterator[list[str]]:
    """607 labels of one record after another (maybe none)."""
    from catalogue import territories

    by_dep: dict[str, list[Any]] = {}
    for commune in territories.communes():
        by_dep.setdefault(commune.departement, []).append(commune)
    for towns in by_dep.values():
        towns.sort(key=lambda t: -t.population)
    ara = [d.code for d in territories.departements() if d.within == "84"] or ["69"]
    others = sorted(set(by_dep) - set(ara))

    def commune() -> str:
        dep = rng.choice(ara if rng.random() < 0.6 else others)
        towns = by_dep[dep]
        # Skewed: the first (biggest) towns of the département hold most records.
        return str(towns[min(int(rng.paretovariate(1.2)) - 1, len(towns) - 1)].label)

    while True:
        yield [commune() for _ in range(2 if rng.random() < 1 / 6 else 1)]


def build_store(url: str, folder: Path, count: int, placed: float) -> None:
    """Generate the records (with 607s) once into ``folder`` and import them into ``url``."""
    from pymarc import Field, Subfield

    from catalogue import demo
    from catalogue.formats import unimarc
    from catalogue.store import database
    from catalogue.store.ingest import Ingest

    start = time.perf_counter()
    exports = {"crpv": folder / "crpv.mrc", "partner": folder / "partner.mrc"}
    if not all(p.exists() for p in exports.values()):
        rng = random.Random(7)
        labels = places(rng)
        with open(exports["crpv"], "wb") as crpv, open(exports["partner"], "wb") as partner:
            for n, record in enumerate(demo.generate(count, seed=1)):
                if rng.random() < placed:
                    for label in next(labels):
                        record.add_ordered_field(Field(tag="607", indicators=[" ", " "],
                                                       subfields=[Subfield("a", label)]))
                (partner if n % 5 == 4 else crpv).write(record.as_marc())
    engine = database.open_store(url)
    added = 0
    for source, path in exports.items():
        ingest = Ingest(engine, source=source, format="unimarc", batch_size=2000)
        with open(path, "rb") as fh:
            ingest.add_all(unimarc.read(fh, source))
        added += ingest.finish().added
    engine.dispose()
    print(f"imported {added} records in {time.perf_counter() - start:.0f} s", file=sys.stderr)


def child(url: str, page_size: int) -> None:
    """Serve the app until killed; print its port first."""
    from waitress import create_server

    from catalogue.settings import load
    from catalogue.web import create_app

    holder: dict[str, Any] = {}
    server = create_server(lambda environ, start: holder["app"](environ, start),
                           host="127.0.0.1", port=0, threads=4, ident="bench")
    port = int(server.effective_port)
    folder = Path(tempfile.mkdtemp())
    config = folder / "config.toml"
    config.write_text(CONFIG.format(port=port, data=folder, url=url, page_size=page_size),
                      encoding="utf-8")
    holder["app"] = create_app(load(config, env={"CATALOGUE_SECRET_KEY": SECRET}))
    threading.Thread(target=server.run, daemon=True).start()
    print(port, flush=True)
    threading.Event().wait()


def last_tokens(url: str, page_size: int) -> dict[tuple[str, str], tuple[str, int]]:
    """(verb, set) -> a resumption token for the set's last page, and the set's size."""
    from sqlalchemy import func, select

    from catalogue.settings import Source
    from catalogue.store import database
    from catalogue.store.oai_repository import SqlRepository
    from catalogue.store.tables import records
    from oai import tokens
    from oai.tokens import ListState

    engine = database.open_store(url)
    repo = SqlRepository(engine, [Source(slug="crpv", name="CRPV"),
                                  Source(slug="partner", name="P", redistribute=True)], "crpv")
    now = datetime.now(UTC)
    end = now + timedelta(hours=1)  # the window of the token: every record
    expires = now + timedelta(hours=20)
    out = {}
    with engine.connect() as conn:
        for spec in SETS:
            where = [repo._exposed, repo._set_clause(spec)]
            total = conn.execute(select(func.count()).select_from(records).where(*where)
                                 ).scalar_one()
            before = (total - 1) // page_size * page_size  # records on earlier pages
            stamp, last_id = conn.execute(
                select(records.c.datestamp, records.c.id).where(*where)
                .order_by(records.c.datestamp, records.c.id).offset(before - 1).limit(1)).one()
            for verb in ("ListIdentifiers", "ListRecords"):
                state = ListState(verb, "oai_dc", spec, None, end, last=(stamp, last_id),
                                  cursor=before, total=total)
                out[(verb, spec)] = (tokens.encode(state, expires, SECRET), total)
    engine.dispose()
    return out


def timed(session: requests.Session, url: str, params: dict[str, str]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    response = session.get(url, params=params, timeout=600)
    body = response.content
    elapsed = time.perf_counter() - t0
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}: {response.text[:300]}")
    doc = etree.fromstring(body)
    error = doc.find(f"{OAI}error")
    if error is not None:
        raise SystemExit(f"{params}: {error.get('code')}: {error.text}")
    return elapsed * 1000, doc


def round_of(base: str, last: dict[tuple[str, str], tuple[str, int]],
             page_size: int) -> dict[str, float]:
    session = requests.Session()
    out = {}
    ms, doc = timed(session, base, {"verb": "ListSets"})
    out["ListSets"] = ms
    out["ListSets count"] = len(doc.findall(f"{OAI}ListSets/{OAI}set"))
    for spec in SETS:
        for verb in ("ListIdentifiers", "ListRecords"):
            item = "header" if verb == "ListIdentifiers" else "record"
            ms, doc = timed(session, base, {"verb": verb, "metadataPrefix": "oai_dc",
                                            "set": spec})
            assert len(doc.findall(f"{OAI}{verb}/{OAI}{item}")) == page_size, spec
            out[f"{verb} {spec} first"] = ms
            token, total = last[(verb, spec)]
            ms, doc = timed(session, base, {"verb": verb, "resumptionToken": token})
            expected = total - (total - 1) // page_size * page_size
            got = len(doc.findall(f"{OAI}{verb}/{OAI}{item}"))
            assert got == expected, (spec, got, expected)
            out[f"{verb} {spec} last"] = ms
    return out


def start(url: str, page_size: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, __file__, "--serve", "--store-url", url,
                                "--page-size", str(page_size)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    return process, f"http://127.0.0.1:{port}/oai"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--placed", type=float, default=0.85,
                        help="share of the records with a 607 naming a commune")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--store", type=Path, default=None,
                        help="reuse (or create) this SQLite store instead of a temporary one")
    parser.add_argument("--postgres", default="",
                        help="also serve from a fresh database on this PostgreSQL server")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--store-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        child(args.store_url, args.page_size)
        return
    with tempfile.TemporaryDirectory() as tmp, postgres_database(args.postgres, "bench_sets") as pg:
        db = args.store or Path(tmp) / "bench.db"
        stores = {"SQLite": f"sqlite:///{db}"}
        if not db.exists():
            build_store(stores["SQLite"], db.parent, args.records, args.placed)
        if pg:
            build_store(pg, db.parent, args.records, args.placed)
            stores["PostgreSQL"] = pg
        lasts = {name: last_tokens(url, args.page_size) for name, url in stores.items()}
        servers = {name: start(url, args.page_size) for name, url in stores.items()}
        results: dict[str, list[dict[str, float]]] = {name: [] for name in stores}
        loads = []
        try:
            for round_no in range(1, args.rounds + 1):
                loads.append(load())
                for name, (_, base) in servers.items():
                    print(f"round {round_no}: {name} (load {load()})", file=sys.stderr)
                    results[name].append(round_of(base, lasts[name], args.page_size))
            loads.append(load())
        finally:
            for process, _ in servers.values():
                process.kill()
                process.wait()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sizes = {spec: lasts["SQLite"][("ListRecords", spec)][1] for spec in SETS}
    print(f"\n{args.records:,} records ({args.placed:.0%} with a 607), pages of "
          f"{args.page_size}, requests client, waitress on 127.0.0.1, {os.cpu_count()} cores, "
          f"ms, median of {args.rounds} rounds (first round apart: cold dissemination cache) "
          f"({when}; load average 1/5 min at the start of each round and at the end: "
          f"{', '.join(loads)})\n")
    names = list(stores)
    print("| request | set size | " + " | ".join(f"{n} median (first round)" for n in names)
          + " |")
    print("|---|---:|" + "---:|" * len(names))
    for key in results[names[0]][0]:
        if key == "ListSets count":
            continue
        spec = key.split(" ")[1] if " " in key else ""
        size = f"{sizes[spec]:,}" if spec else f"{results[names[0]][0]['ListSets count']:.0f} sets"
        cells = [f"{statistics.median(r[key] for r in results[n]):.0f} "
                 f"({results[n][0][key]:.0f})" for n in names]
        print(f"| {key} | {size} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
