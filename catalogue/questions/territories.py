"""The territories the form suggests: the 101 départements of the INSEE's Code officiel
géographique (code and name), bundled in ``data/departements.tsv`` and never fetched.

No package of the offline index ships the COG; the file was written from the COG's
département list (101 lines: 96 in metropolitan France with 2A and 2B, and 5 overseas).
The territory field stays free text: a commune, a neighbourhood (QPV) or an
intercommunalité are typed as they are.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "departements.tsv"


@cache
def departements() -> tuple[tuple[str, str], ...]:
    """(code, name) of each département, in the COG's order."""
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return tuple((code, name) for code, _, name in (line.partition("\t") for line in lines)
                 if code and name)


def suggestions() -> tuple[str, ...]:
    """What the territory field proposes: ``Seine-Saint-Denis (93)``."""
    return tuple(f"{name} ({code})" for code, name in departements())
