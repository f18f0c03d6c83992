"""Every account and desk page at 320 px in Chromium: none scrolls sideways.

Public pages are checked in tests/test_web_browser.py. Here an administrator (who sees
every staff page) and a borrower visit every HTML page of the URL map that takes no id,
and the pages of one borrower, one loan list and one curated list. Fixtures:
tests/test_web_browser.py and tests/desk_site.py.
"""

from __future__ import annotations

from typing import Any

from tests.circulation_support import PASSWORD
from tests.desk_site import DeskSite
from tests.test_web_browser import browser, shot  # noqa: F401 - fixtures

NOT_PAGES = ("/oai", "/api", "/export", "/static", "/recherche/atom", "/opensearch.xml",
             "/listes/", "/alertes/confirmation", "/alertes/desabonnement", "/connexion/lien",
             "/test/", "/alertes/mes-donnees", "/compte/donnees",
             "/questions/gestion/chiffres.csv")


#: The innermost elements sticking out past the viewport's right edge (what to fix).
WIDEST = """width => {
  const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; }
    return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !clipped(e))
    .slice(-3).map(e => e.tagName + '.' + e.className + ':' +
                    Math.round(e.getBoundingClientRect().right)); }"""


def _pages(site: DeskSite) -> list[str]:
    paths = sorted({rule.rule for rule in site.app.url_map.iter_rules()
                    if "GET" in rule.methods and not rule.arguments
                    and not rule.rule.startswith(NOT_PAGES)
                    and "atom" not in rule.rule and "deconnexion" not in rule.rule})
    return paths + ["/guichet/emprunteur?carte=C-ALICE", "/guichet/recherche?q=a", *EXTRA]


#: Pages with an id, added by the test once it made what they show.
EXTRA: list[str] = []


def _wide(browser: Any, site: DeskSite, email: str, width: int) -> list[tuple[str, int, Any]]:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR")
    tab = context.new_page()
    tab.goto(site.url + "/connexion")
    tab.fill("input[name=email]", email)
    tab.fill("input[name=password]", PASSWORD)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    wide = []
    for path in _pages(site):
        answer = tab.goto(site.url + path)
        if answer is None or "text/html" not in (answer.headers.get("content-type") or ""):
            continue
        scroll = tab.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            culprit = tab.evaluate(WIDEST, width)
            wide.append((path, scroll, culprit))
            shot(tab, "narrow" + path.replace("/", "-").replace("?", "-"))
    context.close()
    return wide


def test_no_staff_or_account_page_scrolls_sideways_at_320(browser: Any,  # noqa: F811
                                                          site: DeskSite) -> None:
    from catalogue.dsi import profiles
    site.world.desk.check_out("C-ALICE", "B3", site.clock(), None)
    listed = profiles.save_list(site.world.engine, site.clock(), slug="prevention-jeunesse",
                                name="Prévention de la délinquance des jeunes - nouveautés",
                                equation_params=["q=délinquance"])
    EXTRA.extend([f"/listes/{listed.slug}", f"/admin/dsi/liste/{listed.id}",
                  f"/admin/dsi/liste/{listed.id}/abonnes", f"/admin/dsi/liste/{listed.id}/apercu"])
    wide = _wide(browser, site, site.world.admin.email or "", 320)
    assert wide == [], "\n".join(map(str, wide))
