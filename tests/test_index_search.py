"""Search relevance, facets, query language and bad input on real indexes.

The demo index holds the 2,000 generated PMB records; the real index holds every
UNIMARC ISO 2709 file of ../shared/data (BnF, Sciences Po, Kentika with decomposed
accents). Expected values are computed from the records themselves.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from catalogue.lending.states import availability
from catalogue.records import Record
from harvesters.pmb import open_export
from indexes import (
    IndexWriter,
    Inexact,
    Searcher,
    SearchRequest,
    SearchResult,
    directory,
    engine,
    rebuild,
    update,
)
from indexes.analysis import SEPARATOR
from indexes.documents import document, values
from indexes.model import MAX_PAGE, MAX_PAGE_SIZE
from indexes.schema import TITLE_KEY

FACET_NAMES = ("doctype", "year", "language", "source", "descriptor", "collection",
               "author", "availability")


@pytest.fixture(scope="module")
def searcher(demo_index: Path) -> Iterator[Searcher]:
    with Searcher(demo_index) as s:
        yield s


@pytest.fixture(scope="module")
def by_id(demo_records: list[Record]) -> dict[str, Record]:
    return {r.global_id: r for r in demo_records}


def all_ids(searcher: Searcher, query: str, **options: Any) -> list[str]:
    """Every matching global id, page by page."""
    out: list[str] = []
    page = 1
    while True:
        result = searcher.search(SearchRequest(query=query, page=page, page_size=100,
                                               highlight=False, suggest=False, **options))
        out.extend(h.global_id for h in result.hits)
        if page >= result.pages:
            assert len(out) == result.total
            return out
        page += 1


def top(searcher: Searcher, query: str, n: int = 10) -> list[str]:
    return [h.global_id for h in searcher.search(query).hits[:n]]


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", fragment))


# --- analysis variants on the demo data ---------------------------------------------------

@pytest.mark.parametrize("variants", [
    ("délinquance", "delinquance", "Délinquances", "DELINQUANCES"),
    ("éducation populaire", "education populaire", "Éducations Populaires"),
    ("médiation numérique", "mediation numerique", "MÉDIATIONS NUMÉRIQUES"),
    ("l'insertion", "insertion", "L’Insertion", "d'insertion"),
])
def test_variants_return_the_same_results(searcher: Searcher, variants: tuple[str, ...]) -> None:
    results = [searcher.search(v) for v in variants]
    assert results[0].total > 0
    assert {r.total for r in results} == {results[0].total}
    assert {tuple(top(searcher, v)) for v in variants} == {tuple(top(searcher, variants[0]))}


def test_exact_title_ranks_first(searcher: Searcher, demo_records: list[Record]) -> None:
    titles = Counter(r.title.display() for r in demo_records)
    chosen = [r for r in demo_records if titles[r.title.display()] == 1][::97][:15]
    assert len(chosen) >= 10
    for record in chosen:
        result = searcher.search(record.title.display())
        assert result.hits[0].global_id == record.global_id, record.title.display()


def test_isbn_in_any_hyphenation_finds_its_record(searcher: Searcher,
                                                  demo_records: list[Record]) -> None:
    with_isbn = [r for r in demo_records if r.isbns()][::40][:10]
    assert with_isbn
    for record in with_isbn:
        value = record.isbns()[0]
        bare = value.replace("-", "")
        spaced = value.replace("-", " ")
        for query in (value, bare, f"isbn:{value}", f"isbn:{bare}", f'isbn:"{spaced}"'):
            assert record.global_id in top(searcher, query), query


def test_call_number_and_barcode(searcher: Searcher, demo_records: list[Record]) -> None:
    record = next(r for r in demo_records if r.items and r.items[0].call_number)
    item = record.items[0]
    assert record.global_id in all_ids(searcher, f'cote:"{item.call_number}"')
    assert top(searcher, f"codebarre:{item.barcode}") == [record.global_id]


# --- facets -------------------------------------------------------------------------------

def shown_type(record: Record) -> str:
    """The type readers filter on: periodicals (level s) and their issues (PMB ids
    ``N-bull``) are "s", *Périodique*; everything else its leader/06."""
    periodical = record.bib_level in ("s", "b") or record.source_id.endswith("-bull")
    return "s" if periodical else record.doc_type


def expected_values(record: Record, facet: str) -> set[str]:
    year = record.year()
    return {
        "doctype": {shown_type(record)},
        "year": {str(year)} if year else set(),
        "language": set(record.languages),
        "source": {record.source},
        "descriptor": {d.label for d in record.descriptors},
        "collection": {s.title for s in record.series},
        "author": {a.display() for a in record.agents} - {""},
        "availability": {availability(record)} - {""},
    }[facet]


def check_facets(result: SearchResult, records: list[Record]) -> None:
    for facet in result.facets:
        expected: Counter[str] = Counter()
        for record in records:
            expected.update(expected_values(record, facet.name))
        got = {v.value: v.count for v in facet.values}
        for value, count in got.items():
            assert expected[value] == count, (facet.name, value)
        if len(facet.values) < result.request.facet_limit:
            assert set(got) == set(expected), facet.name


@pytest.mark.parametrize("query", ["prévention", "politique ville", ""])
def test_facet_counts_equal_the_matching_records(searcher: Searcher, by_id: dict[str, Record],
                                                 query: str) -> None:
    result = searcher.search(SearchRequest(query=query, facets=FACET_NAMES, facet_limit=500))
    matching = [by_id[i] for i in all_ids(searcher, query)]
    assert len(matching) == result.total > 0
    check_facets(result, matching)


def test_filters_or_within_a_facet_and_across_facets(searcher: Searcher,
                                                     by_id: dict[str, Record]) -> None:
    query = "prévention"
    base = [by_id[i] for i in all_ids(searcher, query)]
    filters = {"doctype": ("a", "g"), "availability": ("available",)}
    result = searcher.search(SearchRequest(query=query, filters=filters, facets=FACET_NAMES,
                                           facet_limit=500))
    expected = [r for r in base if shown_type(r) in ("a", "g") and availability(r) == "available"]
    assert result.total == len(expected) > 0
    assert sorted(all_ids(searcher, query, filters=filters)) == sorted(
        r.global_id for r in expected)
    doctype = result.facet("doctype")
    assert doctype is not None
    # multi-select: the doctype counts ignore the doctype selection, not the other facet
    others = [r for r in base if availability(r) == "available"]
    counts = Counter(shown_type(r) for r in others)
    assert {v.value: v.count for v in doctype.values} == dict(counts)
    assert {v.value for v in doctype.values if v.selected} == {"a", "g"}
    check_facets(
        SearchResult(result.request, result.total, (), tuple(
            f for f in result.facets if f.name not in ("doctype", "availability"))),
        expected,
    )


def test_unknown_facet_values_and_names_are_harmless(searcher: Searcher) -> None:
    result = searcher.search(SearchRequest(query="ville", filters={
        "doctype": ("<script>",), "nope": ("x",)}, facets=("doctype", "nope")))
    assert result.total == 0
    assert [f.name for f in result.facets] == ["doctype"]
    assert ("<script>", 0, True) in [(v.value, v.count, v.selected)
                                     for v in result.facets[0].values]


# --- query language -----------------------------------------------------------------------

def test_boolean_operators_agree_with_set_algebra(searcher: Searcher) -> None:
    a, b = set(all_ids(searcher, "jeunes")), set(all_ids(searcher, "numérique"))
    assert set(all_ids(searcher, "jeunes numérique")) == a & b
    assert set(all_ids(searcher, "jeunes OR numérique")) == a | b
    assert set(all_ids(searcher, "jeunes -numérique")) == a - b
    assert set(all_ids(searcher, "jeunes NOT numérique")) == a - b
    phrase = set(all_ids(searcher, '"politique de la ville"'))
    assert phrase and phrase <= set(all_ids(searcher, "politique ville"))


def test_guillemets_and_typographic_quotes_mark_a_phrase(searcher: Searcher) -> None:
    """The search box says « guillemets » pour une expression, but only ``"`` made one:
    « politique de la ville » found the records holding the four words anywhere."""
    straight = all_ids(searcher, '"politique de la ville"')
    assert straight and set(straight) < set(all_ids(searcher, "politique de la ville"))
    for typed in ("« politique de la ville »", "«politique de la ville»",
                  "\u00ab\u202fpolitique de la ville\u202f\u00bb", "“politique de la ville”",
                  "„politique de la ville“", '"« politique de la ville »"'):
        assert all_ids(searcher, typed) == straight, typed
    assert all_ids(searcher, "titre:« politique de la ville »") == all_ids(
        searcher, 'titre:"politique de la ville"')


def test_field_prefixes(searcher: Searcher, by_id: dict[str, Record]) -> None:
    from indexes.analysis import stems

    word = stems("quartiers")[0]
    in_title = all_ids(searcher, "titre:quartiers")
    assert in_title == all_ids(searcher, "title:quartiers")
    assert in_title
    for gid in in_title:
        assert word in stems(" ".join([by_id[gid].title.display(), *by_id[gid].title.part_name,
                                       *by_id[gid].title.parallel]))
    authors = all_ids(searcher, "auteur:joly")
    assert authors and all(any(a.name == "Joly" for a in by_id[g].agents) for g in authors)
    subject = all_ids(searcher, 'sujet:"Prévention spécialisée"')
    assert subject and all(
        any(d.label == "Prévention spécialisée" for d in by_id[g].descriptors)
        or any("prévention spécialisée" in k.lower() for k in by_id[g].keywords)
        for g in subject)


def test_prefix_and_year_range(searcher: Searcher, by_id: dict[str, Record]) -> None:
    prefix = set(all_ids(searcher, "polit*"))
    assert set(all_ids(searcher, "politique")) <= prefix
    assert set(all_ids(searcher, "politiques")) <= prefix
    years = all_ids(searcher, "annee:2010-2012")
    assert years and all(2010 <= (by_id[g].year() or 0) <= 2012 for g in years)
    assert sorted(years) == sorted(all_ids(searcher, "2010..2012"))
    expected = sum(1 for r in by_id.values() if 2010 <= (r.year() or 0) <= 2012)
    assert len(years) == expected


def test_sorts_and_paging(searcher: Searcher, by_id: dict[str, Record]) -> None:
    newest = searcher.search(SearchRequest(query="ville", sort="newest", page_size=50))
    # Records given without an arrival date: their creation date (100$a), then the year.
    keys = [(by_id[h.global_id].created, by_id[h.global_id].year() or 0) for h in newest.hits]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) > 1
    by_title = searcher.search(SearchRequest(query="ville", sort="title", page_size=50))
    assert len(by_title.hits) == 50
    first = searcher.search(SearchRequest(query="ville", page=1))
    second = searcher.search(SearchRequest(query="ville", page=2))
    assert not {h.global_id for h in first.hits} & {h.global_id for h in second.hits}
    assert [h.score for h in first.hits] == sorted((h.score for h in first.hits), reverse=True)
    far = searcher.search(SearchRequest(query="ville", page=10**9, page_size=10**6))
    assert far.request.page == MAX_PAGE and far.request.page_size == MAX_PAGE_SIZE
    assert far.hits == () and far.total == first.total
    assert searcher.search(SearchRequest(query="ville", page=-1)).request.page == 1


def test_highlighting_is_escaped_and_marked(searcher: Searcher) -> None:
    result = searcher.search("délinquance")
    hit = result.hits[0]
    assert "<mark>" in hit.title_html
    assert re.search(r"<mark>d[ée]linquances?</mark>", hit.title_html, re.IGNORECASE)
    for h in result.hits:
        for fragment in (h.title_html, h.snippet_html):
            assert "<" not in re.sub(r"</?mark>", "", fragment)


def test_did_you_mean(searcher: Searcher) -> None:
    result = searcher.search("delinqance juvenille")
    assert result.total == 0
    assert result.suggestion == "délinquance juvénile"  # spelled as the catalogue writes it
    assert searcher.search(result.suggestion).total > 0
    assert searcher.search("délinquance").suggestion is None


@pytest.mark.parametrize("query", [
    "", " ", "*", "**", "-", "--x", "OR", "AND OR NOT", '"', '""', '"unbalanced', "(((", ")))",
    "(a OR (b", "a) OR b(", "x" * 5000, "mot " * 1250, "titre:", "titre:*", "inconnu:valeur",
    ":", "::", "isbn:", "annee:abcd", "annee:9999-0000", "2010..", "..", "cote:*",
    "<script>alert(1)</script>", "' OR 1=1 --", "\"; DROP TABLE records; --", "${jndi:x}",
    "\x00\x1f\ud800", "é" * 3000, "*" * 500, "polit* OR", "titre:(a", "\\", "%00",
])
def test_malformed_queries_never_raise(searcher: Searcher, query: str) -> None:
    result = searcher.search(SearchRequest(query=query, facets=FACET_NAMES))
    assert result.total >= 0
    for h in result.hits:
        assert "<script" not in h.title_html + h.snippet_html


# --- the real UNIMARC files -----------------------------------------------------------------

def read_real(shared_data: Path) -> list[Record]:
    out: list[Record] = []
    for path in sorted((shared_data / "unimarc").rglob("*")):
        if path.suffix not in {".mrc", ".pan", ".dat"}:
            continue
        export = open_export(path)
        out.extend(p.record for p in export.read(path.stem) if p.record is not None)
    return out


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory,
         index_engine: str) -> Iterator[tuple[Searcher, list[Record]]]:
    records = read_real(shared_data)
    path = tmp_path_factory.mktemp("real-index")
    rebuild(records, path, availability, engine_name=index_engine)
    with Searcher(path) as s:
        yield s, records


def test_real_files_exact_title_and_variants(real: tuple[Searcher, list[Record]]) -> None:
    searcher, records = real
    potter = next(r for r in records if r.title.main == "Harry Potter et l'ordre du Phénix")
    first = searcher.search("Harry Potter et l'ordre du Phénix").hits[0]
    assert first.global_id == potter.global_id
    assert "<mark>Phénix</mark>" in first.title_html
    variants = ["harry potter ordre phenix", "HARRY POTTER L'ORDRE DU PHÉNIX",
                "Harry Potter et l’Ordre du phénix"]
    assert {top(searcher, v)[0] for v in variants} == {potter.global_id}
    for isbn in potter.isbns():
        for query in (isbn, isbn.replace("-", ""), f"isbn:{isbn}"):
            assert potter.global_id in top(searcher, query), query


def test_real_files_accent_variants_everywhere(real: tuple[Searcher, list[Record]]) -> None:
    searcher, records = real
    from indexes.analysis import fold, words

    checked = 0
    for record in records[::3]:
        accented = [w for w in words(record.title.display()) if not w.isascii() and len(w) > 4]
        if not accented:
            continue
        word = accented[0]
        hits = {v: set(all_ids(searcher, v)) for v in (word, fold(word), word.upper())}
        assert record.global_id in hits[word], word
        assert len({frozenset(h) for h in hits.values()}) == 1, word
        checked += 1
    assert checked >= 5


def test_real_files_facets(real: tuple[Searcher, list[Record]]) -> None:
    searcher, records = real
    result = searcher.search(SearchRequest(query="", facets=FACET_NAMES, facet_limit=500))
    assert result.total == len(records)
    check_facets(result, records)


def test_newest_follows_arrival_in_the_catalogue(tmp_path: Path, demo_records: list[Record],
                                                  index_engine: str) -> None:
    """Dated records (as the store indexes them) sort by arrival, whatever their year."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    dated = [(r, start + timedelta(minutes=n)) for n, r in enumerate(demo_records[:60])]
    rebuild(dated, tmp_path, engine_name=index_engine)
    with Searcher(tmp_path) as s:
        hits = s.search(SearchRequest(query="", sort="newest", page_size=20)).hits
    assert [h.global_id for h in hits] == [r.global_id for r, _ in reversed(dated)][:20]


