"""A DSI profile whose equation is stop words only ("Vous et nous", a title) selects the
records holding those words, not every new record: through the public index (the
week's records it holds) and through a throw-away index of the week's records, on the
test engine (``CATALOGUE_TEST_ENGINE=tantivy`` runs this on tantivy)."""

from __future__ import annotations

from pathlib import Path

from catalogue.dsi import profiles
from catalogue.dsi.matching import Matcher, candidates
from catalogue.dsi.runs import preview_issue
from catalogue.indexing import reindex
from indexes import Searcher
from tests.dsi_support import MONDAY, days, ingest, record, setup
from tests.stores import ENGINE

SINCE = MONDAY - days(7)


def test_a_profile_of_stop_words_selects_the_records_holding_them(config_path: Path) -> None:
    settings, engine = setup(config_path)
    ingest(engine, [record("Vous et nous, il y a dix ans", source_id="old")],
           MONDAY - days(30))
    new = ingest(engine, [
        record("Vous et nous", source_id="vn"),
        record("Nous autres", source_id="na"),
        record("Elles", source_id="el", abstract="Un livre pour vous"),
        record("Politique de la ville", source_id="pv", subjects=["Quartiers"]),
        record("Jeunesse urbaine", source_id="ju", abstract="Nous et vous, les jeunes"),
    ], MONDAY - days(2))
    reindex(engine, settings.index.dir, engine_name=ENGINE)
    # the throw-away path for these: they came after the index's last update
    late = ingest(engine, [record("Entre vous et nous", source_id="late")],
                  MONDAY - days(1))
    found = candidates(engine, SINCE)
    by_global = {c.global_id: c.record_id for c in found.values()}
    assert set(by_global) == {*new, *late}

    def ids(*sids: str) -> frozenset[int]:
        return frozenset(by_global[f"crpv:{s}"] for s in sids)

    expected = {
        "q=vous+et+nous": ids("vn", "ju", "late"), "q=Vous%20et%20nous": ids("vn", "ju", "late"),
        'q="vous et nous"': ids("vn", "ju", "late"), "q=nous": ids("vn", "na", "ju", "late"),
        "q=elles+OR+vous": ids("el", "vn", "ju", "late"),
        "q=politique+de+la+ville": ids("pv"), "q=de+la": ids("pv"),
        "q=vous+et+nous+-jeunesse": ids("vn", "late"), "q=": frozenset(found),
    }
    with Searcher(settings.index.dir) as index, \
            Matcher(found, engine_name=ENGINE) as alone, \
            Matcher(found, engine_name=ENGINE, index=index, store=engine) as public:
        assert public.settled == ids("vn", "na", "el", "pv", "ju")
        for params, wanted in expected.items():
            assert alone.match(params) == wanted, params
            assert public.match(params) == wanted, params
        assert public.fallbacks == 0
    listed = profiles.save_list(engine, SINCE, slug="vous-et-nous", name="Vous et nous",
                                equation_params=["q=vous et nous"])
    with Searcher(settings.index.dir) as index:
        for use_index in (True, False):
            issue = preview_issue(engine, settings, listed, MONDAY, index, use_index=use_index)
            assert {c.record_id for c in issue} == ids("vn", "ju", "late"), use_index
    engine.dispose()
