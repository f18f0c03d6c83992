"""Periodicals and covers in Chromium: a periodical, one of its issues and one of their
articles, and a results page with covers, at 1280 px and 390 px, audited by axe-core
(no violation at all, whatever its impact); none of them scrolls sideways at 320 px.

The periodical pages are the demo catalogue's (tests/web_site.py); the covers come from
a real image server on 127.0.0.1 (tests/covers_site.py) with its faults, so the results
page shows real covers next to placeholders. Browser fixtures: tests/test_web_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.covers_site import ImageServer, fill_covers
from tests.test_web_browser import WCAG_TAGS, axe_source, browser, shot  # noqa: F401 - fixtures
from tests.web_site import WebSite, start_site

WIDTHS = (1280, 390)
COVERS = """[covers]
thumbnails = true
private_hosts = true
isbn_url = "{root}/isbn/{{isbn}}.jpg"
timeout_seconds = 1
"""


@pytest.fixture(scope="module")
def images() -> Iterator[ImageServer]:
    server = ImageServer()
    server.delay = 1.5
    yield server
    server.stop()


@pytest.fixture(scope="module")
def covers_site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path,
                images: ImageServer) -> Iterator[WebSite]:
    running = start_site(tmp_path_factory.mktemp("browser-covers"), demo_export, page_size=60,
                         fill=fill_covers(images), covers=COVERS.format(root=images.root))
    yield running
    running.serving.stop()
    running.engine.dispose()


@pytest.fixture()
def tab(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                  locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def violations(page: Any, axe_source: str) -> list[dict[str, Any]]:  # noqa: F811
    """Every axe-core violation on the page as it is now (any impact)."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


def overflowing(page: Any, width: int) -> list[str]:
    """The elements reaching past ``width`` (what to fix when a page scrolls sideways)."""
    return list(page.evaluate(
        "w => [...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > w)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 10)", width))


def check_widths(page: Any, url: str, axe_source: str, name: str) -> None:  # noqa: F811
    """The page at each width: axe finds nothing; and at 320 px it does not scroll sideways."""
    for width in (*WIDTHS, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (
            name, width, overflowing(page, width))
        if width in WIDTHS:
            shot(page, f"{name}-{width}")
            assert violations(page, axe_source) == [], (name, width)


def test_periodical_issue_and_article_pages(tab: Any, web_site: WebSite,
                                            axe_source: str) -> None:  # noqa: F811
    check_widths(tab, web_site.url + "/notice/crpv/1", axe_source, "periodical")
    issues = tab.locator("li.issue")
    assert issues.count() >= 2
    assert tab.locator("p.kicker").inner_text().startswith("Périodique")
    # Keyboard only: the first issue's first article, by Tab and Enter.
    article = issues.first.locator("ul.articles a").first
    article_title = article.inner_text()
    article.focus()
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.locator("h1").inner_text().startswith(article_title.split(" :")[0])
    article_url = tab.url
    check_widths(tab, article_url, axe_source, "article")
    issue_link = tab.locator("dl.description dt:text-is('Numéro') + dd a")
    with tab.expect_navigation():
        issue_link.click()
    issue_url = tab.url
    assert issue_url.endswith("-bull")
    check_widths(tab, issue_url, axe_source, "issue")
    periodical = tab.locator("dl.description dt:text-is('Périodique') + dd a")
    with tab.expect_navigation():
        periodical.click()
    assert tab.url == web_site.url + "/notice/crpv/1"


def test_results_and_record_pages_with_covers(tab: Any, covers_site: WebSite,
                                              images: ImageServer,
                                              axe_source: str) -> None:  # noqa: F811
    url = covers_site.url + "/recherche?sort=title"
    check_widths(tab, url, axe_source, "results-covers")
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.goto(url)
    covers = tab.locator("img.hit-cover")
    assert covers.count() >= 5
    for n in range(covers.count()):  # lazy images: bring each into view, then wait for it
        covers.nth(n).scroll_into_view_if_needed()
    tab.wait_for_function(
        "() => [...document.querySelectorAll('img.hit-cover')].every(i => i.complete)",
        timeout=20_000)
    widths = tab.evaluate(
        "[...document.querySelectorAll('img.hit-cover')].map(i => i.naturalWidth)")
    assert all(w > 0 for w in widths), widths  # covers or placeholders: no broken image
    good = next(href for href in tab.locator("li.hit h3 a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
        if _thumbnail_of(covers_site, href) == images.url("/good.jpg"))
    check_widths(tab, covers_site.url + good, axe_source, "record-cover")
    assert tab.evaluate("document.querySelector('p.cover img').naturalWidth") > 0


def _thumbnail_of(site: WebSite, href: str) -> str:
    from catalogue.store.opac import entry

    source, _, source_id = href.removeprefix("/notice/").partition("/")
    found = entry(site.engine, source, source_id)
    return found.record.thumbnail if found else ""
