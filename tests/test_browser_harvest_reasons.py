"""Chromium on a failed harvest's page: the reason in French, what to do on its own line,
and the page passes axe-core. The harvest is real: a partner on 127.0.0.1 that answers
503 with Retry-After to every request. Fixtures: tests/test_web_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalogue.harvesting import harvest_source
from tests.desk_site import DeskSite, sign_in_librarian, start, tab  # noqa: F401 - fixture
from tests.harvest_support import Sleeps, partner
from tests.test_web_browser import audit, axe_source, browser  # noqa: F401 - fixtures
from tests.test_web_report_language import partner_with, settings_for


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[DeskSite]:
    (tmp_path / "site").mkdir()
    running = start(tmp_path / "site")
    yield running
    running.stop()


def test_a_failed_harvest_reads_in_french_with_what_to_do(
        tab: Any, site: DeskSite, tmp_path: Path, axe_source: str) -> None:  # noqa: F811
    with partner_with(lambda _n, _p: (503, {"Retry-After": "120"}, b"busy")) as server:
        settings = settings_for(tmp_path / "partner", partner("lyon", server.url))
        report = harvest_source(site.world.engine, settings, settings.source("lyon"),
                                sleep=Sleeps())
    assert report.status == "failed"
    tab.goto(site.url + "/connexion")
    sign_in_librarian(tab, site)
    tab.goto(f"{site.url}/admin/moissons/moisson/{report.run_id}")
    message = tab.locator("dd", has=tab.locator(".advice"))
    said = message.inner_text()
    assert said.startswith(f"lyon : impossible de joindre {server.url} (Identify) : le "
                           "partenaire se dit momentanément indisponible (HTTP 503) et "
                           "demande d’attendre 120 s, après 2 tentative(s)")
    assert tab.locator("dd [lang=en]").count() == 0
    advice = message.locator(".advice")
    assert advice.inner_text().startswith("Que faire : rien dans l’immédiat")
    first, then = message.bounding_box(), advice.bounding_box()
    assert first is not None and then is not None
    assert then["y"] > first["y"] + 5  # its own line, under the reason
    assert audit(tab, axe_source) == []