def test_did_you_mean_only_when_it_finds_clearly_more(tmp_path: Path, index_engine: str) -> None:
    """'Gréard' (a name in one record) suggested 'grand', 'Albi' suggested 'anlci',
    'oeuvres choisies' suggested 'oeuvres croisés'."""
    from catalogue.records import Agent, Title
    records = [Record(source="t", source_id="g", title=Title("Mémoire sur l'enseignement"),
                      agents=(Agent(name="Gréard", rest="Octave"),)),
               Record(source="t", source_id="a", title=Title("Albi, ville et territoire")),
               Record(source="t", source_id="o", title=Title("Oeuvres choisies"))]
    records += [Record(source="t", source_id=f"n{n}", title=Title(f"Le grand ensemble {n}"),
                       agents=(Agent(name="ANLCI"),)) for n in range(12)]
    records += [Record(source="t", source_id=f"c{n}", title=Title(f"Oeuvres croisées {n}"))
                for n in range(2)]
    rebuild(records, tmp_path, engine_name=index_engine)
    with Searcher(tmp_path) as searcher:
        for query in ("Gréard", "Albi", "oeuvres choisies"):
            found = searcher.search(query)
            assert found.total >= 1 and found.suggestion is None, (query, found.suggestion)
        typo = searcher.search("grand ensembel")
        assert typo.total == 0 and typo.suggestion == "grand ensemble"



