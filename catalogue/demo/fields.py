"""Small pure builders of the demo records' fields: titles, authorities, descriptors, items."""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections.abc import Sequence

import pymarc
from pymarc import Field, Indicators, Subfield

from catalogue.demo.vocabulary import (
    _INDICATORS,
    _TOPIC_DESCRIPTOR,
    AUDIENCES,
    CITIES,
    CORPORATE,
    DESCRIPTORS,
    ENGLISH_PATTERNS,
    ENGLISH_TOPICS,
    FORENAMES,
    ITEM_NOTES,
    ITEM_TYPES,
    KEYWORDS,
    LENDERS,
    LOCATIONS,
    MONTHS,
    OPAC,
    QUOTES,
    SECTIONS,
    STATUSES,
    SUBTITLES,
    SURNAMES,
    TOPICS,
)

# --- small pure helpers -----------------------------------------------------------------

def _de(np: str) -> str:
    if np.startswith("le "):
        return "du " + np[3:]
    if np.startswith("les "):
        return "des " + np[4:]
    return "de " + np


def _a(np: str) -> str:
    if np.startswith("le "):
        return "au " + np[3:]
    if np.startswith("les "):
        return "aux " + np[4:]
    return "à " + np


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in _fold(text).lower()).split()
    out = ""
    for word in words:
        if out and len(out) + len(word) >= 48:
            break
        out = f"{out}-{word}" if out else word
    return out


def _of(name: str) -> str:
    """French ``de`` before a name, elided before a vowel or a mute h (d'Hélène)."""
    return f"d'{name}" if _fold(name[:1]).upper() in "AEIOUYH" else f"de {name}"


