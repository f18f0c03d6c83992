"""The issues without a record of their own, in Chromium: the periodical page that lists
them and the report's page with its publication statements, at 1280 px and 390 px,
audited by axe-core (no violation at all); neither scrolls sideways at 320 px. The site is
tests/test_web_periodical_groups.py's (generated periodicals and a real PMB XML export).
"""

from __future__ import annotations

from typing import Any

from tests.test_browser_periodicals import check_widths, tab  # noqa: F401 - fixture
from tests.test_web_browser import axe_source, browser  # noqa: F401 - fixtures
from tests.test_web_periodical_groups import site  # noqa: F401 - fixture
from tests.web_site import WebSite


def test_issues_without_records_are_listed_and_reachable_by_keyboard(
        tab: Any, site: WebSite, axe_source: str) -> None:  # noqa: F811
    check_widths(tab, site.url + "/notice/crpv/100", axe_source, "periodical-groups")
    groups = tab.locator("li.issue-group")
    assert groups.locator("h4").all_inner_texts() == [
        "n° 13, juin 2020", "n° 12, mars 2020", "n° 14"]
    assert tab.locator("li.not-catalogued").all_inner_texts() == ["Un article jamais exporté 12"]
    link = groups.nth(1).locator("ul.articles a").first
    assert link.inner_text() == "Premier article"
    link.focus()
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url == site.url + "/notice/crpv/201"
    check_widths(tab, site.url + "/notice/crpv/400", axe_source, "publication-statements")
    terms = tab.locator("dl.description dt").all_inner_texts()
    assert [t for t in terms if t in ("Publication", "Impression", "Production", "Copyright")] \
        == ["Publication", "Impression", "Production", "Copyright"]
