"""MARC 21 bibliographic: fields <-> :class:`Record`, and ISO 2709 in and out.

Partners on Koha and the LoC-style files we are sent speak MARC 21; the canonical model
follows UNIMARC, so codes are translated on the way in (leader values, relator codes,
subject subdivisions) and back on the way out. The writer serves any record, whatever
its flavour: it is what the OAI ``marcxml`` format exposes.

Three choices keep ``to_record(read(to_iso2709(r))) == r`` for every MARC 21 record:

- ISBD punctuation ending a subfield (" /", " :", " ;", ",", a final period that is not
  an initial's or an abbreviation's) is dropped on reading and never written back; the
  leader says so (leader/18 ``c``, "ISBD punctuation omitted").
- Fields are read in a canonical order: by tag, except the 5XX, 6XX, 7XX and 8XX
  blocks, whose order is the cataloguer's (notes, subject and author order matter),
  and the writer emits that same order.
- Every value is NFC, without the C0 controls ISO 2709 and XML cannot carry; invalid
  indicators and subfield codes are repaired the same way on reading and on writing, so
  that the output is valid against MARC21slim.xsd.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from catalogue.formats import iso2709
from catalogue.formats.base import Parsed, RawRecord
from catalogue.formats.unimarc import content_id, fields_to_iso2709, source_id_of
from catalogue.records import (
    Agent,
    Descriptor,
    Identifier,
    Indexing,
    Item,
    Link,
    MarcField,
    Pairs,
    Physical,
    Publication,
    Record,
    SerialLink,
    Series,
    Title,
)

# --- code tables ------------------------------------------------------------------------

#: MARC 21 leader/06 -> UNIMARC leader/06 (the model's doc_type), and back.
DOC_TYPE_IN = {"a": "a", "t": "a", "c": "c", "d": "d", "e": "e", "f": "f", "g": "g",
               "i": "i", "j": "j", "k": "k", "m": "l", "o": "m", "p": "m", "r": "r"}
DOC_TYPE_OUT = {"a": "a", "b": "t", "c": "c", "d": "d", "e": "e", "f": "f", "g": "g",
                "i": "i", "j": "j", "k": "k", "l": "m", "m": "o", "r": "r"}
# MARC 21 'b' is a serial component part (an article); UNIMARC 'b' is PMB's issue, which
# PMB itself exports as a serial ('s').
_BIB_LEVEL_IN = {"b": "a", "d": "a"}
_BIB_LEVEL_OUT = {"b": "s"}
_STATUS_IN = {"a": "c"}
_STATUS_OUT = {"o": "c"}
# leader/17: UNIMARC has full, sublevels 1 (not examined), 2 (prepublication), 3.
_LEVEL_IN = {" ": " ", "1": "1", "2": "3", "3": "3", "4": " ", "5": "3", "7": "3",
             "8": "2", "I": " ", "K": "3", "L": "1", "M": "3", "J": "1"}
_LEVEL_OUT = {" ": " ", "1": "1", "2": "8", "3": "3"}
# leader/18: punctuation is dropped on reading, so AACR2 and ISBD become UNIMARC's ' '
# (ISBD form), and 'c' ("ISBD punctuation omitted") is what goes out.
_FORM_IN = {"a": " ", "c": " ", "i": " ", "u": " ", " ": "n", "n": "n"}
_FORM_OUT = {" ": "c", "i": "c", "n": "n"}

#: MARC relator codes -> UNIMARC relator codes (UNIMARC Appendix C).
RELATOR_CODES = {
    "aut": "070", "cre": "070", "act": "005", "adp": "010", "ann": "020", "arr": "030",
    "art": "040", "aft": "075", "aui": "080", "wpr": "080", "ctg": "180", "chr": "200",
    "cmm": "210", "com": "220", "cmp": "230", "ctb": "205", "cnd": "250", "cph": "260",
    "cur": "273", "dte": "280", "dgg": "295", "drt": "300", "dis": "305", "dst": "310",
    "edt": "340", "egr": "350", "fmo": "390", "fnd": "400", "hnr": "420", "ill": "440",
    "ive": "460", "ivr": "470", "isb": "475", "lbt": "480", "lyr": "520", "mus": "545",
    "nrt": "550", "opn": "555", "orm": "557", "oth": "570", "prf": "590", "pht": "600",
    "pre": "605", "prt": "610", "pro": "630", "prg": "635", "pbl": "650", "pbd": "651",
    "rth": "673", "res": "677", "aus": "690", "sce": "690", "sad": "695", "sng": "721",
    "spn": "723", "ths": "727", "trl": "730", "wam": "770",
}
#: UNIMARC -> MARC relator codes (the first MARC code of each UNIMARC code).
RELATOR_OUT = {unimarc: marc for marc, unimarc in reversed(RELATOR_CODES.items())}
#: Relator terms ($e, $j) in English and French -> UNIMARC codes.
RELATOR_TERMS = {
    "author": "070", "joint author": "070", "creator": "070", "auteur": "070",
    "editor": "340", "ed": "340", "eds": "340", "joint ed": "340", "editor of compilation":
    "340", "éditeur scientifique": "340", "translator": "730", "tr": "730", "trans": "730",
    "traducteur": "730", "illustrator": "440", "ill": "440", "illus": "440",
    "illustrateur": "440", "compiler": "220", "comp": "220", "compilateur": "220",
    "contributor": "205", "collaborateur": "205", "photographer": "600", "photographe": "600",
    "director": "300", "film director": "300", "réalisateur": "300", "producer": "630",
    "producteur": "630", "composer": "230", "compositeur": "230", "performer": "590",
    "interprète": "590", "narrator": "550", "narrateur": "550", "author of introduction":
    "080", "writer of introduction": "080", "writer of preface": "080", "prefacer": "080",
    "préfacier": "080", "author of afterword": "075", "writer of afterword": "075",
    "postfacier": "075", "thesis advisor": "727", "directeur de thèse": "727",
    "degree granting institution": "295", "publisher": "650", "printer": "610",
    "conductor": "250", "singer": "721", "interviewee": "460", "interviewer": "470",
    "curator": "273", "adapter": "010", "annotator": "020", "artist": "040",
    "cartographer": "180", "actor": "005", "lyricist": "520", "librettist": "480",
    "former owner": "390", "dedicatee": "280", "honoree": "420", "commentator": "210",
    "issuing body": "475", "organizer": "557", "screenwriter": "690", "opponent": "555",
    "dissertant": "305", "other": "570", "sponsor": "723", "funder": "400",
    "publishing director": "651", "directeur de publication": "651", "researcher": "677",
}
#: UNIMARC roles that make a 7XX name a secondary responsibility (UNIMARC 702/712).
SECONDARY_ROLES = frozenset({
    "010", "020", "075", "080", "205", "210", "212", "220", "280", "295", "340", "390",
    "420", "440", "475", "550", "555", "570", "610", "650", "651", "727", "730", "770",
})
#: MARC 21 subject tags -> UNIMARC subject tags (the model's Descriptor.tag), and back.
SUBJECT_IN = {"600": "600", "610": "601", "611": "601", "630": "605", "650": "606",
              "651": "607", "655": "608"}
SUBJECT_OUT = {"600": "600", "601": "610", "602": "600", "604": "600", "605": "630",
               "606": "650", "607": "651", "608": "655"}
# Subfields making the heading itself, per tag (the rest are subdivisions or control).
_HEADING = {"600": "abcdqt", "610": "abcdnt", "611": "acdent", "630": "adfklmnoprst",
            "650": "ab", "651": "a", "655": "a"}
# MARC 21 $y is chronological and $z geographic; UNIMARC swaps them; $v is UNIMARC $j.
SUBDIVISION_IN = {"x": "x", "y": "z", "z": "y", "v": "j"}
SUBDIVISION_OUT = {"x": "x", "z": "y", "y": "z", "j": "v"}
# 6XX second indicator <-> subject heading system.
_THESAURI = {"0": "lcsh", "1": "lcshac", "2": "mesh", "3": "nal", "5": "cash", "6": "rvm"}
_THESAURUS_IND = {system: ind for ind, system in _THESAURI.items()}
#: 024 first indicator <-> identifier scheme.
_STANDARD_IDS = {"0": "isrc", "1": "upc", "2": "ismn", "3": "ean", "4": "sici"}
_STANDARD_IND = {scheme: ind for ind, scheme in _STANDARD_IDS.items()}
#: Koha 952 subfields the Item keeps in ``columns``, by Koha ``items`` column name.
KOHA_COLUMNS = {
    "0": "withdrawn", "1": "itemlost", "2": "cn_source", "3": "materials", "4": "damaged",
    "5": "restricted", "6": "cn_sort", "9": "itemnumber", "d": "dateaccessioned",
    "e": "booksellerid", "f": "coded_location_qualifier", "g": "price", "h": "enumchron",
    "i": "stocknumber", "j": "stack", "l": "issues", "m": "renewals", "n": "reserves",
    "q": "onloan", "r": "datelastseen", "s": "datelastborrowed", "t": "copynumber",
    "u": "uri", "v": "replacementprice", "w": "replacementpricedate",
    "x": "itemnotes_nonpublic",
}
_KOHA_CODES = {name: code for code, name in KOHA_COLUMNS.items()}
# Nonfiling initial articles, for the 245 second indicator, by language of the record.
_ARTICLES = {
    "eng": ("the ", "an ", "a "), "fre": ("les ", "le ", "la ", "l'"),
    "ger": ("der ", "die ", "das "), "spa": ("los ", "las ", "el "),
    "ita": ("gli ", "il ", "lo ", "l'"),
}

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


# --- reading ----------------------------------------------------------------------------


def _language_of_008(data: str) -> str:
    code = data[35:38].lower() if len(data) >= 38 else ""
    return code if re.fullmatch("[a-z]{3}", code) else ""


def _codes(values: Iterable[str]) -> list[str]:
    """Language codes, splitting the old practice of codes run together ("engfre")."""
    out: list[str] = []
    for value in values:
        value = value.strip().lower()
        if len(value) > 3 and len(value) % 3 == 0 and value.isalpha():
            out += [value[i : i + 3] for i in range(0, len(value), 3)]
        elif value:
            out.append(value)
    return out


def _created(data: str) -> str:
    """008/00-05 (date entered, YYMMDD) as YYYYMMDD; MARC began in 1968."""
    stamp = data[:6]
    if not stamp.isdigit() or not ("01" <= stamp[2:4] <= "12" and "01" <= stamp[4:6] <= "31"):
        return ""
    return ("19" if stamp[:2] >= "68" else "20") + stamp


def _isbn(value: str) -> tuple[str, str]:
    """Split a 020 number from the qualifier that older records put after it."""
    match = _ISBN_HEAD.match(value)
    if not match:
        return value.strip(), ""
    return match.group(1), _qualifier(match.group(2))


def _qualifier(value: str) -> str:
    result = clean(value)
    while result.startswith("(") and result.endswith(")"):
        result = clean(result[1:-1])
    return result


def _identifiers(f: MarcField) -> list[Identifier]:
    s = f.subfields
    if f.tag == "020":
        scheme = "isbn"
    elif f.tag == "022":
        scheme = "issn"
    else:
        ind = f.indicators[0]
        source = _one(s, "2", fix=False).lower() if ind == "7" else ""
        scheme = _STANDARD_IDS.get(ind, "") or source
    invalid_codes = "yz" if f.tag == "022" else "z"
    numbers = [(v, c != "a") for c, v in s if (c == "a" or c in invalid_codes) and v.strip()]
    qualifiers = [_qualifier(v) for c, v in s if c == "q"] if f.tag != "022" else []
    price = _one(s, "c", fix=False) if f.tag != "022" else ""
    out: list[Identifier] = []
    for n, (value, invalid) in enumerate(numbers):
        qualifier = ""
        if f.tag == "020":
            value, qualifier = _isbn(value)
        parts = [qualifier, *qualifiers] if n == 0 else [qualifier]
        out.append(Identifier(scheme=scheme, value=value.strip(), invalid=invalid,
                              qualifier=" ; ".join(p for p in parts if p),
                              price=price if n == 0 else ""))
    return out


def _roles(pairs: Pairs, term_codes: str) -> tuple[str, ...]:
    roles: list[str] = []
    for code, value in pairs:
        if code != "4" and code not in term_codes:
            continue
        role = clean(value)
        key = role.lower().rstrip(".")
        if code == "4" and re.fullmatch(r"\d{3}", key):
            roles.append(key)
        elif code == "4":
            roles.append(RELATOR_CODES.get(key) or RELATOR_TERMS.get(key) or role)
        else:
            roles.append(RELATOR_TERMS.get(key) or RELATOR_CODES.get(key) or role)
    return _dedup(roles)


def _agent(f: MarcField) -> Agent:
    """A 1XX/7XX name; indicators are kept in UNIMARC's order (71X ind1 '1': meeting)."""
    s = f.subfields
    meeting = f.tag[1:] == "11"
    roles = _roles(s, "j" if meeting else "e")
    level = 0
    if f.tag[0] == "7":
        level = 2 if roles and all(r in SECONDARY_ROLES for r in roles) else 1
    authority = _one(s, "0", fix=False)
    if f.tag[1:] == "00":
        name, _, rest = clean(_joined(s, "a"), name=True).partition(",")
        return Agent(name=name.strip(), rest=rest.strip(), level=level, numbering=_one(s, "b"),
                     additions=_all(s, "c"), dates=_one(s, "d"), roles=roles,
                     authority_id=authority, indicators=" " + f.indicators[0])
    return Agent(name=_one(s, "a"), kind="corporate", level=level,
                 rest=". ".join(_all(s, "e" if meeting else "b")),
                 numbering=_unparen(_joined(s, "n")), place=_unparen(_joined(s, "c")),
                 dates=_unparen(_joined(s, "d")), roles=roles, authority_id=authority,
                 indicators=("1" if meeting else "0") + f.indicators[0])


