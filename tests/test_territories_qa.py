"""QA pass on territories: the ways people actually type a place (``st etienne``,
``Ste-Foy``, ``oeuilly``) find it, a lone ``st`` still begins ``Strasbourg``, and
resolving the lines of a form costs a lookup each, not a fold of 36,000 names."""

from __future__ import annotations

import time

import pytest

from catalogue import territories
from catalogue.veille.sources import territory_labels


@pytest.mark.parametrize(("typed", "first"), [
    ("st etienne", "Saint-Étienne (42)"),
    ("St-Étienne", "Saint-Étienne (42)"),
    ("st. etienne", "Saint-Étienne (42)"),
    ("ste foy les lyon", "Sainte-Foy-lès-Lyon (69)"),
    ("oeuilly", "Œuilly (51)"),
    ("st", "Strasbourg (67)"),
    ("Saint-Étienne", "Saint-Étienne (42)"),
])
def test_short_saints_and_ligatures_are_found(typed: str, first: str) -> None:
    found = territories.find(typed, 5)
    assert found and found[0].label == first, [t.label for t in found]


def test_short_forms_resolve_as_written_out() -> None:
    assert territories.resolve("St-Étienne (42)") == territories.resolve("42218")
    assert territories.resolve("ste foy les lyon") == territories.resolve("69202")
    assert territories.fold("St") == "st"  # a lone short form is kept as typed


def test_resolving_a_form_full_of_unknown_lines_is_fast() -> None:
    territories.resolve("Toulouse")  # the bundled list is read once per process
    lines = "\n".join(f"Quartier prioritaire numéro {n}" for n in range(20))
    started = time.perf_counter()
    labels = territory_labels(lines)
    elapsed = time.perf_counter() - started
    assert len(labels) == 20 and labels[0] == "Quartier prioritaire numéro 0"
    assert elapsed < 0.4, elapsed  # 20 x 200 ms = 4 s when each line folded every name
    for odd in ("", "a" * 10_000, "(31)", "()", "x (", "97", "75056 (75)"):
        started = time.perf_counter()
        territories.resolve(odd)
        assert time.perf_counter() - started < 0.05, odd


@pytest.mark.parametrize("typed", ["Paris", "75", "pari"])
def test_a_label_is_suggested_once(typed: str) -> None:
    labels = [t.label for t in territories.find(typed, 20)]
    assert len(labels) == len(set(labels)) == 20, labels
    assert labels[0] == "Paris (75)" and territories.find(typed, 20)[0].kind == "departement"
