"""The public catalogue in a real Chromium (Playwright): what a reader does, with a mouse,
with the keyboard and without JavaScript, plus axe-core's accessibility audit.

Chromium is Debian's ``/usr/bin/chromium`` (``make install-test`` installs it when run
as root), driven headless by Playwright; Playwright's own browser downloads are never
used. axe-core comes from the npm registry (``tests/browser/package.json``, installed by
``make install-test``) and is injected into each page; a page passes with zero serious or
critical violations (WCAG 2.1 A/AA rules and axe's best practices). Screenshots of the
pages are written to ``var/artefacts/screenshots`` for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web_site import WebSite

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE_DIR = REPO / "tests" / "browser"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = REPO / "var" / "artefacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless; the module is skipped, saying why, when it is absent."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: `make test` installs Debian's chromium "
                    "when run as root (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: run `make install-test`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry by ``npm ci`` if not yet there."""
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund"],
                       check=False, capture_output=True, timeout=300)
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed in {AXE_DIR}: run `make install-test`")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture()
def page(browser: Any, web_site: WebSite) -> Iterator[Any]:
    # bypass_csp: axe is injected as an inline script, which our CSP rightly forbids.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                  accept_downloads=True, locale="fr-FR")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], errors  # no JavaScript error on any page


def shot(page: Any, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def count(page: Any) -> int:
    text = page.locator("p.count").inner_text()
    return int(re.sub(r"\D", "", re.split(r"notice|record", text)[0]))


def audit(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_search_from_the_home_page(page: Any, web_site: WebSite) -> None:
    page.goto(web_site.url + "/")
    shot(page, "home")
    page.get_by_label("Rechercher dans le catalogue").fill("prévention délinquance jeunes")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/recherche\?q="))
    assert count(page) > 0
    assert page.locator("ol.hits > li").count() == web_site.settings.web.page_size
    assert page.locator("ol.hits mark").count() > 0
    shot(page, "results")


def test_facet_click_and_chip_removal(page: Any, web_site: WebSite) -> None:
    page.goto(web_site.url + "/recherche?q=jeunes")
    total = count(page)
    facet = page.locator('section[aria-labelledby="facet-doctype"] a.facet-value').first
    label = facet.locator(".label").inner_text()
    facet_count = int(re.sub(r"\D", "", facet.locator(".n").inner_text()))
    facet.click()
    page.wait_for_url(re.compile(r"doctype="))
    assert count(page) == facet_count
    chip = page.locator("a.chip")
    assert chip.count() == 1 and label in chip.inner_text()
    shot(page, "results-filtered")
    chip.click()
    page.wait_for_url(lambda url: "doctype" not in url)
    assert page.locator("a.chip").count() == 0
    assert count(page) == total


def test_paging(page: Any, web_site: WebSite) -> None:
    page.goto(web_site.url + "/recherche?q=politique")
    first = page.locator('ol.hits input[name="id"]').first.get_attribute("value")
    page.get_by_role("link", name=re.compile("Suivante")).first.click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator('nav.pager a[aria-current="page"]').inner_text() == "2"
    assert page.locator("ol.hits").get_attribute("start") == "21"
    assert page.locator('ol.hits input[name="id"]').first.get_attribute("value") != first
    page.get_by_role("link", name=re.compile("Précédente")).first.click()
    page.wait_for_url(lambda url: "page=2" not in url)
    assert page.locator('ol.hits input[name="id"]').first.get_attribute("value") == first


def test_record_page(page: Any, web_site: WebSite) -> None:
    # Records with a copy to lend (the engines rank a periodical without copies differently).
    page.goto(web_site.url + "/recherche?q=pr%C3%A9vention&availability=available")
    link = page.locator("ol.hits h3 a").first
    title = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/notice/"))
    assert page.locator("h1").inner_text().startswith(title[:20])
    assert page.locator("table.items tbody tr").count() >= 1
    assert page.get_by_role("heading", name="Lien permanent").is_visible()
    shot(page, "record")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "record-narrow")


def test_export_download(page: Any, web_site: WebSite) -> None:
    page.goto(web_site.url + "/recherche?q=jeunes")
    boxes = page.locator('ol.hits input[name="id"]')
    chosen = [boxes.nth(0).get_attribute("value"), boxes.nth(2).get_attribute("value")]
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.get_by_label("Exporter la sélection au format").select_option("bibtex")
    with page.expect_download() as info:
        page.get_by_role("button", name="Exporter").click()
    download = info.value
    assert download.suggested_filename == "notices.bib"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert len(re.findall(r"^@\w+\{", text, re.M)) == 2
    # The enhancement: "select all on this page" ticks every box.
    page.get_by_label("Tout sélectionner sur cette page").check()
    assert page.locator('ol.hits input[name="id"]:checked').count() == boxes.count()
    page.get_by_label("Exporter la sélection au format").select_option("ris")
    with page.expect_download() as info:
        page.get_by_role("button", name="Exporter").click()
    ris = Path(info.value.path()).read_text(encoding="utf-8")
    assert ris.count("TY  - ") == boxes.count()
    assert all(f"AN  - {gid}" in ris for gid in chosen)


def test_language_switch(page: Any, web_site: WebSite) -> None:
    page.goto(web_site.url + "/recherche?q=jeunes&doctype=a")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert parse_qs(urlsplit(page.url).query) == {"q": ["jeunes"], "doctype": ["a"]}
    assert page.get_by_label("Search the catalogue").input_value() == "jeunes"
    assert "Printed text" in page.locator("a.chip").inner_text()
    shot(page, "results-english")
    page.get_by_role("button", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"


def test_keyboard_only(page: Any, web_site: WebSite) -> None:
    page.goto(web_site.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("jeunes")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=jeunes"))
    # Focus is visible: the outline of a focused link is drawn, not removed.
    page.locator("ol.hits h3 a").first.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_works_without_javascript(browser: Any, web_site: WebSite) -> None:
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    tab = context.new_page()
    try:
        tab.goto(web_site.url + "/")
        tab.get_by_label("Rechercher dans le catalogue").fill("jeunes")
        tab.get_by_role("button", name="Rechercher").click()
        tab.wait_for_url(re.compile(r"q=jeunes"))
        tab.get_by_label("Trier par").select_option("title")
        tab.get_by_role("button", name="Trier").click()
        tab.wait_for_url(re.compile(r"sort=title"))
        assert tab.locator("#select-all").count() == 0  # the enhancement is absent...
        tab.locator('ol.hits input[name="id"]').first.check()
        with tab.expect_download() as info:  # ...and exporting still works
            tab.get_by_role("button", name="Exporter").click()
        assert info.value.suggested_filename.endswith(".ris")
    finally:
        context.close()


@pytest.mark.parametrize("name, path, width", [
    ("home", "/", 1280),
    ("results", "/recherche?q=pr%C3%A9vention+d%C3%A9linquance&doctype=a", 1280),
    ("results-narrow", "/recherche?q=jeunes", 390),
    ("results-empty", "/recherche?q=prevnetion", 1280),
    ("record", "/notice/crpv/10", 1280),
    ("record-article", "/notice/crpv/31", 1280),
    ("advanced", "/recherche/avancee", 1280),
    ("not-found", "/notice/crpv/absente", 1280),
])
def test_accessibility(browser: Any, web_site: WebSite, axe_source: str, name: str, path: str,
                       width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    try:
        tab.goto(web_site.url + path)
        violations = audit(tab, axe_source)
        shot(tab, f"axe-{name}")
    finally:
        context.close()
    assert violations == []


NARROW_PAGES = ["/", "/recherche?q=pr%C3%A9vention", "/recherche?q=zzzxqv", "/recherche/avancee",
                "/notice/crpv/10", "/notice/crpv/100", "/notice/crpv/1000", "/notice/crpv/1700",
                "/notice/partner/a%20b%2Fc", "/connexion", "/alertes/inscription", "/listes",
                "/notice/crpv/nothing-here"]


@pytest.mark.parametrize("width", [320, 390])
def test_no_public_page_scrolls_sideways_on_a_phone(browser: Any, web_site: WebSite,
                                                     width: int) -> None:
    """Record pages were 526 px wide at 390 (a grid column took its content's width)."""
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR")
    tab = context.new_page()
    wide = []
    for path in NARROW_PAGES:
        tab.goto(web_site.url + path)
        scroll = tab.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide.append((path, scroll))
    if wide:
        shot(tab, f"narrow-{width}")
    context.close()
    assert wide == []


def test_the_zero_results_message_takes_the_whole_width(page: Any, web_site: WebSite) -> None:
    """With no result there are no facets, and the message sat in the facets' column."""
    page.goto(web_site.url + "/recherche?q=zzzxqv")
    message = page.locator(".empty").bounding_box()
    main = page.locator(".results-layout").bounding_box()
    assert message is not None and main is not None
    assert message["width"] > 0.8 * main["width"], (message, main)
    shot(page, "zero-results")
