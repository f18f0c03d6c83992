"""QA pass on issue 17's OPAC features: what a reader and a documentalist found wrong.

Each test failed before its fix: item notes and sections missing from the print view, a
periodical printed as "Texte imprimé" in the selection's print view, the JSON API giving
leader/06's type where the pages say "Périodique", and the advanced search offering no
"Périodique" type although the facet has one.
"""

from __future__ import annotations

from typing import Any

from lxml import html
from sqlalchemy import select

from catalogue.records import Record
from catalogue.store.opac import entries
from catalogue.store.tables import records as records_table
from tests.account_support import csrf_token
from tests.web_site import WebSite

SERIAL = "crpv:1"


def _stored(site: WebSite) -> list[Record]:
    with site.engine.connect() as conn:
        ids = [f"crpv:{r.source_id}" for r in conn.execute(
            select(records_table.c.source_id).where(
                records_table.c.source == "crpv", records_table.c.deleted.is_(False)))]
    return [e.record for e in entries(site.engine, ids).values()]


def _client(site: WebSite, n: int) -> Any:
    browser = site.app.test_client()
    browser.environ_base["REMOTE_ADDR"] = f"10.18.0.{n}"
    return browser


def test_print_view_shows_item_notes_and_sections(web_site: WebSite) -> None:
    noted = next(r for r in _stored(web_site)
                 if any(i.note for i in r.items) and len(r.items) == 1)
    (item,) = noted.items
    source, _, source_id = noted.global_id.partition(":")
    page = web_site.client().get(f"/imprimer/{source}/{source_id}")
    assert page.status_code == 200
    doc = html.fromstring(page.data)
    headers = [" ".join(t.split()) for t in doc.xpath("//table[@class='items']//th/text()")]
    assert "Remarque" in headers and "Section" in headers
    assert doc.xpath("//table[@class='items']//td[@class='item-note']/text()") == [item.note]
    section = doc.xpath("//table[@class='items']//tbody/tr/td")[headers.index("Section")]
    assert section.text_content().strip() not in ("", item.section)  # a label, not a code


def test_selection_print_view_calls_a_periodical_a_periodical(web_site: WebSite) -> None:
    browser = _client(web_site, 1)
    added = browser.post("/selection/ajouter", data={
        "csrf_token": csrf_token(browser, "/selection"), "id": [SERIAL], "suivant": "/selection"})
    assert added.status_code in (302, 303)
    doc = html.fromstring(browser.get("/selection/imprimer").data)
    (kind,) = doc.xpath("//ol[@class='printed-records']/li//dt[.='Type de document']"
                        "/following-sibling::dd[1]")
    assert kind.text_content().startswith("Périodique ·")


def test_api_type_is_the_type_the_pages_show(web_site: WebSite) -> None:
    client = web_site.client()
    found = client.get("/api/search?doctype=s&page_size=50").get_json()
    assert found["total"] > 0
    for result in found["results"]:
        assert (result["doc_type"], result["doc_type_label"]) == ("s", "Périodique")
        assert result["leader_type"] == "a"  # PMB's leader/06 for serials, kept as catalogued
    one = client.get("/api/records/crpv/1").get_json()
    assert (one["doc_type"], one["doc_type_label"]) == ("s", "Périodique")
    books = client.get("/api/search?doctype=a&page_size=10").get_json()["results"]
    assert books and {(r["doc_type"], r["doc_type_label"]) for r in books} == {
        ("a", "Texte imprimé")}


def test_api_record_items_carry_their_note_and_section_label(web_site: WebSite) -> None:
    noted = next(r for r in _stored(web_site)
                 if any(i.note for i in r.items) and len(r.items) == 1)
    source, _, source_id = noted.global_id.partition(":")
    (item,) = web_site.client().get(f"/api/records/{source}/{source_id}").get_json()["items"]
    assert item["note"] == noted.items[0].note
    assert item["section"] and item["section"] != noted.items[0].section


def test_advanced_search_offers_the_periodical_type(web_site: WebSite) -> None:
    doc = html.fromstring(web_site.client().get("/recherche/avancee").data)
    options = {o.get("value"): o.text_content() for o in doc.xpath("//select[@id='doctype']/option")}
    assert options.get("s") == "Périodique"
    page = web_site.client().get("/recherche/avancee?doctype=s", follow_redirects=True)
    assert page.status_code == 200
    kinds = html.fromstring(page.data).xpath("//ol[@class='hits']/li")
    assert kinds and "Périodique" in kinds[0].text_content()


