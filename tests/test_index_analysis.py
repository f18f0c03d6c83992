"""French analysis, documents built from records, and the query language (no index needed)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from catalogue.lending.states import AVAILABLE, ON_LOAN, ON_SITE, UNAVAILABLE, availability
from catalogue.records import Identifier, Item, Record, Title, replace
from indexes import document
from indexes.analysis import FrenchAnalyzer, fold, normalise, pairs, stems
from indexes.documents import identifier_key, isbn_variants, sort_title
from indexes.schema import FACETS, IDENTIFIERS, PAIRS
from indexes.syntax import (
    MAX_CLAUSES,
    MAX_DEPTH,
    AllOf,
    AnyOf,
    Not,
    Phrase,
    Prefix,
    Word,
    Years,
    parse,
)


@pytest.mark.parametrize("variants", [
    ("délinquance", "delinquance", "Délinquances", "DÉLINQUANCES", "delinquances"),
    ("éducation", "education", "Éducations", "EDUCATION"),
    ("jeunes", "jeune", "Jeunes"),
    ("œuvre", "oeuvre", "Œuvres"),
])
def test_accent_case_and_plural_variants_share_one_term(variants: tuple[str, ...]) -> None:
    assert len({normalise(v) for v in variants}) == 1


def test_elision_and_apostrophes() -> None:
    assert stems("l'insertion") == stems("insertion") == stems("L’Insertion")
    assert stems("qu'il s'appuie jusqu'au") == stems("il appuie au")
    assert stems("aujourd'hui") == [normalise("aujourd'hui")]  # not an elision
    # U+02BC is a letter to the word pattern: a second apostrophe or a leading one
    assert stems("jusqu'ʼà la fin") == stems("jusqu'à la fin") == stems("fin")
    assert stems("lʼʼinsertion ʼnous ʼquartiers'") == stems("insertion quartiers")
    assert normalise("d'ʼaujourd'hui") == normalise("aujourd'hui")


def test_decomposed_accents_stay_inside_their_word() -> None:
    nfd = unicodedata.normalize("NFD", "Délinquance juvénile")
    assert stems(nfd) == stems("Délinquance juvénile")
    assert len(stems(nfd)) == 2


def test_stop_words_removed_and_positions_renumbered() -> None:
    tokens = [(t.text, t.pos) for t in FrenchAnalyzer()("La politique de la ville",
                                                         positions=True)]
    assert tokens == [(normalise("politique"), 0), (normalise("ville"), 1)]
    assert pairs("la politique de la ville") == [f"{normalise('politique')} {normalise('ville')}"]
    assert fold("Œuvre ÉTÉ") == "oeuvre ete"


def test_isbn_variants_and_identifier_keys() -> None:
    assert isbn_variants("0-306-40615-2") == ("0306406152", "9780306406157")
    assert isbn_variants("978-0-306-40615-7") == ("9780306406157", "0306406152")
    assert isbn_variants("2-07-054127-X")[0] == "207054127x"
    assert identifier_key("374.013 JOL") == "374013jol"
    # digits of other scripts are the ASCII ones, with the same variants
    for typed in ("٩٧٨-٠-٣٠٦-٤٠٦١٥-٧", "९७८०३०६४०६१५७", "９７８０３０６４０６１５７"):
        assert isbn_variants(typed) == ("9780306406157", "0306406152"), typed
    assert identifier_key("Cote ٣٧٤ Ⅻ") == "cote374xii"


def _record(**changes: Any) -> Record:
    base = Record(source="crpv", source_id="7", title=Title(main="Les Acteurs de la ville"))
    return replace(base, **changes)


def test_document_is_a_pure_function_of_the_record() -> None:
    record = _record(
        identifiers=(Identifier("isbn", "978-0-306-40615-7"),),
        items=(Item(barcode="CR0001", call_number="307 ACT", status="d"),),
        languages=("fre",),
    )
    doc = document(record, availability)
    assert doc == document(record, availability)
    assert doc["id"] == "crpv:7"
    ids = doc[IDENTIFIERS].split("\x1f")
    assert {"9780306406157", "0306406152", "cr0001", "307act"} <= set(ids)
    assert doc[FACETS["availability"]] == AVAILABLE
    assert doc[FACETS["language"]] == "fre"
    assert FACETS["year"] not in doc  # no publication date: no year value
    assert doc[PAIRS]
    assert sort_title("Les Acteurs de la ville") == b"acteurs de la ville"


@pytest.mark.parametrize(("items", "expected"), [
    ((), ""),
    ((Item(status="d"),), AVAILABLE),
    ((Item(status="c"),), ON_SITE),
    ((Item(status="d", status_label="Consultation sur place", loanable=False),), ON_SITE),
    ((Item(status="r"),), UNAVAILABLE),
    ((Item(status="r"), Item(status="c")), ON_SITE),
    ((Item(status_label="En prêt"),), ON_LOAN),
    ((Item(status="c"), Item(status="d", loanable=True)), AVAILABLE),
])
def test_availability_from_items(items: tuple[Item, ...], expected: str) -> None:
    assert availability(_record(items=items)) == expected


def test_live_status_hook_overrides_the_catalogued_state() -> None:
    record = _record(items=(Item(barcode="B1", status="d"), Item(barcode="B2", status="d")))
    seen = []

    def on_loan(global_id: str, item: Item) -> str | None:
        seen.append((global_id, item.barcode))
        return ON_LOAN

    assert availability(record, on_loan) == ON_LOAN
    assert seen == [("crpv:7", "B1"), ("crpv:7", "B2")]
    assert document(record, lambda r: availability(r, on_loan))[FACETS["availability"]] \
        == ON_LOAN


# --- query language ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "tree"), [
    ("prévention jeunes", AllOf((Word("prévention"), Word("jeunes")))),
    ('"politique de la ville"', Phrase("politique de la ville")),
    ("jeunes -radicalisation", AllOf((Word("jeunes"), Not(Word("radicalisation"))))),
    ("jeunes NOT radicalisation", AllOf((Word("jeunes"), Not(Word("radicalisation"))))),
    ("rixe OR harcèlement", AnyOf((Word("rixe"), Word("harcèlement")))),
    ("(rixe OU harcèlement) jeunes",
     AllOf((AnyOf((Word("rixe"), Word("harcèlement"))), Word("jeunes")))),
    ("titre:quartiers", Word("quartiers", "title")),
    ("title:quartiers", Word("quartiers", "title")),
    ("auteur:Joly", Word("Joly", "authors")),
    ('sujet:"politique de la ville"', Phrase("politique de la ville", "subjects")),
    ("isbn:978-2-343-70570-5", Word("978-2-343-70570-5", "ids")),
    ("978-2-343-70570-5", Word("978-2-343-70570-5")),
    ("cote:374.013", Word("374.013", "ids")),
    ("polit*", Prefix("polit")),
    ("annee:2010-2020", Years(2010, 2020)),
    ("année:2015", Years(2015, 2015)),
    ("2020..2010", Years(2010, 2020)),
    ("annee:..2000", Years(None, 2000)),
    ("titre:(ville jeunes)", AllOf((Word("ville", "title"), Word("jeunes", "title")))),
])
def test_query_language(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize(("text", "tree"), [
    ("", AllOf(())),
    ("*", AllOf(())),
    ("-", AllOf(())),
    ('"unbalanced quote', AllOf((Word("unbalanced"), Word("quote")))),
    ("(jeunes", Word("jeunes")),
    ("jeunes)", Word("jeunes")),
    ("foo:bar", AllOf((Word("foo"), Word("bar")))),
    ("po*", Word("po")),
    ("OR jeunes OR", Word("jeunes")),
])
def test_malformed_queries_degrade_to_words(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize("text", ["(" * 1000, "(" * 400 + "jeunes" + ")" * 400,
                                  "-" * 999 + "x", "NOT " * 250, "-(" * 333 + "x",
                                  "titre:(" * 140 + "x", "(NOT " * 200 + "x"])
def test_nesting_is_bounded(text: str) -> None:
    """A RecursionError once: 1,000 characters of ``((((`` or ``----`` went one Python
    frame deeper per character (the searcher then ran them as plain words, logging a
    traceback each time)."""
    tree = parse(text)

    def depth(node: object) -> int:
        inner = [getattr(node, "node", None), *getattr(node, "nodes", ())]
        return 1 + max((depth(n) for n in inner if n is not None), default=0)

    assert depth(tree) <= 2 * MAX_DEPTH + 2


def test_nesting_within_the_bound_is_kept() -> None:
    assert parse("(" * MAX_DEPTH + "jeunes" + ")" * MAX_DEPTH) == Word("jeunes")
    assert parse("-" * 999 + "x") == Not(Word("x")) and parse("--x") == Word("x")
    assert parse("NOT (a OR NOT b)") == Not(AnyOf((Word("a"), Not(Word("b")))))


def test_long_queries_are_bounded() -> None:
    tree = parse(" ".join(f"mot{n}" for n in range(2000)))
    assert isinstance(tree, AllOf)
    assert len(tree.nodes) == MAX_CLAUSES
