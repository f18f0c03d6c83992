"""The union catalogue: records of different centres describing the same book, clustered.

Two records are the same manifestation when they share a valid ISBN (10 and 13 digit
forms compared as ISBN-13) and their titles agree (:func:`titles_agree`: one ISBN on two
different books - a typing error, a reused number - must not merge them), or, for a
serial, a valid ISSN. A record with neither is
matched on its normalised title (with part number and name) + first author + year +
publisher, and only when the year and an author or a publisher are known: two records
sharing only a title ("Rapport annuel", "Actes du colloque") are never merged. A record
with an ISBN is not matched descriptively, so two editions with different ISBNs stay
apart. Clusters are connected components of the "shares a key" graph; a cluster's id is
its smallest record id, so it is stable as long as that record stays.

Clustering is incremental: :func:`refresh` recomputes keys only for records whose
content changed since they were last clustered (compared by content hash, tombstones
included) and re-labels only the clusters those keys touch.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import (
    BindParameter,
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
)

from catalogue.records import Record, from_json
from catalogue.store.bulk import insert_rows
from catalogue.store.harvest_tables import record_clusters, record_keys
from catalogue.store.tables import items, records, sources

CHUNK = 500
#: Characters of two normalised titles compared by :func:`titles_agree`.
TITLE_PREFIX = 12
_ARTICLES = re.compile(r"^(?:le|la|les|l|un|une|des|du|de|the|a|an)\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_NOT_DIGIT_X = re.compile("[^0-9X]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, a leading article dropped."""
    if text.isascii():  # nothing to decompose (run for every harvested record's title)
        plain = text.casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        plain = _COMBINING.sub("", decomposed).replace("œ", "oe").replace("æ", "ae")
    words = _NON_WORD.sub(" ", plain).strip()
    return _ARTICLES.sub("", words)


#: :func:`normalise` for authors and publishers, names a catalogue repeats record after
#: record (titles mostly differ: they are not cached).
_name = functools.lru_cache(maxsize=4096)(normalise)


def _digits(value: str) -> str:
    """The digits and X of an ISBN or ISSN as written, upper-cased."""
    upper = value.upper()
    if upper.isascii():  # one C-level pass; str.isdigit is [0-9] on ASCII
        return _NOT_DIGIT_X.sub("", upper)
    return "".join(ch for ch in upper if ch.isdigit() or ch == "X")


def isbn13(value: str) -> str | None:
    """The ISBN as 13 digits, or None when it is not a valid ISBN-10 or ISBN-13."""
    digits = _digits(value)
    if len(digits) == 10 and digits[:9].isdigit():
        total = sum((10 - n) * (10 if ch == "X" else int(ch)) for n, ch in enumerate(digits))
        if total % 11:
            return None
        digits = "978" + digits[:9]
        check = (10 - sum((3 if n % 2 else 1) * int(ch) for n, ch in enumerate(digits)) % 10) % 10
        return digits + str(check)
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        if sum((3 if n % 2 else 1) * int(ch) for n, ch in enumerate(digits)) % 10:
            return None
        return digits
    return None


def issn(value: str) -> str | None:
    """The ISSN as 8 characters, or None when its check digit is wrong."""
    digits = _digits(value)
    if len(digits) != 8 or not digits[:7].isdigit():
        return None
    total = sum((8 - n) * int(ch) for n, ch in enumerate(digits[:7]))
    check = (11 - total % 11) % 11
    return digits if digits[7] == ("X" if check == 10 else str(check)) else None


def match_keys(record: Record) -> tuple[str, ...]:
    """The keys under which ``record`` may meet its twins in other centres."""
    keys: list[str] = []
    for ident in record.identifiers:
        if ident.invalid:
            continue
        if ident.scheme == "isbn":
            found = isbn13(ident.value)
            if found:
                keys.append(f"isbn:{found}")
        elif ident.scheme == "issn" and record.bib_level == "s" and not record.is_issue:
            found = issn(ident.value)
            if found:
                keys.append(f"issn:{found}")
    if keys:
        return tuple(dict.fromkeys(keys))
    # The cheap test first: a record without a year has no descriptive key whatever its
    # title (run for every harvested record, in the mapping worker).
    year = record.year()
    if year is None:
        return ()
    title = normalise(" ".join([record.title.main, *record.title.part_number,
                                *record.title.part_name]))
    author = next((_name(a.name) for a in record.agents if a.level in (0, 1)), "")
    statements = sorted(record.publications, key=lambda pub: pub.function != "publication")
    publisher = next((_name(p) for pub in statements for p in pub.publishers), "")
    if not title or not (author or publisher):
        return ()
    return (f"work:{title[:250]}|{author[:60]}|{year}|{publisher[:60]}",)


