"""RIS and BibTeX writers: well-formed for every demo record, faithful, and unbreakable by
hostile text (a partner's record must never produce a file a reference manager rejects)."""

from __future__ import annotations

import re
from typing import Any

from catalogue.formats import bibtex, ris
from catalogue.records import (
    Agent,
    Identifier,
    Link,
    Publication,
    Record,
    SerialLink,
    Series,
    Title,
)

RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  - (.*)$")
HOSTILE = 'Titre {piégé} \\ 100 % & $x$ #1 _a_ ^b ~c\nsur deux lignes\r\n"cité"'


def parse_ris(text: str) -> list[list[tuple[str, str]]]:
    """A strict RIS reader: every line a tag line, TY first, ER last, CRLF line ends."""
    assert "\n" not in text.replace("\r\n", "")
    references: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for line in text.split("\r\n"):
        if not line:
            continue
        match = RIS_LINE.match(line) or re.match(r"^(ER)  - $", line)
        assert match, f"not a RIS line: {line!r}"
        tag, value = match.group(1), match.group(2) if match.lastindex == 2 else ""
        if tag == "TY":
            assert current is None
            current = [(tag, value)]
        elif tag == "ER":
            assert current is not None
            references.append(current)
            current = None
        else:
            assert current is not None
            current.append((tag, value))
    assert current is None
    return references


def values(reference: list[tuple[str, str]], tag: str) -> list[str]:
    return [v for t, v in reference if t == tag]


def balanced(text: str) -> bool:
    """Braces balance once escaped braces are set aside (what BibTeX itself checks)."""
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


BOOK = Record(
    source="crpv", source_id="42",
    title=Title(main="Les quartiers", subtitle=("une politique",), parallel=("Districts",)),
    agents=(Agent(name="Dupont", rest="Marie", roles=("070",)),
            Agent(name="Conseil national des villes", kind="corporate", level=1),
            Agent(name="Martin", rest="Paul", level=2, roles=("340",)),
            Agent(name="Petit", rest="Zoé", level=2, roles=("080",))),
    publications=(Publication(places=("Paris",), publishers=("La Découverte",),
                              dates=("2019",)),),
    series=(Series(tag="225", title="Repères", number="712"),),
    identifiers=(Identifier(scheme="isbn", value="978-2-7071-9876-5"),
                 Identifier(scheme="isbn", value="2-00-000000-0", invalid=True)),
    abstracts=("Un résumé\nsur deux lignes.",),
    keywords=("quartiers",),
    links=(Link(url="https://example.org/a_b%20c"),),
    languages=("fre",),
)

ARTICLE = Record(
    source="crpv", source_id="31", bib_level="a",
    title=Title(main="Les adultes-relais"),
    agents=(Agent(name="Vidal", rest="Mohamed"),),
    serial_links=(SerialLink(tag="461", title="Cahiers de la cohésion", issn="1576-9186"),
                  SerialLink(tag="463", number="n° 357", date="2025-07-01")),
    physical=(),
)


def test_ris_book_fields() -> None:
    [ref] = parse_ris(ris.to_ris(BOOK))
    assert ref[0] == ("TY", "BOOK")
    assert values(ref, "TI") == ["Les quartiers : une politique"]
    assert values(ref, "TT") == ["Districts"]
    assert values(ref, "AU") == ["Dupont, Marie", "Conseil national des villes"]
    assert values(ref, "ED") == ["Martin, Paul"]
    assert values(ref, "A2") == ["Petit, Zoé"]
    assert values(ref, "PY") == ["2019"]
    assert values(ref, "PB") == ["La Découverte"] and values(ref, "CY") == ["Paris"]
    assert values(ref, "SN") == ["978-2-7071-9876-5"]  # the invalid ISBN is left out
    assert values(ref, "T3") == ["Repères ; 712"]
    assert values(ref, "AB") == ["Un résumé sur deux lignes."]
    assert values(ref, "UR") == ["https://example.org/a_b%20c"]
    assert values(ref, "AN") == ["crpv:42"]


def test_ris_article_is_a_journal_article_with_its_periodical() -> None:
    from catalogue.records import Physical, replace

    article = replace(ARTICLE, physical=(Physical(extent="p. 3-9"),))
    [ref] = parse_ris(ris.to_ris(article))
    assert ref[0] == ("TY", "JOUR")
    assert values(ref, "T2") == ["Cahiers de la cohésion"]
    assert values(ref, "SN") == ["1576-9186"]
    assert values(ref, "IS") == ["357"]  # "n° 357" printed "no. n° 357" in Zotero
    assert values(ref, "PY") == ["2025"]
    assert (values(ref, "SP"), values(ref, "EP")) == (["3"], ["9"])


def test_ris_flattens_hostile_text_to_one_line() -> None:
    from catalogue.records import replace

    record = replace(BOOK, title=Title(main=HOSTILE), abstracts=(HOSTILE,))
    [ref] = parse_ris(ris.records_to_ris([record]))
    assert "\n" not in values(ref, "TI")[0] and "piégé" in values(ref, "TI")[0]


