"""Chromium on the DSI pages: a visitor subscribes to a thematic list, a signed-in reader
creates an alert from a results page and manages it, a librarian curates a list and
previews its next issue. Each page passes axe-core (zero serious or critical
violations). Fixtures: tests/test_web_browser.py; the site: tests/desk_site.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalogue.dsi import profiles
from tests.account_support import link_for
from tests.desk_site import DeskSite, sign_in_librarian, start
from tests.test_web_browser import audit, axe_source, browser, shot  # noqa: F401 - fixtures


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[DeskSite]:
    running = start(tmp_path)
    profiles.save_list(running.world.engine, running.clock(), slug="prevention",
                       name="Prévention de la délinquance - nouveautés",
                       description="Les nouveaux documents sur la prévention.",
                       equation_params=["q=ville"])
    yield running
    running.stop()


def test_visitor_subscribes_to_a_list(tab: Any, site: DeskSite, axe_source: str) -> None:  # noqa: F811
    tab.goto(site.url + "/listes")
    assert audit(tab, axe_source) == []
    with tab.expect_navigation():
        tab.get_by_role("link", name="Prévention de la délinquance - nouveautés").first.click()
    assert "Les nouveaux documents sur la prévention." in tab.inner_text("main")
    assert audit(tab, axe_source) == []
    tab.goto(site.url + "/alertes/inscription")
    assert audit(tab, axe_source) == []
    tab.fill("#email", "pas-une-adresse")
    with tab.expect_navigation():
        tab.get_by_role("button", name="M'abonner").click()
    assert "adresse" in tab.inner_text("#email-error")
    assert audit(tab, axe_source) == []  # the error page too
    tab.fill("#email", "cheffe.projet@cucs.example.fr")
    tab.fill("#name", "Nadia Benali")
    tab.get_by_label("Prévention de la délinquance - nouveautés").check()
    with tab.expect_navigation():
        tab.get_by_role("button", name="M'abonner").click()
    shot(tab, "dsi-subscribed")
    assert audit(tab, axe_source) == []


def test_reader_creates_and_manages_an_alert(tab: Any, site: DeskSite, axe_source: str) -> None:  # noqa: F811
    alice = site.world.people["alice"]
    tab.goto(site.url + link_for(site.app, alice))
    assert audit(tab, axe_source) == []  # the sign-in link's button page
    with tab.expect_navigation():
        tab.get_by_role("button", name="Me connecter").click()
    assert audit(tab, axe_source) == []  # /compte
    tab.goto(site.url + "/recherche?q=ville")
    with tab.expect_navigation():
        tab.get_by_role("link", name="Créer une alerte").click()
    assert audit(tab, axe_source) == []
    tab.get_by_label("Nom de l'alerte").fill("Politique de la ville")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Créer l'alerte").click()
    assert "Politique de la ville" in tab.inner_text("main")
    shot(tab, "dsi-my-alerts")
    assert audit(tab, axe_source) == []


def test_librarian_curates_and_previews(tab: Any, site: DeskSite, axe_source: str) -> None:  # noqa: F811
    tab.goto(site.url + "/connexion")
    assert audit(tab, axe_source) == []
    sign_in_librarian(tab, site)
    tab.goto(site.url + "/admin/dsi/")
    assert audit(tab, axe_source) == []
    listed = profiles.by_slug(site.world.engine, "prevention")
    assert listed is not None
    for path in (f"/admin/dsi/liste/{listed.id}", f"/admin/dsi/liste/{listed.id}/abonnes",
                 f"/admin/dsi/liste/{listed.id}/apercu", f"/admin/dsi/liste/{listed.id}/numeros",
                 "/admin/dsi/liste", "/admin/dsi/adresses-en-echec",
                 "/admin/moissons/"):
        response = tab.goto(site.url + path)
        assert response is not None and response.status == 200, path
        assert audit(tab, axe_source) == [], path
    tab.goto(site.url + f"/admin/dsi/liste/{listed.id}/apercu")
    shot(tab, "dsi-preview")
