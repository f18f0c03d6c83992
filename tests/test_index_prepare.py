"""The preparing step's outputs pinned on tricky text, and the analysis shortcuts it takes
checked against the plain chain they stand for (no index needed).

The analysis splits text on whitespace and on the " ; " between a document's parts and
caches each chunk and piece (:mod:`indexes.analysis`); these tests hold it to the plain
regex-and-normalise chain on decomposed accents, apostrophe variants, ligatures, Greek
final sigmas, control characters and the like. The pinned document and JSON are what the
index built before those shortcuts produced.
"""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from catalogue.records import Agent, Descriptor, Identifier, Record, Series, Title
from indexes import analysis, documents
from indexes.analysis import (
    WORD,
    compose,
    fold,
    joined_stems,
    nfc,
    normalise,
    pairs,
    simplified,
    simplify,
    stem_tuple,
    stemmed,
    stems,
    stop_words,
)
from indexes.documents import document, values
from indexes.tantivy.schema import as_json

RECORD = Record(
    source="crpv", source_id="x’1",
    title=Title(main="L’E\u0301te\u0301 des Œuvres ; Σίσυφος ΣΑΣ", parallel=("Die Straße",),
                part_number=("½",), responsibility=("dir. par l`équipe",)),
    agents=(Agent(name="D’Artagnan", rest="Ève"), Agent(name="Ηλίας", kind="corporate")),
    descriptors=(Descriptor(label="Villeurbanne (69)", tag="607"),
                 Descriptor(label="Jeunesse ; loisirs")),
    keywords=("qu’il", "aujourd'hui", "jusqu'ʼà", ""),
    series=(Series(tag="225", title="Æsop_s ; 東京"),),
    abstracts=("Résumé\u00a0: l'école\u200bpublique ; 2024 — ﬁn de la ville \t\n de l'ÉTÉ",),
    general_notes=("   ", "\x01\x07 ; ;\u0301x ; a \u037e b"),
    identifiers=(Identifier(scheme="isbn", value="2-07-054127-X"),),
    languages=("fre", "fre", "a\x1fb"),
)

