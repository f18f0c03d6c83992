"""A DSI run: due profiles -> new records -> one digest per subscriber -> SMTP -> watermarks.

The run reads the clock once (``now``). For every due subscriber-profile pair it selects
the candidates matching the profile whose novelty date (first seen, or updated) is at or
after the pair's watermark minus ``[dsi] margin_minutes``, minus the works already
delivered for the pair (through that record or another centre's record of the same work). The margin covers imports that stamped their records just before
the run but committed just after it read the store; the delivered set makes the overlap
harmless. A person's due pairs go out in one mail; once the server *accepted* it, the
delivery, the delivered records and those pairs' watermarks (moved to ``now``) are
recorded, in small groups (:mod:`catalogue.dsi.deliveries`). A refused or failed mail
moves nothing: the next run, which still finds the pairs due, sends it again with
whatever arrived since. Pairs with nothing new move their watermark without a mail (no
empty email). People whose address was refused for good ``[dsi] bounce_limit`` times in a
row are skipped (:mod:`catalogue.dsi.bounces`); closed lists are not run at all.

One gap remains, as in any system without two-phase commit with the SMTP server: a
crash between the server's 250 and the commit of that mail's group sends it again at
the next run (at most ``[dsi] delivery_group`` mails; see :mod:`catalogue.dsi.deliveries`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select, update

from catalogue.documents.service import public_links
from catalogue.dsi import archives, bounces, digest, links
from catalogue.dsi.deliveries import Entry, Ledger
from catalogue.dsi.equations import EquationError
from catalogue.dsi.matching import Candidate, Matcher, candidates, public_index
from catalogue.dsi.profiles import Profile, all_profiles, set_problem
from catalogue.people.mailer import REFUSED, RETRY, Mailer, Outcome
from catalogue.people.settings import MailSettings
from catalogue.people.tokens import LinkSigner
from catalogue.settings import Settings
from catalogue.store.dsi_tables import (
    dsi_delivered,
    dsi_picks,
    dsi_runs,
    dsi_subscriptions,
)
from catalogue.store.opac import cluster_ids, siblings
from catalogue.store.people_tables import persons
from indexes import Searcher

CHUNK = 500


@dataclass(frozen=True, slots=True)
class Pair:
    """A due subscription with what its person needs for the mail."""

    id: int
    profile_id: int
    person_id: int
    watermark: datetime
    email: str
    name: str
    language: str
    created_at: datetime  # when the person subscribed: nothing older is theirs

    def window_start(self, margin: timedelta) -> datetime:
        """Where this pair's records begin: the watermark less the margin, but never
        before the subscription (a subscriber of 05:07 got the 458 records imported at
        05:04, already in the list's issue 1)."""
        return max(self.watermark - margin, self.created_at)


@dataclass
class RunReport:
    """What a run did (or, dry, would do)."""

    started_at: datetime
    dry_run: bool
    run_id: int | None = None
    due: int = 0
    candidates: int = 0
    evaluations: int = 0
    digests: int = 0
    sent: int = 0
    retried: int = 0
    refused: int = 0
    quiet: int = 0  # due pairs with nothing new
    bouncing: int = 0  # people skipped: their address was refused for good too often
    records_sent: int = 0
    commits: int = 0  # store transactions recording the mails' outcomes
    record_seconds: float = 0.0  # of send_seconds, spent in those transactions
    issues: list[tuple[str, int, int]] = field(default_factory=list)  # slug, number, records
    problems: list[str] = field(default_factory=list)
    previews: list[digest.Digest] = field(default_factory=list)
    match_seconds: float = 0.0
    send_seconds: float = 0.0

    def __str__(self) -> str:
        head = "dsi (dry run)" if self.dry_run else "dsi"
        text = (f"{head}: {self.due} due subscriptions, {self.candidates} candidate records, "
                f"{self.evaluations} equations; {self.digests} digests: {self.sent} sent, "
                f"{self.retried} to retry, {self.refused} refused; {self.quiet} with nothing "
                f"new; {self.bouncing} bouncing addresses skipped; "
                f"{len(self.issues)} issues published "
                f"(matching {self.match_seconds:.1f} s, sending {self.send_seconds:.1f} s)")
        return "\n".join([text, *(f"  problem: {p}" for p in self.problems)])


def _pairs(engine: Engine, profile_ids: set[int]) -> list[Pair]:
    stmt = (select(dsi_subscriptions.c.id, dsi_subscriptions.c.profile_id,
                   dsi_subscriptions.c.person_id, dsi_subscriptions.c.watermark,
                   persons.c.email, persons.c.name, persons.c.language,
                   dsi_subscriptions.c.created_at)
            .join(persons, persons.c.id == dsi_subscriptions.c.person_id)
            .where(persons.c.email.is_not(None), persons.c.email_confirmed_at.is_not(None))
            .order_by(dsi_subscriptions.c.person_id, dsi_subscriptions.c.id))
    with engine.connect() as conn:
        return [Pair(r.id, r.profile_id, r.person_id, r.watermark, r.email, r.name, r.language,
                     r.created_at) for r in conn.execute(stmt) if r.profile_id in profile_ids]


def _picks(engine: Engine, profile_ids: set[int], since: datetime) -> dict[int, dict[int, datetime]]:
    out: dict[int, dict[int, datetime]] = defaultdict(dict)
    with engine.connect() as conn:
        for r in conn.execute(select(dsi_picks).where(dsi_picks.c.added_at >= since)):
            if r.profile_id in profile_ids:
                out[r.profile_id][r.record_id] = r.added_at
    return out


def _delivered(engine: Engine, pair_ids: set[int], record_ids: list[int]) -> set[tuple[int, int]]:
    """(pair, record) for each of ``record_ids`` whose work the pair already received,
    through that record or another centre's record of the same work."""
    found: set[tuple[int, int]] = set()
    with engine.connect() as conn:
        works = siblings(conn, record_ids)
        holders: dict[int, list[int]] = defaultdict(list)  # member -> candidates it stands for
        for rid, group in works.items():
            for member in group:
                holders[member].append(rid)
        members = sorted(holders)
        for i in range(0, len(members), CHUNK):
            for r in conn.execute(select(dsi_delivered.c.subscription_id, dsi_delivered.c.record_id)
                                  .where(dsi_delivered.c.record_id.in_(members[i:i + CHUNK]))):
                if r.subscription_id in pair_ids:
                    found.update((r.subscription_id, rid) for rid in holders[r.record_id])
    return found


def _new_for(profile: Profile, since: datetime, matched: frozenset[int],
             picked: dict[int, datetime], found: dict[int, Candidate]) -> set[int]:
    new = {r for r in matched if found[r].stamp(profile.novelty) >= since}
    new |= {r for r, added in picked.items() if added >= since and r in found}
    return new


def run(engine: Engine, settings: Settings, now: datetime, signer: LinkSigner, *,
        list_slug: str | None = None, dry_run: bool = False,
        mailer: Callable[[MailSettings], Mailer] = Mailer, workdir: Path | None = None,
        index: Searcher | None = None, use_index: bool = True) -> RunReport:
    """One DSI run at ``now`` (see the module docstring).

    Args:
        list_slug: only this curated list, due or not (the documentalist's "diffuser").
        dry_run: select and render, but send nothing and write nothing; the digests are
            returned in ``previews``.
        index: the public index to select in (default: ``[index] dir``'s, if any).
        use_index: False selects in a throw-away index of every candidate, as runs did
            before they asked the public index (the benchmark's and tests' reference).
    """
    dsi = settings.dsi
    zone, margin = ZoneInfo(dsi.timezone), timedelta(minutes=dsi.margin_minutes)
    report = RunReport(now, dry_run)
    started = time.perf_counter()
    profiles = {p.id: p for p in all_profiles(engine) if p.sends}
    if list_slug is not None:
        profiles = {i: p for i, p in profiles.items() if p.slug == list_slug}
        if not profiles:
            report.problems.append(f"no active list {list_slug!r}")
            return report
    forced = list_slug is not None
    stopped = bounces.stopped(engine, dsi.bounce_limit)
    pairs = [p for p in _pairs(engine, set(profiles))
             if forced or profiles[p.profile_id].periodicity.is_due(p.watermark, now, zone)]
    report.bouncing = len({p.person_id for p in pairs if p.person_id in stopped})
    pairs = [p for p in pairs if p.person_id not in stopped]
    lists = [p for p in profiles.values() if p.is_list and (
        forced or p.periodicity.is_due(p.last_issue_at or p.created_at, now, zone))]
    report.due = len(pairs)
    if not pairs and not lists:
        return report
    if not dry_run:
        with engine.begin() as conn:
            key = conn.execute(insert(dsi_runs).values(started_at=now, dry_run=False, digests=0,
                                                       sent=0, retried=0, refused=0, message="")
                               ).inserted_primary_key
            assert key is not None
            report.run_id = int(key[0])
    starts = [p.watermark for p in pairs] + [p.last_issue_at or p.created_at for p in lists]
    since = min(starts) - margin
    due_profiles = {p.profile_id for p in pairs} | {p.id for p in lists}
    picked = _picks(engine, due_profiles, since)
    found = candidates(engine, since, [r for d in picked.values() for r in d])
    report.candidates = len(found)
    matched: dict[int, frozenset[int]] = {}
    with public_index(settings.index.dir, index) as public, \
            Matcher(found, workdir, settings.index.engine,
                    public if use_index else None, engine) as matcher:
        for profile_id in sorted(due_profiles):
            profile = profiles[profile_id]
            try:
                hits: set[int] = set()
                for params in profile.equations:
                    hits |= matcher.match(params)
                matched[profile_id] = frozenset(hits)
            except EquationError as exc:
                report.problems.append(f"{profile.slug or 'alert'} #{profile.id} "
                                       f"({profile.name}): {exc.message}")
                if not dry_run:
                    set_problem(engine, profile_id, exc.message)
                continue
            if profile.problem and not dry_run:
                set_problem(engine, profile_id, "")
        report.evaluations = matcher.evaluations
    clusters = cluster_ids(engine, [c.global_id for c in found.values()])
    published: dict[int, int] = {}
    for profile in lists:
        if profile.id not in matched:
            continue
        fresh = _new_for(profile, (profile.last_issue_at or profile.created_at) - margin,
                         matched[profile.id], picked.get(profile.id, {}), found)
        order = sorted(fresh, key=lambda r: (found[r].stamp(profile.novelty), r), reverse=True)
        order = works(order, found, clusters, settings.default_source)
        if not dry_run:
            made = archives.publish(engine, profile.id, order, now)
            if made is not None:
                published[profile.id] = made.number
                report.issues.append((profile.slug or "", made.number, made.count))
    pairs = [p for p in pairs if p.profile_id in matched]
    delivered = _delivered(engine, {p.id for p in pairs}, sorted(found))
    per_person: dict[int, list[tuple[Pair, list[int]]]] = defaultdict(list)
    quiet: list[int] = []
    for pair in pairs:
        profile = profiles[pair.profile_id]
        new = _new_for(profile, pair.window_start(margin), matched[pair.profile_id],
                       picked.get(pair.profile_id, {}), found)
        new = {r for r in new if (pair.id, r) not in delivered}
        if not new:
            quiet.append(pair.id)
            continue
        order = sorted(new, key=lambda r: (found[r].stamp(profile.novelty), r), reverse=True)
        order = works(order, found, clusters, settings.default_source)
        per_person[pair.person_id].append((pair, order))
    report.quiet = len(quiet)
    report.match_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if not dry_run and quiet:
        with engine.begin() as conn:
            for i in range(0, len(quiet), CHUNK):
                conn.execute(update(dsi_subscriptions)
                             .where(dsi_subscriptions.c.id.in_(quiet[i:i + CHUNK]))
                             .values(watermark=now))
    with engine.connect() as conn:  # public documents: the digest links their download
        files = public_links(conn, sorted({r for parts in per_person.values()
                                           for _, order in parts for r in order}),
                             settings.base_url, settings.documents.access)
    with mailer(settings.mail) as smtp, Ledger(engine, report.run_id, now,
                                               group=dsi.delivery_group) as ledger:
        for person_id, parts in per_person.items():
            mail = _digest(settings, signer, profiles, parts, found, published, now, files)
            report.digests += 1
            if dry_run:
                report.previews.append(mail)
                continue
            outcome, message_id = _send(smtp, mail, settings.mail, now, zone)
            entry = Entry(person_id, mail.email, tuple((pair.id, tuple(order))
                                                       for pair, order in parts),
                          outcome, message_id)
            _count(report, entry)
            ledger.add(entry)
    report.commits, report.record_seconds = ledger.commits, ledger.seconds
    report.send_seconds = time.perf_counter() - started
    if report.run_id is not None:
        with engine.begin() as conn:
            conn.execute(update(dsi_runs).where(dsi_runs.c.id == report.run_id).values(
                finished_at=now + timedelta(seconds=report.match_seconds + report.send_seconds),
                digests=report.digests, sent=report.sent, retried=report.retried,
                refused=report.refused, message="; ".join(report.problems)[:4000]))
    return report


def _digest(settings: Settings, signer: LinkSigner, profiles: dict[int, Profile],
            parts: list[tuple[Pair, list[int]]], found: dict[int, Candidate],
            published: dict[int, int], now: datetime,
            files: dict[int, list[tuple[str, str, str]]] | None = None) -> digest.Digest:
    base = settings.base_url
    first = parts[0][0]
    sections = []
    for pair, order in parts:
        profile = profiles[pair.profile_id]
        shown = order[:profile.cap]
        if profile.is_list and profile.slug:
            archive = base + links.list_path(profile.slug)
        else:
            archive = base + "/recherche?" + (profile.equations[0] if profile.equations else "")
        token = links.unsubscribe_token(signer, pair.person_id, [pair.id], now)
        sections.append(digest.Section(
            profile.name, profile.description,
            tuple(digest.line(found[r], base, (files or {}).get(r, ())) for r in shown),
            len(order) - len(shown),
            archive, base + links.unsubscribe_path(token)))
    attachments = []
    for pair, order in parts:
        profile = profiles[pair.profile_id]
        made = digest.attachment(profile.attachment, profile.name,
                                 [found[r] for r in order[:profile.cap]])
        if made is not None:
            attachments.append(made)
    token = links.unsubscribe_token(signer, first.person_id, [p.id for p, _ in parts], now)
    return digest.Digest(first.email, first.name, first.language, tuple(sections),
                         base + links.unsubscribe_path(token), base + links.MANAGE_PATH,
                         settings.name, now, tuple(attachments))


def _send(smtp: Mailer, made: digest.Digest, mail: MailSettings, now: datetime,
          zone: ZoneInfo) -> tuple[Outcome, str]:
    try:
        msg = digest.message(made, mail, now, zone)
    except ValueError as exc:  # a header injection attempt or a malformed address
        return Outcome(REFUSED, f"message refused before sending: {exc}"), ""
    return smtp.send(msg), str(msg["Message-ID"])


def _count(report: RunReport, entry: Entry) -> None:
    if entry.outcome.sent:
        report.sent += 1
        report.records_sent += entry.records
    elif entry.outcome.status == RETRY:
        report.retried += 1
    else:
        report.refused += 1


def preview_issue(engine: Engine, settings: Settings, profile: Profile,
                  now: datetime, index: Searcher | None = None,
                  use_index: bool = True) -> list[Candidate]:
    """The records the list's next issue would carry if it ran at ``now``, newest first.

    ``index`` and ``use_index``: as for :func:`run` (the web app gives its own searcher).

    Raises:
        EquationError: an equation of the list no longer parses.
    """
    since = (profile.last_issue_at or profile.created_at) - timedelta(
        minutes=settings.dsi.margin_minutes)
    picked = _picks(engine, {profile.id}, since)
    found = candidates(engine, since, list(picked.get(profile.id, {})))
    with public_index(settings.index.dir, index) as public, \
            Matcher(found, engine_name=settings.index.engine,
                    index=public if use_index else None, store=engine) as matcher:
        hits: set[int] = set()
        for params in profile.equations:
            hits |= matcher.match(params)
    fresh = _new_for(profile, since, frozenset(hits), picked.get(profile.id, {}), found)
    with engine.connect() as conn:
        fresh -= archives.already_published(conn, profile.id, fresh)
    return sorted((found[r] for r in fresh),
                  key=lambda c: (c.stamp(profile.novelty), c.record_id), reverse=True)


def works(order: list[int], found: dict[int, Candidate], clusters: dict[str, int],
          local: str) -> list[int]:
    """``order`` with one record per work, in the order of each work's first record.

    When several centres catalogue one book (a union cluster) an issue listed it once
    per centre (475 records, 437 works); as on a results page, the work is shown through
    the centre's own record when it holds one, else its first record.
    """
    chosen: dict[int, int] = {}
    for record_id in order:
        candidate = found[record_id]
        cluster = clusters.get(candidate.global_id, -record_id)
        if cluster not in chosen or (candidate.global_id.startswith(local + ":")
              and not found[chosen[cluster]].global_id.startswith(local + ":")):
            chosen[cluster] = record_id
    return list(chosen.values())
