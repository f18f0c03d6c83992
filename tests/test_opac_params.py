"""Search URLs read and written (catalogue.opac.params), the advanced form's query, and the
gate partner links pass before becoming an href (catalogue.opac.description.safe_url)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from catalogue.opac.description import safe_url
from catalogue.opac.params import HUGE_PAGE, SearchParams, advanced_query, clean, number


def params(query: str) -> SearchParams:
    from urllib.parse import parse_qsl

    return SearchParams.from_args(MultiDict(parse_qsl(query, keep_blank_values=True)))


def test_reading_and_writing_back() -> None:
    p = params("q=jeunes&doctype=a&doctype=g&descriptor=Rixe&sort=title&page=3&bogus=1")
    assert p.query == "jeunes" and p.sort == "title" and p.page == 3
    assert p.filter_map == {"doctype": ("a", "g"), "descriptor": ("Rixe",)}
    assert p.args() == {"q": "jeunes", "doctype": ["a", "g"], "descriptor": ["Rixe"],
                        "sort": "title", "page": "3"}
    assert params("q=x&sort=nonsense").effective_sort == "relevance"
    assert params("").effective_sort == "newest"  # browsing: newest first


def test_variations_restart_at_the_first_page() -> None:
    p = params("q=jeunes&doctype=a&page=4")
    added = p.toggled("doctype", "g")
    assert added.filter_map == {"doctype": ("a", "g")} and added.page == 1
    assert added.toggled("doctype", "a").filter_map == {"doctype": ("g",)}
    assert p.toggled("doctype", "a").filters == ()
    assert p.unfiltered().filters == () and p.unfiltered().query == "jeunes"
    assert p.sorted_by("author").page == 1 and p.at_page(7).page == 7
    assert p.with_query("prevention").query == "prevention"


@pytest.mark.parametrize("text, page", [
    ("1", 1), ("12", 12), ("-1", 1), ("0", 1), ("abc", 1), ("", 1), ("1.5", 1), ("１", 1),
    ("²", 1), ("10" * 20, HUGE_PAGE), (" 5 ", 5),
])
def test_page_numbers(text: str, page: int) -> None:
    assert number(text) == page


def test_clean_text() -> None:
    assert clean("  a\x00b\n\tc\u200b ", 100) == "a b c"
    assert clean("e\u0301te\u0301", 100) == "été"  # NFC
    assert len(clean("x" * 10_000, 1000)) == 1000
    assert clean(None, 10) == ""


def test_filters_are_bounded() -> None:
    many = "&".join(f"descriptor=v{n}" for n in range(100))
    assert len(params(many).filter_map["descriptor"]) == 20
    assert params("doctype=&doctype=%20").filters == ()


def test_advanced_form_to_query_language() -> None:
    form = MultiDict({"tous": "politique ville", "phrase": 'la "ville"', "titre": "mise (oeuvre)",
                      "auteur": "Dupont", "isbn": "978-2-11 548739-6", "cote": "303.625 BER",
                      "annee_de": "2010", "annee_a": "20x", "aucun": "rixe -jeunes"})
    assert advanced_query(form) == (
        'politique ville "la ville" titre:(mise oeuvre) auteur:Dupont isbn:978-2-11548739-6 '
        'cote:"303.625 BER" annee:2010- -rixe -jeunes')
    assert advanced_query(MultiDict({"annee_de": "2015", "annee_a": "2015"})) == "annee:2015"
    assert advanced_query(MultiDict()) == ""


@pytest.mark.parametrize("url, safe", [
    ("https://example.org/doc.pdf", True), ("http://e.org/a?b=c&d", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False),
    ("//evil.example/x", False), ("/relative", False), ("ftp://e.org/x", False),
    ('https://e.org/"onmouseover="x', False), ("https://e.org/a b", False), ("", False),
    ("https://[bad", False),
])
def test_safe_url(url: str, safe: bool) -> None:
    assert (safe_url(url) is not None) is safe
