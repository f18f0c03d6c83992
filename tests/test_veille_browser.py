"""The veille's pages in Chromium with axe-core: the staff's inbox triaged from the
keyboard alone (Tab, Space, Enter), an item's description with the territory field
suggesting as one types, the sources and rules pages, and the public veille page, at
1280 px and 390 px: no accessibility violation, nothing scrolling sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalogue.veille import fetching, sources, triage
from tests.circulation_support import PASSWORD
from tests.questions_site import QuestionSite, start
from tests.test_questions_browser import violations
from tests.test_veille_web import reindex
from tests.test_web_browser import AXE, WCAG_TAGS, axe_source, browser, shot  # noqa: F401
from tests.veille_feeds import FeedServer, Route, rss2

WIDTHS = (1280, 390)
ITEMS = [{"title": f"Actualité de la prévention n° {n} : les conseils locaux en Occitanie",
          "link": f"/actualites/{n}", "description": "<p>Un <b>texte</b> accentué.</p>"}
         for n in range(1, 7)]


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def check(tab: Any, source: str, name: str, width: int) -> list[Any]:
    found: list[Any] = [(name, width, v) for v in violations(tab, source)]
    scroll = tab.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        found.append((name, width, f"scrolls sideways: {scroll}px"))
    shot(tab, f"veille-{name}-{width}")
    return found


def tab_to(tab: Any, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus (bounded)."""
    for _ in range(200):
        tab.keyboard.press("Tab")
        if tab.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                        selector):
            return
    raise AssertionError(f"{selector} never got the focus")


def test_keyboard_triage_and_the_pages(browser: Any, qsite: QuestionSite,  # noqa: F811
                                       axe_source: str) -> None:  # noqa: F811
    engine, settings = qsite.world.engine, qsite.world.settings
    with FeedServer() as server:
        server.routes["/feed"] = Route(rss2(ITEMS))
        sources.declare(engine, qsite.clock(), name="Préfecture", url=server.url + "/feed",
                        themes="Prévention de la délinquance", territories="31")
        fetching.fetch_due(engine, settings, qsite.clock(), sleep=lambda s: None)
    problems: list[Any] = []
    errors: list[str] = []
    kept: list[str] = []
    for n, width in enumerate(WIDTHS):
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      bypass_csp=True, locale="fr-FR")
        tab = context.new_page()
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(qsite.url + "/connexion")
        tab.fill("input[name=email]", qsite.world.librarian.email or "")
        tab.fill("input[name=password]", PASSWORD)
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        tab.goto(qsite.url + "/veille/gestion/")
        problems += check(tab, axe_source, "inbox", width)
        items, _ = triage.inbox(engine)
        first, second = items[0], items[1]
        # Keyboard only: Tab to two checkboxes, Space ticks them, Tab to a button, Enter.
        tab_to(tab, f"#item-{first.id}")
        tab.keyboard.press("Space")
        tab_to(tab, f"#item-{second.id}")
        tab.keyboard.press("Space")
        action = "keep" if n == 0 else "discard"
        tab_to(tab, f"button[value={action}]")
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert "élément(s)" in tab.content()
        expected = "kept" if n == 0 else "discarded"
        assert [triage.get(engine, i.id).status for i in (first, second)] == [  # type: ignore[union-attr]
            expected, expected]
        if n == 0:
            kept += [first.title, second.title]
        problems += check(tab, axe_source, "inbox-after", width)
        third = triage.inbox(engine)[0][0]
        tab.goto(f"{qsite.url}/veille/gestion/element/{third.id}")
        problems += check(tab, axe_source, "item", width)
        field = tab.get_by_label("Ajouter un territoire")
        field.click()
        tab.keyboard.type("toulou", delay=30)
        tab.wait_for_function("document.querySelectorAll('#territory-list option').length > 0")
        options = tab.eval_on_selector_all("#territory-list option", "os => os.map(o => o.value)")
        assert "Toulouse (31)" in options
        tab.goto(qsite.url + "/veille/gestion/sources")
        problems += check(tab, axe_source, "sources", width)
        tab.goto(qsite.url + "/veille/gestion/sources/1")
        problems += check(tab, axe_source, "source", width)
        tab.goto(qsite.url + "/veille/gestion/regles")
        problems += check(tab, axe_source, "rules", width)
        reindex(qsite)
        tab.goto(qsite.url + "/veille")
        assert all(title in tab.content() for title in kept)
        problems += check(tab, axe_source, "public", width)
        context.close()
    # Under the site's own Content-Security-Policy (not bypassed): the suggestions load.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.goto(qsite.url + "/connexion")
    tab.fill("input[name=email]", qsite.world.librarian.email or "")
    tab.fill("input[name=password]", PASSWORD)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    tab.goto(f"{qsite.url}/veille/gestion/element/{triage.inbox(engine)[0][0].id}")
    tab.get_by_label("Ajouter un territoire").click()
    tab.keyboard.type("seine-saint", delay=30)
    tab.locator("#territory-list option").first.wait_for(state="attached", timeout=10_000)
    assert "Seine-Saint-Denis (93)" in tab.eval_on_selector_all(
        "#territory-list option", "os => os.map(o => o.value)")
    context.close()
    assert errors == []
    assert problems == [], "\n".join(map(str, problems))
