"""A deterministic, realistic PMB UNIMARC ISO 2709 export: our demo data and benchmark input.

Everything is invented here (no third-party record is copied); the shape follows PMB's
``admin/convert/export.class.php`` (anchors doc, 2.2-2.4): field order, indicators, the
``$9 key:value`` subfields, 995/996 items, 897 attached documents, 900 custom fields, and a
UTF-8 file flagged in 100$a/26-29 (``50``) with leader/09 left blank.

Record ``k`` is built from its own RNG seeded by ``(seed, k)``; serials, issues and articles
come from pure functions of ``(seed, serial, issue)``. So a file is the same bytes on every
run, and record ``k`` is the same in a file of any length. Imports only stdlib and pymarc.
"""

from __future__ import annotations

import argparse
import pathlib
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pymarc
from pymarc import Field

from catalogue.demo.fields import (
    _abstract,
    _attachments,
    _cap,
    _corporate_field,
    _created_after,
    _creation,
    _custom_fields,
    _de,
    _descriptors,
    _english_title,
    _field,
    _fold,
    _isbn,
    _issn,
    _item_count,
    _items,
    _keywords,
    _leader,
    _new_record,
    _of,
    _person,
    _person_field,
    _pick_person,
    _slug,
    _subtitle,
    _title,
    _topics,
)
from catalogue.demo.vocabulary import (
    AREAS,
    ARTICLE_PATTERNS,
    BLOCK,
    COLLECTIONS,
    CORPORATE,
    GAMES,
    INDEXINT,
    ISSUES_PER_BLOCK,
    ITEM_TYPES,
    MONTHS,
    N_SERIALS,
    OPAC,
    PUBLISHERS,
    SERIALS,
    TITLE_PATTERNS,
    TOPICS,
    VIDEO_PUBLISHERS,
)

# --- serials and issues (pure functions of seed and position) -----------------------------

@dataclass(frozen=True)
class _Serial:
    index: int
    notice_id: int
    title: str
    area: int
    issn: str
    publisher: int
    start: int
    frequency: int
    latest: int
    last_number: int
    style: int
    call_number: str


@dataclass(frozen=True)
class _Issue:
    serial: _Serial
    bull_id: int
    number: str
    date: str
    mention: str
    year: int
    title: str
    topic: int
    pages: tuple[tuple[int, int], ...]


@lru_cache(maxsize=64)
def _serial(seed: int, s: int) -> _Serial:
    rng = random.Random(f"{seed}:serial:{s}")
    title, area = SERIALS[s]
    initials = "".join(w[0] for w in _fold(title).replace("'", " ").split() if w[0].isalpha())
    publishers = [i for i, p in enumerate(PUBLISHERS) if str(area) in p[3]]
    return _Serial(index=s, notice_id=s * BLOCK + 1, title=title, area=area, issn=_issn(rng),
                   publisher=rng.choice(publishers), start=rng.randint(1995, 2012),
                   frequency=rng.choice((2, 4, 4, 6, 10, 12)), latest=rng.randint(2, 5),
                   last_number=rng.randint(110, 420),
                   style=rng.randrange(3), call_number=f"PER {initials.upper()[:4]}")


def _mention(frequency: int, period: int, year: int) -> tuple[str, int]:
    """PMB's free-text ``mention_date`` and the month an issue is dated from."""
    month = 1 + period * 12 // frequency
    if frequency == 4:
        return f"{('hiver', 'printemps', 'été', 'automne')[period]} {year}", month
    if frequency == 2:
        return f"{'1er' if period == 0 else '2e'} semestre {year}", month
    if frequency == 6:
        return f"{MONTHS[month - 1]}-{MONTHS[month]} {year}", month
    return f"{MONTHS[month - 1]} {year}", month