def _descriptor(f: MarcField) -> Descriptor:
    s = f.subfields
    ind = f.indicators[1]
    system = _one(s, "2", fix=False) if ind == "7" else _THESAURI.get(ind, "")
    ids = [v.strip() for c, v in s if c == "0" and v.strip()]
    uris = [v for v in ids + list(_all(s, "1", False)) if v.startswith(("http://", "https://"))]
    return Descriptor(
        label=clean(_joined(s, _HEADING[f.tag])),
        tag=SUBJECT_IN[f.tag],
        authority_id=next((v for v in ids if v not in uris), ""),
        uri=uris[0] if uris else "",
        subdivisions=tuple((SUBDIVISION_IN[c], clean(v)) for c, v in s
                           if c in SUBDIVISION_IN and clean(v)),
        system=system,
    )


def _item(f: MarcField) -> Item:
    s = f.subfields
    if f.tag == "852":
        return Item(barcode=_one(s, "p", False), call_number=_joined(s, "khim") or _joined(s, "j"),
                    owner=_one(s, "a", False), holder=_one(s, "b", False),
                    location=_one(s, "c", False), note=_one(s, "z", False))
    status = _one(s, "7", False)
    return Item(
        barcode=_one(s, "p", False), call_number=_one(s, "o", False),
        item_type=_one(s, "y", False), owner=_one(s, "a", False), holder=_one(s, "b", False),
        location=_one(s, "c", False), section=_one(s, "8", False), note=_one(s, "z", False),
        status=status, loanable=None if not status else status == "0",
        columns=tuple((KOHA_COLUMNS.get(c, c), v.strip()) for c, v in s
                      if c not in "abcopyz78" and v.strip()),
    )


