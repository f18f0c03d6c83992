"""Character sets: ISO 5426 as UNIMARC sources write it, strict UTF-8, Latin-1, MARC-8.

The byte sequences below are written from the ISO 5426 code table (ISO-IR 53), not
produced by the module under test: a diacritic byte precedes its letter.
"""

from __future__ import annotations

import pickle
import unicodedata

import pytest

from catalogue.formats.charsets import (
    CHARSETS,
    CharsetError,
    decode,
    decode_iso5426,
    encode,
    encode_iso5426,
)

GRAVE, ACUTE, CIRCUMFLEX, TILDE, MACRON = b"\xc1", b"\xc2", b"\xc3", b"\xc4", b"\xc5"
DOT_ABOVE, DIAERESIS, UMLAUT, RING, CARON = b"\xc7", b"\xc8", b"\xc9", b"\xca", b"\xcf"
CEDILLA, OGONEK = b"\xd0", b"\xd3"

# Every accented letter of French, capitals included, and the French signs.
FRENCH = [
    ("à", GRAVE + b"a"),
    ("â", CIRCUMFLEX + b"a"),
    ("ä", DIAERESIS + b"a"),
    ("ç", CEDILLA + b"c"),
    ("é", ACUTE + b"e"),
    ("è", GRAVE + b"e"),
    ("ê", CIRCUMFLEX + b"e"),
    ("ë", DIAERESIS + b"e"),
    ("î", CIRCUMFLEX + b"i"),
    ("ï", DIAERESIS + b"i"),
    ("ô", CIRCUMFLEX + b"o"),
    ("ö", DIAERESIS + b"o"),
    ("ù", GRAVE + b"u"),
    ("û", CIRCUMFLEX + b"u"),
    ("ü", DIAERESIS + b"u"),
    ("ÿ", DIAERESIS + b"y"),
    ("À", GRAVE + b"A"),
    ("Â", CIRCUMFLEX + b"A"),
    ("Ä", DIAERESIS + b"A"),
    ("Ç", CEDILLA + b"C"),
    ("É", ACUTE + b"E"),
    ("È", GRAVE + b"E"),
    ("Ê", CIRCUMFLEX + b"E"),
    ("Ë", DIAERESIS + b"E"),
    ("Î", CIRCUMFLEX + b"I"),
    ("Ï", DIAERESIS + b"I"),
    ("Ô", CIRCUMFLEX + b"O"),
    ("Ö", DIAERESIS + b"O"),
    ("Ù", GRAVE + b"U"),
    ("Û", CIRCUMFLEX + b"U"),
    ("Ü", DIAERESIS + b"U"),
    ("Ÿ", DIAERESIS + b"Y"),
    ("œ", b"\xfa"),
    ("Œ", b"\xea"),
    ("æ", b"\xf1"),
    ("Æ", b"\xe1"),
    ("«", b"\xab"),
    ("»", b"\xbb"),
    ("°", RING + b" "),  # not in ISO 5426: PMB writes a ring on a space
    ("\u00a0", b"\xa0"),  # no-break space, as PMB writes it
    ("€", b"\x80"),  # as PMB writes it
]

# The rest of the G1 table: spacing signs (2/1-3/15) and special letters (6/1-7/12).
G1_SPECIALS = [
    ("¡", b"\xa1"),
    ("„", b"\xa2"),
    ("£", b"\xa3"),
    ("¥", b"\xa5"),
    ("†", b"\xa6"),
    ("§", b"\xa7"),
    ("′", b"\xa8"),
    ("‘", b"\xa9"),
    ("“", b"\xaa"),
    ("♭", b"\xac"),
    ("©", b"\xad"),
    ("℗", b"\xae"),
    ("®", b"\xaf"),
    ("ʻ", b"\xb0"),
    ("ʼ", b"\xb1"),
    ("‚", b"\xb2"),
    ("‡", b"\xb6"),
    ("·", b"\xb7"),
    ("″", b"\xb8"),
    ("’", b"\xb9"),
    ("”", b"\xba"),
    ("♯", b"\xbc"),
    ("ʹ", b"\xbd"),
    ("ʺ", b"\xbe"),
    ("¿", b"\xbf"),
    ("Đ", b"\xe2"),
    ("Ĳ", b"\xe6"),
    ("Ł", b"\xe8"),
    ("Ø", b"\xe9"),
    ("Þ", b"\xec"),
    ("đ", b"\xf2"),
    ("ð", b"\xf3"),
    ("ı", b"\xf5"),
    ("ĳ", b"\xf6"),
    ("ł", b"\xf8"),
    ("ø", b"\xf9"),
    ("ß", b"\xfb"),
    ("þ", b"\xfc"),
]

