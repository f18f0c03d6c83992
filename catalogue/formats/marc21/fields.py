"""MARC 21 text and field cleaning, applied the same way on reading and on writing.

ISBD punctuation is dropped, values NFC-normalised, indicators and subfield codes repaired
so that reading what we wrote gives back the same record and the output validates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from catalogue.records import (
    MarcField,
    Pairs,
)

# --- text -------------------------------------------------------------------------------

# Words whose final period belongs to them (abbreviations), lower-cased.
_ABBREVIATION_WORDS = (
    "ed eds edn éd rev enl repr corr augm etc al inc ltd co corp bros jr sr dr mr mrs ms "
    "st ste mme mlle pp vol vols no nos cm mm ill illus col ca cf fig figs pl pt pts ser "
    "suppl min sec approx diss univ dept assoc soc natl calif mass conn penn wash colo "
    "mich minn wis fla tex ariz okla oreg tenn hrsg bd jahrg réimpr impr trad dir "
    "coll cop fasc bk ch chap sect port ports facsim facsims diagr diagrs geneal tab tabl "
    "comp trans tr publ pub ibid op cit resp mss br rel cart pbk hbk"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
# In personal names most of those are forenames ("Ed.", "Tom."): only titles keep theirs.
_NAME_ABBREVIATIONS = frozenset({"jr", "sr", "dr", "st", "ste", "mr", "mrs", "ms", "mme", "mlle"})
_NOT_ISO2709 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# The tag patterns of MARC21slim.xsd (controltagDataType, tagDataType).
_CONTROL_TAG = re.compile(r"00[1-9A-Za-z]\Z")
_DATA_TAG = re.compile(
    r"(0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2})\Z")
_ISBN_HEAD = re.compile(r"\s*([0-9Xx][0-9Xx -]*[0-9Xx])\s*(.*)\Z", re.S)


def text(value: str) -> str:
    """``value`` in NFC, without the control characters ISO 2709 and XML cannot carry."""
    value = _NOT_ISO2709.sub("", value)
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def _keeps_period(value: str, abbreviations: frozenset[str]) -> bool:
    """Whether the final period of ``value`` belongs to an initial or an abbreviation."""
    if value.endswith(".."):
        return True
    word = re.search(r"([^\W\d_]*)\.\Z", value)
    letters = word.group(1) if word else ""
    return len(letters) == 1 or letters.lower() in abbreviations


def clean(value: str, name: bool = False) -> str:
    """``value`` without the ISBD punctuation that ends a MARC 21 subfield.

    Letters are never removed, nor a period closing an initial ("Martin C.") or a known
    abbreviation ("3rd ed."; for a personal ``name`` only titles such as "Jr."). Applying
    it twice gives the same result.
    """
    abbreviations = _NAME_ABBREVIATIONS if name else _ABBREVIATIONS
    result = value.strip()
    while True:
        before = result
        if result.endswith((" /", " :", " ;", " =", " +")):
            result = result[:-2].rstrip()
        elif result.endswith((",", ";", ":")) or (
            result.endswith(".") and not _keeps_period(result, abbreviations)
        ):
            result = result[:-1].rstrip()
        if result == before:
            return result


def _unparen(value: str) -> str:
    """``clean`` then the unbalanced parenthesis MARC splits over meeting subfields."""
    result = clean(value)
    while True:
        before = result
        if result.startswith("(") and ")" not in result:
            result = result[1:].lstrip()
        if result.endswith(")") and "(" not in result:
            result = result[:-1].rstrip()
        result = clean(result)
        if result == before:
            return result


def _all(pairs: Pairs, codes: str, fix: bool = True) -> tuple[str, ...]:
    """The non-empty values of the subfields ``codes``, cleaned when ``fix``."""
    values = (clean(v) if fix else v.strip() for c, v in pairs if c in codes)
    return tuple(v for v in values if v)


def _one(pairs: Pairs, codes: str, fix: bool = True) -> str:
    values = _all(pairs, codes, fix)
    return values[0] if values else ""


def _joined(pairs: Pairs, codes: str, sep: str = " ") -> str:
    """The subfields ``codes`` as one string, as a display joins them."""
    return sep.join(v.strip() for c, v in pairs if c in codes and v.strip())


def _dedup(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


# --- fields -----------------------------------------------------------------------------


def _indicator(char: str) -> str:
    char = char.lower()
    return char if len(char) == 1 and (char.isdigit() or "a" <= char <= "z" or char == " ") else " "


def clean_field(f: MarcField) -> tuple[MarcField | None, str]:
    """``f`` made valid for MARC21slim.xsd, or None when it cannot be; and a note.

    Indicators outside [0-9a-z ] become blanks, upper-case subfield codes are lowered,
    other codes and the control characters XML cannot carry are left out.
    """
    if f.data is not None:
        if not _CONTROL_TAG.match(f.tag):
            return None, f"control field with tag {f.tag!r} left out (not 001-009)"
        data = text(f.data)
        return MarcField(tag=f.tag, data=data), "" if data == f.data else f"{f.tag}: cleaned"
    if not _DATA_TAG.match(f.tag):
        return None, f"data field with tag {f.tag!r} left out (not a MARC 21 data field tag)"
    notes: list[str] = []
    indicators = "".join(_indicator(c) for c in f.indicators.ljust(2)[:2])
    if indicators != f.indicators:
        notes.append(f"field {f.tag}: indicators {f.indicators!r} read as {indicators!r}")
    pairs: list[tuple[str, str]] = []
    for code, value in f.subfields:
        low = code.lower()
        if len(low) != 1 or not (low.isdigit() or "a" <= low <= "z"):
            notes.append(f"field {f.tag}: subfield code {code!r} left out")
            continue
        pairs.append((low, text(value)))
    if not pairs:
        return None, f"field {f.tag} has no usable subfield: left out"
    return MarcField(tag=f.tag, indicators=indicators, subfields=tuple(pairs)), "; ".join(notes)


def order_key(f: MarcField) -> str:
    """Sort key of the canonical field order: by tag, by block for 5XX-8XX."""
    return f.tag[0] if f.tag[0] in "5678" else f.tag


def _prepare(fields: Iterable[MarcField], notes: list[str]) -> list[MarcField]:
    out: list[MarcField] = []
    for f in fields:
        fixed, note = clean_field(f)
        if note and fixed != f:
            notes.append(note)
        if fixed is not None:
            out.append(fixed)
    return sorted(out, key=order_key)


