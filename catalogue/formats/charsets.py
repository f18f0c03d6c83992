"""Character sets of MARC sources: decode bytes to NFC text and encode text back.

UNIMARC exports from PMB, the BnF and SUDOC come in UTF-8 or in ISO 646 + ISO 5426
(100$a/26-29 "0103"); older MARC 21 files are MARC-8 and some tools write Latin-1.
Everything is normalised to NFC on the way in, so that search, deduplication and
comparison see a single form of "é" whatever the source sent.

Nothing is dropped silently: a byte a character set does not define, or a character
it cannot represent, raises :class:`CharsetError` with its offset, and the importer
reports the record instead of storing garbled text.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from catalogue.formats import marc8

__all__ = [
    "CHARSETS",
    "CharsetError",
    "decode",
    "decode_iso5426",
    "encode",
    "encode_iso5426",
]

CHARSETS: Final = ("utf-8", "iso-5426", "iso-8859-1", "marc-8")
"""The character set names a source can force (``--encoding``)."""

# ISO 5426-1983 "Extension of the Latin alphabet coded character set for bibliographic
# information interchange", registered as ISO-IR 53, used as G1 (bytes 0xA1-0xFE) over
# ISO 646 as G0. Positions and names are those of the registration, as quoted position
# by position in MARC4J's converter/impl/Iso5426ToUnicode.java ("Source: ISO-IR/053")
# and Koha's C4/Charset.pm (char_decode5426); the Unicode equivalents were checked
# against smc.bibencodings' iso5426.py (semantics GmbH). Where a source departs from
# the registered names we follow the names: MARC4J maps 2/2 and 3/2 to high quotes and
# 3/0-3/1 to Arabic letters, Koha reuses 3/2-3/5 for à ç è é; here 2/2 and 3/2 are the
# low-9 quotes and 3/0-3/1 the modifier letters used in transliteration.
# Unassigned positions: 3/3-3/5 (B3-B5), 5/12 (DC), 6/0 E0, E3-E5, E7, EB, ED-F0, F4,
# F7, FD-FE. 2/0 and 7/15 (A0, FF) lie outside a 94-character set.
_G1_CHARS: Final[dict[int, str]] = {
    0xA1: "\u00a1",  # inverted exclamation mark
    0xA2: "\u201e",  # left low double quotation mark
    0xA3: "\u00a3",  # pound sign
    0xA4: "\u0024",  # dollar sign (ISO 646 IRV of 1983 had the currency sign at 0x24)
    0xA5: "\u00a5",  # yen sign
    0xA6: "\u2020",  # dagger
    0xA7: "\u00a7",  # section sign
    0xA8: "\u2032",  # prime
    0xA9: "\u2018",  # left high single quotation mark
    0xAA: "\u201c",  # left high double quotation mark
    0xAB: "\u00ab",  # left angle quotation mark
    0xAC: "\u266d",  # music flat
    0xAD: "\u00a9",  # copyright sign
    0xAE: "\u2117",  # sound recording copyright sign
    0xAF: "\u00ae",  # registered trade mark sign
    0xB0: "\u02bb",  # ayn
    0xB1: "\u02bc",  # alif/hamzah
    0xB2: "\u201a",  # left low single quotation mark
    0xB6: "\u2021",  # double dagger
    0xB7: "\u00b7",  # middle dot
    0xB8: "\u2033",  # double prime
    0xB9: "\u2019",  # right high single quotation mark
    0xBA: "\u201d",  # right high double quotation mark
    0xBB: "\u00bb",  # right angle quotation mark
    0xBC: "\u266f",  # music sharp
    0xBD: "\u02b9",  # mjagkij znak (soft sign)
    0xBE: "\u02ba",  # tverdyj znak (hard sign)
    0xBF: "\u00bf",  # inverted question mark
    0xE1: "\u00c6",  # capital diphthong AE
    0xE2: "\u0110",  # capital D with stroke
    0xE6: "\u0132",  # capital IJ
    0xE8: "\u0141",  # capital L with stroke
    0xE9: "\u00d8",  # capital O with oblique stroke
    0xEA: "\u0152",  # capital diphthong OE
    0xEC: "\u00de",  # capital thorn
    0xF1: "\u00e6",  # small diphthong ae
    0xF2: "\u0111",  # small d with stroke
    0xF3: "\u00f0",  # small eth
    0xF5: "\u0131",  # small dotless i
    0xF6: "\u0133",  # small ij
    0xF8: "\u0142",  # small l with stroke
    0xF9: "\u00f8",  # small o with oblique stroke
    0xFA: "\u0153",  # small diphthong oe
    0xFB: "\u00df",  # small sharp s
    0xFC: "\u00fe",  # small thorn
}

# 4/0-5/15: non-spacing diacritics. Unlike Unicode they come BEFORE the letter, and with
# several of them the one nearest the letter is applied first ("C5 C8 u" is u, then
# diaeresis, then macron: U+01D6).
_G1_MARKS: Final[dict[int, str]] = {
    0xC0: "\u0309",  # hook above (low rising tone mark)
    0xC1: "\u0300",  # grave accent
    0xC2: "\u0301",  # acute accent
    0xC3: "\u0302",  # circumflex accent
    0xC4: "\u0303",  # tilde
    0xC5: "\u0304",  # macron
    0xC6: "\u0306",  # breve
    0xC7: "\u0307",  # dot above
    0xC8: "\u0308",  # trema, diaeresis
    0xC9: "\u0308",  # umlaut: same mark in Unicode, written back as 0xC8
    0xCA: "\u030a",  # circle above
    0xCB: "\u0315",  # high comma off centre
    0xCC: "\u0312",  # inverted high comma centred
    0xCD: "\u030b",  # double acute accent
    0xCE: "\u031b",  # horn
    0xCF: "\u030c",  # caron (hacek)
    0xD0: "\u0327",  # cedilla
    0xD1: "\u031c",  # rude
    0xD2: "\u0326",  # hook to left (comma below)
    0xD3: "\u0328",  # ogonek (hook to right)
    0xD4: "\u0325",  # circle below
    0xD5: "\u032e",  # half circle below
    0xD6: "\u0323",  # dot below
    0xD7: "\u0324",  # double dot below
    0xD8: "\u0332",  # underline
    0xD9: "\u0333",  # double underline
    0xDA: "\u0329",  # small low vertical bar
    0xDB: "\u032d",  # circumflex below
    0xDD: "\ufe20",  # left half of ligature sign (or of double tilde, see below)
    0xDE: "\ufe21",  # right half of ligature sign
    0xDF: "\ufe23",  # right half of double tilde
}
_HALF_LEFT: Final = 0xDD
_HALF_TILDE_RIGHT: Final = 0xDF
_HALVES: Final = frozenset({0xDD, 0xDE, 0xDF})
_TILDE_LEFT: Final = "\ufe22"

# PMB (classes/iso2709.class.php, iso_tables) writes a few characters ISO 5426 lacks,
# and French records are full of them: the no-break space of French typography inside
# « » and before : ; ? !, the euro sign, "n°". We read and write them as PMB does so an
# exchange with PMB keeps them. C1 NSB/NSE (ISO 6630) map to U+0098/U+009C, the code
# points UTF-8 UNIMARC uses, so non-sorting parts look alike whatever the source.
_EXTRA_CHARS: Final[dict[int, str]] = {
    0x80: "\u20ac",  # euro sign (PMB)
    0x88: "\u0098",  # NSB, non-sorting begin
    0x89: "\u009c",  # NSE, non-sorting end
    0xA0: "\u00a0",  # no-break space (PMB)
}
_PMB_SPACING: Final[dict[str, str]] = {  # diacritic on a space, as PMB writes them
    "\u030a": "\u00b0",  # degree sign: 0xCA 0x20
    "\u0307": "\u00ba",  # masculine ordinal indicator: 0xC7 0x20
    "\u0304": "\u00af",  # spacing macron: 0xC5 0x20
}
_ESC: Final = 0x1B

_DECODE_CHARS: Final[dict[int, str]] = {
    **{byte: chr(byte) for byte in range(0x80) if byte != _ESC},
    **_EXTRA_CHARS,
    **_G1_CHARS,
}
_ENCODE_MARKS: Final[dict[str, int]] = {
    mark: byte for byte, mark in _G1_MARKS.items() if byte != 0xC9
} | {_TILDE_LEFT: _HALF_LEFT}
_ENCODE_CHARS: Final[dict[str, bytes]] = {
    # "$" stays ASCII: 0xA4 is only read, for files written against ISO 646 of 1983.
    **{char: bytes([byte]) for byte, char in _DECODE_CHARS.items() if byte != 0xA4},
    **{spacing: bytes([_ENCODE_MARKS[mark], 0x20]) for mark, spacing in _PMB_SPACING.items()},
}



class CharsetError(ValueError):
    """Bytes a character set does not define, or text it cannot represent.

    Carries what the import report needs to point at the culprit: the character set
    and the byte offset (decoding) or character index (encoding) of the bad item.
    """

    def __init__(self, message: str, charset: str, offset: int) -> None:
        # All three go to args so the error pickles across worker processes.
        super().__init__(message, charset, offset)
        self.message = message
        self.charset = charset
        self.offset = offset

    def __str__(self) -> str:
        return self.message


def _check_name(charset: str) -> str:
    name = charset.lower()
    if name not in CHARSETS:
        raise ValueError(
            f"unknown character set {charset!r}; expected one of: {', '.join(CHARSETS)}"
        )
    return name


def decode(data: bytes, charset: str) -> str:
    """Decode one MARC value to NFC text, refusing bytes the charset does not define.

    Raises:
        CharsetError: a byte is invalid in ``charset`` (``offset`` is its position).
        ValueError: ``charset`` is not one of :data:`CHARSETS`.
    """
    name = _check_name(charset)
    if name == "iso-5426":
        return decode_iso5426(data)
    if name == "utf-8":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CharsetError(
                f"invalid UTF-8 byte 0x{data[exc.start]:02X} at offset {exc.start}",
                "utf-8",
                exc.start,
            ) from None
    elif name == "iso-8859-1":
        text = data.decode("latin-1")
    else:
        text = _decode_marc8(data)
    return unicodedata.normalize("NFC", text)


def encode(text: str, charset: str) -> bytes:
    """Encode text for a MARC export, refusing characters the charset cannot hold.

    Raises:
        CharsetError: a character has no equivalent (``offset`` is its index in ``text``).
        ValueError: ``charset`` is unknown, or is MARC-8, which we only read.
    """
    name = _check_name(charset)
    if name == "iso-5426":
        return encode_iso5426(text)
    if name == "marc-8":
        raise ValueError("writing MARC-8 is not supported; export in UTF-8 or ISO 5426")
    return _encode_codec(text, "utf-8" if name == "utf-8" else "latin-1", name)


def decode_iso5426(data: bytes) -> str:
    """Decode ISO 646 + ISO 5426 to NFC text, moving each diacritic after its letter.

    A diacritic with nothing after it stays alone at the end; one before a space or a
    sign goes on that character, as Unicode would draw it, except PMB's spellings of
    ° º ¯ (ring, dot, macron on a space). PMB's no-break space (0xA0) and euro sign
    (0x80) are read too.

    Raises:
        CharsetError: an unassigned byte, or an escape to another character set.
    """
    if data.isascii() and _ESC not in data:
        return data.decode("ascii")
    out: list[str] = []
    marks: list[str] = []
    for at, byte in enumerate(data):
        mark = _G1_MARKS.get(byte)
        if mark is not None:
            if byte == _HALF_LEFT and _next_half(data, at + 1) == _HALF_TILDE_RIGHT:
                mark = _TILDE_LEFT
            marks.append(mark)
            continue
        char = _DECODE_CHARS.get(byte)
        if char is None:
            detail = " (escapes to other character sets are not supported)" if byte == _ESC else ""
            raise CharsetError(
                f"invalid ISO 5426 byte 0x{byte:02X} at offset {at}{detail}", "iso-5426", at
            )
        if char == " " and len(marks) == 1 and marks[0] in _PMB_SPACING:
            out.append(_PMB_SPACING[marks[0]])
        else:
            out.append(char)
            out.extend(reversed(marks))
        marks.clear()
    out.extend(reversed(marks))
    return unicodedata.normalize("NFC", "".join(out))


def dangling_mark(data: bytes) -> bool:
    """Whether ISO 5426 ``data`` ends with a non-spacing diacritic, which has no letter
    after it to go on (:func:`decode_iso5426` keeps it last, on the preceding character)."""
    return bool(data) and data[-1] in _G1_MARKS


def encode_iso5426(text: str) -> bytes:
    """Encode text as ISO 646 + ISO 5426, each diacritic written before its letter.

    Raises:
        CharsetError: a character (or diacritic) ISO 5426 lacks, or a diacritic with
            no letter to carry it; ``offset`` is its index in ``text``.
    """
    out = bytearray()
    halves: list[tuple[int, str, int]] = []
    for base, base_at, marks in _clusters(text):
        code = _ENCODE_CHARS.get(base)
        if code is None:
            raise _unmappable(base, base_at)
        _check_spacing(base, marks)
        # Canonical order (by combining class) gives one byte sequence per NFC text.
        marks.sort(key=lambda item: unicodedata.combining(item[0]))
        for mark, at in reversed(marks):
            byte = _ENCODE_MARKS.get(mark)
            if byte is None:
                raise _unmappable(mark, at)
            out.append(byte)
            if byte in _HALVES:
                halves.append((byte, mark, at))
        out += code
    _check_halves(halves)
    return bytes(out)


def _next_half(data: bytes, start: int) -> int | None:
    """The next ligature/double-tilde half byte from ``start``, which tells 0xDD's kind."""
    for byte in data[start:]:
        if byte in _HALVES:
            return byte
    return None


