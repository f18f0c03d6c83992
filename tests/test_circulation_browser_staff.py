"""Chromium on the desk's staff pages added after the first desk: a borrower found by name
with the keyboard only, a copy added by hand, the borrower CSV import with its report, and
the borrower's history choice; each page passes axe-core (zero serious or critical
violations). Fixtures: tests/test_web_browser.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.account_support import link_for
from tests.desk_site import DeskSite, sign_in_librarian
from tests.test_web_browser import audit, axe_source, browser, shot  # noqa: F401 - fixtures


def test_search_add_a_copy_and_import_with_the_keyboard(tab: Any, site: DeskSite,
                                                        axe_source: str, tmp_path: Path) -> None:  # noqa: F811
    tab.goto(site.url + "/connexion")
    sign_in_librarian(tab, site)
    tab.goto(site.url + "/guichet/")
    tab.get_by_label("Nom, adresse électronique ou numéro de carte").fill("r")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "emprunteur(s) pour « r »" in tab.inner_text("main")
    # The first result has the focus: Tab walks the list, Enter opens the screen.
    assert tab.evaluate("document.activeElement.textContent") == "Alice Martin"
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.textContent") == "Bob Durand"
    shot(tab, "desk-borrower-search")
    assert audit(tab, axe_source) == []
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "carte=C-BOB" in tab.url and "Bob Durand" in tab.inner_text("h1")
    tab.goto(site.url + "/guichet/exemplaires/ajouter")
    assert audit(tab, axe_source) == []
    tab.keyboard.type("crpv:2")  # the focus starts in the record field
    tab.keyboard.press("Tab")
    tab.keyboard.type("DON-9")
    tab.get_by_label("Cote").fill("360 DON")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    tab.wait_for_selector("text=Exemplaire DON-9 ajouté")
    tab.get_by_label("Notice").fill("crpv:404")
    tab.get_by_label("Code-barres de l'exemplaire").fill("DON-10")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Ajouter l'exemplaire").click()
    assert "Notice introuvable" in tab.inner_text("#ajout-erreur")
    assert tab.evaluate("document.activeElement.id") == "notice"
    assert audit(tab, axe_source) == []
    csv_file = tmp_path / "lecteurs.csv"
    csv_file.write_text("card;name;category\nN-1;Nina Neuve;pv\nN-2;Mauvaise;zzz\n",
                        encoding="utf-8")
    tab.goto(site.url + "/guichet/emprunteurs/import")
    tab.get_by_label("Fichier CSV des emprunteurs").set_input_files(str(csv_file))
    with tab.expect_navigation():
        tab.get_by_role("button", name="Importer").click()
    assert "1 emprunteur(s) créé(s), 0 mis à jour, 1 ligne(s) rejetée(s)" in tab.inner_text("main")
    assert "Catégorie inconnue : zzz" in tab.inner_text("table")
    shot(tab, "desk-borrower-import")
    assert audit(tab, axe_source) == []
    tab.goto(site.url + "/guichet/emprunteurs?q=zzz-nobody")
    assert audit(tab, axe_source) == []


def test_history_choice_on_the_loans_page(tab: Any, site: DeskSite, axe_source: str) -> None:  # noqa: F811
    tab.goto(site.url + link_for(site.app, site.world.people["alice"], site.clock()))
    with tab.expect_navigation():
        tab.locator("main button[type=submit]").first.click()
    tab.goto(site.url + "/compte/prets")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Garder l'historique de mes prêts").click()
    assert "seront gardés" in tab.inner_text("main")
    assert audit(tab, axe_source) == []
    with tab.expect_navigation():
        tab.get_by_role("button", name="Ne plus garder mon historique").click()
    assert "n'est plus conservé" in tab.inner_text("main")
    assert audit(tab, axe_source) == []
