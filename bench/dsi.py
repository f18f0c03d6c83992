"""DSI benchmark: one run for 10,000 subscribers x 3 profiles over a week of 1,000 new
records among 100,000, sending to a local SMTP sink (aiosmtpd on 127.0.0.1).

Each subscriber has two curated lists (of 30) and one private alert (drawn from 600
distinct saved searches, as people share their searches); the run groups identical
equations, so it evaluates 630 equations against an index of the week's candidates.
Prints the total time, the time in matching (selection, candidates index, equations,
per-pair novelty) versus sending (render, SMTP, delivery records; the part of it spent
recording deliveries, in groups of ``[dsi] delivery_group``, is printed too), the load
average before and after, and the peak RSS.

    .venv/bin/python bench/dsi.py [--records 100000] [--new 1000] [--people 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.dsi import profiles, runs
from catalogue.dsi.schedule import Periodicity
from catalogue.people.settings import MailSettings
from catalogue.people.tokens import LinkSigner
from catalogue.records import Descriptor, Record, Title, content_hash, to_json
from catalogue.settings import load
from catalogue.store import database
from catalogue.store.dsi_tables import dsi_equations, dsi_profiles, dsi_subscriptions
from catalogue.store.people_tables import persons
from catalogue.store.tables import records, sources

TOPICS = ["délinquance", "prévention", "parentalité", "jeunesse", "médiation", "logement",
          "emploi", "insertion", "santé", "éducation", "illettrisme", "numérique", "sport",
          "culture", "citoyenneté", "laïcité", "discriminations", "égalité", "violences",
          "addictions", "tranquillité", "quartiers", "rénovation", "mobilité", "précarité",
          "migrations", "famille", "école", "décrochage", "radicalisation", "justice",
          "police", "victimes", "handicap", "vieillissement", "alimentation", "environnement",
          "participation", "associations", "formation"]
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


class Counting:
    """An SMTP handler that accepts and counts."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def _record(n: int, rng: random.Random) -> Record:
    words = rng.sample(TOPICS, 3)
    return Record(source="crpv", source_id=str(n),
                  title=Title(f"{words[0].capitalize()} et {words[1]} : étude n° {n}"),
                  descriptors=(Descriptor(words[1].capitalize()), Descriptor(words[2].capitalize())),
                  abstracts=(f"Rapport sur {words[0]}, {words[1]} et {words[2]} dans les quartiers.",))


def build(config: Path, n_records: int, n_new: int, n_people: int, seed: int = 1) -> Any:
    settings = load(config, env={})
    engine = database.open_store(settings.store_url)
    rng = random.Random(seed)
    old, week = MONDAY - timedelta(days=400), MONDAY - timedelta(days=7)
    with engine.begin() as conn:
        conn.execute(insert(sources).values(slug="crpv", name="CRPV", kind="file", created_at=old))
        rows = []
        for n in range(n_records):
            rec = _record(n, rng)
            fresh = n >= n_records - n_new
            stamp = week + timedelta(seconds=rng.randrange(6 * 86400)) if fresh else \
                old + timedelta(seconds=rng.randrange(300 * 86400))
            rows.append({"source": "crpv", "source_id": rec.source_id, "format": "unimarc",
                         "charset": "utf-8", "raw": b"", "data": to_json(rec),
                         "content_hash": content_hash(rec), "title": rec.title.main,
                         "doc_type": "a", "datestamp": stamp, "first_seen": stamp,
                         "deleted": False})
            if len(rows) == 5000:
                conn.execute(insert(records), rows)
                rows = []
        if rows:
            conn.execute(insert(records), rows)
    lists = [profiles.save_list(engine, week, slug=f"liste-{i}", name=f"Liste {TOPICS[i]}",
                                equation_params=[f"q={TOPICS[i]}"],
                                periodicity=Periodicity("weekly", 0)) for i in range(30)]
    searches = [f"q={a}+{b}" for a in TOPICS for b in TOPICS if a < b][:600]
    with engine.begin() as conn:
        conn.execute(insert(persons), [{
            "email": f"abonne{n}@example.org", "name": f"Abonné·e {n}", "language": "fr",
            "role": "", "password_hash": "", "email_confirmed_at": week, "login_nonce": "x",
            "failed_logins": 0, "suspended": False, "phone": "", "address": "",
            "history_opt_in": False, "created_at": week, "updated_at": week}
            for n in range(n_people)])
        ids = [r.id for r in conn.execute(persons.select().with_only_columns(persons.c.id))]
        subs = []
        for pid in ids:
            for p in rng.sample(lists, 2):
                subs.append({"profile_id": p.id, "person_id": pid, "created_at": week,
                             "watermark": week})
            key = conn.execute(insert(dsi_profiles).values(
                owner_id=pid, name="Mon alerte", description="", period="weekly", weekday=0,
                month_day=1, every_days=7, novelty="first_seen", cap=30, attachment="",
                visibility="private", active=True, problem="", created_at=week,
                updated_at=week)).inserted_primary_key
            assert key is not None
            conn.execute(insert(dsi_equations).values(profile_id=key[0], position=0,
                                                      params=rng.choice(searches)))
            subs.append({"profile_id": key[0], "person_id": pid, "created_at": week,
                         "watermark": week})
        conn.execute(insert(dsi_subscriptions), subs)
    return settings, engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    totals, matching, sending, recording = [], [], [], []
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "config.toml"
            config.write_text('[catalogue]\nname = "Bench"\n[store]\nurl = "sqlite:///bench.db"\n'
                              '[[sources]]\nslug = "crpv"\nname = "CRPV"\n', encoding="utf-8")
            started = time.perf_counter()
            settings, engine = build(config, args.records, args.new, args.people, seed=round_ + 1)
            print(f"round {round_ + 1}: store built in {time.perf_counter() - started:.0f} s")
            handler = Counting()
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            controller = Controller(handler, hostname="127.0.0.1", port=port)
            controller.start()
            settings = dataclasses.replace(settings, mail=MailSettings(
                host="127.0.0.1", port=port, sender="dsi@bench.example.fr", timeout_seconds=30))
            started = time.perf_counter()
            report = runs.run(engine, settings, MONDAY, LinkSigner("bench secret"),
                              workdir=Path(tmp))
            total = time.perf_counter() - started
            controller.stop()
            engine.dispose()
        totals.append(total)
        matching.append(report.match_seconds)
        sending.append(report.send_seconds)
        recording.append(report.record_seconds)
        print(f"  {report}")
        print(f"  total {total:.1f} s: matching {report.match_seconds:.1f} s, sending "
              f"{report.send_seconds:.1f} s; {handler.count} messages at the sink, "
              f"{report.records_sent} record deliveries in {report.commits} commits "
              f"({report.record_seconds:.1f} s of the sending)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"median of {args.rounds}: total {statistics.median(totals):.1f} s, matching "
          f"{statistics.median(matching):.1f} s, sending {statistics.median(sending):.1f} s "
          f"(recording {statistics.median(recording):.1f} s); "
          f"peak RSS {rss:.0f} MB")
    print(f"load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