def _check_spacing(base: str, marks: list[tuple[str, int]]) -> None:
    # The PMB spellings of ° º ¯ are a diacritic on a space: a lone such diacritic on a
    # real space, or a diacritic on ° º ¯, would not read back as written.
    on_pmb_sign = base in _PMB_SPACING.values() and bool(marks)
    pmb_lookalike = base == " " and len(marks) == 1 and marks[0][0] in _PMB_SPACING
    if not (on_pmb_sign or pmb_lookalike):
        return
    mark, at = marks[0]
    raise CharsetError(
        f"{_describe(mark)} at offset {at} cannot be written on {base!r} in ISO 5426",
        "iso-5426",
        at,
    )


def _check_halves(halves: list[tuple[int, str, int]]) -> None:
    # 0xDD serves both ligature and double tilde; the decoder tells them apart by the
    # right half that follows, so refuse a left half the decoder would read differently.
    for n, (byte, mark, at) in enumerate(halves):
        if byte != _HALF_LEFT:
            continue
        closed_by_tilde = n + 1 < len(halves) and halves[n + 1][0] == _HALF_TILDE_RIGHT
        if (mark == _TILDE_LEFT) != closed_by_tilde:
            raise CharsetError(
                f"{_describe(mark)} at offset {at} is not closed by its own right half",
                "iso-5426",
                at,
            )