#: What the index built from RECORD before analysis was cached by chunk and piece (and
#: ``title_key``'s stop-word values since).
DOCUMENT = {'id': 'crpv:x’1', 'all': "L’Été des Œuvres ; Σίσυφος ΣΑΣ ; Die Straße ; ½ ; L’Été des Œuvres ; Σίσυφος ΣΑΣ ; Die Straße ; ½ ; dir. par l`équipe ; D’Artagnan, Ève ; Ηλίας ; Villeurbanne (69) ; Jeunesse ; loisirs ; qu’il ; aujourd'hui ; jusqu'ʼà ;  ; Æsop_s ; 東京 ;  ; Résumé\xa0: l'école\u200bpublique ; 2024 — ﬁn de la ville \t\n de l'ÉTÉ ;     ; \x01\x07 ; ;́x ; a ; b", 'title': 'L’Été des Œuvres ; Σίσυφος ΣΑΣ ; Die Straße ; ½', 'authors': 'D’Artagnan, Ève ; Ηλίας', 'subjects': "Villeurbanne (69) ; Jeunesse ; loisirs ; qu’il ; aujourd'hui ; jusqu'ʼà ; ", 'collection': 'Æsop_s ; 東京', 'publisher': '', 'words': "L’Été des Œuvres ; Σίσυφος ΣΑΣ ; Die Straße ; ½ D’Artagnan, Ève ; Ηλίας Villeurbanne (69) ; Jeunesse ; loisirs ; qu’il ; aujourd'hui ; jusqu'ʼà ;  Æsop_s ; 東京  Résumé\xa0: l'école\u200bpublique ; 2024 — ﬁn de la ville \t\n de l'ÉTÉ     \x01\x07 ; ;́x ; a ; b", 'ids': 'crpvx1\x1fx1\x1f207054127x\x1f9782070541270', 'pairs': "oeuvr σισυφος\x1fσισυφος σας\x1fσας di\x1fdi strass\x1fstrass 1⁄2\x1fdir equip\x1fartagnan eve\x1feve ηλιας\x1fvilleurbann 69\x1f69 jeuness\x1fjeuness loisir\x1floisir aujourd'hui\x1faesop_ 東京\x1fresum ecol\x1fecol publiqu\x1fpubliqu 2024\x1f2024 fin\x1ffin vill\x1fx b", 'title_key': 'oeuvr σισυφος σας\x1f~oeuvr σισυφος σας\x1f~di strass\x1f=\x1ftitle=ete\x1ftitle=des', 'display_title': 'L’Été des Œuvres ; Σίσυφος ΣΑΣ', 'snippet': "Résumé\xa0: l'école\u200bpublique ; 2024 — ﬁn de la ville \t\n de l'ÉTÉ", 's_title': b'l\xe2\x80\x99ete des oeuvres ; \xcf\x83\xce\xb9\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x82 \xcf\x83\xce\xb1\xcf\x82', 's_author': b'd\xe2\x80\x99artagnan, eve', 's_new': b'000000000000000000', 'f_doctype': 'a', 'f_language': 'fre\x1fa\x1fb', 'f_source': 'crpv', 'f_descriptor': 'Villeurbanne (69)\x1fJeunesse ; loisirs', 'f_collection': 'Æsop_s ; 東京', 'f_author': 'D’Artagnan, Ève\x1fΗλίας', 'f_territory': 'Villeurbanne (69)'}
JSON = '{"id":"crpv:x’1","all":"oeuvr σισυφος σας di strass 1⁄2 oeuvr σισυφος σας di strass 1⁄2 dir equip artagnan eve ηλιας villeurbann 69 jeuness loisir aujourd\'hui aesop_ 東京 resum ecol publiqu 2024 fin vill x b","title":"oeuvr σισυφος σας di strass 1⁄2","subjects":"villeurbann 69 jeuness loisir aujourd\'hui","collection":"aesop_ 東京","authors":"artagnan eve ηλιας","words":"ete des oeuvres σισυφος σας die strasse 1⁄2 artagnan eve ηλιας villeurbanne 69 jeunesse loisirs il aujourd\'hui a aesop_s 東京 resume ecole publique 2024 fin de la ville de ete x a b","ids":["crpvx1","x1","207054127x","9782070541270"],"pairs":["oeuvr σισυφος","σισυφος σας","σας di","di strass","strass 1⁄2","dir equip","artagnan eve","eve ηλιας","villeurbann 69","69 jeuness","jeuness loisir","loisir aujourd\'hui","aesop_ 東京","resum ecol","ecol publiqu","publiqu 2024","2024 fin","fin vill","x b"],"title_key":["oeuvr σισυφος σας","~oeuvr σισυφος σας","~di strass","=","title=ete","title=des"],"f_doctype":["a"],"f_language":["fre","a","b"],"f_source":["crpv"],"f_descriptor":["Villeurbanne (69)","Jeunesse ; loisirs"],"f_collection":["Æsop_s ; 東京"],"f_author":["D’Artagnan, Ève","Ηλίας"],"f_territory":["Villeurbanne (69)"],"display_title":"TOKAmcOJdMOpIGRlcyDFknV2cmVzIDsgzqPOr8+Dz4XPhs6/z4IgzqPOkc6j","snippet":"UsOpc3Vtw6nCoDogbCfDqWNvbGXigItwdWJsaXF1ZSA7IDIwMjQg4oCUIO+sgW4gZGUgbGEgdmlsbGUgCQogZGUgbCfDiVTDiQ==","shown_authors":"ROKAmUFydGFnbmFuLCDDiHZlIDsgzpfOu86vzrHPgg==","s_title":"l’ete des oeuvres ; σισυφος σας","s_author":"d’artagnan, eve","s_new":0}'