def _series(f: MarcField) -> Series:
    s = f.subfields
    titles = _all(s, "a")
    return Series(
        tag="410" if f.tag == "830" else "225",
        title=titles[0] if titles else "",
        part_title=titles[1] if len(titles) > 1 and f.tag != "830" else "",
        number=_one(s, "v"), issn=_one(s, "x", False),
        authority_id=_one(s, "0", False) if f.tag == "830" else "",
    )


_EMPTY = (Title(main=""), Publication(), Physical(), Series(tag="225", title=""),
          Series(tag="410", title=""),
          SerialLink(tag="463"), Item())


def _is_empty(obj: object) -> bool:
    if isinstance(obj, Descriptor):
        return not obj.label and not obj.subdivisions
    if isinstance(obj, Agent):
        return obj == Agent(name="", kind=obj.kind, level=obj.level, indicators=obj.indicators)
    return obj in _EMPTY


def to_record(raw: RawRecord, source: str, source_id: str = "") -> tuple[Record, list[str]]:
    """Map decoded MARC 21 fields to a :class:`Record`; return it with mapping notes."""
    notes: list[str] = []
    fields = _prepare(raw.fields, notes)
    leader = raw.leader.ljust(24)[:24]
    title: Title | None = None
    agents_main: list[Agent] = []
    agents: list[Agent] = []
    identifiers: list[Identifier] = []
    descriptors: list[Descriptor] = []
    pubs: list[Publication] = []
    physical: list[Physical] = []
    series: list[Series] = []
    links: list[Link] = []
    serial_links: list[SerialLink] = []
    indexing: list[Indexing] = []
    items: list[Item] = []
    unmapped: list[MarcField] = []
    keywords: list[str] = []
    parallel: list[str] = []
    edition: list[str] = []
    general: list[str] = []
    contents: list[str] = []
    abstracts: list[str] = []
    lang041: list[str] = []
    originals: list[str] = []
    lang008 = created = sid = ""
    seen008 = False
    for f in fields:
        tag, s = f.tag, f.subfields
        mapped: object = None
        if f.data is not None:
            if tag == "001" and not sid:
                sid = f.data.strip()
                continue
            if tag == "008" and not seen008:
                seen008 = True
                lang008, created = _language_of_008(f.data), _created(f.data)
            unmapped.append(f)
            continue
        if tag in {"020", "022", "024"}:
            found = _identifiers(f) if tag != "024" or f.indicators[0] in "012347 8" else []
            identifiers += found
            mapped = found or None
        elif tag == "041":
            lang041 += _codes(v for c, v in s if c == "a")
            originals += _codes(v for c, v in s if c == "h")
            mapped = s if any(c in "ah" and v.strip() for c, v in s) else None
        elif tag == "082":
            found_ix = [Indexing(code=v, tag="676", edition=_one(s, "2", False))
                        for v in _all(s, "a", False)]
            indexing += found_ix
            mapped = found_ix or None
        elif tag in {"100", "110", "111", "700", "710", "711"}:
            agent = _agent(f)
            if not _is_empty(agent):
                (agents_main if tag[0] == "1" else agents).append(agent)
            mapped = agent
        elif tag == "245" and title is None:
            mapped = Title(main=" ; ".join(_all(s, "a")), subtitle=_all(s, "b"),
                           responsibility=_all(s, "c"), part_number=_all(s, "n"),
                           part_name=_all(s, "p"))
            if not _is_empty(mapped):
                title = mapped
        elif tag == "246":
            value = " : ".join(_all(s, "ab"))
            parallel += [value] if value else []
            mapped = value or None
        elif tag == "250":
            value = " / ".join(_all(s, "ab"))
            edition += [value] if value else []
            mapped = value or None
        elif tag == "260" or (tag == "264" and f.indicators[1] in "1 "):
            mapped = Publication(tag="210", places=_all(s, "a"), publishers=_all(s, "b"),
                                 dates=_all(s, "c"))
            pubs += [] if _is_empty(mapped) else [mapped]
        elif tag == "300":
            mapped = Physical(
                extent=" ; ".join(_all(s, "a")), illustrations=" ; ".join(_all(s, "b")),
                dimensions=" ; ".join(_all(s, "c")), accompanying=" ; ".join(_all(s, "e")))
            physical += [] if _is_empty(mapped) else [mapped]
        elif tag in {"440", "490", "830"}:
            mapped = _series(f)
            series += [] if _is_empty(mapped) else [mapped]
        elif tag in {"500", "505", "520"}:
            value = _joined(s, {"500": "a", "505": "agrt", "520": "ab"}[tag])
            notes_of_tag = {"500": general, "505": contents, "520": abstracts}[tag]
            notes_of_tag += [value] if value else []
            mapped = value or None
        elif tag in SUBJECT_IN:
            mapped = _descriptor(f)
            descriptors += [] if _is_empty(mapped) else [mapped]
        elif tag == "653":
            found_kw = _all(s, "a")
            keywords += found_kw
            mapped = found_kw or None
        elif tag == "773":
            mapped = SerialLink(tag="463", title=_one(s, "t"), issn=_one(s, "x", False),
                                number=_one(s, "g"), date=_one(s, "d"),
                                target_id=_one(s, "w", False))
            serial_links += [] if _is_empty(mapped) else [mapped]
        elif tag == "856":
            note = _one(s, "z", False) or _one(s, "y", False) or _one(s, "3", False)
            found_ln = [Link(url=u, format=_one(s, "q", False), note=note)
                        for u in _all(s, "u", False)]
            links += found_ln
            mapped = found_ln or None
        elif tag in {"852", "952"}:
            mapped = _item(f)
            items += [] if _is_empty(mapped) else [mapped]
        if mapped is None or _is_empty(mapped):
            unmapped.append(f)
    sid = source_id or sid or source_id_of(tuple(fields))
    if title is None:
        notes.append("no title (field 245)")
    doc_type = DOC_TYPE_IN.get(leader[6], leader[6] if leader[6].isalnum() else "a")
    if leader[6] not in DOC_TYPE_IN:
        notes.append(f"unknown document type {leader[6]!r} in leader/06, kept as {doc_type!r}")
    bib_level = _BIB_LEVEL_IN.get(leader[7], leader[7] if leader[7].isalnum() else "m")
    record = Record(
        source=source,
        source_id=sid,
        title=Title(main=title.main if title else "", subtitle=title.subtitle if title else (),
                    parallel=tuple(parallel), responsibility=title.responsibility if title else (),
                    part_number=title.part_number if title else (),
                    part_name=title.part_name if title else ()),
        doc_type=doc_type,
        bib_level=bib_level,
        hier_level="0",
        record_status=_STATUS_IN.get(leader[5], leader[5] if leader[5].isalnum() else "n"),
        encoding_level=_LEVEL_IN.get(leader[17], " "),
        cataloguing_form=_FORM_IN.get(leader[18], " "),
        marc_flavour="marc21",
        created=created,
        agents=tuple(agents_main + agents),
        edition=tuple(edition),
        publications=tuple(pubs),
        physical=tuple(physical),
        series=tuple(series),
        serial_links=tuple(serial_links),
        general_notes=tuple(general),
        contents_notes=tuple(contents),
        abstracts=tuple(abstracts),
        languages=_dedup([lang008, *lang041]),
        original_languages=_dedup(originals),
        identifiers=tuple(identifiers),
        descriptors=tuple(descriptors),
        keywords=tuple(keywords),
        indexing=tuple(indexing),
        links=tuple(links),
        items=tuple(items),
        unmapped=tuple(unmapped),
    )
    return record, notes


