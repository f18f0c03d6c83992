"""Chromium on an import report whose problems are translated: in French and in English
the page passes axe-core, and a reason no pattern knows is read as English (its
``lang``), the others in the page's language. Fixtures: tests/test_web_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalogue.formats.base import Parsed
from catalogue.store.ingest import Ingest
from tests.desk_site import DeskSite, sign_in_librarian, start, tab  # noqa: F401 - fixture
from tests.test_web_browser import audit, axe_source, browser  # noqa: F401 - fixtures


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[DeskSite]:
    running = start(tmp_path)
    yield running
    running.stop()


def test_a_report_reads_in_the_page_language(tab: Any, site: DeskSite,  # noqa: F811
                                             axe_source: str) -> None:  # noqa: F811
    job = Ingest(site.world.engine, source="crpv", path="export.mrc", format="unimarc")
    job.add(Parsed(position=4, offset=812, raw=b"\x00",
                   error="truncated record: 40 bytes and no record terminator before the "
                         "end of the file"))
    job.add(Parsed(position=5, offset=852, raw=b"\x00", error="leader: not a number"))
    run = job.finish()
    tab.goto(site.url + "/connexion")
    sign_in_librarian(tab, site)
    tab.goto(f"{site.url}/admin/moissons/import/{run.run_id}")
    cells = tab.locator("#problems-title ~ div td:last-child")
    assert cells.all_inner_texts() == [
        "notice tronquée : 40 octets sans fin de notice avant la fin du fichier",
        "leader: not a number"]
    assert tab.locator("td span[lang=en]").inner_text() == "leader: not a number"
    assert audit(tab, axe_source) == []
    tab.context.add_cookies([{"name": "lang", "value": "en", "url": site.url}])
    tab.reload()
    assert tab.locator("html").get_attribute("lang") == "en"
    assert cells.first.inner_text() == ("truncated record: 40 bytes and no record terminator "
                                        "before the end of the file")
    assert audit(tab, axe_source) == []