# --- the engines agree ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def both_engines(demo_records: list[Record], tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[dict[str, Searcher]]:
    searchers = {}
    for name in ("whoosh", "tantivy"):
        path = tmp_path_factory.mktemp(f"agree-{name}")
        rebuild(demo_records, path, availability, engine_name=name)
        searchers[name] = Searcher(path)
    yield searchers
    for s in searchers.values():
        s.close()


AGREEING = [
    "délinquance", "DELINQUANCES", "l'insertion", "d’insertion", "jeunes", "jeune", "œuvre",
    "oeuvres", "sous-direction", "socio-éducatif", '"politique de la ville"',
    '"prévention spécialisée"', "titre:jeunes", "auteur:martin", 'sujet:"politique de la ville"',
    "collection:cahiers", "editeur:documentation", "polit*", "auteur:mart*", "titre:educ*",
    "annee:2010-2015", "2005..2010", "annee:2018", "jeunes -emploi", "jeunes NOT emploi",
    "insertion OR illettrisme", "(prévention OR médiation) jeunes", "le la les de",
    "-jeunes", "isbn:978", "9782", "zzzzqqq", "", "*", '"', "politique ville quartiers",
]


@pytest.mark.parametrize("query", AGREEING)
def test_both_engines_find_the_same_records(both_engines: dict[str, Searcher],
                                            query: str) -> None:
    whoosh, tantivy = both_engines["whoosh"], both_engines["tantivy"]
    assert whoosh.select(query) == tantivy.select(query), query
    request = SearchRequest(query=query, facets=FACET_NAMES, facet_limit=500, page_size=5,
                            filters={"source": ("t",)})
    a, b = whoosh.search(request), tantivy.search(request)
    assert a.total == b.total and a.degraded == b.degraded and a.suggestion == b.suggestion
    assert a.facets == b.facets


