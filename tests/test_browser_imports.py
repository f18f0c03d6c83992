"""The staff import page in a real Chromium (Playwright): at 390 px and 1280 px a
librarian reaches each control with the keyboard, sends a generated export, sees it
queued, then imported with its report link once the scheduler's job ran; a refusal is
announced beside its field; axe-core finds nothing serious on any state of the page.
Fixtures: tests/test_web_browser.py and tests/imports_site.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalogue.demo.generator import write_export
from tests.imports_site import PASSWORD, STAFF, ImportSite
from tests.imports_site import isite as isite
from tests.test_veille_browser import tab_to
from tests.test_web_browser import audit, axe_source, browser, shot  # noqa: F401 - fixtures


def _focused(tab: Any, selector: str) -> bool:
    return bool(tab.evaluate("s => document.activeElement.matches(s)", selector))


@pytest.mark.parametrize("width", [390, 1280])
def test_send_a_file_with_the_keyboard(browser: Any, isite: ImportSite,  # noqa: F811
                                       axe_source: str, tmp_path: Path,  # noqa: F811
                                       width: int) -> None:
    site = isite
    export = tmp_path / f"export-{width}.mrc"
    write_export(export, count=8, seed=width)
    empty = tmp_path / "vide.mrc"
    empty.write_bytes(b"")
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True,
                                  locale="fr-FR")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        tab.goto(site.url + "/connexion")
        tab.fill("input[name=email]", STAFF)
        tab.fill("input[name=password]", PASSWORD)
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        tab.goto(site.url + "/admin/imports/")
        assert audit(tab, axe_source) == []
        assert tab.evaluate("document.documentElement.scrollWidth") <= width

        # An empty file: the message is beside the field, and the field says it is invalid.
        tab_to(tab, "#import-file")
        tab.set_input_files("#import-file", str(empty))  # the file chooser is the system's
        tab_to(tab, "#import-source")
        assert tab.input_value("#import-source") == "crpv"  # [import] default_source
        tab.keyboard.press("ArrowDown")
        assert tab.input_value("#import-source") == "bnf"
        tab_to(tab, "form.upload-form button[type=submit]")
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert "Le fichier est vide" in tab.inner_text("#file-error")
        assert tab.get_attribute("#import-file", "aria-invalid") == "true"
        assert "file-error" in (tab.get_attribute("#import-file", "aria-describedby") or "")
        shot(tab, f"imports-error-{width}")
        assert audit(tab, axe_source) == []

        tab_to(tab, "#import-file")
        tab.set_input_files("#import-file", str(export))
        tab_to(tab, "#import-source")
        assert tab.input_value("#import-source") == "bnf"  # kept from the refused send
        tab.keyboard.press("ArrowUp")
        assert tab.input_value("#import-source") == "crpv"
        tab_to(tab, "form.upload-form button[type=submit]")
        assert _focused(tab, "form.upload-form button[type=submit]")
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert "est en file d'attente" in tab.inner_text(".flash")
        row = tab.locator("tr", has_text=export.name)
        assert "en attente" in row.inner_text()
        assert audit(tab, axe_source) == []

        def imported() -> bool:
            tab.reload()
            return "importé" in tab.locator("tr", has_text=export.name).inner_text()

        site.run_scheduler_until(imported)
        row = tab.locator("tr", has_text=export.name)
        assert "8 ajoutées" in row.inner_text()
        shot(tab, f"imports-done-{width}")
        assert audit(tab, axe_source) == []
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        # The report link is reached with the keyboard and opens the run's report.
        tab_to(tab, "tbody a[href^='/admin/moissons/import/']")
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert "/admin/moissons/import/" in tab.url and "Import n°" in tab.inner_text("h1")
    finally:
        context.close()
    assert errors == []
