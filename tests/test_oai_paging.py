"""Keyset paging in the protocol core on a real store: moves during a list, the empty page."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine

from catalogue.formats import unimarc
from catalogue.records import replace
from catalogue.settings import load
from catalogue.store import database
from catalogue.store.ingest import Ingest
from catalogue.web.oai_provider import config_of, repository_of
from oai.config import OaiConfig
from oai.protocol import handle
from oai.repository import Repository
from tests.oai_site import NS, split_export
from tests.stores import store_url

CONFIG = """
[catalogue]
base_url = "http://127.0.0.1:5000"
data_dir = "var"
[store]
url = "{store}"
[[sources]]
slug = "crpv"
name = "CRPV"
[oai]
repository_identifier = "crpv.example.fr"
"""


class SteppingClock:
    """A clock moving one minute per reading (the one allowed seam)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[tuple[Engine, Repository, OaiConfig, SteppingClock, list[bytes]]]:
    (tmp_path / "config.toml").write_text(CONFIG.replace("{store}", store_url(tmp_path, "p")),
                                          encoding="utf-8")
    settings = load(tmp_path / "config.toml", env={"CATALOGUE_SECRET_KEY": "k"})
    engine = database.open_store(settings.store_url)
    yield (engine, repository_of(settings, engine),
           dataclasses.replace(config_of(settings), page_size=5), SteppingClock(), [])
    engine.dispose()


def ingest(engine: Engine, clock: SteppingClock, data: bytes) -> None:
    run = Ingest(engine, source="crpv", format="unimarc", batch_size=1, clock=clock)
    run.add_all(unimarc.read(io.BytesIO(data), "crpv"))
    run.finish()


def ask(repo: Repository, config: OaiConfig, now: datetime, **params: str) -> etree._Element:
    return etree.fromstring(handle({k: [v] for k, v in params.items()}, repo, now, config))


def ids(doc: etree._Element) -> list[str]:
    return [(e.text or "").rsplit(":", 1)[1] for e in doc.iterfind(".//o:header/o:identifier", NS)]


def test_a_resumed_page_is_never_empty_and_never_repeats(
        store: tuple[Engine, Repository, OaiConfig, SteppingClock, list[bytes]],
        demo_export: Path) -> None:
    engine, repo, config, clock, _ = store
    chunks = split_export(demo_export.read_bytes())[:7]
    ingest(engine, clock, b"".join(chunks))  # seven records, one minute apart
    first = ask(repo, config, clock(), verb="ListIdentifiers", metadataPrefix="oai_dc")
    page1 = ids(first)
    assert len(page1) == 5
    token = first.findtext(".//o:resumptionToken", namespaces=NS) or ""
    # Both remaining records change after the list began: they leave its window.
    records = [p.record for p in unimarc.read(io.BytesIO(b"".join(chunks[5:])), "crpv")]
    ingest(engine, clock, b"".join(unimarc.to_iso2709(replace(r, keywords=("modifié",)))
                                   for r in records if r is not None))
    second = ask(repo, config, clock(), verb="ListIdentifiers", resumptionToken=token)
    assert second.find("o:error", NS) is None
    page2 = ids(second)
    # The record that announced the second page comes, in its new state; nothing repeats.
    assert len(page2) == 1 and page2[0] not in page1
    assert second.findtext(".//o:header/o:datestamp", namespaces=NS) > (
        first.findtext(".//o:responseDate", namespaces=NS) or "")
    final = second.find(".//o:resumptionToken", NS)
    assert final is not None and not (final.text or "") and final.get("cursor") == "5"


def test_deleting_a_harvested_record_does_not_shift_the_next_page(
        store: tuple[Engine, Repository, OaiConfig, SteppingClock, list[bytes]],
        demo_export: Path) -> None:
    engine, repo, config, clock, _ = store
    chunks = split_export(demo_export.read_bytes())[:12]
    ingest(engine, clock, b"".join(chunks))
    first = ask(repo, config, clock(), verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.findtext(".//o:resumptionToken", namespaces=NS) or ""
    gone = unimarc.to_iso2709(next(unimarc.read(io.BytesIO(chunks[1]), "crpv")).record)  # type: ignore[arg-type]
    ingest(engine, clock, gone[:5] + b"d" + gone[6:])  # an offset pager would now skip one
    second = ask(repo, config, clock(), verb="ListIdentifiers", resumptionToken=token)
    order = [p.record.source_id for p in unimarc.read(io.BytesIO(b"".join(chunks)), "crpv")
             if p.record is not None]
    assert ids(first) == order[:5]
    assert ids(second) == order[5:10]
