"""The desk and the borrower's page in a real Chromium (Playwright), keyboard only, with
axe-core's audit (zero serious or critical violations). Fixtures: tests/test_web_browser.py."""

from __future__ import annotations

from typing import Any

from tests.account_support import link_for
from tests.desk_site import DeskSite, sign_in_librarian
from tests.test_web_browser import audit, axe_source, browser, shot  # noqa: F401 - fixtures


def focused(tab: Any, field_id: str) -> None:
    """Wait until ``field_id`` has the focus: a scanner types wherever the focus is, and a
    loaded machine may still be applying ``autofocus`` when the page is reported loaded."""
    tab.wait_for_function(f"document.activeElement && document.activeElement.id === {field_id!r}")


def test_desk_flow_with_a_scanner(tab: Any, site: DeskSite, axe_source: str) -> None:  # noqa: F811
    tab.goto(site.url + "/connexion")
    sign_in_librarian(tab, site)
    tab.goto(site.url + "/guichet/")
    assert audit(tab, axe_source) == []
    # A scanner types the code and presses Enter, in the field that has the focus.
    focused(tab, "carte")
    tab.keyboard.type("C-ALICE")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/guichet/emprunteur?carte=C-ALICE")
    focused(tab, "code")
    tab.keyboard.type("B3")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("text=Prêt enregistré : B3")
    assert "retour le 23/03/2026" in tab.inner_text("main")
    shot(tab, "desk-checkout")
    assert audit(tab, axe_source) == []
    focused(tab, "code")  # the focus is back in the item field
    tab.keyboard.type("S1")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#code-erreur")
    assert "consultation sur place uniquement" in tab.inner_text("#code-erreur")
    assert audit(tab, axe_source) == []
    focused(tab, "code")
    tab.keyboard.type("L1")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("text=Prêt enregistré : L1")
    tab.get_by_role("button", name="Prolonger L1").click()
    tab.wait_for_selector("text=Prêt prolongé : L1")
    # Bob reserves the book Alice has; its return says so at once.
    site.world.desk.reserve(site.world.people["bob"].id, "crpv:2", site.clock(), None)
    tab.goto(site.url + "/guichet/")
    tab.get_by_label("Code-barres de l'exemplaire rendu").fill("B3")
    tab.keyboard.press("Enter")
    tab.wait_for_selector(".desk-hold")
    assert "Réservé pour Bob Durand" in tab.inner_text(".desk-hold")
    shot(tab, "desk-checkin-reserved")
    assert audit(tab, axe_source) == []
    for path in ("/guichet/retards", "/guichet/lettres", "/guichet/exemplaires", "/guichet/journal"):
        tab.goto(site.url + path)
        assert audit(tab, axe_source) == [], path


def test_borrower_account_page(tab: Any, site: DeskSite, axe_source: str) -> None:  # noqa: F811
    desk, now = site.world.desk, site.clock()
    desk.check_out("C-ALICE", "L1", now, None)
    desk.check_out("C-BOB", "B3", now, None)
    desk.reserve(site.world.people["alice"].id, "crpv:2", now, None)
    tab.goto(site.url + link_for(site.app, site.world.people["alice"], now))
    with tab.expect_navigation():
        tab.locator("main button[type=submit]").first.click()
    tab.goto(site.url + "/compte")
    tab.get_by_role("link", name="Mes prêts et réservations").click()
    tab.wait_for_url("**/compte/prets")
    text = tab.inner_text("main")
    assert "Politique de la ville" in text and "en attente, position 1" in text
    assert audit(tab, axe_source) == []
    tab.get_by_role("button", name="Prolonger Politique de la ville : mode d'emploi").click()
    tab.wait_for_selector("text=Prêt prolongé")
    shot(tab, "account-loans")
    assert audit(tab, axe_source) == []