def _clusters(text: str) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Split NFD text into (base, index, [(mark, index), ...]) with original indices."""
    clusters: list[tuple[str, int, list[tuple[str, int]]]] = []
    for at, char in enumerate(text):
        for part in unicodedata.normalize("NFD", char):
            if unicodedata.category(part).startswith("M"):
                if not clusters:
                    raise CharsetError(
                        f"{_describe(part)} at offset {at} has no letter to carry it",
                        "iso-5426",
                        at,
                    )
                clusters[-1][2].append((part, at))
            else:
                clusters.append((part, at, []))
    return clusters


def _encode_codec(text: str, codec: str, charset: str) -> bytes:
    try:
        return unicodedata.normalize("NFC", text).encode(codec)
    except UnicodeEncodeError as exc:
        whole = exc
    # Find the culprit in the caller's text, not in its NFC form, so offsets match.
    starts = [at for at, char in enumerate(text) if not unicodedata.category(char).startswith("M")]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        piece = text[start:end]
        composed = unicodedata.normalize("NFC", piece)
        try:
            composed.encode(codec)
        except UnicodeEncodeError as exc:
            at = start + exc.start if composed == piece else start
            raise _unmappable(text[at], at, charset) from None
    raise _unmappable(whole.object[whole.start], whole.start, charset) from None


def _decode_marc8(data: bytes) -> str:
    try:
        return marc8.decode(data)
    except marc8.Marc8Error as exc:
        raise CharsetError(exc.message, "marc-8", exc.offset) from None


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    shown = "" if unicodedata.category(char)[0] in "MCZ" else f"{char!r} "
    return f"{shown}(U+{ord(char):04X} {name})" if shown else f"U+{ord(char):04X} {name}"


def _unmappable(char: str, at: int, charset: str = "iso-5426") -> CharsetError:
    label = {"iso-5426": "ISO 5426", "iso-8859-1": "ISO 8859-1", "utf-8": "UTF-8"}[charset]
    return CharsetError(f"{_describe(char)} at offset {at} has no {label} equivalent", charset, at)