def titles_agree(a: str, b: str) -> bool:
    """Whether two titles sharing an ISBN can name the same book.

    They agree when their normalised forms begin alike (``La galère`` and ``Galère (La)``,
    a title with or without its subtitle) or share at least half of the longer words of
    the shorter one. A missing title agrees with anything: the ISBN decides.
    """
    x, y = normalise(a), normalise(b)
    if not x or not y:
        return True
    n = min(len(x), len(y), TITLE_PREFIX)
    if x[:n] == y[:n]:
        return True
    wx = {w for w in x.split() if len(w) > 3}
    wy = {w for w in y.split() if len(w) > 3}
    return bool(wx and wy) and 2 * len(wx & wy) >= min(len(wx), len(wy))


def _chunks(values: Iterable[int | str]) -> Iterable[list[int | str]]:
    batch: list[int | str] = []
    for value in values:
        batch.append(value)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


_STATE = case((records.c.deleted.is_(True), "deleted"), else_=records.c.content_hash)

# The chunked lookups, built once with an expanding parameter: SQLAlchemy then reuses
# their memoised cache key rather than building (and coercing every value of) a new
# statement for each chunk of 500.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_DATA = select(records.c.id, records.c.data).where(records.c.id.in_(_IDS))
_KEYS_OF = select(record_keys.c.key).where(record_keys.c.record_id.in_(_IDS))
_KEYS_OF_RECORDS = (select(record_keys.c.record_id, record_keys.c.key)
                    .where(record_keys.c.record_id.in_(_IDS)))
_DELETE_KEYS = delete(record_keys).where(record_keys.c.record_id.in_(_IDS))
_HOLDERS = (select(record_keys.c.record_id)
            .where(record_keys.c.key.in_(bindparam("keys", expanding=True))))
_STATES = select(records.c.id, _STATE.label("state")).where(records.c.id.in_(_IDS))
_TITLES = select(records.c.id, records.c.title).where(records.c.id.in_(_IDS))
_DELETE_CLUSTERS = delete(record_clusters).where(record_clusters.c.record_id.in_(_IDS))


def refresh(engine: Engine, source: str | None = None,
            known: Mapping[str, tuple[str, ...]] | None = None) -> int:
    """Re-cluster the records (of ``source``, or all) whose content changed; returns how many.

    ``known`` maps content hashes to match keys computed earlier (a harvest's mapping
    worker computes them beside each record); only the other changed records are read
    back and decoded here.
    """
    query = (
        select(records.c.id, records.c.deleted, _STATE.label("state"),
               record_clusters.c.record_id.label("clustered"))
        .outerjoin(record_clusters, record_clusters.c.record_id == records.c.id)
        .where(or_(record_clusters.c.record_id.is_(None), record_clusters.c.content_hash != _STATE))
    )
    if source:
        query = query.where(records.c.source == source)
    known = known or {}
    with engine.begin() as conn:
        changed: dict[int, tuple[str, ...]] = {}
        states: dict[int, str] = {}
        unclustered: set[int] = set()
        unknown: list[int] = []
        for row in conn.execute(query):
            if row.deleted:
                changed[row.id] = ()
            elif row.state in known:
                changed[row.id] = known[row.state]
            else:
                unknown.append(row.id)
            states[row.id] = row.state
            if row.clustered is None:
                unclustered.add(row.id)
        for ids in _chunks(unknown):
            for found in conn.execute(_DATA, {"ids": ids}):
                changed[found.id] = match_keys(from_json(found.data))
        if not changed:
            return 0
        touched: set[str] = set()
        for ids in _chunks(changed):
            touched.update(conn.execute(_KEYS_OF, {"ids": ids}).scalars())
            conn.execute(_DELETE_KEYS, {"ids": ids})
        touched |= {key for keys in changed.values() for key in keys}
        # Asked before the changed records' keys are written back, the store names only
        # the other records that share them, not (again) the thousands just computed.
        others = _holders(conn, touched)
        insert_rows(conn, record_keys, ("record_id", "key"),
                    [(rid, key) for rid, keys in changed.items() for key in keys])
        _relabel(conn, changed, states, touched, unclustered, others)
    return len(changed)


def _holders(conn: Connection, keys: set[str]) -> set[int]:
    """The records that have one of ``keys``."""
    found: set[int] = set()
    for chunk in _chunks(sorted(keys)):
        found.update(conn.execute(_HOLDERS, {"keys": chunk}).scalars())
    return found


