"""The record page's "Citer" block, its send-by-email form and its print view in Chromium,
audited by axe-core at 1280 px and 390 px (fixtures: tests/test_web_browser.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_web_browser import audit, axe_source, browser, page, shot  # noqa: F401 - fixtures
from tests.web_site import WebSite

WIDTHS = (1280, 390)


def no_sideways_scroll(tab: Any, width: int) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_record_page_with_the_citer_block_open(page: Any, web_site: WebSite,  # noqa: F811
                                               axe_source: str, width: int) -> None:  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(web_site.url + "/notice/crpv/31")
    citations = page.locator("dd.citation")
    assert not citations.first.is_visible()  # folded: no JavaScript needed to open it
    page.get_by_text("Citer ce document").click()
    assert citations.count() == 2 and citations.first.is_visible()
    assert "Cahiers de la cohésion urbaine" in citations.nth(1).inner_text()
    page.get_by_text("Envoyer par courriel").click()
    assert page.get_by_label("Adresse électronique du destinataire").is_visible()
    no_sideways_scroll(page, width)
    shot(page, f"record-citer-{width}")
    assert audit(page, axe_source) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_bad_address_message_in_the_browser(page: Any, web_site: WebSite,  # noqa: F811
                                            axe_source: str, width: int) -> None:  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(web_site.url + "/notice/crpv/2")
    page.get_by_text("Envoyer par courriel").click()
    page.get_by_label("Adresse électronique du destinataire").fill("pas-une-adresse")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer", exact=True).click()
    error = page.locator("#send-email-error")
    assert error.is_visible()
    assert error.inner_text() == "Cette adresse électronique n'est pas valide."
    shot(page, f"record-send-error-{width}")
    assert audit(page, axe_source) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_print_view(page: Any, web_site: WebSite, axe_source: str,  # noqa: F811
                    width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(web_site.url + "/notice/crpv/2")
    with page.expect_navigation():
        page.get_by_role("link", name="Version imprimable").click()
    qr = page.locator("figure.qr-code svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 90
    assert page.locator("figure.qr-code .permalink").inner_text() == (
        web_site.url + "/notice/crpv/2")
    no_sideways_scroll(page, width)
    shot(page, f"record-print-{width}")
    assert audit(page, axe_source) == []
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert qr.is_visible()
    shot(page, f"record-print-paper-{width}")