@pytest.mark.parametrize("years", [(2010, 2015), (None, 2008), (2018, None)])
def test_both_engines_agree_on_year_ranges_and_the_author_facet(
        both_engines: dict[str, Searcher], years: tuple[int | None, int | None]) -> None:
    whoosh, tantivy = both_engines["whoosh"], both_engines["tantivy"]
    request = SearchRequest(query="jeunes", years=years, facets=FACET_NAMES, facet_limit=500,
                            page_size=100, sort="title")
    a, b = whoosh.search(request), tantivy.search(request)
    assert a.total == b.total > 0 and a.facets == b.facets
    assert [h.global_id for h in a.hits] == [h.global_id for h in b.hits]
    author = next(v.value for v in a.facet("author").values)  # type: ignore[union-attr]
    chosen = SearchRequest(query="", years=years, filters={"author": (author,)},
                           facets=("author", "year"), facet_limit=500)
    assert whoosh.search(chosen).facets == tantivy.search(chosen).facets


def test_full_text_by_access_level(tmp_path: Path, index_engine: str) -> None:
    """Documents' text is searched with the record's words, each level only by its readers;
    the ``fulltext`` facet counts the records with text; updates carry it too."""
    from catalogue.records import Title
    records = [Record(source="t", source_id="p", title=Title("Rapport annuel")),
               Record(source="t", source_id="r", title=Title("Étude réservée")),
               Record(source="t", source_id="n", title=Title("Rapport sans texte")),
               Record(source="t", source_id="q", title=Title("Étude sur les quartiers"))]
    texts = {"t:p": {"public": "Les xylophonistes du quartier jouent ; l'efficacité des cœurs"},
             "t:r": {"readers": "Une quasarlogie confidentielle"},
             "t:q": {"public": "Ce rapport, le rapport des rapports : rapport " * 50}}
    rebuild(records, tmp_path, engine_name=index_engine, fulltext=texts.get)
    with Searcher(tmp_path) as searcher:
        def ids(query: str, *levels: str) -> list[str]:
            found = searcher.search(SearchRequest(query=query, fulltext=levels or ("public",)))
            return sorted(h.global_id for h in found.hits)

        assert ids("xylophoniste") == ["t:p"]
        assert ids("XYLOPHONISTES quartier") == ["t:p"]
        assert ids("rapport xylophoniste") == ["t:p"]  # one word in the record, one in its text
        assert ids("coeur efficacite") == ["t:p"]
        assert ids("quasarlogie") == []
        assert ids("quasarlogie", "public", "readers") == ["t:r"]
        assert ids("xylophoniste", "public", "readers", "staff") == ["t:p"]
        assert ids("titre:xylophoniste") == []
        # Its own weight: found in the text only, a record ranks after those whose own
        # description has the word, with a score of its own.
        ranked = searcher.search(SearchRequest(query="rapport")).hits
        assert [h.global_id for h in ranked][-1] == "t:q" and len(ranked) == 3
        assert ranked[-1].score > 0
        faceted = searcher.search(SearchRequest(query="", facets=("fulltext",)))
        counts = {v.value: v.count for v in faceted.facet("fulltext").values}  # type: ignore[union-attr]
        assert counts == {"public": 2, "readers": 1}
        only = searcher.search(SearchRequest(query="", filters={"fulltext": ("readers",)}))
        assert [h.global_id for h in only.hits] == ["t:r"]
    with IndexWriter(tmp_path, fulltext={"t:n": {"public": "Le mot zygomatique"}}.get) as w:
        w.upsert([records[2]])
    with Searcher(tmp_path) as searcher:
        assert [h.global_id for h in searcher.search("zygomatique").hits] == ["t:n"]


