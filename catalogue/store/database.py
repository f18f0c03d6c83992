"""Opening the store: engine, SQLite pragmas, and migrations to the latest revision.

Every command opens the store through :func:`open_store`, which upgrades the schema with
Alembic first, so a deployment never runs new code on an old schema.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")


def fold(value: str | None) -> str | None:
    """Lower-case without accents (``Hélène`` -> ``helene``): SQLite's ``lower`` is ASCII only.

    The store's one folding: people search, OAI set selections (in SQL and in Python) and
    PostgreSQL's ``catalogue_fold`` (:func:`fold_sql`) all fold as this does."""
    if value is None:
        return None
    if value.isascii():
        return value.lower()
    return unicodedata.normalize("NFKD", value.lower()).translate(_combining_marks())


@cache
def _combining_marks() -> dict[int, str | None]:
    """str.translate's table removing every combining character, and making the final
    sigma an ordinary one (Python's ``lower`` writes "ς" at a word's end, where
    PostgreSQL cannot tell: the two stores then fold Greek words alike)."""
    table: dict[int, str | None] = {cp: None for cp in range(sys.maxunicode + 1)
                                    if unicodedata.combining(chr(cp))}
    table[ord("ς")] = "σ"
    return table


def fold_table() -> tuple[str, str]:
    """The letters :func:`fold` turns into one other letter, and what into: the table
    PostgreSQL's ``catalogue_fold`` translated with in migration 0011 (Latin letters
    only; migration 0015 replaced it with :func:`fold_sql`). Upper-case letters are in it too: PostgreSQL's
    ``lower()`` under the C locale changes ASCII only."""
    source, target = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        folded = fold(char) or ""
        if len(folded) == 1 and folded != char:
            source.append(char)
            target.append(folded)
    return "".join(source), "".join(target)


def _ranges(codes: list[int]) -> str:
    """A regular-expression bracket body for ``codes`` (sorted), as ``\\uXXXX`` ranges."""
    parts, start, prev = [], codes[0], codes[0]
    for code in codes[1:] + [-1]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(f"\\u{start:04x}" if start == prev else f"\\u{start:04x}-\\u{prev:04x}")
        start = prev = code
    return "".join(parts)


def fold_sql(argument: str = "value") -> str:
    """PostgreSQL's expression for :func:`fold` on the Basic Multilingual Plane.

    ASCII text is lower-cased under the C collation (ASCII only, whatever the
    database's locale, as Python does it). Text made only of Latin letters, combining
    marks and punctuation (:func:`short_path`), nearly all of a French catalogue, takes
    a short path (:func:`_latin_fold_sql`). The whole-plane expression
    (:func:`plane_fold_sql`) costs about 170 µs a call, a ``translate`` through 1,400
    upper-case letters for every character, which made an OAI selection set (folding
    every descriptor and keyword of every record it passes) take 1.5 s a page on
    PostgreSQL. Every path gives what Python gives on every character
    (tests/test_people.py)."""
    return (f"CASE WHEN {argument} ~ E'^[\\u0001-\\u007f]*$' "
            f"THEN lower({argument} COLLATE \"C\") "
            f"WHEN {argument} ~ E'^[{_ranges(short_path()[0])}]*$' "
            f"THEN {_latin_fold_sql(argument)} ELSE {plane_fold_sql(argument)} END")


#: The blocks of the short path: ASCII, Latin-1, Latin Extended-A and -B, the combining
#: diacritical marks, Latin Extended Additional (Vietnamese), and the general punctuation
#: and currency signs of French text (``’``, ``–``, ``…``, ``€``); less the few code
#: points the short path would fold otherwise than Python (:func:`short_path`).
_BLOCKS = (range(0x01, 0x250), range(0x300, 0x370), range(0x1E00, 0x1F00),
           range(0x2000, 0x2070), range(0x20A0, 0x20D0))


def _combining_codes() -> list[int]:
    return [c for c in range(0x300, 0x10000)
            if not 0xD800 <= c < 0xE000 and unicodedata.combining(chr(c))]


def _latin_fold_sql(argument: str) -> str:
    """:func:`fold` of text of the short path's code points (:func:`short_path`):
    decomposed first, then ASCII lower-cased (``lower`` under the C collation changes
    ASCII only, whatever the database's locale), marks removed, then, only when the text
    holds one, the few letters left that do not decompose into an ASCII one (``Œ``,
    ``Ø``, ``Ł``...) lower-cased by translation (PostgreSQL's ``translate`` costs 20 µs a
    call even through these 72 letters)."""
    _, inputs, (source, target) = short_path()
    source, target = (text.replace("'", "''") for text in (source, target))
    common = (f"regexp_replace(lower(normalize({argument}, NFKD) COLLATE \"C\"), "
              f"E'[{_ranges(_combining_codes())}]', '', 'g')")
    return (f"CASE WHEN {argument} ~ E'[{_ranges(inputs)}]' "
            f"THEN translate({common}, '{source}', '{target}') ELSE {common} END")


@cache
def short_path() -> tuple[list[int], list[int], tuple[str, str]]:
    """The short path's code points (of :data:`_BLOCKS`), those of them it must
    translate, and what into. Decomposing, lowering ASCII and removing marks leaves most
    of them as :func:`fold` does; some leave one letter whose lower case is the folded one
    (``Œ``), translated; the rest (``₨`` is ``Rs`` to Python, which lowers before it
    decomposes) take the long path."""
    short: list[int] = []
    inputs: list[int] = []
    upper: dict[str, str] = {}
    for code in (c for block in _BLOCKS for c in block):
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char)
        left = "".join(c.lower() if c.isascii() else c for c in decomposed
                       if not unicodedata.combining(c))
        wanted = fold(char)
        if left != wanted:
            if len(left) != 1 or left.lower() != wanted or upper.get(left, wanted) != wanted:
                continue
            inputs.append(code)
            upper[left] = wanted
        short.append(code)
    return short, inputs, ("".join(upper), "".join(upper.values()))


def plane_fold_sql(argument: str) -> str:
    """:func:`fold` on the whole Basic Multilingual Plane, computed from Python's own
    tables: lower-case as Python does (one translate of every letter whose lower case is
    one other letter, and ``İ``, the one that becomes two), then ``normalize(.., NFKD)``,
    then every combining mark removed, and the final sigma (which NFKD can yield) made
    an ordinary one. No ``lower()``: what it changes depends on the database's locale,
    and Python's folding does not. (Migration 0015's whole function.)"""
    upper, lower = [], []
    for code in range(0x41, 0x10000):
        char = chr(code)
        if 0xD800 <= code < 0xE000:
            continue
        low = char.lower()
        if len(low) == 1 and low != char:
            upper.append(char)
            lower.append(low)
    source, target = ("".join(chars).replace("'", "''") for chars in (upper, lower))
    return (f"translate(regexp_replace(normalize(translate(replace({argument}, '\u0130', 'i'), "
            f"'{source}', '{target}'), NFKD), E'[{_ranges(_combining_codes())}]', '', 'g'), "
            "'ς', 'σ')")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while an import writes; NORMAL sync is safe under WAL;
    # the busy timeout makes a second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # Accent-insensitive search on small tables (people): ``catalogue_fold(name)``.
    dbapi_connection.create_function("catalogue_fold", 1, fold, deterministic=True)


def create(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the file's folder is created and WAL enabled."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the latest revision."""
    command.upgrade(alembic_config(engine), "head")


def open_store(url: str) -> Engine:
    """Create the engine and bring the schema up to date."""
    engine = create(url)
    migrate(engine)
    return engine
