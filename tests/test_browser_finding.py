"""Finding more in Chromium (issue 17, point 5): the results page with the year range,
the page-size choice, the author facet and the year histogram; the search history page;
the record page with its shelf and items; each audited by axe-core at 1280 px and 390 px,
and none scrolling sideways at 320 px (fixtures: tests/test_web_browser.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_web_browser import audit, axe_source, browser, count, page, shot  # noqa: F401
from tests.web_site import WebSite

WIDTHS = (1280, 390)


def no_sideways_scroll(tab: Any, width: int) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= width


def open_facets(tab: Any) -> None:
    """Unfold every "Voir plus" so that axe sees the whole facet column."""
    for summary in tab.locator("nav.facets summary").all():
        summary.click()


@pytest.mark.parametrize("width", WIDTHS)
def test_results_with_years_page_size_and_author_facet(page: Any, web_site: WebSite,  # noqa: F811
                                                       axe_source: str,  # noqa: F811
                                                       width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(web_site.url + "/recherche?q=jeunes")
    everything = count(page)
    # the year range, typed and sent with the keyboard
    page.get_by_label("de", exact=True).fill("2010")
    page.get_by_label("à", exact=True).fill("2015")
    with page.expect_navigation():
        page.get_by_label("à", exact=True).press("Enter")
    ranged = count(page)
    assert 0 < ranged < everything
    assert page.locator(".chips").get_by_text("Années").is_visible()
    # results per page, kept by the next page link
    page.get_by_label("Résultats par page").select_option("50")
    with page.expect_navigation():
        page.get_by_role("button", name="Afficher").click()
    assert "limit=50" in page.url and "annee_de=2010" in page.url
    assert ranged > 20  # works, not records, fill a page (union clusters fold some)
    assert 20 < page.locator("ol.hits > li").count() <= 50
    # the author facet
    author = page.locator("section.facet", has=page.locator("#facet-author"))
    assert author.locator("a.facet-value").count() > 0
    open_facets(page)
    no_sideways_scroll(page, width)
    shot(page, f"finding-results-{width}")
    assert audit(page, axe_source) == []
    with page.expect_navigation():
        author.locator("a.facet-value").first.click()
    assert "author=" in page.url and "limit=50" in page.url and count(page) <= ranged


@pytest.mark.parametrize("width", WIDTHS)
def test_bad_year_message_and_histogram(page: Any, web_site: WebSite,  # noqa: F811
                                        axe_source: str, width: int) -> None:  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(web_site.url + "/recherche?q=&annee_de=deux+mille")
    field = page.get_by_label("de", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    error = page.locator("#annee_de-error")
    assert error.is_visible() and "quatre chiffres" in error.inner_text()
    assert field.input_value() == "deux mille"
    histogram = page.locator("table.histogram")
    assert histogram.locator("tbody tr").count() >= 2
    no_sideways_scroll(page, width)
    shot(page, f"finding-bad-year-{width}")
    assert audit(page, axe_source) == []
    first = histogram.locator("tbody th a").first
    label = first.inner_text()
    with page.expect_navigation():
        first.click()
    assert page.locator(".chips").get_by_text("Années").is_visible()
    assert label.split("-")[0] in page.locator(".chips").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_history_page(page: Any, web_site: WebSite, axe_source: str,  # noqa: F811
                      width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(web_site.url + "/recherche?q=prévention")
    page.goto(web_site.url + "/recherche?q=jeunes&doctype=a&annee_de=2010&limit=10")
    with page.expect_navigation():
        page.get_by_role("link", name="Historique de vos recherches").click()
    rows = page.locator("table.history tbody tr")
    assert rows.count() >= 2
    assert "jeunes" in rows.first.inner_text()
    no_sideways_scroll(page, width)
    shot(page, f"finding-history-{width}")
    assert audit(page, axe_source) == []
    with page.expect_navigation():
        rows.nth(1).get_by_role("link", name="Relancer").click()
    assert "q=pr%C3%A9vention" in page.url or "q=prévention" in page.url


@pytest.mark.parametrize("width", WIDTHS)
def test_record_page_with_shelf_browse(page: Any, web_site: WebSite,  # noqa: F811
                                       axe_source: str, width: int) -> None:  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(web_site.url + "/notice/crpv/7")
    shelf = page.locator("section#rayon")
    assert shelf.is_visible()
    assert shelf.locator("li[aria-current='true']").count() == 1
    assert "Manque le livret" in page.locator("table.items").inner_text()
    no_sideways_scroll(page, width)
    shot(page, f"finding-shelf-{width}")
    assert audit(page, axe_source) == []
    before = shelf.locator("ol").inner_text()
    with page.expect_navigation():
        shelf.get_by_role("link", name="Documents suivants sur le rayon").click()
    assert page.locator("section#rayon ol").inner_text() != before
    assert page.locator("section#rayon li[aria-current='true']").count() == 0


@pytest.mark.parametrize("path", ["/recherche?q=jeunes&annee_de=2010&annee_a=2015&limit=50",
                                  "/recherche?q=&annee_de=x", "/recherche/historique",
                                  "/notice/crpv/7", "/imprimer/crpv/7", "/imprimer/crpv/1"])
def test_no_sideways_scroll_at_320(page: Any, web_site: WebSite, path: str) -> None:  # noqa: F811
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(web_site.url + "/recherche?q=jeunes")
    page.goto(web_site.url + path)
    open_facets(page)
    no_sideways_scroll(page, 320)


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_print_views_pass_axe(page: Any, web_site: WebSite, axe_source: str,  # noqa: F811
                              width: int) -> None:
    """The record print views (a book's copies with their notes, a periodical's holdings)."""
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/imprimer/crpv/7", "/imprimer/crpv/1", "/notice/crpv/7", "/notice/crpv/1"):
        page.goto(web_site.url + path)
        assert page.locator("table.items").count() == 1
        no_sideways_scroll(page, width)
        assert audit(page, axe_source) == [], path


#: The words of the copies and holdings tables' cells drawn on more than one line.
CUT_WORDS = """() => { const cut = [];
  for (const cell of document.querySelectorAll('table.items th, table.items td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        if (range.getClientRects().length > 1) cut.push(word[0]);
      } } }
  return cut; }"""


@pytest.mark.parametrize("width", [390, 320])
def test_table_cells_are_never_cut_inside_a_word_on_a_phone(page: Any,  # noqa: F811
                                                            web_site: WebSite,
                                                            width: int) -> None:
    """The copies table drew 'documentati/on', 'Jeuness/e', '363./2' at 390 px: its cells
    took the record column's overflow-wrap: anywhere. A word stays whole; the table
    scrolls in its box, never the page."""
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(web_site.url + "/recherche?q=jeunes")
    for path in ("/notice/crpv/7", "/notice/crpv/22", "/notice/crpv/1", "/imprimer/crpv/7",
                 "/recherche/historique"):
        page.goto(web_site.url + path)
        assert page.locator("table.items").count() == 1, path
        cut = page.evaluate(CUT_WORDS)
        if cut:
            shot(page, f"cut-words-{width}{path.replace('/', '-')}")
        assert cut == [], path
        no_sideways_scroll(page, width)