@pytest.fixture(scope="module")
def a_third(demo_records: list[Record], tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[frozenset[str], dict[str, Searcher]]]:
    """Every third demo record, and an index of those alone on each engine."""
    chosen = demo_records[::3]
    searchers = {}
    for name in ("whoosh", "tantivy"):
        path = tmp_path_factory.mktemp(f"third-{name}")
        rebuild(chosen, path, availability, engine_name=name)
        searchers[name] = Searcher(path)
    yield frozenset(r.global_id for r in chosen), searchers
    for s in searchers.values():
        s.close()


@pytest.mark.parametrize("name", ["whoosh", "tantivy"])
def test_select_within_given_records_equals_an_index_of_them_alone(
        both_engines: dict[str, Searcher], a_third: tuple[frozenset[str], dict[str, Searcher]],
        demo_records: list[Record], name: str) -> None:
    """What a DSI run asks: the whole index, restricted to the week's records, selects
    what an index of those records alone would, or says it cannot (:class:`Inexact`)."""
    within, alone = a_third
    whole = both_engines[name]
    inexact = []
    descriptor = next(d.label for r in demo_records for d in r.descriptors)
    for query in AGREEING:
        for filters in ({}, {"doctype": ("a",)}, {"descriptor": (descriptor,)}):
            try:
                got = whole.select(query, filters, within=within)
            except Inexact:
                inexact.append(query)
                continue
            assert got == alone[name].select(query, filters), (query, filters)
            assert got <= within
    # Only prefixes with 64 words or more over the whole catalogue cannot be promised.
    assert set(inexact) <= {"polit*", "isbn:978", "9782", "titre:educ*", "auteur:mart*"}, inexact
    assert len(set(AGREEING) - set(inexact)) >= len(AGREEING) - 3
    assert whole.holding([*sorted(within)[:5], "crpv:absent"]) == set(sorted(within)[:5])
    assert whole.select("jeunes", within=()) == frozenset()