# One letter under each non-spacing diacritic 4/0-5/11, composed in NFC where Unicode can.
DIACRITICS = [
    (b"\xc0a", "ả"),  # hook above
    (b"\xc4n", "ñ"),
    (b"\xc5a", "ā"),
    (b"\xc6g", "ğ"),
    (b"\xc7z", "ż"),
    (UMLAUT + b"o", "ö"),  # 4/9 umlaut is the same Unicode mark as 4/8 trema
    (RING + b"a", "å"),
    (b"\xcbg", "g\u0315"),  # high comma off centre
    (b"\xccg", "g\u0312"),  # inverted high comma centred
    (b"\xcdo", "ő"),
    (b"\xceu", "ư"),  # horn
    (CARON + b"s", "š"),
    (b"\xd1a", "a\u031c"),
    (b"\xd2s", "ș"),  # hook to left: comma below
    (OGONEK + b"e", "ę"),
    (b"\xd4a", "ḁ"),
    (b"\xd5h", "ḫ"),
    (b"\xd6d", "ḍ"),
    (b"\xd7u", "ṳ"),
    (b"\xd8a", "a\u0332"),
    (b"\xd9a", "a\u0333"),
    (b"\xdan", "n\u0329"),
    (b"\xdbd", "ḓ"),
]

SENTENCE = "L'écho des cités : prévention de la délinquance à Saint-Étienne, œuvre collective"
SENTENCE_BYTES = (
    b"L'\xc2echo des cit\xc2es : pr\xc2evention de la d\xc2elinquance \xc1a "
    b"Saint-\xc2Etienne, \xfauvre collective"
)


@pytest.mark.parametrize(("text", "data"), FRENCH + G1_SPECIALS)
def test_iso5426_decodes_table_bytes(text: str, data: bytes) -> None:
    assert decode_iso5426(data) == text
    assert decode(data, "iso-5426") == text


@pytest.mark.parametrize(("text", "data"), FRENCH + G1_SPECIALS)
def test_iso5426_encodes_to_table_bytes(text: str, data: bytes) -> None:
    assert encode_iso5426(text) == data
    assert encode(text, "iso-5426") == data


@pytest.mark.parametrize(("data", "text"), DIACRITICS)
def test_iso5426_every_diacritic_moves_after_its_letter(data: bytes, text: str) -> None:
    assert decode_iso5426(data) == text
    assert decode_iso5426(encode_iso5426(text)) == text


def test_iso5426_decode_is_nfc() -> None:
    text = decode_iso5426(ACUTE + b"e")
    assert text == "\u00e9"
    assert len(text) == 1
    assert unicodedata.is_normalized("NFC", decode_iso5426(SENTENCE_BYTES))


def test_iso5426_umlaut_is_written_back_as_trema() -> None:
    assert decode_iso5426(UMLAUT + b"e") == "ë"
    assert encode_iso5426("ë") == DIAERESIS + b"e"


def test_iso5426_dollar_reads_from_both_positions_and_writes_ascii() -> None:
    assert decode_iso5426(b"\xa45 $6") == "$5 $6"
    assert encode_iso5426("$5") == b"$5"


def test_french_sentence_round_trips() -> None:
    assert decode_iso5426(SENTENCE_BYTES) == SENTENCE
    assert encode_iso5426(SENTENCE) == SENTENCE_BYTES
    typography = "«\u00a0Qu'est-ce ?\u00a0» Œuvres, n° 12, 15 €, L'Haÿ-les-Roses, Noël"
    assert decode_iso5426(encode_iso5426(typography)) == typography


def test_nfd_input_encodes_like_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", SENTENCE)
    assert decomposed != SENTENCE
    assert encode_iso5426(decomposed) == SENTENCE_BYTES


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (ACUTE + CIRCUMFLEX + b"e", "\u1ebf"),  # acute over (circumflex over e): ế
        (CIRCUMFLEX + ACUTE + b"e", "\u00e9\u0302"),  # circumflex over é: no precomposed
        (MACRON + DIAERESIS + b"u", "\u01d6"),  # ǖ
        (ACUTE + CEDILLA + b"c", "\u1e09"),  # ḉ
        (CEDILLA + ACUTE + b"c", "\u1e09"),  # below and above marks commute
        (ACUTE + b"\xe1", "\u01fc"),  # a diacritic on a special letter: Ǽ
        (ACUTE + b"\xe9", "\u01fe"),  # Ǿ
    ],
)
def test_stacked_diacritics(data: bytes, text: str) -> None:
    assert decode_iso5426(data) == text


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("\u1ebf", ACUTE + CIRCUMFLEX + b"e"),
        ("\u01d6", MACRON + DIAERESIS + b"u"),
        ("\u1e09", ACUTE + CEDILLA + b"c"),
        ("Nguyễn", b"Nguy" + TILDE + CIRCUMFLEX + b"en"),
    ],
)
def test_stacked_diacritics_encode_nearest_mark_last(text: str, data: bytes) -> None:
    assert encode_iso5426(text) == data
    assert decode_iso5426(data) == text