def _held_serial(site: WebSite) -> Record:
    """A periodical with holdings statements (950) and no copy of its own."""
    return next(r for r in _stored(site) if r.is_serial and not r.items
                and any(f.tag in ("950", "955") for f in r.unmapped))


def test_a_periodical_with_holdings_is_not_said_to_have_no_copy(web_site: WebSite) -> None:
    serial = _held_serial(web_site)
    source, _, source_id = serial.global_id.partition(":")
    doc = html.fromstring(web_site.client().get(f"/notice/{source}/{source_id}").data)
    (badge,) = doc.xpath("//header[@class='record-head']//span[contains(@class, 'badge')]")
    assert badge.text_content().strip() == "État des collections"
    assert doc.xpath("//table[contains(@class, 'holdings-statements')]")
    english = web_site.client()
    english.set_cookie("lang", "en")
    doc = html.fromstring(english.get(f"/notice/{source}/{source_id}").data)
    (badge,) = doc.xpath("//header[@class='record-head']//span[contains(@class, 'badge')]")
    assert badge.text_content().strip() == "Holdings statement"
    page = web_site.client().get("/recherche", query_string={
        "q": f'titre:"{serial.title.display().split(":")[0].strip()}"', "doctype": "s"})
    hits = html.fromstring(page.data).xpath("//ol[@class='hits']/li")
    mine = [h for h in hits if h.xpath("./h3/a/@href | .//h3/a/@href")[:1] == [
        f"/notice/{source}/{source_id}"]]
    assert mine, "the periodical is found by its title"
    assert "Pas d'exemplaire" not in mine[0].text_content()
    assert "État des collections" in mine[0].text_content()


def test_print_view_of_a_periodical_shows_its_holdings(web_site: WebSite) -> None:
    serial = _held_serial(web_site)
    source, _, source_id = serial.global_id.partition(":")
    doc = html.fromstring(web_site.client().get(f"/imprimer/{source}/{source_id}").data)
    (table,) = doc.xpath("//table[contains(@class, 'holdings-statements')]")
    field = next(f for f in serial.unmapped if f.tag in ("950", "955"))
    statement = next(v for c, v in field.subfields if c == "b")
    assert statement.strip() in table.text_content()


def test_an_inverted_year_range_keeps_both_years_typed(web_site: WebSite) -> None:
    page = web_site.client().get("/recherche?q=ville&annee_de=2020&annee_a=1990")
    assert page.status_code == 200
    doc = html.fromstring(page.data)
    (start,) = doc.xpath("//input[@id='annee_de']")
    (end,) = doc.xpath("//input[@id='annee_a']")
    assert (start.get("value"), end.get("value")) == ("2020", "1990")
    assert end.get("aria-invalid") == "true" and start.get("aria-invalid") is None
    (error,) = doc.xpath(f"//*[@id='{end.get('aria-describedby')}']")
    assert "postérieure ou égale à l'année de début" in error.text_content()


def test_pages_have_unique_ids_and_resolvable_references(web_site: WebSite) -> None:
    """HTML validity where it matters to assistive technology: an id once per page, and
    every label / aria reference naming an element of the page."""
    browser = _client(web_site, 2)
    browser.post("/selection/ajouter", data={
        "csrf_token": csrf_token(browser, "/selection"), "id": [SERIAL, "crpv:2"],
        "suivant": "/selection"})
    for path in ("/connexion", "/recherche?q=ville", "/recherche?q=ville&annee_de=x",
                 "/notice/crpv/1", "/notice/crpv/2", "/recherche/historique", "/selection",
                 "/selection/imprimer", "/imprimer/crpv/1", "/imprimer/crpv/2",
                 "/recherche/avancee"):
        page = browser.get(path, follow_redirects=True)
        assert page.status_code == 200, path
        doc = html.fromstring(page.data)
        ids = doc.xpath("//@id")
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        refs = doc.xpath("//@aria-describedby | //@aria-labelledby | //label/@for")
        assert {r for ref in refs for r in ref.split()} <= set(ids), path