def parsed_from_raw(raw: RawRecord, source: str) -> Parsed:
    """Map one decoded record; a record without any id gets a content-derived one."""
    missing = not source_id_of(raw.fields)
    record, notes = to_record(raw, source, content_id(raw.raw) if missing else "")
    if missing:
        notes.append(
            f"no 001 nor 035$a: identified as {record.source_id}, a digest of its bytes "
            "(a changed copy of it will count as a new record)"
        )
    return Parsed(
        position=raw.position, offset=raw.offset, raw=raw.raw, record=record,
        warnings=raw.warnings + tuple(notes), source_id=record.source_id,
        deleted=raw.leader[5:6] == "d", charset=raw.charset,
    )


def read(stream: BinaryIO, source: str, encoding: str = "auto") -> Iterator[Parsed]:
    """Read a MARC 21 ISO 2709 stream, one :class:`Parsed` per record, never raising per record.

    The character set is leader/09 ('a': UTF-8, else MARC-8) unless ``encoding`` forces one.
    """
    for item in iso2709.iter_records(stream, "marc21", encoding):
        if isinstance(item, tuple):
            position, offset, raw, reason = item
            yield Parsed(position=position, offset=offset, raw=raw, error=reason)
            continue
        yield parsed_from_raw(item, source)


# --- writing ----------------------------------------------------------------------------


