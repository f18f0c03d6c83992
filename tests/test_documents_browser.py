"""Documents in a real Chromium (Playwright): a librarian attaches a PDF on the record
page, sees its document page, a reader downloads it, and the pages pass axe-core's audit.
Fixtures: tests/test_web_browser.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import document_files as files
from tests.documents_site import PASSWORD, DocumentsSite
from tests.test_web_browser import audit, axe_source, browser, shot  # noqa: F401 - fixtures


def _sign_in(tab: Any, site: DocumentsSite, email: str) -> None:
    tab.goto(site.url + "/connexion")
    tab.fill("input[name=email]", email)
    tab.fill("input[name=password]", PASSWORD)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")


def test_attach_and_download_in_a_browser(tab: Any, docsite: DocumentsSite, tmp_path: Path,
                                          axe_source: str) -> None:  # noqa: F811
    site = docsite
    pdf = tmp_path / "Étude été – cœur.pdf"
    pdf.write_bytes(files.pdf([files.FRENCH, "Deuxième page"]))
    _sign_in(tab, site, "doc@crpv.example.fr")
    tab.goto(site.url + "/notice/crpv/1")
    assert audit(tab, axe_source) == []
    tab.set_input_files("#doc-file", str(pdf))
    tab.select_option("#doc-access", "public")
    with tab.expect_navigation():
        tab.click("form.upload-form button[type=submit]")
    assert "/document/" in tab.url
    main = tab.inner_text("main")
    assert "Étude été – cœur.pdf" in main and "indexé" in main and "Public" in main
    shot(tab, "document-page")
    assert audit(tab, axe_source) == []
    # Without a file, the message is next to the field, in French.
    tab.goto(site.url + "/notice/crpv/2")
    tab.evaluate("document.querySelector('#doc-file').removeAttribute('required')")
    with tab.expect_navigation():
        tab.click("form.upload-form button[type=submit]")
    assert "Choisissez un fichier." in tab.inner_text("#file-error")
    assert audit(tab, axe_source) == []
    # An anonymous visitor downloads the public file from the record page.
    tab.context.clear_cookies()
    tab.goto(site.url + "/notice/crpv/1")
    with tab.expect_download() as info:
        tab.click("text=Étude été – cœur.pdf")
    download = info.value
    assert download.suggested_filename == "Étude été – cœur.pdf"
    assert Path(download.path()).read_bytes() == pdf.read_bytes()