def test_ligature_and_double_tilde_halves_share_their_left_byte() -> None:
    assert decode_iso5426(b"\xddt\xdes") == "t\ufe20s\ufe21"
    assert decode_iso5426(b"\xddn\xdfg") == "n\ufe22g\ufe23"
    assert encode_iso5426("n\ufe22g\ufe23") == b"\xddn\xdfg"
    with pytest.raises(CharsetError) as caught:
        encode_iso5426("n\ufe22g\ufe21")
    assert caught.value.offset == 1


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (ACUTE, "\u0301"),  # alone
        (b"cote " + ACUTE, "cote \u0301"),  # at the end: stays last
        (ACUTE + b".", ".\u0301"),  # before a sign: goes on it
        (ACUTE + b"1", "1\u0301"),
        (ACUTE + b" x", " \u0301x"),
        (CIRCUMFLEX + ACUTE, "\u0301\u0302"),  # stacked, at the end
    ],
)
def test_dangling_diacritic_never_crashes(data: bytes, text: str) -> None:
    assert decode_iso5426(data) == text


def test_pmb_spacing_signs() -> None:
    assert decode_iso5426(b"n" + RING + b" 12") == "n°12"  # the space belongs to the °
    assert decode_iso5426(b"n" + RING + b"  12") == "n° 12"
    assert decode_iso5426(b"n" + DOT_ABOVE + b" 3") == "nº3"
    assert decode_iso5426(MACRON + b" ") == "¯"
    assert encode_iso5426("nº") == b"n" + DOT_ABOVE + b" "
    # A lone ring on a real space would read back as °, so it is refused, not changed.
    with pytest.raises(CharsetError) as caught:
        encode_iso5426("a \u030a")
    assert caught.value.offset == 2


def test_nonsort_controls_map_to_the_utf8_unimarc_code_points() -> None:
    assert decode_iso5426(b"\x88Les \x89mis\xc2erables") == "\x98Les \x9cmisérables"
    assert encode_iso5426("\x98Le \x9cmonde") == b"\x88Le \x89monde"


@pytest.mark.parametrize(
    ("data", "offset", "byte"),
    [
        (b"abc\xe0", 3, "0xE0"),  # 6/0 is unassigned
        (b"\xb3", 0, "0xB3"),  # 3/3-3/5 shall not be used
        (b"ab\xdcx", 2, "0xDC"),  # 5/12 shall not be used
        (ACUTE + b"e\xff", 2, "0xFF"),
        (b"A\x81B", 1, "0x81"),  # C1 controls other than NSB/NSE
        (b"ABC" + ACUTE + b"\xfd", 4, "0xFD"),  # the diacritic is fine, its letter is not
        (b"ab\x1b(B", 2, "0x1B"),  # escape to another set: unsupported, not garbage
    ],
)
def test_iso5426_invalid_bytes_report_offset(data: bytes, offset: int, byte: str) -> None:
    with pytest.raises(CharsetError) as caught:
        decode(data, "iso-5426")
    assert caught.value.charset == "iso-5426"
    assert caught.value.offset == offset
    assert str(caught.value).startswith(f"invalid ISO 5426 byte {byte} at offset {offset}")


def test_iso5426_reports_the_first_bad_byte_of_a_long_value() -> None:
    data = SENTENCE_BYTES + b"\xe3" + b"x" * 10 + b"\xe4"
    with pytest.raises(CharsetError) as caught:
        decode_iso5426(data)
    assert caught.value.offset == len(SENTENCE_BYTES)


@pytest.mark.parametrize(
    ("text", "offset", "shown"),
    [
        ("x²", 1, "U+00B2"),
        ("x³", 1, "U+00B3"),
        ("1 ± 2", 2, "U+00B1"),
        ("Ðórr", 0, "U+00D0"),  # ISO 5426 has Đ (U+0110) but not the Icelandic capital
        ("café 東京", 5, "U+6771"),
        ("ab\u0331", 2, "U+0331"),  # a diacritic ISO 5426 lacks (macron below)
        ("e\u0301\u0331", 2, "U+0331"),
        ("\u0301a", 0, "U+0301"),  # a diacritic with no letter before it
        ("a\x1bb", 1, "U+001B"),
    ],
)
def test_iso5426_unmappable_characters_raise(text: str, offset: int, shown: str) -> None:
    with pytest.raises(CharsetError) as caught:
        encode(text, "iso-5426")
    assert caught.value.charset == "iso-5426"
    assert caught.value.offset == offset
    assert shown in str(caught.value)