def _relabel(conn: Connection, seeds: dict[int, tuple[str, ...]], seed_states: dict[int, str],
             keys: set[str], unclustered: set[int], others: set[int]) -> None:
    """Recompute the clusters reachable from ``seeds`` (id -> keys) through ``keys``.

    What the caller already knows of the seeds (their keys, their state, which have no
    cluster row yet) and ``others``, the records other than seeds that have one of
    ``keys``, is not read again: on a partner's first harvest every record is a seed,
    most alone in its cluster, and the store is asked only about the records they meet.
    """
    members = set(seeds)
    seen_keys: set[str] = set()
    frontier = set(keys)
    edges: dict[int, set[str]] = {rid: set(found) for rid, found in seeds.items()}
    first = True
    while frontier:
        seen_keys |= frontier
        new_ids = (others if first else _holders(conn, frontier)) - members
        first = False
        members |= new_ids
        frontier = set()
        for chunk in _chunks(sorted(new_ids)):
            for row in conn.execute(_KEYS_OF_RECORDS, {"ids": chunk}):
                edges.setdefault(row.record_id, set()).add(row.key)
                if row.key not in seen_keys:
                    frontier.add(row.key)
    parent = {rid: rid for rid in members}

    def root(rid: int) -> int:
        while parent[rid] != rid:
            parent[rid] = parent[parent[rid]]
            rid = parent[rid]
        return rid

    titles = _shared_isbn_titles(conn, members, edges)
    by_key: dict[str, list[int]] = {}  # key -> the first record of each title group
    for rid in sorted(members):
        for key in edges.get(rid, ()):
            firsts = by_key.setdefault(key, [])
            if key.startswith("isbn:"):
                other = next((f for f in firsts
                              if titles_agree(titles.get(f, ""), titles.get(rid, ""))), None)
            else:
                other = firsts[0] if firsts else None
            if other is None:
                firsts.append(rid)
                continue
            a, b = root(rid), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    states = dict(seed_states)
    for chunk in _chunks(sorted(members - seed_states.keys())):
        for row in conn.execute(_STATES, {"ids": chunk}):
            states[row.id] = row.state
    for chunk in _chunks(sorted(members - unclustered)):
        conn.execute(_DELETE_CLUSTERS, {"ids": chunk})
    insert_rows(conn, record_clusters, ("record_id", "cluster_id", "content_hash"),
                [(rid, root(rid), states[rid]) for rid in sorted(members) if rid in states])


def _shared_isbn_titles(conn: Connection, members: set[int],
                        edges: Mapping[int, set[str]]) -> dict[int, str]:
    """The titles of the records sharing an ISBN key with another one (only they are
    compared: on a partner's first harvest, most ISBNs are met once)."""
    counts = Counter(key for rid in members for key in edges.get(rid, ())
                     if key.startswith("isbn:"))
    shared = {key for key, n in counts.items() if n > 1}
    wanted = sorted(rid for rid in members if edges.get(rid, set()) & shared)
    titles: dict[int, str] = {}
    for chunk in _chunks(wanted):
        for row in conn.execute(_TITLES, {"ids": chunk}):
            titles[row.id] = row.title
    return titles


@dataclass(frozen=True, slots=True)
class Holding:
    """One centre's version of a clustered record, with its availability."""

    record_id: int
    source: str
    source_name: str
    source_id: str
    title: str
    items: int
    loanable: int

    @property
    def availability(self) -> str:
        """What the record page says: items known, how many may be borrowed."""
        if not self.items:
            return "no item information"
        return f"{self.loanable} of {self.items} item(s) loanable"


def cluster_of(engine: Engine, record_id: int) -> int:
    """The cluster id of a record (its own id when it is not clustered)."""
    with engine.connect() as conn:
        found = conn.execute(select(record_clusters.c.cluster_id)
                             .where(record_clusters.c.record_id == record_id)).scalar()
    return int(found) if found is not None else record_id


def holdings(engine: Engine, record_id: int) -> list[Holding]:
    """Every live member of ``record_id``'s cluster: its centre, id, title and items.

    Ordered by source, then record id; a record alone in its cluster is returned alone.
    """
    cluster = cluster_of(engine, record_id)
    loanable = func.sum(case((and_(items.c.loanable.is_not(False), items.c.withdrawn.is_(False)),
                              1), else_=0))
    counts = (select(items.c.record_id, func.count(items.c.id).label("n"), loanable.label("ok"))
              .group_by(items.c.record_id).subquery())
    members = select(record_clusters.c.record_id).where(record_clusters.c.cluster_id == cluster)
    query = (
        select(records.c.id, records.c.source, sources.c.name, records.c.source_id,
               records.c.title, counts.c.n, counts.c.ok)
        .join(sources, sources.c.slug == records.c.source)
        .outerjoin(counts, counts.c.record_id == records.c.id)
        .where(or_(records.c.id.in_(members), records.c.id == record_id),
               records.c.deleted.is_(False))
        .order_by(records.c.source, records.c.id)
    )
    with engine.connect() as conn:
        return [Holding(record_id=r.id, source=r.source, source_name=r.name,
                        source_id=r.source_id, title=r.title, items=int(r.n or 0),
                        loanable=int(r.ok or 0)) for r in conn.execute(query)]