# --- queries of stop words only -------------------------------------------------------------

def _stop_word_records() -> list[Record]:
    from catalogue.records import Agent, Publication, Title
    titled = [("vn", "Vous et nous", 2012), ("el", "Elles", 2015), ("na", "Nous autres", 2019),
              ("pv", "Politique de la ville et quartiers", 2012),
              ("lq", "Le quartier, la ville", 2015), ("ju", "Jeunesse urbaine", 2019),
              ("ua", "L'un et l'autre", 2015)]
    records = [Record(source="t", source_id=sid, title=Title(title),
                      publications=(Publication(dates=(str(year),)),))
               for sid, title, year in titled]
    # "nous" in the abstract only; "le" in an author's name only
    records.append(Record(source="t", source_id="ab", title=Title("Rapport annuel"),
                          abstracts=("Ce que nous avons appris.",),
                          agents=(Agent(name="Le Goff", rest="Jacques"),)))
    return records


@pytest.fixture(scope="module")
def stop_words(tmp_path_factory: pytest.TempPathFactory, index_engine: str
               ) -> Iterator[Searcher]:
    path = tmp_path_factory.mktemp(f"stop-words-{index_engine}")
    rebuild(_stop_word_records(), path, engine_name=index_engine)
    with Searcher(path) as searcher:
        yield searcher


STOP_WORD_QUERIES = {
    # a query of stop words only requires its words (folded, elided), not every record
    "vous et nous": ["t:vn"], "Vous ET nous": ["t:vn"], "VOUS ET NOUS": ["t:vn"],
    "elles": ["t:el"], "Elles": ["t:el"], "nous": ["t:ab", "t:na", "t:vn"],
    "« Nous »": ["t:ab", "t:na", "t:vn"], "le": ["t:ab", "t:lq"], "de la": ["t:pv"],
    "l'un et": ["t:ua"], "L’un": ["t:ua"], "et": ["t:pv", "t:ua", "t:vn"],
    # a phrase of stop words: the same rule (its words, in any order)
    '"vous et nous"': ["t:vn"], '"nous et vous"': ["t:vn"], "« vous et nous »": ["t:vn"],
    # a field query: that field's words ("nous" in the abstract of t:ab is not in its title)
    "titre:nous": ["t:na", "t:vn"], 'titre:"vous et nous"': ["t:vn"],
    "titre:(vous et nous)": ["t:vn"], "titre:nous vous": ["t:vn"], "titre:le": ["t:lq"],
    "auteur:le": ["t:ab"], "titre:l'un": ["t:ua"],
    # each side of an OR is a query of its own
    "elles OR nous": ["t:ab", "t:el", "t:na", "t:vn"], "jeunesse OR elles": ["t:el", "t:ju"],
    "nous OR (politique de la ville)": ["t:ab", "t:na", "t:pv", "t:vn"],
    # exclusions beside stop words only
    "nous -autres": ["t:ab", "t:vn"], "nous NOT rapport": ["t:na", "t:vn"],
    # stop words beside real words count for nothing, as before
    "politique de la ville": ["t:pv"], "la ville": ["t:lq", "t:pv"],
    '"politique de la ville"': ["t:pv"], "quartier nous": ["t:lq", "t:pv"],
    "titre:nous jeunesse": ["t:ju"], "l'un et l'autre": ["t:na", "t:ua"], "jeunesse -le": ["t:ju"], "ville -la": ["t:lq", "t:pv"],
    "annee:2012 nous": ["t:vn"], "annee:2015": ["t:el", "t:lq", "t:ua"],
    # excluding stop words excludes nothing, as before; nothing asked: everything
    "-nous": "all", "NOT le": "all", "": "all", "   ": "all", "?": "all",
}