def test_ris_and_bibtex_for_every_demo_record(demo_records: list[Any]) -> None:
    refs = parse_ris(ris.records_to_ris(demo_records))
    assert len(refs) == len(demo_records)
    assert {values(r, "AN")[0] for r in refs} == {r.global_id for r in demo_records}
    kinds = {r[0][1] for r in refs}
    assert {"BOOK", "JOUR", "JFULL", "VIDEO", "ELEC"} <= kinds
    text = bibtex.records_to_bibtex(demo_records)
    entries = re.findall(r"^@(\w+)\{([^,\s]+),$", text, re.M)
    assert len(entries) == len(demo_records)
    assert len({key for _, key in entries}) == len(entries)  # keys unique in one file
    assert all(re.fullmatch(r"[a-z0-9_]+", key) for _, key in entries)
    for entry in text.split("\n\n"):
        assert balanced(entry), entry


def test_bibtex_book_and_article() -> None:
    book = bibtex.to_bibtex(BOOK)
    assert book.startswith("@book{dupont2019_crpv42,\n")
    assert "  title = {{Les quartiers : une politique}}" in book
    assert "  author = {Dupont, Marie and {Conseil national des villes}}" in book
    assert "  editor = {Martin, Paul}" in book
    assert "  publisher = {La Découverte}" in book and "  address = {Paris}" in book
    assert "  isbn = {978-2-7071-9876-5}" in book
    assert "  series = {Repères}" in book and "  number = {712}" in book
    assert "  url = {https://example.org/a_b%20c}" in book  # verbatim: no \_ in a URL
    article = bibtex.to_bibtex(ARTICLE)
    assert article.startswith("@article{vidal2025_crpv31,")
    assert "  journal = {Cahiers de la cohésion}" in article
    assert "  number = {357}" in article


def test_bibtex_escapes_what_bibtex_gives_a_meaning_to() -> None:
    from catalogue.records import replace

    record = replace(BOOK, title=Title(main=HOSTILE),
                     agents=(Agent(name="O'Brien {x}", rest="Ann"),),
                     links=(Link(url="https://e.org/{a}\\b"),))
    entry = bibtex.to_bibtex(record)
    assert balanced(entry)
    assert r"\{piégé\}" in entry and r"100 \%" in entry and r"\&" in entry
    assert r"\$x\$" in entry and r"\#1" in entry and r"\_a\_" in entry
    assert r"\textasciicircum{}b" in entry and r"\textasciitilde{}c" in entry
    assert r"\textbackslash{}" in entry
    assert "url = {https://e.org/%7Ba%7D%5Cb}" in entry
    assert entry.count("\n") == len(entry.strip().split("\n"))  # one field per line


def test_bibtex_twins_get_distinct_keys() -> None:
    text = bibtex.records_to_bibtex([BOOK, BOOK, BOOK])
    keys = re.findall(r"^@book\{([^,]+),", text, re.M)
    assert keys == ["dupont2019_crpv42", "dupont2019_crpv42a", "dupont2019_crpv42b"]
    assert bibtex._suffix(27) == "aa"


def test_bibtex_record_without_author_or_publisher_is_misc() -> None:
    record = Record(source="crpv", source_id="x y/z", title=Title(main="Sans auteur"),
                    doc_type="g")
    entry = bibtex.to_bibtex(record)
    assert entry.startswith("@misc{crpvxyz,")
    assert "note = {Document projeté ou vidéo}" in entry


def test_roles_give_the_credit_not_the_level() -> None:
    """A scientific editor (340) catalogued in 701 was exported as an author (AU, author);
    preface writers and translators are not authors either."""
    record = Record(source="crpv", source_id="r1", title=Title("Politiques de la ville"),
                    agents=(Agent(name="Dupont", rest="Marie", level=0, roles=("070",)),
                            Agent(name="Martin", rest="Paul", level=1, roles=("340",)),
                            Agent(name="Durand", rest="Anne", level=1, roles=("080",)),
                            Agent(name="Smith", rest="John", level=2, roles=("730",)),
                            Agent(name="Sans", rest="Rôle", level=1)))
    [reference] = parse_ris(ris.records_to_ris([record]))
    credited = [(tag, value) for tag, value in reference if tag in ("AU", "ED", "A2", "A4")]
    assert credited == [("AU", "Dupont, Marie"), ("ED", "Martin, Paul"), ("A2", "Durand, Anne"),
                        ("A4", "Smith, John"), ("AU", "Sans, Rôle")]
    entry = bibtex.records_to_bibtex([record])
    assert "author = {Dupont, Marie and Sans, Rôle}" in entry
    assert "editor = {Martin, Paul}" in entry and "translator = {Smith, John}" in entry
    assert "Durand" not in entry


def test_a_series_in_225_and_410_is_exported_once() -> None:
    record = Record(source="crpv", source_id="s1", title=Title("Quartiers"),
                    series=(Series(tag="225", title="Repères", number="12"),
                            Series(tag="410", title="REPÈRES"[0] + "epères", number=""),
                            Series(tag="225", title="Autre collection")))
    assert [(s.title, s.number) for s in record.distinct_series()] == [
        ("Repères", "12"), ("Autre collection", "")]
    [reference] = parse_ris(ris.records_to_ris([record]))
    assert [v for t, v in reference if t == "T3"] == ["Repères ; 12", "Autre collection"]
