"""MARC-8, strictly, with every graphic set in either half.

MARC-8 switches character sets mid-value with escape sequences ("ESC ( N" for Cyrillic,
"ESC ) 2" for Hebrew, "ESC $ 1" for CJK). The Library of Congress tables (pymarc ships
them as ``marc8_mapping.CODESETS``) list some sets in the G0 half (0x21-0x7E) and others
in the G1 half (0xA1-0xFE); the specification lets a record designate any set as G0 or
G1, and real records do ("ESC ( Q" puts Extended Cyrillic, tabled at 0xC0-0xFF, in G0).
pymarc's decoder looks a byte up only in the half the table uses, and turns what it does
not find into a space: "решења" came out as "реше а". Here a byte is looked up in its
set at either half, and a byte no table defines is an error with its offset, never a
space.
"""

from __future__ import annotations

from typing import Final

from pymarc import marc8_mapping

ESC: Final = 0x1B
ASCII: Final = 0x42
ANSEL: Final = 0x45
EACC: Final = 0x31  # East Asian: three bytes a character
# Single-byte G0 switches: ESC g (Greek symbols), ESC b (subscripts), ESC p (superscripts),
# and ESC s back to ASCII.
_SHORT: Final = {0x67: 0x67, 0x62: 0x62, 0x70: 0x70, 0x73: ASCII}
# What ASCII control bytes and the MARC-8 specials become.
_SPECIAL: Final = {
    0x88: "\u0098",  # NSB: start of the part that does not sort ("The ")
    0x89: "\u009c",  # NSE
    0x8D: "\u200d",  # zero width joiner
    0x8E: "\u200c",  # zero width non-joiner
}


class Marc8Error(ValueError):
    """A byte or escape sequence MARC-8 does not define; ``offset`` is where."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message, offset)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return self.message


def _designation(data: bytes, at: int) -> tuple[int, int, int]:
    """(half 0 or 1, final byte, length) of the escape sequence at ``at``.

    Raises:
        Marc8Error: not an escape sequence MARC-8 defines.
    """
    rest = data[at + 1 : at + 4]
    if rest[:1] and rest[0] in _SHORT:
        return 0, _SHORT[rest[0]], 2
    if rest[:1] in (b"(", b","):
        if rest[1:2] == b"!" and rest[2:3] == b"E":  # ESC ( ! E: ANSEL as G0
            return 0, ANSEL, 4
        if rest[1:2]:
            return 0, rest[1], 3
    if rest[:1] in (b")", b"-"):
        if rest[1:2] == b"!" and rest[2:3] == b"E":
            return 1, ANSEL, 4
        if rest[1:2]:
            return 1, rest[1], 3
    if rest[:1] == b"$":
        if rest[1:2] in (b",", b"(") and rest[2:3]:
            return 0, rest[2], 4
        if rest[1:2] in (b")", b"-") and rest[2:3]:
            return 1, rest[2], 4
        if rest[1:2]:
            return 0, rest[1], 3
    raise Marc8Error(f"invalid MARC-8 escape sequence at offset {at}", at)


def _lookup(charset: int, code: int) -> tuple[int, int] | None:
    table = marc8_mapping.CODESETS.get(charset)
    if table is None:
        return None
    found: tuple[int, int] | None = table.get(code)
    if found is None and charset != EACC:
        found = table.get(code ^ 0x80)  # the set tabled in the other half
    return found


def decode(data: bytes) -> str:
    """``data`` decoded from MARC-8, diacritics after their letter (not yet NFC).

    Raises:
        Marc8Error: an undefined byte, escape sequence or set, or a diacritic with no
            letter after it.
    """
    out: list[str] = []
    marks: list[str] = []
    marks_at = 0
    g0, g1 = ASCII, ANSEL
    at, end = 0, len(data)
    while at < end:
        byte = data[at]
        if byte == ESC:
            half, final, length = _designation(data, at)
            if final not in marc8_mapping.CODESETS:
                raise Marc8Error(f"unknown MARC-8 character set 0x{final:02X} designated "
                                 f"at offset {at}", at)
            if half == 0:
                g0 = final
            else:
                g1 = final
            at += length
            continue
        start = at
        if byte < 0x20:
            at += 1
            continue
        if byte in _SPECIAL:
            out.append(_SPECIAL[byte])
            at += 1
            continue
        if byte == 0x20:  # a space in every set, and a base for a diacritic before it
            out.append(" ")
            out += marks
            marks = []
            at += 1
            continue
        charset = g0 if byte < 0x80 else g1
        if charset == EACC:
            code = int.from_bytes(data[at : at + 3], "big")
            at += 3
            if at > end:
                raise Marc8Error(f"MARC-8 East Asian character cut short at offset {start}",
                                 start)
        else:
            code = byte
            at += 1
        found = _lookup(charset, code)
        if found is None:
            odd = marc8_mapping.ODD_MAP.get(code)
            if odd is None:
                raise Marc8Error(f"invalid MARC-8 byte 0x{byte:02X} at offset {start} "
                                 f"(character set 0x{charset:02X})", start)
            found = (odd, 0)
        char, combining = chr(found[0]), found[1]
        if combining:
            if not marks:
                marks_at = start
            marks.append(char)
            continue
        out.append(char)
        if marks:
            out += marks
            marks = []
    if marks:
        raise Marc8Error(f"MARC-8 diacritic 0x{data[marks_at]:02X} at offset {marks_at} has "
                         "no letter after it", marks_at)
    return "".join(out)