@pytest.mark.parametrize("query", list(STOP_WORD_QUERIES))
def test_a_query_of_stop_words_only_requires_its_words(stop_words: Searcher, query: str) -> None:
    expected = STOP_WORD_QUERIES[query]
    every = sorted(r.global_id for r in _stop_word_records())
    wanted = every if expected == "all" else expected
    found = stop_words.search(SearchRequest(query=query, page_size=100))
    assert sorted(h.global_id for h in found.hits) == wanted and found.total == len(wanted)
    assert not found.degraded
    assert sorted(stop_words.select(query)) == wanted
    assert stop_words.count(query) == len(wanted)


def test_stop_word_queries_with_years_full_text_and_suggestions(
        stop_words: Searcher) -> None:
    ranged = stop_words.search(SearchRequest(query="nous", years=(2015, None)))
    assert sorted(h.global_id for h in ranged.hits) == ["t:na"]
    # with the documents' text searched too (the OPAC's default), the same records
    widened = stop_words.search(SearchRequest(query="vous et nous",
                                              fulltext=("public", "readers", "staff")))
    assert [h.global_id for h in widened.hits] == ["t:vn"]
    politics = stop_words.search(SearchRequest(query="politique de la ville",
                                               fulltext=("public",)))
    assert [h.global_id for h in politics.hits] == ["t:pv"]
    # No spelling suggestion for stop words, and their hits show the title unmarked.
    for query in ("vous et nous", "elles OR nous", "de la"):
        result = stop_words.search(SearchRequest(query=query, suggest=True, highlight=True))
        assert result.total and result.suggestion is None, query
    hit = stop_words.search("vous et nous").hits[0]
    assert hit.title_html == "Vous et nous"
    # no match at all: none found, and no suggestion made of stop words
    nothing = stop_words.search(SearchRequest(query="nous et eux", suggest=True))
    assert nothing.total == 0 and nothing.suggestion is None
    # A DSI equation selects among given records as an index of them alone would.
    assert stop_words.select("vous et nous", within=["t:vn", "t:na", "t:el"]) == {"t:vn"}
    assert stop_words.select("nous", within=["t:vn", "t:na", "t:el"]) == {"t:vn", "t:na"}


# --- queries of stop words only: field restriction and ranking by title ----------------------

def _titled_records() -> list[tuple[Record, datetime]]:
    """Records that arrived one day apart, in this order: "Nous" is the oldest, the
    records that only mention "nous" outside their title the newest."""
    from catalogue.records import Publication, Series, Title
    made = [
        Record(source="t", source_id="ex", title=Title("Nous")),
        Record(source="t", source_id="ms", title=Title("Nous", subtitle=("récits de quartier",))),
        Record(source="t", source_id="na", title=Title("Nous autres")),
        Record(source="t", source_id="vn", title=Title("Vous et nous")),
        Record(source="t", source_id="sj", title=Title("Jeunesse"), keywords=("Entre nous",)),
        Record(source="t", source_id="co", title=Title("Quartiers"),
               series=(Series(tag="225", title="Nous aussi"),)),
        Record(source="t", source_id="pu", title=Title("Politique urbaine"),
               publications=(Publication(publishers=("Éditions de la ville",)),)),
        Record(source="t", source_id="nt", title=Title("Rapport annuel"),
               abstracts=("Ce que nous avons appris.",)),
    ]
    first = datetime(2020, 1, 1, tzinfo=UTC)
    return [(record, first + timedelta(days=n)) for n, record in enumerate(made)]


def _index_as_before(items: list[tuple[Record, datetime]], index_dir: Path,
                     engine_name: str) -> None:
    """An index as the code before the stop-word keys built it: the same documents
    without the ``title_key`` values that hold an ``=``."""
    chosen = engine.get(engine_name)
    path = directory.new_generation(index_dir)
    chosen.create(path)
    engine.mark(path, engine_name)
    writer = chosen.writer(path)
    for record, added in items:
        doc = document(record, added=added)
        doc[TITLE_KEY] = SEPARATOR.join(v for v in values(doc[TITLE_KEY]) if "=" not in v)
        writer.add(chosen.prepare(doc))
    writer.commit()
    directory.publish(index_dir, path)


