"""MARC 21 <-> UNIMARC code tables: leader values, relators, subjects, Koha columns."""

from __future__ import annotations

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

