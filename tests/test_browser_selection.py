"""The selection (panier) in Chromium: add from results and record pages, see, print and
send it, at 1280 px and 390 px, audited by axe-core; no sideways scroll at 320 px; it
survives a browser restart (a new context given the saved storage state) and a sign-in
(merged into the account). Fixtures: tests/test_web_browser.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from catalogue.opac import selection
from catalogue.people import accounts
from tests.account_support import link_for
from tests.test_web_browser import audit, axe_source, browser, shot  # noqa: F401 - fixtures
from tests.web_site import WebSite

WIDTHS = (1280, 390)


def no_sideways_scroll(tab: Any, width: int) -> None:
    assert tab.evaluate("document.documentElement.scrollWidth") <= width


def new_tab(chromium: Any, width: int, **options: Any) -> Any:
    context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True,
                                   locale="fr-FR", accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    return context.new_page()


def kept_titles(tab: Any) -> list[str]:
    return tab.locator("section.selection-records h3 a").all_inner_texts()


@pytest.mark.parametrize("width", WIDTHS)
def test_add_from_results_and_record_then_use_the_page(
        browser: Any, web_site: WebSite, axe_source: str, width: int) -> None:  # noqa: F811
    tab = new_tab(browser, width)
    try:
        tab.goto(web_site.url + "/recherche?q=jeunesse")
        first_title = tab.locator("ol.hits li.hit h3 a").first.inner_text()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Ajouter à la sélection : notice 1", exact=True).click()
        assert tab.url == web_site.url + "/recherche?q=jeunesse"
        assert tab.locator("div.flash").inner_text() == "Notice ajoutée à votre sélection."
        assert tab.get_by_role("button", name="Retirer de la sélection : notice 1", exact=True).is_visible()
        assert tab.get_by_role("link", name="Ma sélection (1)").is_visible()
        no_sideways_scroll(tab, width)
        shot(tab, f"selection-results-{width}")
        assert audit(tab, axe_source) == []
        tab.goto(web_site.url + "/notice/crpv/31")
        with tab.expect_navigation():
            tab.get_by_role("button", name="Ajouter à la sélection", exact=True).click()
        assert tab.get_by_text("Cette notice est dans votre sélection.").is_visible()
        assert audit(tab, axe_source) == []
        with tab.expect_navigation():
            tab.get_by_role("link", name="Ma sélection (2)").click()
        assert kept_titles(tab)[0] == first_title and len(kept_titles(tab)) == 2
        tab.get_by_text("Envoyer par courriel").click()
        assert tab.get_by_label("Adresse électronique du destinataire").is_visible()
        no_sideways_scroll(tab, width)
        shot(tab, f"selection-page-{width}")
        assert audit(tab, axe_source) == []
        tab.get_by_label("Exporter au format").select_option("bibtex")
        with tab.expect_download() as info:
            tab.get_by_role("button", name="Exporter", exact=True).click()
        assert info.value.suggested_filename == "selection.bib"
        with tab.expect_navigation():
            tab.get_by_role("link", name="Version imprimable de la sélection").click()
        assert tab.locator("ol.printed-records > li").count() == 2
        no_sideways_scroll(tab, width)
        shot(tab, f"selection-print-{width}")
        assert audit(tab, axe_source) == []
        tab.emulate_media(media="print")
        assert not tab.locator(".site-header").is_visible()
        tab.emulate_media(media="screen")
        tab.goto(web_site.url + "/selection")
        with tab.expect_navigation():
            tab.get_by_role("button", name="Vider ma sélection", exact=True).click()
        # One mis-click empties nothing: a confirmation page asks first.
        assert tab.url.rstrip("?") == web_site.url + "/selection/vider"
        assert tab.get_by_role("heading", name="Vider ma sélection ?").is_visible()
        assert "Les 2 notices de votre sélection en seront retirées." in tab.inner_text("main")
        no_sideways_scroll(tab, width)
        shot(tab, f"selection-clear-{width}")
        assert audit(tab, axe_source) == []
        with tab.expect_navigation():
            tab.get_by_role("link", name="Non, garder ma sélection").click()
        assert len(kept_titles(tab)) == 2
        with tab.expect_navigation():
            tab.get_by_role("button", name="Vider ma sélection", exact=True).click()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Oui, vider ma sélection").click()
        assert tab.url == web_site.url + "/selection"
        assert tab.locator("div.flash").inner_text() == "Votre sélection est vide."
        assert kept_titles(tab) == []
        assert audit(tab, axe_source) == []
    finally:
        tab.context.close()


def test_the_selection_survives_a_browser_restart_without_javascript(
        browser: Any, web_site: WebSite) -> None:  # noqa: F811
    tab = new_tab(browser, 1280, java_script_enabled=False)
    tab.goto(web_site.url + "/recherche?q=pr%C3%A9vention")
    for n in (2, 3):
        with tab.expect_navigation():
            tab.get_by_role("button", name=f"Ajouter à la sélection : notice {n}", exact=True).click()
    tab.goto(web_site.url + "/selection")
    before = kept_titles(tab)
    assert len(before) == 2
    saved = tab.context.storage_state()
    tab.context.close()  # the browser is closed...
    (cookie,) = [c for c in saved["cookies"] if c["name"] == "selection"]
    assert cookie["expires"] > datetime.now(UTC).timestamp() + 300 * 86400  # persistent
    again = new_tab(browser, 1280, java_script_enabled=False, storage_state=saved)
    try:
        again.goto(web_site.url + "/selection")  # ...and opened again
        assert kept_titles(again) == before
        # Emptying it asks first, without JavaScript too (a page, not a script's dialog).
        with again.expect_navigation():
            again.get_by_role("button", name="Vider ma sélection", exact=True).click()
        assert kept_titles(again) == [] and again.url.rstrip("?").endswith("/selection/vider")
        again.goto(web_site.url + "/selection")
        assert kept_titles(again) == before
        with again.expect_navigation():
            again.get_by_role("button", name="Vider ma sélection", exact=True).click()
        with again.expect_navigation():
            again.get_by_role("button", name="Oui, vider ma sélection").click()
        assert kept_titles(again) == []
        assert again.locator("div.flash").inner_text() == "Votre sélection est vide."
    finally:
        again.context.close()
    fresh = new_tab(browser, 1280)  # a browser without the cookie has its own
    try:
        fresh.goto(web_site.url + "/selection")
        assert kept_titles(fresh) == []
    finally:
        fresh.context.close()


def test_the_selection_is_merged_at_sign_in(browser: Any, web_site: WebSite,  # noqa: F811
                                            axe_source: str) -> None:  # noqa: F811
    engine = web_site.engine
    person = accounts.create(engine, datetime.now(UTC), email="navigateur-panier@example.org",
                             confirmed=True)
    selection.add(engine, selection.Owner(person_id=person.id), ["crpv:40"], datetime.now(UTC))
    tab = new_tab(browser, 390)
    try:
        tab.goto(web_site.url + "/notice/crpv/2")
        with tab.expect_navigation():
            tab.get_by_role("button", name="Ajouter à la sélection", exact=True).click()
        tab.goto(web_site.url + link_for(web_site.app, person))
        with tab.expect_navigation():
            tab.locator("main form button[type=submit]").click()
        tab.goto(web_site.url + "/selection")
        assert tab.get_by_text("Elle est gardée avec votre compte.").is_visible()
        assert len(kept_titles(tab)) == 2
        assert [c for c in tab.context.cookies() if c["name"] == "selection"] == []
        assert selection.ids(engine, selection.Owner(person_id=person.id)) == [
            "crpv:40", "crpv:2"]
        no_sideways_scroll(tab, 390)
        assert audit(tab, axe_source) == []
    finally:
        tab.context.close()


def test_no_selection_page_scrolls_sideways_at_320(browser: Any,  # noqa: F811
                                                   web_site: WebSite) -> None:
    tab = new_tab(browser, 320)
    try:
        tab.goto(web_site.url + "/selection")
        no_sideways_scroll(tab, 320)  # empty
        tab.goto(web_site.url + "/notice/partner/a%20b%2Fc")
        no_sideways_scroll(tab, 320)
        with tab.expect_navigation():
            tab.get_by_role("button", name="Ajouter à la sélection", exact=True).click()
        tab.goto(web_site.url + "/recherche?q=jeunes")
        no_sideways_scroll(tab, 320)
        with tab.expect_navigation():
            tab.get_by_role("button", name="Ajouter à la sélection : notice 1", exact=True).click()
        for path in ("/recherche?q=jeunes", "/selection", "/selection/imprimer"):
            tab.goto(web_site.url + path)
            no_sideways_scroll(tab, 320)
        shot(tab, "selection-print-320")
    finally:
        tab.context.close()


def test_ticked_hits_added_in_one_go(browser: Any, web_site: WebSite,  # noqa: F811
                                     axe_source: str) -> None:  # noqa: F811
    """Chromium posts the export form's ticked boxes to the selection: its own Origin and
    Sec-Fetch-Site headers are what the action checks instead of a token."""
    tab = new_tab(browser, 390)
    try:
        tab.goto(web_site.url + "/recherche?q=jeunesse")
        titles = tab.locator("ol.hits li.hit h3 a").all_inner_texts()[:2]
        tab.get_by_label("Sélectionner la notice 1", exact=True).check()
        tab.get_by_label("Sélectionner la notice 2", exact=True).check()
        with tab.expect_navigation():
            tab.get_by_role("button", name="Ajouter les notices cochées à ma sélection").click()
        assert tab.url == web_site.url + "/recherche?q=jeunesse"
        assert tab.locator("div.flash").inner_text() == "2 notices ajoutées à votre sélection."
        no_sideways_scroll(tab, 390)
        assert audit(tab, axe_source) == []
        tab.goto(web_site.url + "/selection")
        assert kept_titles(tab) == titles
    finally:
        tab.context.close()