@lru_cache(maxsize=256)
def _issue(seed: int, s: int, o: int) -> _Issue:
    """Issue ``o`` of serial ``s``: 0 is the latest, bigger files reach back in time."""
    serial = _serial(seed, s)
    rng = random.Random(f"{seed}:issue:{s}:{o}")
    back = serial.latest + o
    year = max(2025 - back // serial.frequency, serial.start)
    period = serial.frequency - 1 - back % serial.frequency
    mention, month = _mention(serial.frequency, period, year)
    n = max(serial.last_number - o, 1)
    number = (f"n° {n}", str(n), f"N° {n}")[serial.style]
    title, topic = "", -1
    if rng.random() < 0.6:
        topic = rng.randrange(len(TOPICS[serial.area]))
        pattern = rng.choice(("Dossier : {t}", "{T}", "{T} : nouveaux enjeux"))
        t = TOPICS[serial.area][topic]
        title = pattern.format(t=t, T=_cap(t))
    pages, page = [], rng.randint(3, 9)
    for _ in range(rng.randint(2, 6)):
        length = rng.randint(2, 12)
        pages.append((page, page + length - 1))
        page += length + rng.randint(0, 3)
    block = (o // ISSUES_PER_BLOCK) * N_SERIALS + s
    return _Issue(serial=serial, bull_id=ISSUES_PER_BLOCK * block + o % ISSUES_PER_BLOCK + 1,
                  number=number, date=f"{year}-{month:02d}-01", mention=mention, year=year,
                  title=title, topic=topic, pages=tuple(pages))


@lru_cache(maxsize=8)
def _layout(seed: int, block: int) -> tuple[tuple[str, int, int, int], ...]:
    """What each position of a block holds: (kind, serial, issue ordinal, article index)."""
    s, cycle = block % N_SERIALS, block // N_SERIALS
    group: list[tuple[str, int, int, int]] = []
    for i in range(ISSUES_PER_BLOCK):
        o = ISSUES_PER_BLOCK * cycle + i
        group.append(("issue", s, o, 0))
        group.extend(("article", s, o, j) for j in range(len(_issue(seed, s, o).pages)))
    slots = [("mono", 0, 0, 0)] * BLOCK
    if block < N_SERIALS:
        slots[0] = ("serial", s, 0, 0)
    start = random.Random(f"{seed}:block:{block}").randrange(1, BLOCK - len(group) + 1)
    slots[start:start + len(group)] = group
    return tuple(slots)


# --- records ------------------------------------------------------------------------------

#: leader/06 of monographs by cumulative share: texte imprimé, vidéo, électronique, multimédia,
#: objet (educational games).
_DOC_TYPES = (("a", 0.82), ("g", 0.88), ("l", 0.93), ("m", 0.97), ("r", 1.0))
_NOUNS = {"g": "Ce film documentaire", "r": "Ce jeu", "l": "Ce document", "m": "Ce kit pédagogique"}


def _head(notice_id: str, created: str) -> list[Field | None]:
    # 100$a/26-29 = "50  ": the UTF-8 flag PMB writes (and reads back) for UNIMARC.
    return [Field("001", data=notice_id),
            _field("100", "  ", ("a", f"{created}u        u  u0frey50      ba"))]


def _serial_link(serial: _Serial) -> Field | None:
    return _field("461", "  ", ("t", serial.title), ("x", serial.issn),
                  ("9", f"id:{serial.notice_id}"), ("9", "lnk:perio"))


def _imprint(rng: random.Random, area: int, dt: str, report: bool) -> tuple[str, str, str, int]:
    """(city, publisher, ISBN registrant, PMB publisher id) of a monograph."""
    if dt == "g":
        j = rng.randrange(len(VIDEO_PUBLISHERS))
        return VIDEO_PUBLISHERS[j][1], VIDEO_PUBLISHERS[j][0], "", 101 + j
    choices = [i for i, p in enumerate(PUBLISHERS) if str(area) in p[3]]
    if report:
        choices = [i for i in choices if not PUBLISHERS[i][2]] or choices
    i = rng.choice(choices)
    return PUBLISHERS[i][1], PUBLISHERS[i][0], PUBLISHERS[i][2], i + 1


def _publisher_fields(imprint: tuple[str, str, str, int], year: str) -> list[Field | None]:
    city, name, _, publisher_id = imprint
    pairs = (("a", city), ("c", name), ("d", year), ("z", "France"), ("9", f"id:{publisher_id}"))
    # PMB derives 102 from the publisher's country (lower-cased) and writes the publisher
    # twice, in 210 and in 214.
    return [_field("102", "  ", ("a", "fr")), _field("210", "  ", *pairs),
            _field("214", "  ", *pairs)]


def _collection(rng: random.Random, publisher_id: int) -> list[Field | None]:
    candidates = [c for c, entry in enumerate(COLLECTIONS) if entry[1] + 1 == publisher_id]
    if not candidates:
        return []
    c = rng.choice(candidates)
    name, _, has_issn = COLLECTIONS[c]
    issn = _issn(random.Random(f"collection:{c}")) if has_issn else ""
    number = str(rng.randint(1, 650))
    return [_field("225", "2 ", ("a", name), ("v", number), ("x", issn), ("9", f"id:{c + 1}")),
            _field("410", " 0", ("t", name), ("v", number), ("x", issn), ("9", f"id:{c + 1}"))]


def _full_name(i: int) -> str:
    surname, forename, _, _ = _person(i)
    return f"{forename} {surname}"


def _responsibility(rng: random.Random, area: int, dt: str, report: bool,
                    translated: bool) -> tuple[list[Field | None], str, str]:
    """7XX fields, the 200$f statement and the name the call number is built from."""
    agents: list[Field | None] = []
    if report and rng.random() < 0.7:
        j = rng.randrange(len(CORPORATE[area]))
        agents.append(_corporate_field("710", area, j, "070"))
        main = statement = CORPORATE[area][j][0]
        agents.extend(_person_field("701", _pick_person(rng, area), "070")
                      for _ in range(rng.randint(0, 2)))
    else:
        role = "300" if dt == "g" else ("340" if rng.random() < 0.2 else "070")
        people = [_pick_person(rng, area)]
        if role != "300":
            people.extend(_pick_person(rng, area) for _ in range(rng.choice((0, 0, 1, 1, 2, 3))))
        agents.append(_person_field("700", people[0], role))
        agents.extend(_person_field("701", i, "070") for i in people[1:])
        main = _person(people[0])[0]
        names = [_full_name(i) for i in people]
        prefix = {"340": "sous la direction", "300": "un film"}.get(role, "")
        if prefix:
            statement = " ; ".join(p for p in (f"{prefix} {_of(names[0])}", ", ".join(names[1:])) if p)
        else:
            statement = ", ".join(names)
        if rng.random() < 0.15:
            j = rng.randrange(len(CORPORATE[area]))
            agents.append(_corporate_field("712", area, j, "340"))
    if translated:
        i = _pick_person(rng, area)
        agents.append(_person_field("702", i, "730"))
        statement += f" ; traduit par {_full_name(i)}"
    elif rng.random() < 0.08:
        agents.append(_person_field("702", _pick_person(rng, area), "080"))
    return agents, statement, main


def _physical(rng: random.Random, dt: str) -> tuple[Field | None, int]:
    pages = rng.randint(40, 420)
    extent = {"a": f"{pages} p.", "g": f"1 DVD vidéo ({rng.randint(26, 95)} min)",
              "l": f"1 ressource en ligne ({pages} p.)", "m": f"1 classeur ({pages // 2} p.)",
              "r": "1 jeu (1 plateau, 120 cartes, 1 livret)"}[dt]
    ill = {"a": rng.choice(("ill.", "ill., graph.", "", "coul.")), "g": "coul., son.",
           "m": "ill."}.get(dt, "")
    size = {"g": "12 cm", "r": "boîte 30 x 22 cm", "l": ""}.get(
        dt, f"{rng.choice((21, 22, 24, 24, 27, 30))} cm")
    extra = "1 DVD vidéo" if dt == "m" else ""
    return _field("215", "  ", ("a", extent), ("c", ill), ("d", size), ("e", extra)), pages


def _language(rng: random.Random, report: bool) -> tuple[Field | None, bool, bool]:
    roll = rng.random()
    if roll < 0.05:
        return _field("101", "0 ", ("a", "eng")), True, False
    if roll < 0.09 and not report:
        original = rng.choice(("eng", "eng", "spa", "ita", "deu"))
        return _field("101", "1 ", ("a", "fre"), ("c", original)), False, True
    return _field("101", "0 ", ("a", "fre")), False, False


def _monograph(seed: int, k: int) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    area = rng.randrange(len(AREAS))
    roll = rng.random()
    dt = next(code for code, limit in _DOC_TYPES if roll < limit)
    year = min(int(rng.triangular(1995, 2026, 2021)), 2025)
    created = _creation(rng, year)
    report = dt == "a" and rng.random() < 0.35
    language, english, translated = _language(rng, report)
    topics = _topics(rng, area)
    if english:
        title = _english_title(rng, area)
    elif dt == "r":
        title = f"{rng.choice(GAMES)} : un jeu pour parler {_de(TOPICS[area][topics[0]])}"
    else:
        title = _title(rng, area, topics, TITLE_PATTERNS, year)
    subtitle = "film documentaire" if dt == "g" else (
        _subtitle(rng, year) if not english and rng.random() < 0.55 else "")
    parallel = _english_title(rng, area) if not english and rng.random() < 0.04 else ""
    other_title = "Paroles de terrain" if rng.random() < 0.02 else ""
    agents, statement, main_name = _responsibility(rng, area, dt, report, translated)
    imprint = _imprint(rng, area, dt, report)
    isbn = price = ""
    if imprint[2] and rng.random() < 0.9:
        isbn = _isbn(rng, imprint[2])
        price = rng.choice((f"{rng.randint(8, 45)} EUR",
                            f"{rng.randint(8, 35)},{rng.choice(('50', '90'))} €"))
    index = rng.randrange(len(INDEXINT[area]))
    dewey, dewey_label = INDEXINT[area][index]
    call_number = f"{ITEM_TYPES[dt][2]}{dewey} {_fold(main_name).upper().replace(' ', '')[:3]}"

    f = _head(str(k + 1), created)
    f.append(_field("200", "1 ", ("a", title), ("c", other_title), ("d", parallel),
                    ("e", subtitle), ("f", statement)))
    f.append(_field("010", "  ", ("a", isbn), ("d", price)))
    if dt == "l" or rng.random() < (0.3 if report else 0.05):
        f.append(_field("856", "  ", ("u", f"https://www.example.org/publications/{_slug(title)}"),
                        ("q", "HTML" if dt == "g" else "PDF")))
    f.append(language)
    if dt == "a" and rng.random() < 0.12:
        edition = rng.choice(("2e éd.", "Nouvelle éd.", "3e éd. revue et augmentée"))
        f.append(_field("205", "  ", ("a", edition)))
    physical, pages = _physical(rng, dt)
    f.append(physical)
    if dt == "a" and rng.random() < 0.35:
        note = rng.choice((f"Bibliogr. p. {pages - 12}-{pages}", "Index", "Glossaire",
                           "Document téléchargeable en ligne", "Contient des fiches pratiques"))
        f.append(_field("300", "  ", ("a", note)))
    if rng.random() < 0.2:
        parts = " ; ".join(f"{n}. {_cap(p)}" for n, p in enumerate(rng.sample(TOPICS[area], 3), 1))
        f.append(_field("327", "  ", ("a", f"Introduction ; {parts} ; Conclusion")))
    if not english and rng.random() < 0.85:
        noun = _NOUNS.get(dt, "Ce rapport" if report else "Cet ouvrage")
        f.append(_field("330", "  ", ("a", _abstract(rng, area, topics, noun, rng.randint(2, 4)))))
    f.extend(agents)
    f.extend(_publisher_fields(imprint, str(year)))
    if dt == "a" and not report and rng.random() < 0.45:
        f.extend(_collection(rng, imprint[3]))
    f.append(_field("676", "  ", ("a", dewey), ("l", dewey_label),
                    ("9", f"id:{1 + 10 * area + index}")))
    if rng.random() < 0.25:
        f.append(_field("896", "  ", ("a", f"{OPAC}vignettes/{k + 1}.jpg")))
    if rng.random() < {"a": 0.92, "l": 0.4}.get(dt, 1.0):
        f.extend(_items(rng, k, dt, call_number, created, _item_count(rng)))
    f.append(_keywords(rng))
    f.extend(_descriptors(rng, area, topics, 2, 5))
    if rng.random() < 0.05:
        f.append(_field("014", "  ", ("a", f"10.5555/crpv.{year}.{k + 1}"), ("b", "DOI")))
    f.extend(_custom_fields(rng))
    if rng.random() < (0.6 if dt == "l" else 0.08):
        f.extend(_attachments(rng, k, title, 2 if rng.random() < 0.2 else 1))
    return _new_record(_leader(dt, "m", "0"), f)


def _serial_record(seed: int, k: int, serial: _Serial) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    created = _creation(rng, serial.start)
    period = {2: "semestrielle", 4: "trimestrielle", 6: "bimestrielle", 10: "mensuelle",
              12: "mensuelle"}[serial.frequency]
    topics = (serial.index % 5, 5 + serial.index % 7)
    f = _head(str(serial.notice_id), created)
    f.extend((
        _field("200", "1 ", ("a", serial.title),
               ("e", f"revue {period} {_de(TOPICS[serial.area][topics[0]])}")),
        # PMB keeps an ISSN in the notice code and exports it in 010; 011 is the UNIMARC home.
        _field("011", "  ", ("a", serial.issn)),
        _field("856", "  ", ("u", f"https://www.example.org/revues/{_slug(serial.title)}"),
               ("q", "HTML")),
        _field("101", "0 ", ("a", "fre")),
        _field("300", "  ", ("a", f"Périodicité : {period}"
                                   f"{' (10 n° par an)' if serial.frequency == 10 else ''}")),
        _field("330", "  ", ("a", _abstract(rng, serial.area, topics, "Cette revue", 2))),
    ))
    if rng.random() < 0.6:
        f.append(_person_field("702", _pick_person(rng, serial.area), "651"))
    publisher = PUBLISHERS[serial.publisher]
    f.extend(_publisher_fields((publisher[1], publisher[0], "", serial.publisher + 1),
                               f"{serial.start}-"))
    f.extend(_descriptors(rng, serial.area, topics, 2, 4))
    # UNIMARC 326 (frequency) and PMB's 950 "état des collections" ($a location,
    # $b statement, $c shelving place, $f call number, $h public status, $i gaps, $9 id:),
    # for two serials in three; pure functions of the serial, so no other record moves.
    f.append(_field("326", "  ", ("a", period)))
    if serial.index % 3 != 2:
        first = max(serial.last_number - 12 * (2025 - serial.start), 1)
        gaps = f"n° {first + 3} manquant" if serial.index % 2 else ""
        f.append(_field("950", "  ", ("9", f"id:{serial.index + 1}"),
                        ("a", "Centre de documentation"), ("b", f"n° {first} ({serial.start}) -"),
                        ("c", "Salle de lecture, présentoir des revues"),
                        ("f", serial.call_number), ("h", "Consultable sur place"),
                        ("i", gaps), ("j", "Les trois dernières années en libre accès")))
    return _new_record(_leader("a", "s", "1"), f)


def _issue_record(seed: int, k: int, issue: _Issue) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    serial = issue.serial
    created = _created_after(rng, issue.date)
    dated = (("d", issue.mention), ("h", issue.date))
    f = _head(f"{issue.bull_id}-bull", created)
    f.extend((
        _field("200", "1 ", ("a", issue.title or f"{serial.title}, {issue.number}"),
               ("h", issue.number), ("i", issue.title), ("9", f"id:{issue.bull_id}")),
        _field("530", "  ", ("a", serial.title)),
        _field("210", "  ", *dated),
        _field("214", "  ", *dated),
        _field("101", "0 ", ("a", "fre")),
        _field("215", "  ", ("a", f"{issue.pages[-1][1] + rng.randint(2, 10)} p."), ("c", "ill.")),
    ))
    if rng.random() < 0.85:
        f.extend(_items(rng, k, "s", serial.call_number, created, rng.choice((1, 1, 1, 2))))
    if issue.topic >= 0:
        f.extend(_descriptors(rng, serial.area, (issue.topic,), 1, 3))
    f.append(_serial_link(serial))
    if rng.random() < 0.2:
        f.extend(_attachments(rng, k, f"{serial.title} {issue.number}", 1))
    return _new_record(_leader("a", "s", "2"), f)


def _article_record(seed: int, k: int, issue: _Issue, j: int) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    serial = issue.serial
    area = serial.area if rng.random() < 0.8 else rng.randrange(len(AREAS))
    topics = _topics(rng, area)
    if area == serial.area and issue.topic >= 0 and rng.random() < 0.6:
        topics = (issue.topic, topics[1] if topics[1] != issue.topic else topics[0])
    created = _created_after(rng, issue.date)
    title = _title(rng, area, topics, ARTICLE_PATTERNS, issue.year)
    first, last = issue.pages[j]
    subtitle = _subtitle(rng, issue.year) if rng.random() < 0.2 else ""
    f = _head(str(k + 1), created)
    f.append(_field("200", "1 ", ("a", title), ("e", subtitle)))
    if rng.random() < 0.1:
        f.append(_field("856", "  ", ("u", f"https://www.example.org/articles/{k + 1}"),
                        ("q", "HTML")))
    f.append(_field("101", "0 ", ("a", "fre")))
    f.append(_field("215", "  ", ("a", f"p. {first}-{last}" if last > first else f"p. {first}")))
    f.append(_field("330", "  ", ("a", _abstract(rng, area, topics, "Cet article",
                                                  rng.randint(1, 3)))))
    for n in range(rng.choice((1, 1, 1, 2, 2, 3))):
        f.append(_person_field("700" if n == 0 else "701", _pick_person(rng, area), "070"))
    f.append(_keywords(rng))
    f.extend(_descriptors(rng, area, topics, 2, 4))
    if rng.random() < 0.1:
        doi = f"10.5555/{_slug(serial.title)[:12]}.{issue.year}.{first:03d}"
        f.append(_field("014", "  ", ("a", doi), ("b", "DOI")))
    f.append(_serial_link(serial))
    # PMB writes " " when the issue has no title of its own.
    f.append(_field("463", "  ", ("d", issue.date), ("e", issue.mention), ("v", issue.number),
                    ("t", issue.title or " "), ("9", f"id:{issue.bull_id}"), ("9", "lnk:bull")))
    if rng.random() < 0.15:
        f.extend(_attachments(rng, k, title, 1))
    return _new_record(_leader("a", "a", "2"), f)


def kind_at(k: int, seed: int = 1) -> str:
    """What record ``k`` is: ``mono`` (a monograph), ``serial``, ``issue`` or ``article``."""
    return _layout(seed, k // BLOCK)[k % BLOCK][0]


def record_at(k: int, seed: int = 1) -> pymarc.Record:
    """Record ``k`` (0-based) of the demo export for ``seed``, independent of file length."""
    kind, s, o, j = _layout(seed, k // BLOCK)[k % BLOCK]
    if kind == "serial":
        return _serial_record(seed, k, _serial(seed, s))
    if kind == "issue":
        return _issue_record(seed, k, _issue(seed, s, o))
    if kind == "article":
        return _article_record(seed, k, _issue(seed, s, o), j)
    return _monograph(seed, k)


def generate(count: int = 2000, seed: int = 1) -> Iterator[pymarc.Record]:
    """Yield ``count`` demo records one at a time (memory stays flat for any count).

    Args:
        count: number of records; record ``k`` does not depend on it.
        seed: same seed, same records, byte for byte.

    Returns:
        A lazy iterator of UTF-8 records (``force_utf8`` set, leader/09 blank) ready for
        ``as_marc()``.

    Raises:
        ValueError: if ``count`` is negative (raised at the call, not at the first ``next``).
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    return (record_at(k, seed) for k in range(count))


def write_records(path: pathlib.Path, records: Iterable[pymarc.Record]) -> int:
    """Write ``records`` as an ISO 2709 file in UTF-8; return how many were written."""
    written = 0
    with open(path, "wb") as fh:
        for record in records:
            fh.write(record.as_marc())
            written += 1
    return written


def write_export(path: pathlib.Path, count: int = 2000, seed: int = 1) -> int:
    """Write the demo export as an ISO 2709 file in UTF-8; return the number of records."""
    return write_records(path, generate(count, seed))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m catalogue.demo OUT.mrc [--count N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m catalogue.demo",
        description="Write the demo PMB UNIMARC export (ISO 2709, UTF-8).")
    parser.add_argument("out", type=pathlib.Path, help="ISO 2709 file to write")
    parser.add_argument("--count", type=int, default=2000, help="number of records (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    n = write_export(args.out, args.count, args.seed)
    print(f"{n} records written to {args.out}")
    return 0


