"""Finding more on the results page: the author facet, a year range with its histogram,
the results-per-page choice and the session's search history (issue 17, point 5).

Everything runs on the demo catalogue through the real app and index (both engines with
``CATALOGUE_TEST_ENGINE``); expected counts are computed from the stored records.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from lxml import html
from sqlalchemy import select

from catalogue.opac.params import SearchParams
from catalogue.records import Record, from_json
from catalogue.store.tables import records
from tests.web_site import WebSite


@pytest.fixture(scope="module")
def stored(web_site: WebSite) -> list[Record]:
    with web_site.engine.connect() as conn:
        rows = conn.execute(select(records.c.data).where(records.c.deleted.is_(False)))
        return [from_json(r.data) for r in rows]


def page(client: Any, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.fromstring(response.data)


def shown_total(doc: Any) -> int:
    (count,) = doc.xpath("//p[@class='count']")
    return int(re.sub(r"\D", "", count.text_content().split("notice")[0]))


def hits(doc: Any) -> list[str]:
    return [a.get("href") for a in doc.xpath("//ol[@class='hits']/li//h3/a")]


# --- author facet ------------------------------------------------------------------------

def test_author_facet_counts_the_records_of_each_author(web_site: WebSite,
                                                        stored: list[Record]) -> None:
    doc = page(web_site.client(), "/recherche?q=")
    (facet,) = doc.xpath("//section[@class='facet'][h3[@id='facet-author']]")
    expected = Counter(name for r in stored for name in {a.display() for a in r.agents})
    links = facet.xpath(".//a[contains(@class,'facet-value')]")
    assert links
    for link in links:
        name = link.xpath("string(.//span[@class='label'])").strip()
        count = int(re.sub(r"\D", "", link.xpath("string(.//span[@class='n'])")))
        assert expected[name] == count, name
    # the most frequent author first, and choosing it keeps only their records
    top, n = expected.most_common(1)[0]
    first = links[0]
    assert first.xpath("string(.//span[@class='label'])").strip() == top
    chosen = page(web_site.client(), first.get("href"))
    assert shown_total(chosen) == n
    assert parse_qs(urlsplit(first.get("href")).query)["author"] == [top]


# --- year range ----------------------------------------------------------------------------

def test_year_range_keeps_only_those_years(web_site: WebSite, stored: list[Record]) -> None:
    expected = sum(1 for r in stored if r.year() and 2010 <= r.year() <= 2014)  # type: ignore[operator]
    doc = page(web_site.client(), "/recherche?q=&annee_de=2010&annee_a=2014")
    assert shown_total(doc) == expected > 0
    (chip,) = doc.xpath("//section[@class='chips']//a[contains(., 'Années')]")
    assert "2010" in chip.text_content() and "2014" in chip.text_content()
    without = page(web_site.client(), chip.get("href"))
    assert shown_total(without) == len(stored)
    # open ends
    since = sum(1 for r in stored if r.year() and r.year() >= 2018)  # type: ignore[operator]
    assert shown_total(page(web_site.client(), "/recherche?annee_de=2018")) == since


@pytest.mark.parametrize("args", [
    "q=&annee_de={y}&annee_a={y}", "q=annee:{y}-{y}", "q=annee:{y}",
    "q=annee:{y}&annee_de={y}&annee_a={y}", "q=annee:{y}&year={y}",
])
def test_a_one_year_search_shows_its_year_ticked_and_removable(web_site: WebSite, args: str,
                                                               stored: list[Record]) -> None:
    """However a single year was chosen (the range form with both fields set to one year,
    the query's ``annee:2015``, or the year facet), the year facet shows it ticked, as the
    active filter, and its link gives the search back without it (over HTTP, as served)."""
    year, count = Counter(r.year() for r in stored if r.year()).most_common(1)[0]
    served = requests.get(f"{web_site.url}/recherche?{args.format(y=year)}", timeout=30)
    assert served.status_code == 200
    doc = html.fromstring(served.content)
    assert shown_total(doc) == count
    (link,) = doc.xpath("//section[@class='facet'][h3[@id='facet-year']]"
                        "//a[contains(@class,'facet-value')]")
    assert link.xpath("string(.//span[@class='label'])").strip() == str(year)
    assert link.get("class") == "facet-value selected" and link.get("aria-current") == "true"
    assert "(filtre actif : cliquer pour le retirer)" in link.text_content()
    freed = requests.get(web_site.url + link.get("href"), timeout=30)
    assert shown_total(html.fromstring(freed.content)) == len(stored)
    assert str(year) not in urlsplit(link.get("href")).query
    if "annee_de" in args:  # its chip reads as a ticked year's does
        chips = [" ".join(c.text_content().split())
                 for c in doc.xpath("//section[@class='chips']//a[@class='chip']")]
        assert f"Année : {year} × (retirer ce filtre)" in chips


@pytest.mark.parametrize("args, field", [
    ("annee_de=abc", "annee_de"), ("annee_de=²⁰¹⁰", "annee_de"),
    ("annee_a=99999999999999999999", "annee_a"), ("annee_de=2015&annee_a=2010", "annee_a"),
    ("annee_de=-2010", "annee_de"), ("annee_a=0999", "annee_a"),
])
def test_a_bad_year_is_a_french_message_next_to_its_field(web_site: WebSite, args: str,
                                                         field: str,
                                                         stored: list[Record]) -> None:
    response = web_site.client().get(f"/recherche?q=&{args}")
    assert response.status_code == 200
    doc = html.fromstring(response.data)
    (box,) = doc.xpath(f"//input[@name='{field}']")
    assert box.get("aria-invalid") == "true"
    (error,) = doc.xpath(f"//*[@id='{box.get('aria-describedby')}']")
    assert "invalide" in error.text_content() and "quatre chiffres" in error.text_content()
    assert shown_total(doc) == len(stored)  # the range is not applied


def test_a_bad_year_in_the_advanced_form_is_said_on_the_results(web_site: WebSite) -> None:
    """The advanced form dropped a year that was not one without a word (the reader
    thought the search restricted to it): the results page says so next to the field."""
    client = web_site.client()
    response = client.get("/recherche/avancee?titre=jeunes&annee_de=2O10&annee_a=2015")
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query)["annee_de"] == ["2O10"]
    doc = html.fromstring(client.get(response.headers["Location"]).data)
    (box,) = doc.xpath("//input[@name='annee_de']")
    assert box.get("aria-invalid") == "true" and box.get("value") == "2O10"
    (error,) = doc.xpath(f"//*[@id='{box.get('aria-describedby')}']")
    assert "invalide" in error.text_content()


def test_histogram_bars_add_up_and_link_to_their_years(web_site: WebSite,
                                                        stored: list[Record]) -> None:
    doc = page(web_site.client(), "/recherche?q=jeunes")
    rows = doc.xpath("//table[@class='histogram']/tbody/tr")
    assert len(rows) >= 2
    for row in rows:
        (link,) = row.xpath("th/a")
        count = int(re.sub(r"\D", "", row.xpath("string(td/span[@class='n'])")))
        args = parse_qs(urlsplit(link.get("href")).query)
        assert args["q"] == ["jeunes"]
        low, high = int(args["annee_de"][0]), int(args["annee_a"][0])
        assert link.text_content().strip() in (str(low), f"{low}-{high}")
        assert row.xpath("td/span[contains(@class,'bar bar-')]/@aria-hidden") == ["true"]
        assert shown_total(page(web_site.client(), link.get("href"))) == count


# --- results per page ----------------------------------------------------------------------

def test_results_per_page_is_kept_across_pages_sort_and_facets(web_site: WebSite) -> None:
    client = web_site.client()
    doc = page(client, "/recherche?q=&limit=50")
    assert len(hits(doc)) == 50
    (selected,) = doc.xpath("//select[@name='limit']/option[@selected]")
    assert selected.get("value") == "50"
    nxt = doc.xpath("//nav[@class='pager']//a[@rel='next']")[0].get("href")
    assert "limit=50" in nxt and len(hits(page(client, nxt))) == 50
    facet = doc.xpath("//a[contains(@class,'facet-value')]")[0].get("href")
    assert "limit=50" in facet
    sort_form = doc.xpath("//form[@class='sort']//input[@name='limit']/@value")
    assert sort_form == ["50"]


@pytest.mark.parametrize("limit", ["7", "100000", "-1", "abc", "²", "1e3", ""])
def test_other_page_sizes_fall_back_to_the_default(web_site: WebSite, limit: str) -> None:
    doc = page(web_site.client(), f"/recherche?q=&limit={limit}")
    assert len(hits(doc)) == web_site.settings.web.page_size


# --- search history --------------------------------------------------------------------------

def test_history_lists_the_session_searches_newest_first(web_site: WebSite) -> None:
    client = web_site.client()
    assert "Aucune recherche" in client.get("/recherche/historique").get_data(as_text=True)
    page(client, "/recherche?q=prévention")
    page(client, "/recherche?q=jeunes&doctype=a&annee_de=2010")
    page(client, "/recherche?q=jeunes&doctype=a&annee_de=2010&page=2")  # same search
    page(client, "/recherche?q=prévention")  # again: moves to the top
    doc = page(client, "/recherche/historique")
    rows = doc.xpath("//table[contains(@class,'history')]/tbody/tr")
    assert len(rows) == 2
    assert "prévention" in rows[0].text_content() and "jeunes" in rows[1].text_content()
    assert "Type de document : Texte imprimé" in " ".join(rows[1].text_content().split())
    rerun = rows[1].xpath(".//a[starts-with(normalize-space(), 'Relancer')]")[0].get("href")
    again = page(client, rerun)
    listed = int(re.sub(r"\D", "", rows[1].xpath("string(td[3])")))
    assert shown_total(again) == listed
    params = SearchParams.from_args(_Args(parse_qs(urlsplit(rerun).query)))
    assert (params.query, params.filter_map, params.year_from) == ("jeunes", {"doctype": ("a",)},
                                                                   2010)
    # another browser has its own history
    assert "Aucune recherche" in web_site.client().get(
        "/recherche/historique").get_data(as_text=True)


def test_history_keeps_the_last_ten_and_can_be_cleared(web_site: WebSite) -> None:
    client = web_site.client()
    for n in range(14):
        page(client, f"/recherche?q=mot{n}")
    doc = page(client, "/recherche/historique")
    rows = doc.xpath("//table[contains(@class,'history')]/tbody/tr")
    assert len(rows) == 10 and "mot13" in rows[0].text_content()
    token = doc.xpath("//input[@name='csrf_token']/@value")[0]
    response = client.post("/recherche/historique/effacer", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Aucune recherche" in client.get("/recherche/historique").get_data(as_text=True)


def test_history_turns_a_search_into_an_alert_with_its_year_range(web_site: WebSite) -> None:
    client = web_site.client()
    page(client, "/recherche?q=jeunes&annee_de=2010&annee_a=2015&limit=50")
    doc = page(client, "/recherche/historique")
    (alert,) = doc.xpath("//a[starts-with(normalize-space(), 'Créer une alerte')]")
    args = parse_qs(urlsplit(alert.get("href")).query)
    assert args["annee_de"] == ["2010"] and args["annee_a"] == ["2015"]
    from catalogue.dsi import equations
    equation = equations.parse(urlsplit(alert.get("href")).query)
    assert equation.query == "jeunes annee:2010-2015"


def test_a_tampered_history_cookie_is_ignored() -> None:
    from catalogue.opac import history
    assert list(history.searches("x")) == []
    assert list(history.searches([["q=a", "3"], [1, 2], ["q=b", 4]]))[0].params.query == "b"


class _Args:
    def __init__(self, data: dict[str, list[str]]) -> None:
        self.data = data

    def getlist(self, key: str) -> list[str]:
        return self.data.get(key, [])


def test_history_survives_sign_in_and_its_alert_keeps_the_years(web_site: WebSite) -> None:
    from datetime import UTC, datetime

    from catalogue.dsi import profiles
    from tests.account_support import csrf_token, sign_in_with_link
    from tests.dsi_support import person

    client = web_site.client()
    page(client, "/recherche?q=jeunes&annee_de=2010&annee_a=2015&doctype=a")
    alert = page(client, "/recherche/historique").xpath(
        "//a[starts-with(normalize-space(), 'Créer une alerte')]/@href")[0]
    assert client.get(alert).status_code in (302, 303)  # anonymous: sign in first
    who = person(web_site.engine, "historique@example.org", datetime(2026, 1, 5, tzinfo=UTC),
                 "Camille")
    sign_in_with_link(web_site.app, client, who)
    rows = page(client, "/recherche/historique").xpath(
        "//table[contains(@class,'history')]/tbody/tr")
    assert len(rows) == 1 and "jeunes" in rows[0].text_content()  # kept through sign-in
    form = page(client, alert).xpath("//form[.//select[@name='period']]")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    data.update({"csrf_token": csrf_token(client, alert), "name": "Jeunes 2010-2015",
                 "period": "weekly", "weekday": "0"})
    assert client.post("/alertes/creer", data=data).status_code == 303
    [made] = profiles.alerts_of(web_site.engine, who.id)
    assert made.equations == ("q=jeunes+annee%3A2010-2015&doctype=a",)


def test_the_alert_form_says_the_search_in_words_not_in_codes(web_site: WebSite) -> None:
    """"Créer une alerte" said « jeunes annee:2010- » ; doctype : a: the reader's search is
    shown as the results page and the history say it, and the alert keeps the years."""
    from datetime import UTC, datetime

    from catalogue.dsi import profiles
    from tests.account_support import csrf_token, sign_in_with_link
    from tests.dsi_support import person

    client = web_site.client()
    who = person(web_site.engine, "criteres@example.org", datetime(2026, 1, 5, tzinfo=UTC),
                 "Dominique")
    sign_in_with_link(web_site.app, client, who)
    url = "/alertes/creer?q=jeunes&doctype=a&language=fre&annee_de=2010"
    doc = page(client, url)
    [said] = doc.xpath("//p[@class='alert-search']")
    assert said.text.strip() == "« jeunes »"
    assert [" ".join(c.text_content().split()) for c in said.xpath("span[@class='criterion']")] \
        == ["Type de document : Texte imprimé", "Langue : français", "Années : 2010 – …"]
    shown = " ".join(doc.xpath("//main")[0].text_content().split())
    assert "doctype" not in shown and "annee" not in shown and "fre" not in shown.split()
    form = doc.xpath("//form[.//select[@name='period']]")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    data.update({"csrf_token": csrf_token(client, url), "name": "Jeunes", "period": "weekly",
                 "weekday": "0"})
    assert client.post("/alertes/creer", data=data).status_code == 303
    [made] = profiles.alerts_of(web_site.engine, who.id)
    assert made.equations == ("q=jeunes+annee%3A2010-&doctype=a&language=fre",)


def test_a_full_history_keeps_the_cookie_under_4_kb(web_site: WebSite) -> None:
    import random
    import string

    from catalogue.opac.history import MAX_ARGS
    rng = random.Random(17)
    client = web_site.client()
    for n in range(12):  # incompressible queries, each as long as the history keeps
        words = "".join(rng.choice(string.ascii_letters) for _ in range(MAX_ARGS - 2 - 3))
        response = client.get(f"/recherche?q={words[:MAX_ARGS - 2 - len(str(n))]}{n}")
        assert response.status_code == 200
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert len(cookie) < 4000, len(cookie)
    doc = page(client, "/recherche/historique")
    assert len(doc.xpath("//table[contains(@class,'history')]/tbody/tr")) == 10