def _df(tag: str, pairs: Iterable[tuple[str, str]], indicators: str = "  ") -> MarcField | None:
    kept = tuple((c, text(v)) for c, v in pairs if v)
    return MarcField(tag=tag, indicators=indicators, subfields=kept) if kept else None


def _leader(record: Record) -> str:
    def valid(char: str, default: str) -> str:
        return char if len(char) == 1 and char.isascii() and char.isalnum() else default

    status = valid(_STATUS_OUT.get(record.record_status, record.record_status), "n")
    doc_type = valid(DOC_TYPE_OUT.get(record.doc_type, record.doc_type), "a")
    level = valid(_BIB_LEVEL_OUT.get(record.bib_level, record.bib_level), "m")
    encoding = _LEVEL_OUT.get(record.encoding_level, " ")
    form = _FORM_OUT.get(record.cataloguing_form, "c")
    return f"00000{status}{doc_type}{level} a2200000{encoding}{form} 4500"


def _fixed_data(record: Record) -> str:
    """A 008 for a record that has none: dates, language, the rest 'no attempt to code'."""
    year = record.year()
    language = record.languages[0] if record.languages else ""
    created = record.created[2:8] if re.fullmatch(r"\d{8}", record.created) else "000000"
    return (f"{created}{'s' if year else 'n'}{year or 'uuuu'}    xx {'|' * 17}"
            f"{language if re.fullmatch('[a-z]{3}', language) else '|||'} d")


