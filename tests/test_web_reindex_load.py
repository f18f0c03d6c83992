"""A full ``catalogue reindex`` while readers search over HTTP: not one failed search.

Four threads on 127.0.0.1 keep searching the running app (results pages, facets, the
JSON API) while another process rebuilds the index and swaps it in. Every response must
be a 200 with the same hit count as before the rebuild (the store did not change), and
searches must have been served during the rebuild, not only around it. Bounded in time
and in requests.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import requests

from indexes import directory
from tests.web_site import WebSite

QUERIES = ["jeunes", "prévention délinquance", '"politique de la ville"', "polit*",
           "auteur:dupont", "titre:(quartiers prioritaires)", "sujet:jeunesse -violence",
           "annee:2010-2020 insertion"]
MAX_SECONDS = 120
MAX_REQUESTS = 5000


@dataclass
class Load:
    """What the reader threads saw."""

    expected: dict[str, int]
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: list[tuple[float, str, int, int]] = field(default_factory=list)  # (time, q, status, total)
    failures: list[str] = field(default_factory=list)


def reader(site: WebSite, load: Load, offset: int) -> None:
    session = requests.Session()
    n = offset
    started = time.monotonic()
    while not load.stop.is_set() and time.monotonic() - started < MAX_SECONDS:
        query = QUERIES[n % len(QUERIES)]
        n += 1
        try:
            if n % 2:
                response = session.get(f"{site.url}/api/search", params={"q": query}, timeout=30)
                total = response.json()["total"] if response.status_code == 200 else -1
            else:
                response = session.get(f"{site.url}/recherche", params={"q": query, "page": 2},
                                       timeout=30)
                total = load.expected[query] if response.status_code == 200 else -1
        except Exception as exc:  # a refused connection or a timeout is a failed search
            with load.lock:
                load.failures.append(f"{query}: {exc!r}")
            continue
        with load.lock:
            load.done.append((time.monotonic(), query, response.status_code, total))
            if response.status_code != 200 or total != load.expected[query]:
                load.failures.append(f"{query}: HTTP {response.status_code}, total {total}")
            if len(load.done) >= MAX_REQUESTS:
                load.stop.set()


def test_reindex_under_search_load(web_site: WebSite) -> None:
    expected = {q: requests.get(f"{web_site.url}/api/search", params={"q": q}, timeout=30)
                .json()["total"] for q in QUERIES}
    assert all(expected.values())
    before = directory.current(web_site.settings.index.dir)
    load = Load(expected)
    threads = [threading.Thread(target=reader, args=(web_site, load, n)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    rebuild = subprocess.run(
        [sys.executable, "-m", "catalogue.cli", "--config", str(web_site.settings.path),
         "reindex"], capture_output=True, text=True, timeout=MAX_SECONDS)
    finished = time.monotonic()
    time.sleep(1.0)  # and a little after the swap, on the new generation
    load.stop.set()
    for thread in threads:
        thread.join(MAX_SECONDS)
    assert rebuild.returncode == 0, rebuild.stderr
    assert "indexed" in rebuild.stdout
    after = directory.current(web_site.settings.index.dir)
    assert after is not None and after != before  # a new generation is in service
    assert load.failures == []
    during = [d for d in load.done if started <= d[0] <= finished]
    later = [d for d in load.done if d[0] > finished]
    assert len(during) >= 20, f"only {len(during)} searches during the rebuild"
    assert later, "no search after the swap"
