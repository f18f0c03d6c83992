"""A multi-worker deployment, as the README describes it for PostgreSQL, exercised once.

Two `catalogue serve` processes and `catalogue scheduler` share one store while
`catalogue harvest` brings a partner's 300 records in and two librarians, each on a
different web server, lend the same copy at the same instant, round after round, and a
partner harvests our OAI-PMH endpoint, its resumption tokens taken from one server to the
other. Nothing harvested is lost, no copy is lent twice, and the OAI listing gives every
record once. On SQLite the same processes share one file (WAL); in `make test`'s second
pass the store is a fresh PostgreSQL database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from lxml import etree
from sqlalchemy import func, select

from catalogue.store.circulation_tables import loans
from catalogue.store.tables import records
from tests.circulation_support import PASSWORD, build, write_config
from tests.desk_site import CSRF
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records
from tests.signin import sign_in

OAI = "{http://www.openarchives.org/OAI/2.0/}"
CLI = [sys.executable, "-m", "catalogue.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server stopped ({process.returncode})")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


def _librarian(base: str, email: str) -> tuple[requests.Session, str]:
    session = sign_in(requests.Session(), base, email, PASSWORD, "/guichet/")
    desk = session.get(base + "/guichet/emprunteur?carte=C-ALICE", timeout=10)
    found = CSRF.search(desk.text)
    assert found
    return session, found.group(1)


def _oai_listing(bases: list[str]) -> list[str]:
    """ListIdentifiers in full, each page asked of the next server in turn."""
    identifiers: list[str] = []
    params: dict[str, str] = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    for n in range(10_000):
        answer = requests.get(bases[n % len(bases)] + "/oai", params=params, timeout=60)
        assert answer.status_code == 200
        doc = etree.fromstring(answer.content)
        assert doc.find(f"{OAI}error") is None, answer.text[:500]
        identifiers += [e.text or "" for e in doc.iter(f"{OAI}identifier")
                        if e.getparent() is not None and e.getparent().tag == f"{OAI}header"]
        token = doc.findtext(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
        if not token:
            return identifiers
        params = {"verb": "ListIdentifiers", "resumptionToken": token}
    raise AssertionError("the listing did not end")


def test_two_web_servers_a_scheduler_a_harvest_and_two_desks_on_one_store(
        tmp_path: Path) -> None:
    repo = PartnerRepository()
    for record in demo_records(300):
        repo.put(record, past=True)
    ports = [_free_port(), _free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    with PyoaiServer(repo, page_size=20) as partner:
        settings = write_config(tmp_path, base_url=bases[0])
        config = settings.path
        config.write_text(config.read_text(encoding="utf-8") + f"""
[[sources]]
slug = "lyon"
name = "Lyon"
kind = "oai"
url = "{partner.url}"

[oai]
repository_identifier = "crpv.example.fr"
local_source = "crpv"
page_size = 25
""", encoding="utf-8")
        world = build(settings)
        env = {**os.environ, "CATALOGUE_SECRET_KEY": "secret de test du guichet",
               "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        started: list[subprocess.Popen[bytes]] = []
        try:
            for port in ports:
                started.append(subprocess.Popen(
                    [*CLI, "--config", str(config), "serve", "--port", str(port)], env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            started.append(subprocess.Popen([*CLI, "--config", str(config), "scheduler"],
                                            env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
            for base, process in zip(bases, started, strict=False):
                _wait_for(base + "/oai?verb=Identify", process)
            before = set(_oai_listing(bases))
            harvest = subprocess.Popen([*CLI, "--config", str(config), "harvest", "lyon"],
                                       env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT)
            desks = [_librarian(bases[0], world.librarian.email or ""),
                     _librarian(bases[1], world.admin.email or "")]
            outcomes: list[list[int]] = []
            listings: list[list[str]] = []
            rounds = 0
            while harvest.poll() is None or rounds < 4:
                barrier = threading.Barrier(3)
                codes: list[int] = []

                def lend(session: requests.Session, token: str, base: str, card: str,
                         barrier: threading.Barrier = barrier, codes: list[int] = codes) -> None:
                    barrier.wait()
                    codes.append(session.post(base + "/guichet/pret", timeout=60,
                                              allow_redirects=False,
                                              data={"csrf_token": token, "carte": card,
                                                    "code": "L1"}).status_code)

                def listing(barrier: threading.Barrier = barrier) -> None:
                    barrier.wait()
                    listings.append(_oai_listing(bases))

                threads = [threading.Thread(target=lend, args=(*desks[0], bases[0], "C-ALICE")),
                           threading.Thread(target=lend, args=(*desks[1], bases[1], "C-FAY")),
                           threading.Thread(target=listing)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                outcomes.append(sorted(codes))
                world.desk.check_in("L1", datetime.now(UTC), None)
                rounds += 1
                assert rounds < 200, "the harvest did not end"
            output = harvest.communicate(timeout=120)[0].decode()
            assert harvest.returncode == 0, output
        finally:
            for process in started:
                process.send_signal(signal.SIGTERM)
            for process in started:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
    assert outcomes and all(codes == [303, 422] for codes in outcomes), outcomes
    with world.engine.connect() as conn:
        lent = conn.execute(select(func.count()).select_from(loans)).scalar_one()
        harvested = conn.execute(select(func.count()).select_from(records)
                                 .where(records.c.source == "lyon")).scalar_one()
    assert lent == len(outcomes)  # one loan a round, never two
    assert harvested == 300  # nothing lost
    for listed in listings:
        assert len(listed) == len(set(listed))  # no record twice across pages and servers
        assert before <= set(listed)  # nothing that was there before the listing is skipped
    world.engine.dispose()
