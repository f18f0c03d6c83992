"""Chromium at the desk with a barcode scanner (keys typed at once, then Enter): a scan
that fails must leave the focus in its field, so that the next scan is not lost. It was
lost: the served ``autofocusaria-invalid="true"`` was neither attribute, the focus fell
to the page, and the next barcode went nowhere. At 390 px, the wide tables of the log
scroll with the keyboard (axe-core: zero serious or critical violations).
Fixtures: tests/test_web_browser.py."""

from __future__ import annotations

from typing import Any

from tests.desk_site import DeskSite, sign_in_librarian
from tests.test_web_browser import audit, axe_source, browser, shot  # noqa: F401 - fixtures


def scan(tab: Any, code: str) -> None:
    """What a scanner does: the characters at once, then Enter."""
    with tab.expect_navigation():
        tab.keyboard.type(code)
        tab.keyboard.press("Enter")


def focused_on(tab: Any, element_id: str) -> None:
    """Wait (bounded) for the focus to reach ``element_id``: a loaded machine may still be
    applying ``autofocus`` when the page is reported loaded."""
    tab.wait_for_function(f"document.activeElement && document.activeElement.id === "
                          f"'{element_id}'", timeout=5_000)


def test_a_failed_scan_keeps_the_focus_for_the_next_one(tab: Any, site: DeskSite,
                                                        axe_source: str) -> None:  # noqa: F811
    site.world.desk.check_out("C-ALICE", "B3", site.clock(), None)
    tab.goto(site.url + "/connexion")
    sign_in_librarian(tab, site)
    tab.goto(site.url + "/guichet/")
    focused_on(tab, "carte")
    scan(tab, "NOPE-CARD")
    assert "NOPE-CARD" in tab.inner_text("#carte-erreur")
    focused_on(tab, "carte")
    assert tab.get_attribute("#carte", "aria-invalid") == "true"
    tab.fill("#carte", "")
    scan(tab, "C-BOB")
    assert "Bob Durand" in tab.inner_text("h1")
    tab.goto(site.url + "/guichet/")
    tab.get_by_label("Code-barres de l'exemplaire rendu").focus()
    scan(tab, "NOPE-1")
    assert "NOPE-1" in tab.inner_text("#retour-erreur")
    focused_on(tab, "retour")
    assert tab.get_attribute("#retour", "aria-invalid") == "true"
    assert audit(tab, axe_source) == []
    scan(tab, "B3")  # the next scan, straight away
    assert "Retour enregistré : B3" in tab.inner_text("main")
    focused_on(tab, "retour")
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.goto(site.url + "/guichet/journal")
    shot(tab, "desk-journal-390")
    assert audit(tab, axe_source) == []
