"""The reader's selection (panier) over HTTP: the buttons of results and record pages
without JavaScript (POST, redirect back, CSRF), the cookie as it goes on the wire, the
500-record bound, the page "Ma sélection", its exports read back by rispy, bibtexparser,
pymarc and lxml, its print view, and the merge into the account at sign-in.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import bibtexparser
import pymarc
import requests
import rispy
from lxml import etree, html
from sqlalchemy import select

from catalogue.opac import selection
from catalogue.people import accounts
from catalogue.store.opac import entries
from catalogue.store.selection_tables import selection_records, selections
from tests.account_support import csrf_token, sign_in_with_link
from tests.web_site import WebSite

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
NOW = datetime.now(UTC) - timedelta(hours=1)  # before the app's clock: added earlier


def client(site: WebSite, n: int) -> Any:
    """A browser of its own (its own cookies, its own client address)."""
    browser = site.app.test_client()
    browser.environ_base["REMOTE_ADDR"] = f"10.17.0.{n}"
    return browser


def add(browser: Any, *ids: str, back: str = "/selection") -> Any:
    return browser.post("/selection/ajouter", data={
        "csrf_token": csrf_token(browser, "/selection"), "id": list(ids), "suivant": back})


def kept(browser: Any) -> list[str]:
    doc = html.fromstring(browser.get("/selection").data)
    return [i.get("value") for i in doc.xpath("//section[@class='selection-records']"
                                               "//input[@name='id']")]


def text(page: Any) -> str:
    return " ".join(html.fromstring(page.data).text_content().split())


def flash(page: Any) -> str:
    doc = html.fromstring(page.data)
    return " ".join(" ".join(doc.xpath("//div[@class='flash']//text()")).split())


def test_results_page_button_adds_without_javascript(web_site: WebSite) -> None:
    browser = client(web_site, 1)
    page = browser.get("/recherche?q=jeunesse")
    doc = html.fromstring(page.data)
    (form,) = doc.xpath("//form[@id='selection-add']")
    assert form.get("method") == "post" and form.get("action") == "/selection/ajouter"
    assert form.xpath(".//input[@name='suivant']/@value") == ["/recherche?q=jeunesse"]
    buttons = doc.xpath("//button[@form='selection-add']")
    assert len(buttons) == 20
    first = buttons[0].get("value")
    assert "Ajouter à la sélection" in buttons[0].text_content()
    done = browser.post(form.get("action"), data={
        "csrf_token": form.xpath(".//input[@name='csrf_token']/@value")[0],
        "suivant": "/recherche?q=jeunesse", "id": first})
    assert done.status_code == 303 and done.headers["Location"] == "/recherche?q=jeunesse"
    # The cookie as it goes on the wire: persistent (a browser restart keeps it), HttpOnly.
    (cookie,) = [v for k, v in done.headers.items() if k == "Set-Cookie"
                 and v.startswith("selection=")]
    token = cookie.split(";")[0].split("=", 1)[1]
    assert "Max-Age=31536000" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert selection.well_formed(token)
    with web_site.engine.connect() as conn:  # the store keeps only the token's hash
        hashes = set(conn.execute(select(selections.c.token_hash)).scalars())
    assert hashlib.sha256(token.encode()).hexdigest() in hashes and token not in hashes
    back = browser.get("/recherche?q=jeunesse")
    assert "Notice ajoutée à votre sélection." in flash(back)
    doc = html.fromstring(back.data)
    (removing,) = doc.xpath("//button[@form='selection-remove']")
    assert removing.get("value") == first
    assert "Ma sélection (1)" in " ".join(doc.xpath("//nav[@class='site-nav']")[0]
                                          .text_content().split())
    assert kept(browser) == [first]
    assert kept(client(web_site, 2)) == []  # another browser has its own


def test_record_page_button_adds_and_removes(web_site: WebSite) -> None:
    browser = client(web_site, 3)
    doc = html.fromstring(browser.get("/notice/crpv/2").data)
    (form,) = doc.xpath("//section[@class='record-selection']/form")
    values = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert values["id"] == "crpv:2" and values["suivant"] == "/notice/crpv/2"
    done = browser.post(form.get("action"), data=values)
    assert done.status_code == 303 and done.headers["Location"] == "/notice/crpv/2"
    doc = html.fromstring(browser.get("/notice/crpv/2").data)
    (form,) = doc.xpath("//section[@class='record-selection']/form")
    assert form.get("action") == "/selection/retirer"
    assert "Cette notice est dans votre sélection." in form.text_content()
    values = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert browser.post(form.get("action"), data=values).status_code == 303
    assert kept(browser) == []


def test_ids_that_urls_must_survive(web_site: WebSite) -> None:
    browser = client(web_site, 4)
    for odd in ("partner:a b/c", "partner:é#?&=+", "partner:<b>\"x'"):
        assert add(browser, odd).status_code == 303
    assert kept(browser) == ["partner:a b/c", "partner:é#?&=+", "partner:<b>\"x'"]
    doc = html.fromstring(browser.get("/notice/partner/%C3%A9%23%3F%26=+").data)
    (back,) = doc.xpath("//section[@class='record-selection']//input[@name='suivant']/@value")
    assert browser.get(back).status_code == 200


def test_bad_input_is_a_french_message_never_a_500(web_site: WebSite) -> None:
    browser = client(web_site, 5)
    unknown = add(browser, "crpv:nope", back="/")
    assert unknown.status_code == 303
    assert "Cette notice n'existe pas ou a été supprimée." in flash(browser.get("/"))
    assert "selection=" not in unknown.headers.get("Set-Cookie", "")  # nothing kept: no cookie
    assert kept(browser) == []
    assert add(browser, "crpv:3", "crpv:3", back="https://evil.example/").headers[
        "Location"] == "/"  # never an open redirect; one record stored once
    assert kept(browser) == ["crpv:3"]
    assert add(browser, "crpv:3").status_code == 303 and kept(browser) == ["crpv:3"]
    refused = browser.post("/selection/ajouter", data={"id": "crpv:4"})
    assert refused.status_code == 400 and "Le formulaire a expiré" in refused.get_data(True)
    for path in ("/selection/export?format=docx", "/selection/export?format="):
        page = browser.get(path)
        assert page.status_code == 400 and "Format d'export inconnu." in text(page)
    empty = client(web_site, 6)
    for path in ("/selection/export?format=ris", "/selection/imprimer", "/selection/alerte"):
        page = empty.get(path)
        assert page.status_code == 303 and page.headers["Location"] == "/selection"
        assert "Votre sélection est vide : ajoutez-y des notices" in text(empty.get("/selection"))
    forged = client(web_site, 7)
    forged.set_cookie("selection", "../../x;" * 20)
    assert forged.get("/selection").status_code == 200 and kept(forged) == []


def test_the_selection_is_bounded(web_site: WebSite) -> None:
    browser = client(web_site, 8)
    many = [f"crpv:{n}" for n in range(1, 560)]
    found = entries(web_site.engine, many)
    live = [g for g in many if g in found]
    assert len(live) > selection.LIMIT
    assert add(browser, *live[:selection.LIMIT]).status_code == 303
    assert len(kept(browser)) == selection.LIMIT
    refused = add(browser, live[selection.LIMIT])
    page = browser.get(refused.headers["Location"])
    assert ("Votre sélection est pleine (500 notices au plus) : retirez-en pour en ajouter "
            "d'autres.") in flash(page)
    assert len(kept(browser)) == selection.LIMIT


def test_exports_parse_with_independent_readers(web_site: WebSite) -> None:
    browser = client(web_site, 9)
    wanted = ["crpv:2", "crpv:31", "partner:a b/c"]
    add(browser, *wanted)
    doc = html.fromstring(browser.get("/selection").data)
    (form,) = doc.xpath("//form[@action='/selection/export']")
    offered = form.xpath(".//select[@name='format']/option/@value")
    assert offered == ["ris", "bibtex", "unimarc", "marcxml", "dc"]
    records = entries(web_site.engine, wanted)
    titles = [records[g].record.title.main for g in wanted]
    shown = [records[g].record.title.display() for g in wanted]
    got = {}
    for fmt in offered:
        answer = browser.get(f"/selection/export?format={fmt}")
        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"].startswith('attachment; filename="selection.')
        got[fmt] = answer.data
    ris = rispy.loads(got["ris"].decode("utf-8"))
    assert [r["title"] for r in ris] == shown
    assert f"{web_site.url}/notice/crpv/2" in ris[0]["urls"]
    library = bibtexparser.parse_string(got["bibtex"].decode("utf-8"))
    assert len(library.entries) == 3 and not library.failed_blocks
    assert [" ".join(e["title"].strip("{}").split()) for e in library.entries] == [
        " ".join(t.split()) for t in shown]
    marc = list(pymarc.MARCReader(io.BytesIO(got["unimarc"]), to_unicode=True,
                                  force_utf8=True))
    assert len(marc) == 3 and all(r is not None for r in marc)
    assert [r["200"]["a"] for r in marc if r is not None] == titles
    xml = pymarc.parse_xml_to_array(io.BytesIO(got["marcxml"]))
    assert [r["245"]["a"].rstrip(" /:;") for r in xml] == titles
    dc = etree.fromstring(got["dc"])
    assert dc.tag == "records" and len(dc) == 3
    assert [d.xpath("./*[local-name()='title']/text()")[0] for d in dc] == shown


def test_print_view_lists_every_record_with_its_permalink(web_site: WebSite) -> None:
    browser = client(web_site, 10)
    add(browser, "crpv:2", "crpv:31")
    doc = html.fromstring(browser.get("/selection").data)
    (link,) = doc.xpath("//a[normalize-space()='Version imprimable de la sélection']")
    printed = browser.get(link.get("href"))
    assert printed.status_code == 200
    doc = html.fromstring(printed.data)
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert doc.xpath("//ol[@class='printed-records']//dd[@class='permalink']/text()") == [
        f"{web_site.url}/notice/crpv/2", f"{web_site.url}/notice/crpv/31"]


def test_remove_and_clear(web_site: WebSite) -> None:
    browser = client(web_site, 11)
    add(browser, "crpv:2", "crpv:31", "crpv:40")
    doc = html.fromstring(browser.get("/selection").data)
    (form,) = [f for f in doc.xpath("//form[@action='/selection/retirer']")
               if f.xpath(".//input[@name='id'][@value='crpv:31']")]
    values = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert browser.post(form.get("action"), data=values).status_code == 303
    assert kept(browser) == ["crpv:2", "crpv:40"]
    cleared = browser.post("/selection/vider", data={
        "csrf_token": csrf_token(browser, "/selection"), "confirmer": "oui"})
    assert cleared.status_code == 303 and kept(browser) == []


def http_kept(session: requests.Session, url: str) -> list[str]:
    doc = html.fromstring(session.get(url + "/selection", timeout=30).content)
    return [i.get("value") for i in doc.xpath("//section[@class='selection-records']"
                                               "//input[@name='id']")]


def test_emptying_the_selection_asks_first_over_http(web_site: WebSite) -> None:
    """"Vider ma sélection" leads to a confirmation page (no JavaScript needed); only its
    CSRF-protected form, with the confirmation, empties the selection."""
    url, session = web_site.url, requests.Session()
    token = CSRF.search(session.get(url + "/selection", timeout=30).text)
    assert token is not None
    session.post(url + "/selection/ajouter", timeout=30, data={
        "csrf_token": token.group(1), "id": ["crpv:2", "crpv:31", "crpv:40"]})
    assert http_kept(session, url) == ["crpv:2", "crpv:31", "crpv:40"]
    doc = html.fromstring(session.get(url + "/selection", timeout=30).content)
    (button,) = doc.xpath("//button[normalize-space()='Vider ma sélection']")
    form = button.getparent()
    assert form.get("method") == "get" and form.get("action") == "/selection/vider"
    asked = session.get(url + form.get("action"), timeout=30)
    assert asked.status_code == 200 and asked.headers["Cache-Control"] == "no-store"
    page = html.fromstring(asked.content)
    assert page.xpath("//h1/text()") == ["Vider ma sélection ?"]
    assert "Les 3 notices de votre sélection en seront retirées." in asked.text
    (back,) = page.xpath("//a[normalize-space()='Non, garder ma sélection']")
    assert back.get("href") == "/selection"
    (confirm,) = page.xpath("//form[@method='post'][@action='/selection/vider']")
    values = {i.get("name"): i.get("value") for i in confirm.xpath(".//input")}
    assert values["confirmer"] == "oui" and values["csrf_token"]
    assert http_kept(session, url) == ["crpv:2", "crpv:31", "crpv:40"]  # asking removes nothing
    # A POST without the confirmation (an old page, a replay) is asked again...
    unconfirmed = session.post(url + "/selection/vider", allow_redirects=False, timeout=30,
                               data={"csrf_token": values["csrf_token"]})
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["Location"].endswith("/selection/vider")
    # ...and one without the CSRF token is refused: nothing removed either way.
    forged = session.post(url + "/selection/vider", allow_redirects=False, timeout=30,
                          data={"confirmer": "oui"})
    assert forged.status_code == 400 and "Traceback" not in forged.text
    assert http_kept(session, url) == ["crpv:2", "crpv:31", "crpv:40"]
    session.cookies.set("lang", "en")
    english = session.get(url + "/selection/vider", timeout=30).text
    assert "Empty my selection?" in english and "Yes, empty my selection" in english
    assert "The 3 records in your selection will be removed from it." in english
    session.cookies.set("lang", "fr")
    done = session.post(url + "/selection/vider", allow_redirects=False, timeout=30, data=values)
    assert done.status_code == 303 and done.headers["Location"].endswith("/selection")
    assert http_kept(session, url) == []
    again = session.get(url + "/selection/vider", allow_redirects=False, timeout=30)
    assert again.status_code == 303 and again.headers["Location"].endswith("/selection")


def test_sign_in_merges_the_browsers_selection(web_site: WebSite) -> None:
    engine = web_site.engine
    person = accounts.create(engine, NOW, email="panier@example.org", confirmed=True)
    selection.add(engine, selection.Owner(person_id=person.id), ["crpv:2", "crpv:40"], NOW)
    browser = client(web_site, 12)
    add(browser, "crpv:31", "crpv:40")
    signed = sign_in_with_link(web_site.app, browser, person)
    assert signed.status_code == 303
    gone = [v for k, v in signed.headers.items() if k == "Set-Cookie"
            and v.startswith("selection=")]
    assert gone and "Expires=Thu, 01 Jan 1970" in gone[0]  # the browser's is forgotten
    assert kept(browser) == ["crpv:2", "crpv:40", "crpv:31"]
    page = browser.get("/selection").get_data(True)
    assert "Elle est gardée avec votre compte." in page
    with engine.connect() as conn:  # one selection left: the person's
        owners = list(conn.execute(select(selections.c.person_id, selections.c.token_hash)
                                   .join(selection_records)).all())
    assert (person.id, None) in owners
    browser.post("/deconnexion", data={"csrf_token": csrf_token(browser, "/compte")})
    assert kept(browser) == []  # signed out: this browser's own (empty) selection
    again = accounts.get(engine, person.id)  # its sign-in nonce has changed
    assert again is not None
    sign_in_with_link(web_site.app, browser, again)
    assert kept(browser) == ["crpv:2", "crpv:40", "crpv:31"]  # kept in the account
    data = browser.get("/alertes/mes-donnees").get_json()  # GDPR access includes it
    assert data["selection"] == [f"{web_site.url}/notice/crpv/{n}" for n in (2, 40, 31)]
    accounts.delete(engine, person.id)  # GDPR erasure takes the selection with the person
    with engine.connect() as conn:
        assert conn.execute(select(selections.c.id).where(
            selections.c.person_id == person.id)).first() is None


def test_alert_from_the_selections_descriptors(web_site: WebSite) -> None:
    engine = web_site.engine
    person = accounts.create(engine, NOW, email="alerte-panier@example.org", confirmed=True)
    browser = client(web_site, 13)
    sign_in_with_link(web_site.app, browser, person)
    records = entries(engine, ["crpv:2", "crpv:31"])
    add(browser, "crpv:2", "crpv:31")
    answer = browser.get("/selection/alerte")
    assert answer.status_code == 303
    target = urlsplit(answer.headers["Location"])
    assert target.path == "/alertes/creer"
    query = parse_qs(target.query)["q"][0]
    expected = selection.descriptors([records["crpv:2"], records["crpv:31"]])
    assert expected and query == " OR ".join(f'sujet:"{label}"' for label in expected)
    assert parse_qs(target.query)["name"] == ["Ma sélection"]
    form = html.fromstring(browser.get(answer.headers["Location"]).data)
    assert form.xpath("//input[@name='name']/@value") == ["Ma sélection"]
    assert form.xpath("//input[@name='q']/@value") == [query]
    made = browser.post("/alertes/creer", data={
        "csrf_token": form.xpath("//input[@name='csrf_token']/@value")[0], "q": query,
        "name": "Ma sélection", "period": "weekly", "weekday": "0"})
    assert made.status_code == 303
    from catalogue.dsi import profiles

    (alert,) = profiles.alerts_of(engine, person.id)
    assert alert.name == "Ma sélection"


def test_staff_turn_the_selection_into_a_curated_list(web_site: WebSite) -> None:
    from catalogue.dsi import picks, profiles

    engine = web_site.engine
    listed = profiles.save_list(engine, NOW, slug="panier-test", name="Sélection du mois")
    reader = accounts.create(engine, NOW, email="lecteur-panier@example.org", confirmed=True)
    browser = client(web_site, 14)
    sign_in_with_link(web_site.app, browser, reader)
    add(browser, "crpv:2")
    refused = browser.post("/selection/liste", data={
        "csrf_token": csrf_token(browser, "/selection"), "liste": str(listed.id)})
    assert refused.status_code == 403
    assert "Liste de diffusion" not in browser.get("/selection").get_data(True)
    staff = accounts.create(engine, NOW, email="doc-panier@example.org", role="librarian",
                            confirmed=True)
    browser = client(web_site, 15)
    sign_in_with_link(web_site.app, browser, staff)
    add(browser, "crpv:2", "crpv:31")
    doc = html.fromstring(browser.get("/selection").data)
    assert doc.xpath("//select[@name='liste']/option/text()")
    bad = browser.post("/selection/liste", data={
        "csrf_token": csrf_token(browser, "/selection"), "liste": "99999999"})
    assert bad.status_code == 422
    assert "Cette liste n'existe pas ou est fermée." in text(bad)
    done = browser.post("/selection/liste", data={
        "csrf_token": csrf_token(browser, "/selection"), "liste": str(listed.id)})
    assert done.status_code == 303
    assert sorted(p.global_id for p in picks.of_list(engine, listed.id)) == [
        "crpv:2", "crpv:31"]
    assert "2 notices ajoutées à la liste « Sélection du mois »." in flash(
        browser.get("/selection"))


def test_the_pages_in_english(web_site: WebSite) -> None:
    browser = client(web_site, 16)
    browser.set_cookie("lang", "en")
    add(browser, "crpv:2")
    doc = html.fromstring(browser.get("/selection").data)
    assert doc.xpath("//h1/text()") == ["My selection"]
    assert "Remove" in doc.xpath("//section[@class='selection-records']//button")[0].text_content()
    page = browser.get("/recherche?q=jeunesse")
    assert "Add to selection" in page.get_data(True)
    assert browser.get("/selection").headers["Cache-Control"] == "no-store"


def test_ticked_hits_are_kept_in_one_go_from_this_site_only(web_site: WebSite) -> None:
    """The checkboxes sit in the GET export form (no CSRF token in export URLs): the
    "add the ticked records" button posts them without a token, and the action refuses
    a POST a browser marks as coming from another site."""
    browser = client(web_site, 30)
    page = browser.get("/recherche?q=jeunesse")
    doc = html.fromstring(page.data)
    (button,) = doc.xpath("//button[@formaction='/selection/ajouter-cochees']")
    assert button.get("formmethod") == "post"
    form = button.xpath("ancestor::form")[0]
    assert form.get("method") == "get" and not form.xpath(".//input[@name='csrf_token']")
    ticked = form.xpath(".//input[@type='checkbox'][@name='id']/@value")[:3]
    results = "http://localhost/recherche?q=jeunesse"
    done = browser.post("/selection/ajouter-cochees", data={"id": ticked, "format": "ris"},
                        headers={"Origin": "http://localhost", "Referer": results,
                                 "Sec-Fetch-Site": "same-origin"})
    assert done.status_code == 303 and done.headers["Location"] == "/recherche?q=jeunesse"
    assert kept(browser) == ticked
    for headers in ({"Origin": "https://ailleurs.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "null"}):
        other = client(web_site, 31)
        refused = other.post("/selection/ajouter-cochees", data={"id": ticked},
                             headers={"Referer": results, **headers})
        assert refused.status_code == 403, headers
        assert "doit venir d'une page du catalogue" in text(refused)
        assert "selection=" not in refused.headers.get("Set-Cookie", "")
        assert kept(other) == []
    nothing = browser.post("/selection/ajouter-cochees", data={"format": "ris"},
                           headers={"Origin": "http://localhost", "Referer": results},
                           follow_redirects=True)
    assert "Cochez d'abord les notices à garder." in flash(nothing)
    away = browser.post("/selection/ajouter-cochees", data={"id": ticked[:1]},
                        headers={"Referer": "https://ailleurs.example/page"})
    assert away.headers["Location"] == "/selection"  # never back to another site
