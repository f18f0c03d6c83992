"""The questions/réponses pages in Chromium with axe-core: the public form (blank and with
its errors), the asker's page and the staff's queue and question page, at 1280 px and
390 px: no accessibility violation at all, nothing scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalogue.questions import service
from catalogue.questions.model import Upload
from tests.circulation_support import PASSWORD
from tests.questions_site import QuestionSite, start
from tests.test_web_browser import AXE, WCAG_TAGS, axe_source, browser, shot  # noqa: F401

WIDTHS = (1280, 390)


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def violations(tab: Any, source: str) -> list[dict[str, Any]]:
    """Every axe-core violation (whatever its impact) of the page as it is now."""
    tab.add_script_tag(content=source)
    result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                          " resultTypes: ['violations']})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


def check(tab: Any, source: str, name: str, width: int) -> list[Any]:
    found: list[Any] = [(name, width, v) for v in violations(tab, source)]
    scroll = tab.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        found.append((name, width, f"scrolls sideways: {scroll}px"))
    shot(tab, f"questions-{name}-{width}")
    return found


def test_asking_following_and_the_staff_queue(browser: Any, qsite: QuestionSite,  # noqa: F811
                                              axe_source: str) -> None:  # noqa: F811
    problems: list[Any] = []
    errors: list[str] = []  # JavaScript errors on any page
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      bypass_csp=True, locale="fr-FR")
        tab = context.new_page()
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(qsite.url + "/questions/poser")
        problems += check(tab, axe_source, "form", width)
        with tab.expect_navigation():
            tab.get_by_role("button", name="Envoyer ma question").click()
        assert tab.locator("#question-error").inner_text() == "Écrivez votre question."
        problems += check(tab, axe_source, "form-errors", width)
        tab.get_by_label("Votre question").fill("Qui travaille sur la médiation sociale "
                                                "à Grigny ?")
        tab.get_by_label("Domaine").select_option("prevention")
        tab.get_by_label("Territoire concerné (facultatif)").fill("Essonne (91)")
        tab.get_by_label("Votre nom").fill("Nina Testeuse")
        tab.get_by_label("Adresse électronique").fill(f"nina{width}@example.org")
        tab.get_by_label("Votre structure").select_option("association")
        with tab.expect_navigation():
            tab.get_by_label("Adresse électronique").press("Enter")  # submits, as a form does
        assert "/questions/suivi/" in tab.url
        assert "Votre question est enregistrée" in tab.content()
        problems += check(tab, axe_source, "follow", width)
        assert errors == []
        context.close()
    found = service.queue(qsite.world.engine)
    assert len(found) == 2
    # The asker's page once answered: references with their availability, a file.
    engine, settings = qsite.world.engine, qsite.world.settings
    signer = qsite.app.extensions["catalogue.signer"]
    for notice in ("crpv:1", "crpv:2", "crpv:6"):
        service.add_reference(engine, found[0].id, notice)
    service.answer(engine, settings, signer, found[0].id, "Voici des pistes.\nEt une autre.",
                   "https://www.example.org/guide-mediation-sociale-dans-les-quartiers",
                   qsite.clock(), qsite.world.librarian.id,
                   [Upload("annuaire médiation.pdf", b"%PDF-1.4 test")])
    answered = service.get(engine, found[0].id)
    assert answered is not None
    follow = service.follow_link(settings, signer, answered, qsite.clock())
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      bypass_csp=True, locale="fr-FR")
        tab = context.new_page()
        tab.goto(qsite.url + "/connexion")
        tab.fill("input[name=email]", qsite.world.librarian.email or "")
        tab.fill("input[name=password]", PASSWORD)
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        tab.goto(follow)
        assert "annuaire médiation.pdf" in tab.content()
        problems += check(tab, axe_source, "follow-answered", width)
        tab.goto(qsite.url + "/questions/gestion/?etat=answered")
        assert found[0].reference in tab.content()
        problems += check(tab, axe_source, "answered", width)
        tab.goto(qsite.url + "/questions/gestion/")
        assert found[1].reference in tab.content()
        problems += check(tab, axe_source, "queue", width)
        tab.goto(f"{qsite.url}/questions/gestion/{found[0].id}?chercher=jeunes")
        problems += check(tab, axe_source, "question", width)
        tab.goto(qsite.url + "/questions/gestion/chiffres")
        problems += check(tab, axe_source, "figures", width)
        context.close()
    assert problems == [], "\n".join(map(str, problems))


def test_the_form_fields_are_all_as_tall(browser: Any, qsite: QuestionSite,  # noqa: F811
                                         ) -> None:
    """QA: the territory and name inputs (no type) rendered thinner than the e-mail one,
    in the blank form as with its errors."""
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      locale="fr-FR")
        tab = context.new_page()
        tab.goto(qsite.url + "/questions/poser")
        for state in ("blank", "errors"):
            fields = ("#territory", "#name", "#email", "#desired", "#field", "#organisation")
            heights = {f: tab.locator(f).bounding_box()["height"] for f in fields}
            styles = {f: tab.locator(f).evaluate(
                "e => [getComputedStyle(e).borderTopWidth, getComputedStyle(e).fontSize]")
                for f in fields}
            assert max(heights.values()) - min(heights.values()) <= 1, (width, state, heights)
            assert len({tuple(s) for s in styles.values()}) == 1, (width, state, styles)
            if state == "blank":
                with tab.expect_navigation():
                    tab.get_by_role("button", name="Envoyer ma question").click()
                assert tab.locator("#question-error").count() == 1
        context.close()


@pytest.mark.parametrize("width", [390, 320])
def test_the_reference_is_never_cut_on_a_phone(browser: Any, qsite: QuestionSite,  # noqa: F811
                                               width: int) -> None:
    """QA: the asker's page title broke its reference at the hyphen on a phone
    ("Votre question Q-2026-" / "00001"), the number the asker has to quote."""
    engine, settings = qsite.world.engine, qsite.world.settings
    signer = qsite.app.extensions["catalogue.signer"]
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="fr-FR")
    tab = context.new_page()
    tab.goto(qsite.url + "/questions/poser")
    tab.get_by_label("Votre question").fill("Qui travaille sur la médiation sociale ?")
    tab.get_by_label("Domaine").select_option("prevention")
    tab.get_by_label("Votre nom").fill("Nina Testeuse")
    tab.get_by_label("Adresse électronique").fill(f"ref{width}@example.org")
    tab.get_by_label("Votre structure").select_option("association")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Envoyer ma question").tap()
    [asked] = service.queue(engine)
    for url in (tab.url, service.follow_link(settings, signer, asked, qsite.clock())):
        tab.goto(url)
        title = tab.locator("h1")
        assert asked.reference in title.inner_text()
        lines = tab.evaluate("""ref => { const h = document.querySelector('h1');
            const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
              const at = n.data.indexOf(ref);
              if (at >= 0) { const r = document.createRange();
                r.setStart(n, at); r.setEnd(n, at + ref.length);
                return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size; } }
            return -1; }""", asked.reference)
        if lines != 1:
            shot(tab, f"question-reference-{width}")
        assert lines == 1, (width, url, lines)
    context.close()
