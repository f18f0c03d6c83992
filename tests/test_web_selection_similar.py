"""Similar documents (issue 17, point 7): never the same work or title twice, and those
sharing more descriptors first, then those of the same collection (UNIMARC 225/410).

A small catalogue of its own, imported, clustered and indexed for real, served by the
real app; the order is read from the record page as served.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import html
from sqlalchemy import Engine

from catalogue import union
from catalogue.records import Descriptor, Record, Series, Title
from tests.dsi_support import ingest
from tests.web_site import WebSite, start_site

WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SERIES = "Les Cahiers du développement social urbain"


def _record(sid: str, title: str, subjects: tuple[str, ...], series: str = "") -> Record:
    return Record(source="crpv", source_id=sid, title=Title(title),
                  descriptors=tuple(Descriptor(s) for s in subjects),
                  series=(Series(tag="225", title=series),) if series else ())


RECORDS = (
    _record("t", "Renouvellement urbain et participation",
            ("renouvellement urbain", "participation des habitants", "quartier prioritaire"),
            SERIES),
    _record("one-same-series", "Conseils citoyens : premier bilan",
            ("participation des habitants",), SERIES),
    _record("two", "Habiter la rénovation", ("renouvellement urbain",
                                              "participation des habitants"),
            "Études et recherches"),
    _record("three", "Quartiers prioritaires en projet",
            ("renouvellement urbain", "participation des habitants", "quartier prioritaire")),
    _record("three-twin", "Quartiers prioritaires en projet",  # another edition: one title
            ("renouvellement urbain", "participation des habitants", "quartier prioritaire")),
    _record("one", "Démocratie participative locale", ("participation des habitants",)),
    _record("series-only", "Emploi des jeunes et territoires", ("insertion professionnelle",),
            SERIES),
    _record("unrelated", "Histoire de la lecture publique", ("bibliothèque",)),
)


def _fill(engine: Engine, _export: Path) -> None:
    ingest(engine, RECORDS, WHEN)
    union.refresh(engine, "crpv")


@pytest.fixture()
def small_site(tmp_path: Path, demo_export: Path) -> Iterator[WebSite]:
    site = start_site(tmp_path, demo_export, fill=_fill)
    yield site
    site.serving.stop()
    site.engine.dispose()


def test_similar_prefer_shared_descriptors_then_the_same_collection(
        small_site: WebSite) -> None:
    page = small_site.client().get("/notice/crpv/t")
    assert page.status_code == 200
    doc = html.fromstring(page.data)
    links = doc.xpath('//section[@aria-labelledby="similar-title"]//li/a/@href')
    shown = [link.rsplit("/", 1)[1].replace("three-twin", "three") for link in links]
    # The twins tie: whichever the index ranks first stands for the title.
    assert shown == ["three", "two", "one-same-series", "one", "series-only"]
    titles = [" ".join(a.text_content().split()) for a in
              doc.xpath('//section[@aria-labelledby="similar-title"]//li/a')]
    assert len(titles) == len(set(titles))  # the twin edition is not listed again
