"""The index side of "finding more" (issue 17, point 5), on a small real index of each
engine (``index_engine``): the author facet, the year range of a request, an index built
before the author facet existed, and the histogram built from the year facet."""

from __future__ import annotations

from pathlib import Path

from catalogue.opac.years import histogram
from catalogue.records import Agent, Publication, Record, Title
from indexes import FacetValue, Searcher, SearchRequest, rebuild, schema


def book(n: int, year: int, *authors: str) -> Record:
    return Record(source="t", source_id=str(n), title=Title(f"Jeunesse et quartiers {n}"),
                  agents=tuple(Agent(name=a.split(", ")[0], rest=a.split(", ")[1])
                               for a in authors),
                  publications=(Publication(dates=(str(year),)),))


RECORDS = [book(1, 2008, "Martin, Anne"), book(2, 2012, "Martin, Anne", "Petit, Léa"),
           book(3, 2015, "Petit, Léa"), book(4, 2019, "Durand, Éric"),
           book(5, 2012, "Martin, Anne")]


def test_author_facet_and_year_range(tmp_path: Path, index_engine: str) -> None:
    rebuild(RECORDS, tmp_path, engine_name=index_engine)
    with Searcher(tmp_path) as searcher:
        found = searcher.search(SearchRequest(query="jeunesse", facets=("author", "year")))
        authors = {v.value: v.count for v in found.facet("author").values}  # type: ignore[union-attr]
        assert authors == {"Martin, Anne": 3, "Petit, Léa": 2, "Durand, Éric": 1}
        chosen = searcher.search(SearchRequest(query="", filters={"author": ("Petit, Léa",)}))
        assert sorted(h.global_id for h in chosen.hits) == ["t:2", "t:3"]
        ranged = searcher.search(SearchRequest(query="jeunesse", years=(2010, 2015),
                                               facets=("author",)))
        assert sorted(h.global_id for h in ranged.hits) == ["t:2", "t:3", "t:5"]
        assert {v.value: v.count for v in ranged.facets[0].values} == {
            "Martin, Anne": 2, "Petit, Léa": 2}
        assert searcher.search(SearchRequest(years=(2013, None))).total == 2
        assert searcher.search(SearchRequest(years=(None, 2008))).total == 1
        # reversed ends are put in order, out-of-range ends are open
        assert searcher.search(SearchRequest(years=(2015, 2010))).total == 3
        assert searcher.search(SearchRequest(years=(12, 99999))).total == 5
        # highlighting reads the words only
        assert "<mark>" in ranged.hits[0].title_html


def test_an_index_built_before_the_author_facet_still_searches(
        tmp_path: Path, index_engine: str) -> None:
    kept = dict(schema.FACETS)
    try:
        del schema.FACETS["author"]  # the schema as it was before this facet
        rebuild(RECORDS, tmp_path, engine_name=index_engine)
    finally:  # in its order: the documents' fields follow it (test_index_prepare pins them)
        schema.FACETS.clear()
        schema.FACETS.update(kept)
    with Searcher(tmp_path) as searcher:
        found = searcher.search(SearchRequest(query="jeunesse", facets=("author", "year")))
        assert found.total == 5 and not found.degraded
        assert [f.name for f in found.facets] == ["year"]


def test_histogram_by_year_then_by_decade() -> None:
    few = histogram([FacetValue("2012", 4), FacetValue("2010", 2), FacetValue("", 9),
                     FacetValue("abcd", 3), FacetValue("2011", 0)])
    assert [(b.label, b.count, b.level) for b in few] == [("2010", 2, 5), ("2012", 4, 10)]
    many = histogram([FacetValue(str(y), 1) for y in range(1995, 2011)])
    assert [(b.label, b.count) for b in many] == [("1990-1999", 5), ("2000-2009", 10),
                                                  ("2010-2019", 1)]
    assert histogram([FacetValue("2010", 3)]) == ()
    cut = histogram([FacetValue(str(y), 1) for y in range(1995, 2011)], complete=False)
    assert [b.label for b in cut] == ["2000-2009", "2010-2019"]  # 199x may lack years