TEXTS = [
    "", " ", " ; ", ";", " ;  ; ", "\t\n", "a ; b", "a ;b", "a; b", " ; a ; ",
    unicodedata.normalize("NFD", "Délinquance juvénile ; École de l'Été"),
    "\u0301début ; \u0301 ; ;\u0301 ; x ;\u0301y ; a \u037e b ; a\u037eb",
    "l’école l`arbre l'ʼaube qu’il jusqu'ʼà aujourd'hui l''a 'a a' ' ’ ʼ",
    "Œuvre Ærø ßtraße ﬁn ẞ İstanbul ½ ² ① ٣ N°3 XXe",
    "ΟΔΥΣΣΕΥΣ Σ σ ς ΣΑΣ. ͺ ; ΑΣ ; ΑΣ΄ ; Москва ; كتاب ; 東京大学 ; עברית ; हिन्दी",
    "\u1112\u1161\u11ab\u1100\u116e\u11a8 ; ไทย ; 😀👍🏽 ; a\u200bb ; a\u00adb ; x\u2060y",
    "\x01\x02\x07\x0b\x0c\x1b\x1f\x7f\x85\u2028\u2029 a\u00a0b\u202fc\u3000d",
    "snake_case __init__ a_ _a l'_x d'été ; D’Été ; L'ÉTÉ ; DE LA ; à la",
    "La politique de la ville ; de la ; ville ; et ; l'insertion des jeunes " * 30,
]


def _plain_stems(text: str) -> list[str]:
    return [t for t in map(normalise, WORD.findall(nfc(text))) if t is not None]


def _plain_fold(text: str) -> str:
    lowered = text.lower().translate(analysis.LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def test_a_tricky_record_gives_the_pinned_document_and_json() -> None:
    doc = document(RECORD)
    assert list(doc.items()) == list(DOCUMENT.items())
    assert as_json(doc) == JSON
    # the same fields when nothing of the document is remembered (another process built it)
    analysis._COMPOSED.clear()
    documents._JOINED.clear()
    assert as_json(dict(DOCUMENT)) == JSON


@pytest.mark.parametrize("text", TEXTS)
def test_cached_analysis_matches_the_plain_chain(text: str) -> None:
    plain = _plain_stems(text)
    assert stems(text) == plain
    assert stem_tuple(text) == tuple(plain)
    assert joined_stems(text) == plain
    assert stemmed(text) == " ".join(plain)
    assert pairs(text) == [f"{a} {b}" for a, b in zip(plain, plain[1:], strict=False)]
    folded = [w for w in map(simplify, WORD.findall(nfc(text))) if w]
    assert simplified(text) == " ".join(folded)
    # the words stemming drops, which a query of stop words only looks for in a field
    dropped = [simplify(w) for w in WORD.findall(nfc(text)) if normalise(w) is None]
    assert list(stop_words(text)) == [w for w in dropped if w]
    assert fold(text) == _plain_fold(text)
    parts = [text, "x ; y", text, "", "  "]
    assert compose(parts) == nfc(" ".join(parts))
    assert simplified(compose(parts)) == " ".join(
        w for w in map(simplify, WORD.findall(nfc(" ".join(parts)))) if w)
    assert stemmed(compose(parts)) == " ".join(_plain_stems(" ".join(parts)))


@pytest.mark.parametrize("given", [
    ["a", "b", "a", "", "c"], ["a\x1fb", "b", "a"], ["\x1f", "x"], ["", ""], ["only"],
    ["a\x1f", "\x1fa", "a"],
])
def test_joined_values_read_back_as_when_split(given: list[str]) -> None:
    joined = documents._join(given)
    assert values(joined) == [v for v in dict.fromkeys(joined.split("\x1f")) if v]


def test_no_character_is_both_whitespace_and_part_of_a_word() -> None:
    """What splitting on whitespace before the word regex relies on."""
    word = re.compile(r"[\w'’ʼ]")
    chars = (chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert [c for c in chars if c.isspace() and word.match(c)] == []


def test_nfc_composes_nothing_across_a_space() -> None:
    """What analysing a text piece by piece, split on spaces, relies on."""
    marks = [chr(c) for c in range(sys.maxunicode + 1)
             if not 0xD800 <= c <= 0xDFFF and unicodedata.combining(chr(c))]
    for mark in marks:
        assert unicodedata.normalize("NFC", " " + mark) == " " + unicodedata.normalize(
            "NFC", mark)
        assert unicodedata.normalize("NFC", "e " + mark) == "e " + unicodedata.normalize(
            "NFC", mark)