def _isbn13(digits12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def _issn_check(digits7: str) -> str:
    rest = (11 - sum(int(d) * (8 - i) for i, d in enumerate(digits7)) % 11) % 11
    return "X" if rest == 10 else str(rest)


def _issn(rng: random.Random) -> str:
    digits = f"{rng.randrange(1000000, 3000000):07d}"
    return f"{digits[:4]}-{digits[4:]}{_issn_check(digits)}"


def _isbn(rng: random.Random, registrant: str) -> str:
    body = f"{rng.randrange(10 ** (8 - len(registrant))):0{8 - len(registrant)}d}"
    check = _isbn13("9782" + registrant + body)
    if rng.random() < 0.2:
        return f"9782{registrant}{body}{check}"
    return f"978-2-{registrant}-{body}-{check}"


def _field(tag: str, ind: str, *pairs: tuple[str, str]) -> Field | None:
    """A data field with PMB's ``add_field`` rule: empty subfields are dropped."""
    subfields = [Subfield(c, v) for c, v in pairs if v]
    if not subfields:
        return None
    indicators = _INDICATORS.get(ind)
    if indicators is None:
        indicators = _INDICATORS[ind] = Indicators(ind[0], ind[1])
    return Field(tag, indicators, subfields)


def _topics(rng: random.Random, area: int) -> tuple[int, int]:
    """The main and second topic (indexes into TOPICS[area]) a record is about."""
    t, u = rng.sample(range(len(TOPICS[area])), 2)
    return t, u


def _title(rng: random.Random, area: int, topics: tuple[int, int], patterns: Sequence[str],
           year: int) -> str:
    t, u = TOPICS[area][topics[0]], TOPICS[area][topics[1]]
    return rng.choice(patterns).format(
        T=_cap(t), t=t, u=u, de_t=_de(t), a_t=_a(t), q=rng.choice(QUOTES),
        c=rng.choice(CITIES), y=year)


def _english_title(rng: random.Random, area: int) -> str:
    t = rng.choice(ENGLISH_TOPICS[area])
    return rng.choice(ENGLISH_PATTERNS).format(T=_cap(t), t=t)


def _subtitle(rng: random.Random, year: int) -> str:
    return rng.choice(SUBTITLES).format(
        y=year, c=rng.choice(CITIES), d=rng.randint(1, 28), m=rng.choice(MONTHS),
        p=rng.choice(AUDIENCES))


def _abstract(rng: random.Random, area: int, topics: tuple[int, int], noun: str,
              sentences: int) -> str:
    """A few French sentences about the record's two topics."""
    t, u = TOPICS[area][topics[0]], TOPICS[area][topics[1]]
    v = rng.choice(TOPICS[area])
    where = rng.choice(("dans les quartiers prioritaires de la politique de la ville",
                        "à l'échelle d'une intercommunalité", "en France et en Europe",
                        f"à {rng.choice(CITIES)}", "depuis le début des années 2000"))
    verb = rng.choice(("propose", "présente", "dresse"))
    kind = rng.choice(("un état des lieux", "un panorama", "une analyse", "une synthèse"))
    out = [f"{noun} {verb} {kind} {_de(t)} {where}."]
    source = rng.choice((f"une enquête menée auprès de {rng.randint(12, 240)} professionnels",
                         "des entretiens avec des habitants", "une revue de la littérature",
                         "des monographies locales", "l'évaluation de dispositifs expérimentaux"))
    outcome = rng.choice(("formule des recommandations", "identifie des leviers d’action",
                          "met en lumière des pratiques inspirantes"))
    out.append(f"S'appuyant sur {source}, le document analyse {u} et {outcome} "
               f"à destination des {rng.choice(AUDIENCES)}.")
    extra = (f"Une attention particulière est portée {_a(v)}.",
             "Les professionnels interrogés décrivent un « travail d'équilibriste » au quotidien.",
             f"La mise en œuvre des actions est illustrée par des exemples à {rng.choice(CITIES)}.",
             "Il comprend des fiches pratiques, une bibliographie et des témoignages.")
    out.extend(rng.sample(extra, min(max(sentences - 2, 0), len(extra))))
    return " ".join(out[:max(sentences, 1)])


def _creation(rng: random.Random, year: int) -> str:
    y = rng.randint(max(year, 2006), 2025)
    return f"{y}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _created_after(rng: random.Random, iso_date: str) -> str:
    """A cataloguing date within three months after an issue's date (YYYYMMDD)."""
    day = datetime.date.fromisoformat(iso_date) + datetime.timedelta(days=rng.randint(0, 90))
    return day.strftime("%Y%m%d")


def _leader(dt: str, bl: str, hl: str) -> pymarc.Leader:
    # rs=n, el=1, ru=i as PMB writes them; leader/09 stays blank (UNIMARC), lengths by pymarc.
    return pymarc.Leader(f"00000n{dt}{bl}{hl} 22000001i 450 ")


def _new_record(leader: pymarc.Leader, fields: list[Field | None]) -> pymarc.Record:
    record = pymarc.Record(to_unicode=False)
    # to_unicode=False keeps as_marc() from setting leader/09; force_utf8 picks the encoding.
    record.force_utf8 = True
    record.leader = leader
    record.fields = [f for f in fields if f is not None]
    return record


# --- authorities --------------------------------------------------------------------------

def _person(i: int) -> tuple[str, str, str, int]:
    """Person ``i`` of the authority file: surname, forename, dates, PMB author id."""
    dates = f"{1940 + i % 45}-" if i % 11 == 0 else ""
    return SURNAMES[i % len(SURNAMES)], FORENAMES[i % len(FORENAMES)], dates, 100 + i


def _pick_person(rng: random.Random, area: int) -> int:
    # Coprime name lists make (i % 61, i % 60) unique; squaring favours prolific authors.
    span = len(SURNAMES) * len(FORENAMES) // 3
    return 3 * int(span * rng.random() ** 2) + area


def _person_field(tag: str, i: int, role: str) -> Field | None:
    surname, forename, dates, author_id = _person(i)
    return _field(tag, " 1", ("a", surname), ("b", forename), ("4", role), ("f", dates),
                  ("9", f"id:{author_id}"))


def _corporate_field(tag: str, area: int, j: int, role: str) -> Field | None:
    name, sub = CORPORATE[area][j]
    return _field(tag, "02", ("a", name), ("b", sub), ("4", role),
                  ("9", f"id:{10 + area * 10 + j}"))


def _descriptors(rng: random.Random, area: int, topics: Sequence[int], low: int,
                 high: int) -> list[Field | None]:
    """2-6 thesaurus descriptors: the topics' own, others of the area, sometimes a neighbour's."""
    wanted = rng.randint(low, high)
    picks: list[tuple[int, int]] = []
    for index in [_TOPIC_DESCRIPTOR[area][t] for t in topics]:
        if (area, index) not in picks and len(picks) < wanted:
            picks.append((area, index))
    while len(picks) < wanted:
        pick = (area, rng.randrange(len(DESCRIPTORS[area])))
        if pick not in picks:
            picks.append(pick)
    if rng.random() < 0.3:
        other = (area + rng.randint(1, 2)) % 3
        picks.append((other, rng.randrange(len(DESCRIPTORS[other]))))
    return [_field("606", " 1", ("a", DESCRIPTORS[a][i]), ("9", f"id:{1000 + 40 * a + i}"),
                   ("9", "lang:fr_FR"), ("9", "idthes:1")) for a, i in picks]


def _keywords(rng: random.Random) -> Field | None:
    # PMB keeps free keywords in one ``index_l`` string and writes a single 610.
    n = rng.choice((0, 0, 1, 2, 3, 4))
    return _field("610", "0 ", ("a", " ; ".join(rng.sample(KEYWORDS, n))))


def _custom_fields(rng: random.Random) -> list[Field | None]:
    out: list[Field | None] = []
    if rng.random() < 0.4:
        value = rng.choice(("Professionnels", "Élus", "Bénévoles", "Tout public", "Formateurs"))
        out.append(_field("900", "  ", ("a", value), ("l", "Public visé"), ("n", "cp_public"),
                          ("t", "list")))
    if rng.random() < 0.2:
        value = rng.choice(("Île-de-France", "Hauts-de-France", "Auvergne-Rhône-Alpes", "Occitanie",
                            "Provence-Alpes-Côte d'Azur", "Grand Est", "Outre-mer", "National"))
        out.append(_field("900", "  ", ("a", value), ("l", "Territoire"), ("n", "cp_territoire"),
                          ("t", "text")))
    return out


def _attachments(rng: random.Random, k: int, title: str, count: int) -> list[Field | None]:
    out: list[Field | None] = []
    for j in range(count):
        explnum_id = 2 * k + j + 1
        name = ("Texte intégral", "Synthèse", "Sommaire", "Annexes")[j % 4]
        out.append(_field(
            "897", "  ", ("a", f"{OPAC}doc_num.php?explnum_id={explnum_id}"), ("b", name),
            ("f", f"{_slug(title)}{'-' + _slug(name) if j else ''}.pdf"),
            ("s", rng.choice(("Libre accès", "Libre accès", "Réservé aux abonnés"))),
            ("t", "application/pdf")))
    return out


def _items(rng: random.Random, k: int, kind: str, call_number: str, created: str,
           count: int) -> list[Field | None]:
    """995 items (and for some a 996 dump), sharing one call number."""
    type_code, type_label, _, type_id = ITEM_TYPES[kind]
    out: list[Field | None] = []
    for j in range(count):
        expl_id = 3 * k + j + 1
        barcode = f"CR{expl_id:06d}"
        location = LOCATIONS[0] if rng.random() < 0.7 else rng.choice(LOCATIONS[1:])
        roll = rng.random()
        if location[1] == "RES" or roll < 0.12:
            status = STATUSES[1]
        elif roll < 0.15:
            status = STATUSES[2]
        elif created[:4] == "2025" and roll < 0.6:
            status = STATUSES[3]
        else:
            status = STATUSES[0]
        roll = rng.random()
        section = "a" if roll < 0.85 else ("j" if roll < 0.9 else "u")
        lender = LENDERS[0] if rng.random() < 0.92 else LENDERS[1]
        note = rng.choice(ITEM_NOTES) if rng.random() < 0.08 else ""
        # A document type without an import code goes out as PMB's default "uu".
        code = type_code if rng.random() < 0.97 else ""
        out.append(_field("995", "  ", ("a", lender[0]), ("c", lender[0]), ("f", barcode),
                          ("k", call_number), ("u", note), ("o", status[1]), ("r", code or "uu"),
                          ("q", section)))
        if rng.random() < 0.3:
            deposit = f"{created[:4]}-{created[4:6]}-{created[6:]}"
            columns = (("expl_id", str(expl_id)), ("create_date", f"{deposit} 10:{j:02d}:00"),
                       ("expl_cb", barcode), ("expl_cote", call_number),
                       ("expl_statut", str(status[2])), ("statut_libelle", status[0]),
                       ("statusdoc_codage_import", status[1]), ("expl_typdoc", str(type_id)),
                       ("tdoc_libelle", type_label), ("tdoc_codage_import", code),
                       ("expl_note", note), ("expl_section", str(SECTIONS[section][1])),
                       ("section_libelle", SECTIONS[section][0]), ("sdoc_codage_import", section),
                       ("expl_owner", str(lender[1])), ("lender_libelle", lender[0]),
                       ("expl_date_depot", deposit), ("pret_flag", status[3]),
                       ("location_libelle", location[0]), ("locdoc_codage_import", location[1]))
            out.append(_field(
                "996", "  ", ("f", barcode), ("k", call_number), ("u", note), ("m", created),
                ("a", lender[0]), ("b", str(lender[1])), ("v", location[0]), ("w", location[1]),
                ("x", SECTIONS[section][0]), ("y", section), ("e", type_label), ("r", code),
                ("1", status[0]), ("2", status[1]), ("3", status[3]),
                *(("9", f"{key}:{value}") for key, value in columns if value)))
    return out


def _item_count(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.55 else (2 if roll < 0.85 else 3)