@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory, index_engine: str) -> Iterator[Searcher]:
    path = tmp_path_factory.mktemp(f"titled-{index_engine}")
    rebuild(_titled_records(), path, engine_name=index_engine)
    with Searcher(path) as searcher:
        yield searcher


def _ids(searcher: Searcher, query: str, **options: Any) -> list[str]:
    found = searcher.search(SearchRequest(query=query, page_size=100, **options))
    assert found.total == len(found.hits) and not found.degraded
    return [h.global_id.removeprefix("t:") for h in found.hits]


#: Query -> its hits in order: a title that is exactly the query first, then a main title
#: that is, then titles holding the words, then the rest; newest first in each.
TITLED = {
    "Nous": ["ex", "ms", "vn", "na", "nt", "co", "sj"],
    "« nous »": ["ex", "ms", "vn", "na", "nt", "co", "sj"],
    "titre:nous": ["ex", "ms", "vn", "na"],
    'titre:"nous"': ["ex", "ms", "vn", "na"],
    "vous et nous": ["vn"],
    "nous -autres": ["ex", "ms", "vn", "nt", "co", "sj"],
    "nous annee:2020": [],
    "collection:nous": ["co"], "serie:nous": ["co"],
    "editeur:de la": ["pu"], "editeur:(de la)": ["pu"], 'editeur:"de la"': ["pu"],
    "collection:nous titre:nous": [], "titre:nous -titre:autres": ["ex", "ms", "vn"],
    # subjects keep no stop words of their own (schema.STOP_FIELDS): the record's words
    "sujet:nous": ["ex", "ms", "vn", "na", "nt", "co", "sj"],
    "sujet:nous titre:nous": ["ex", "ms", "vn", "na"],
    # not stop words only: as before (relevance; newest for an OR)
    "nous OR de": ["nt", "pu", "co", "sj", "vn", "na", "ms", "ex"],
    "nous quartier": ["co", "ms"],
}


@pytest.mark.parametrize("query", list(TITLED))
def test_stop_words_only_rank_the_exact_title_first(titled: Searcher, query: str) -> None:
    assert _ids(titled, query) == TITLED[query]
    every = sorted(titled.select(query))
    assert every == sorted(f"t:{sid}" for sid in TITLED[query])
    assert titled.count(query) == len(every)


def test_stop_words_only_ranking_pages_and_sorts(titled: Searcher) -> None:
    pages = [titled.search(SearchRequest(query="nous", page=n, page_size=2))
             for n in (1, 2, 3, 4, 5)]
    assert [h.global_id.removeprefix("t:") for p in pages for h in p.hits] == TITLED["Nous"]
    assert {p.total for p in pages} == {7}
    assert pages[4].hits == ()
    # an explicit sort is the sort asked for; full text searched too changes nothing
    assert _ids(titled, "nous", sort="newest") == ["nt", "co", "sj", "vn", "na", "ms", "ex"]
    assert _ids(titled, "titre:nous", sort="title") == ["ex", "ms", "na", "vn"]
    assert _ids(titled, "Nous", fulltext=("public", "readers", "staff")) == TITLED["Nous"]
    assert _ids(titled, "nous", filters={"source": ("t",)}) == TITLED["Nous"]


def test_an_index_built_before_the_stop_word_keys_answers_as_before(
        tmp_path: Path, index_engine: str) -> None:
    items = _titled_records()
    _index_as_before(items, tmp_path, index_engine)
    with Searcher(tmp_path) as before:
        # the record's words, newest first: what these queries found before
        newest = ["nt", "co", "sj", "vn", "na", "ms", "ex"]
        assert _ids(before, "nous") == newest
        assert _ids(before, "titre:nous") == newest
        assert _ids(before, "sujet:nous") == newest
        assert _ids(before, "editeur:de la") == ["pu"]
        assert _ids(before, "vous et nous") == ["vn"]
        assert sorted(before.select("titre:nous")) == sorted(f"t:{n}" for n in newest)
        # a record updated since is searched and ranked as built now, the others as before
        update(tmp_path, [items[4]], engine_name=index_engine)  # sj: "nous" in a subject
        assert _ids(before, "sujet:nous") == newest
        update(tmp_path, [items[-1]], engine_name=index_engine)  # nt: "nous" in a note
        assert _ids(before, "titre:nous") == ["co", "vn", "na", "ms", "ex"]
        # after `catalogue reindex`: the field and the title
        rebuild(items, tmp_path, engine_name=index_engine)
        assert _ids(before, "nous") == TITLED["Nous"]
        assert _ids(before, "titre:nous") == TITLED["titre:nous"]