def _identifier_field(ident: Identifier) -> MarcField | None:
    code = "z" if ident.invalid else "a"
    if ident.scheme == "isbn":
        return _df("020", [(code, ident.value), ("q", ident.qualifier), ("c", ident.price)])
    if ident.scheme == "issn":
        return _df("022", [(code, ident.value)])
    ind = _STANDARD_IND.get(ident.scheme, "7" if ident.scheme else "8")
    return _df("024", [(code, ident.value), ("q", ident.qualifier), ("c", ident.price),
                       ("2", ident.scheme if ind == "7" else "")], ind + " ")


def _role_pairs(roles: Iterable[str], term_code: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for role in roles:
        if re.fullmatch(r"\d{3}", role):
            pairs.append(("4", RELATOR_OUT.get(role, role)))
        elif re.fullmatch("[a-z]{3}", role):
            pairs.append(("4", role))
        else:
            pairs.append((term_code, role))
    return pairs


def _agent_field(ag: Agent, main: bool, own: bool) -> MarcField | None:
    """One 1XX/7XX; ``own``: the record is MARC 21, its indicators are kept as read."""
    if ag.kind != "corporate":
        ind = _indicator(ag.indicators[1:2] or " ")
        if ind == " " and not own:
            ind = "1" if ag.rest else "0"
        name = f"{ag.name}, {ag.rest}" if ag.rest else ag.name
        pairs = [("a", name), ("b", ag.numbering)] + [("c", v) for v in ag.additions]
        pairs += [("d", ag.dates), *_role_pairs(ag.roles, "e"), ("0", ag.authority_id)]
        return _df("100" if main else "700", pairs, ind + " ")
    meeting = ag.indicators[:1] == "1"
    ind = _indicator(ag.indicators[1:2] or " ")
    if ind == " " and not own:
        ind = "2"
    pairs = [("a", ag.name), ("e" if meeting else "b", ag.rest), ("n", ag.numbering),
             ("d", ag.dates), ("c", ag.place), *_role_pairs(ag.roles, "j" if meeting else "e"),
             ("0", ag.authority_id)]
    return _df(("1" if main else "7") + ("11" if meeting else "10"), pairs, ind + " ")


def _title_indicator2(record: Record) -> str:
    main = record.title.main.lower()
    language = record.languages[0] if record.languages else ""
    for article in _ARTICLES.get(language, ()):
        if main.startswith(article) and len(main) > len(article):
            return str(len(article))
    return "0"


def _descriptor_field(d: Descriptor) -> MarcField | None:
    tag = SUBJECT_OUT.get(d.tag, "650")
    ind2 = "4" if not d.system else _THESAURUS_IND.get(d.system, "7")
    ind1 = {"600": "1" if "," in d.label else "0", "610": "2", "630": "0"}.get(tag, " ")
    if d.tag == "602":
        ind1 = "3"
    pairs = [("a", d.label)]
    pairs += [(SUBDIVISION_OUT.get(c, "x"), v) for c, v in d.subdivisions]
    pairs += [("2", d.system if ind2 == "7" else ""), ("0", d.authority_id), ("0", d.uri)]
    return _df(tag, pairs, ind1 + ind2)


def _item_field(item: Item, own: bool) -> MarcField | None:
    # Koha's notforloan code as read, else derived from the model's loanable flag.
    loan = item.status if own else {None: "", True: "0", False: "1"}[item.loanable]
    pairs = [("a", item.owner), ("b", item.holder), ("c", item.location),
             ("o", item.call_number), ("p", item.barcode), ("y", item.item_type),
             ("8", item.section), ("7", loan), ("z", item.note)]
    for name, value in item.columns:
        code = _KOHA_CODES.get(name) or (name if re.fullmatch("[0-9a-z]", name) else "")
        if code and code not in "abcopyz78":
            pairs.append((code, value))
    return _df("952", pairs)


def _languages(record: Record, fixed: str) -> MarcField | None:
    """The 041 needed for the languages the 008 does not say alone."""
    first = _language_of_008(fixed)
    if not record.original_languages and record.languages == ((first,) if first else ()):
        return None
    return _df("041", [("a", v) for v in record.languages]
               + [("h", v) for v in record.original_languages],
               ("1" if record.original_languages else "0") + " ")


def to_fields(record: Record) -> tuple[str, list[MarcField]]:
    """The MARC 21 leader (lengths zeroed) and fields that represent ``record``.

    Unmapped fields are written only for MARC 21 records (``marc_flavour == 'marc21'``),
    which also keep their own 008; other records get one built from their data.
    """
    own = record.marc_flavour == "marc21"
    t = record.title
    own_fixed = next((f.data for f in record.unmapped if f.tag == "008" and f.data is not None),
                     None)
    fixed = own_fixed if own and own_fixed is not None else ("" if own else _fixed_data(record))
    out: list[MarcField | None] = [MarcField(tag="001", data=text(record.source_id))]
    if not own:
        out.append(MarcField(tag="008", data=fixed))
    out += [_identifier_field(i) for i in record.identifiers]
    out.append(_languages(record, fixed))
    for ix in record.indexing:
        if ix.tag == "676":
            out.append(_df("082", [("a", ix.code), ("2", ix.edition)], "04"))
        else:
            out.append(_df("084", [("a", ix.code)]))
    main = [a for a in record.agents if a.level == 0]
    if not own:
        # MARC 21 wants one main entry; UNIMARC co-authors (701, no 700) give it the first.
        main = main[:1] or [a for a in record.agents if a.level == 1][:1]
    out += [_agent_field(a, True, own) for a in main]
    added = [a for a in record.agents if all(a is not m for m in main)]
    pairs = ([("a", t.main)] + [("b", v) for v in t.subtitle] + [("n", v) for v in t.part_number]
             + [("p", v) for v in t.part_name] + [("c", v) for v in t.responsibility])
    out.append(_df("245", pairs, ("1" if main else "0") + _title_indicator2(record)))
    out += [_df("246", [("a", v)], "31") for v in t.parallel]
    out += [_df("250", [("a", v)]) for v in record.edition]
    for p in record.publications:
        out.append(_df("260", [("a", v) for v in p.places] + [("b", v) for v in p.publishers]
                       + [("c", v) for v in p.dates]))
    for ph in record.physical:
        out.append(_df("300", [("a", ph.extent), ("b", ph.illustrations),
                               ("c", ph.dimensions), ("e", ph.accompanying)]))
    for se in record.series:
        if se.tag == "225":
            out.append(_df("490", [("a", se.title), ("v", se.number), ("a", se.part_title),
                                   ("x", se.issn)], "0 "))
    out += [_df("500", [("a", v)]) for v in record.general_notes]
    out += [_df("505", [("a", v)], "0 ") for v in record.contents_notes]
    out += [_df("520", [("a", v)]) for v in record.abstracts]
    out += [_descriptor_field(d) for d in record.descriptors]
    out.append(_df("653", [("a", v) for v in record.keywords]))
    out += [_agent_field(a, False, own) for a in added]
    if not own and t.other_author:
        out += [_df("740", [("a", v)], "02") for v in t.other_author]
    for ln in record.serial_links:
        out.append(_df("774" if ln.tag == "464" else "773",
                       [("t", ln.title), ("x", ln.issn), ("g", ln.number), ("d", ln.date),
                        ("w", ln.target_id)], "0 "))
    for se in record.series:
        if se.tag != "225":
            out.append(_df("830", [("a", se.title), ("v", se.number), ("x", se.issn),
                                   ("0", se.authority_id)], " 0"))
    for lk in record.links:
        out.append(_df("856", [("u", lk.url), ("q", lk.format), ("z", lk.note)], "4 "))
    for doc in record.documents:
        out.append(_df("856", [("u", doc.url), ("q", doc.mime), ("y", doc.name or doc.filename)],
                       "40"))
    out += [_item_field(item, own) for item in record.items]
    fields = [f for f in out if f is not None]
    if own:
        for f in record.unmapped:
            fixed_field, _ = clean_field(f)
            if fixed_field is not None:
                fields.append(fixed_field)
    return _leader(record), sorted(fields, key=order_key)


_FIELD_MAX = 9999  # ISO 2709: four digits of field length in the directory
_CUT = " [...]"


def _fit(f: MarcField) -> MarcField:
    """Data field ``f`` with its longest values cut until it fits a directory entry."""
    pairs = list(f.subfields)
    while True:
        sizes = [len(v.encode("utf-8")) for _, v in pairs]
        excess = 3 + sum(2 + n for n in sizes) - _FIELD_MAX  # indicators, delimiters, end
        if excess <= 0 or not pairs:
            return MarcField(tag=f.tag, indicators=f.indicators, subfields=tuple(pairs))
        i = sizes.index(max(sizes))
        code, value = pairs[i]
        keep = sizes[i] - excess - len(_CUT)
        if keep <= 0:
            del pairs[i]
        else:
            pairs[i] = (code, value.encode("utf-8")[:keep].decode("utf-8", "ignore") + _CUT)


def to_iso2709(record: Record) -> bytes:
    """Serialise ``record`` as a MARC 21 ISO 2709 record in UTF-8 (leader/09 'a').

    ISO 2709 cannot hold a field over 9,999 bytes: longer values (a harvested abstract,
    say) are cut and end with " [...]". MARCXML (:mod:`catalogue.formats.marcxml`) has
    no such limit.

    Raises:
        ValueError: the record is still over the 99,999 bytes ISO 2709 allows.
    """
    leader, fields = to_fields(record)
    data = fields_to_iso2709(leader, [_fit(f) if f.data is None else f for f in fields], "utf-8")
    if len(data) > 99999:
        raise ValueError(f"record {record.global_id} is {len(data)} bytes long, over the "
                         "99,999 bytes of ISO 2709: export it as MARCXML")
    return data
