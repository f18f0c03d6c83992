"""Helpers for the DSI tests: a store with people and records, a clock, mail parsing."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from catalogue import settings as settings_module
from catalogue.dsi import runs
from catalogue.formats.base import Parsed
from catalogue.people import accounts
from catalogue.people.accounts import Person
from catalogue.people.tokens import LinkSigner
from catalogue.records import Descriptor, Record, Title
from catalogue.settings import Settings
from catalogue.store import database
from catalogue.store.ingest import Ingest
from catalogue.web.secret import secret_key
from tests.stores import ENGINE

#: A Monday, 07:00 in Paris.
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
_IDS = itertools.count(1)


def setup(config_path: Path, sink: Any | None = None) -> tuple[Settings, Engine]:
    """Settings (mail to ``sink``, a public base URL) and a migrated store."""
    base = settings_module.load(config_path, env={})
    changes: dict[str, Any] = {"base_url": "http://catalogue.test",
                               "index": dataclasses.replace(base.index, engine=ENGINE)}
    if sink is not None:
        changes["mail"] = sink.mail_settings()
    settings = dataclasses.replace(base, **changes)
    return settings, database.open_store(settings.store_url)


def signer(settings: Settings) -> LinkSigner:
    """The signer the web app uses (same secret)."""
    return LinkSigner(secret_key(settings))


def person(engine: Engine, email: str, now: datetime, name: str = "", *,
           language: str = "fr", confirmed: bool = True, category: str | None = None) -> Person:
    """A person with a confirmed address."""
    return accounts.create(engine, now, email=email, name=name, language=language,
                           confirmed=confirmed, category=category)


def record(title: str, *, subjects: Iterable[str] = (), source: str = "crpv",
           source_id: str | None = None, abstract: str = "") -> Record:
    """A small record with a title and descriptors."""
    return Record(source=source, source_id=source_id or f"dsi{next(_IDS)}", title=Title(title),
                  descriptors=tuple(Descriptor(s) for s in subjects),
                  abstracts=(abstract,) if abstract else ())


def ingest(engine: Engine, recs: Iterable[Record], when: datetime, source: str = "crpv") -> list[str]:
    """Import ``recs`` stamped at ``when``; their global ids."""
    job = Ingest(engine, source=source, format="unimarc", batch_size=100, clock=lambda: when)
    ids = []
    for n, rec in enumerate(recs):
        job.add(Parsed(position=n, offset=0, raw=rec.title.main.encode(), record=rec,
                       source_id=rec.source_id))
        ids.append(rec.global_id)
    job.finish()
    return ids


def run(engine: Engine, settings: Settings, now: datetime, **options: Any) -> runs.RunReport:
    """A DSI run at ``now`` with the app's signer."""
    return runs.run(engine, settings, now, signer(settings), **options)


_SECTION = re.compile(r"^== (.+) \(\d+ nouveaux? documents?\) ==$")
_URL = re.compile(r"^   (http\S+/notice/\S+)$")


def text_part(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_part(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def received(messages: Iterable[EmailMessage]) -> Counter[tuple[str, str]]:
    """(section name, record URL) -> how many times it arrived, over ``messages``."""
    counts: Counter[tuple[str, str]] = Counter()
    for msg in messages:
        section = ""
        for line in text_part(msg).splitlines():
            head = _SECTION.match(line)
            if head:
                section = head.group(1)
            url = _URL.match(line)
            if url:
                counts[(section, url.group(1))] += 1
    return counts


def days(n: float) -> timedelta:
    return timedelta(days=n)