def test_round_trip_is_exact_for_every_encodable_character() -> None:
    """Whatever encodes must decode back to its NFC form: nothing is silently changed."""
    encodable = 0
    for code in [*range(0x20, 0xD800), *range(0xE000, 0x10000)]:
        for text in (chr(code), "a" + chr(code), " " + chr(code)):
            try:
                data = encode_iso5426(text)
            except CharsetError:
                continue
            encodable += 1
            assert decode_iso5426(data) == unicodedata.normalize("NFC", text), hex(code)
    assert encodable > 1000  # the accented Latin repertoire, not just ASCII


def test_every_two_byte_sequence_decodes_or_raises_charset_error() -> None:
    decoded = 0
    for first in range(256):
        for second in range(256):
            data = bytes([first, second])
            try:
                text = decode_iso5426(data)
            except CharsetError as exc:
                assert exc.offset in (0, 1)
                continue
            decoded += 1
            assert unicodedata.is_normalized("NFC", text)
            try:
                again = encode_iso5426(text)
            except CharsetError:
                continue  # e.g. a dangling diacritic: refused rather than misplaced
            assert decode_iso5426(again) == text, data
    assert decoded > 30000


def test_utf8_is_strict_and_reports_offsets() -> None:
    with pytest.raises(CharsetError) as caught:
        decode(b"caf\xe9", "utf-8")
    assert (caught.value.charset, caught.value.offset) == ("utf-8", 3)
    assert str(caught.value) == "invalid UTF-8 byte 0xE9 at offset 3"
    with pytest.raises(CharsetError) as truncated:
        decode("é".encode() + b"t\xc3", "utf-8")
    assert truncated.value.offset == 3
    with pytest.raises(CharsetError) as surrogate:
        decode(b"a\xed\xa0\x80", "utf-8")
    assert surrogate.value.offset == 1


def test_utf8_nfd_input_becomes_nfc() -> None:
    assert decode("e\u0301te\u0301".encode(), "utf-8") == "\u00e9t\u00e9"
    assert decode(unicodedata.normalize("NFD", SENTENCE).encode(), "utf-8") == SENTENCE
    assert encode("e\u0301", "utf-8") == "\u00e9".encode()


def test_utf8_encode_refuses_lone_surrogates() -> None:
    with pytest.raises(CharsetError) as caught:
        encode("ab\ud800", "utf-8")
    assert caught.value.offset == 2


def test_latin1() -> None:
    assert decode(b"\xe9t\xe9 \xab\xa0x\xa0\xbb", "iso-8859-1") == "été «\u00a0x\u00a0»"
    assert encode("e\u0301t\u00e9 ²", "iso-8859-1") == b"\xe9t\xe9 \xb2"
    with pytest.raises(CharsetError) as caught:
        encode("Cœur", "iso-8859-1")
    assert (caught.value.charset, caught.value.offset) == ("iso-8859-1", 1)
    with pytest.raises(CharsetError) as decomposed:
        encode("cafe\u0301 x\u0331", "iso-8859-1")
    assert decomposed.value.offset == 7  # the index in the caller's text, not in its NFC


def test_marc8_through_pymarc() -> None:
    assert decode(b"Caf\xe2e", "marc-8") == "Café"  # ANSEL 0xE2 is the acute
    assert decode(b"\x88Le \x89monde", "marc-8") == "\x98Le \x9cmonde"
    with pytest.raises(CharsetError) as caught:
        decode(b"ab\xff", "marc-8")
    assert (caught.value.charset, caught.value.offset) == ("marc-8", 2)
    with pytest.raises(CharsetError) as dangling:
        decode(b"abc\xe2", "marc-8")
    assert dangling.value.offset == 3


def test_marc8_cannot_be_written() -> None:
    with pytest.raises(ValueError, match="writing MARC-8 is not supported"):
        encode("Café", "marc-8")


@pytest.mark.parametrize("name", ["latin-9", "utf8", "iso5426", ""])
def test_unknown_charset_name(name: str) -> None:
    for call in (lambda: decode(b"x", name), lambda: encode("x", name)):
        with pytest.raises(ValueError) as caught:
            call()
        assert not isinstance(caught.value, CharsetError)
        for allowed in CHARSETS:
            assert allowed in str(caught.value)


def test_charset_names_are_case_insensitive() -> None:
    assert decode(ACUTE + b"e", "ISO-5426") == "é"


def test_charset_error_survives_pickling() -> None:
    with pytest.raises(CharsetError) as caught:
        decode(b"\xe0", "iso-5426")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (str(copy), copy.charset, copy.offset) == (str(caught.value), "iso-5426", 0)
