"""Demo people for ``make run``: borrower categories, forty borrowers, a librarian, a
desk that has been used (loans, some of them overdue, and a reservation), and three
curated DSI lists, one per field of activity, to which its borrowers are subscribed.

Deterministic (names, cards and choices come from a seeded generator; loan dates are
counted back from ``now``) and idempotent: categories and rules are upserted, a borrower
whose card exists and the librarian whose address exists are left as they are, and loans
are made only on a desk that has never lent anything, so a second ``make run`` changes
nothing and never mixes demo loans into real ones.

The librarian's password is never in the repository: it is generated on the first run,
printed once and written to a file readable by its owner only (``var/demo``); a later run
reuses the file, or sets a new password when the file was deleted.
"""

from __future__ import annotations

import os
import random
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from catalogue.demo.vocabulary import FORENAMES, SURNAMES
from catalogue.dsi import profiles
from catalogue.dsi.schedule import Periodicity
from catalogue.lending.desk import Desk
from catalogue.lending.refusals import Refusal
from catalogue.lending.rules import LoanRule, save_rule
from catalogue.people import accounts
from catalogue.settings import Settings
from catalogue.store.circulation_tables import loans, reservations
from catalogue.store.dsi_tables import dsi_profiles, dsi_subscriptions
from catalogue.store.tables import items, records

#: (code, label, description): the centre's three fields of activity, partners, students.
CATEGORIES = (
    ("pv", "Politique de la ville", "Chefs de projet, délégués du préfet, agents des collectivités"),
    ("prevention", "Prévention et sécurité", "Coordonnateurs CLSPD, médiateurs, éducateurs"),
    ("savoirs", "Accès aux savoirs de base", "Formateurs, bénévoles de l'alphabétisation"),
    ("partenaire", "Personnel partenaire", "Personnel de l'institution qui partage l'espace"),
    ("etudiant", "Étudiants", "Étudiants et stagiaires"),
)
#: Rules beside the ``[circulation]`` default: shorter for students, longer for partners,
#: DVDs (995$r ``ga``) a week without renewal.
RULES = (
    LoanRule("etudiant", "*", 14, 3, 1, 7, 1),
    LoanRule("partenaire", "*", 42, 10, 2, 21, 5),
    LoanRule("*", "ga", 7, 3, 0, 7, 1),
)
#: Curated lists: (slug, name, description, equations, periodicity, the category whose
#: people are subscribed, as the documentalist would with "abonnement automatique").
LISTS = (
    ("renouvellement-urbain", "Renouvellement urbain et participation des habitants",
     "Les nouveautés sur la rénovation des quartiers et la place de leurs habitants.",
     ("descriptor=Renouvellement urbain", "descriptor=Participation des habitants"),
     Periodicity("weekly", weekday=0), "pv"),
    ("prevention-jeunesse", "Prévention de la délinquance des jeunes",
     "Délinquance juvénile, justice des mineurs, prévention spécialisée.",
     ("q=délinquance juvénile", "descriptor=Justice des mineurs",
      "descriptor=Prévention spécialisée"),
     Periodicity("weekly", weekday=1), "prevention"),
    ("savoirs-de-base", "Illettrisme et savoirs de base",
     "Lutte contre l'illettrisme, alphabétisation, compétences clés, illectronisme.",
     ("descriptor=Illettrisme", "descriptor=Savoirs de base", "descriptor=Illectronisme"),
     Periodicity("weekly", weekday=3), "savoirs"),
)
#: How long before ``make run`` the demo subscribers subscribed to the lists.
SUBSCRIBED_BEFORE = timedelta(days=7)
BORROWERS = 40
CARD = "LEC{:04d}"
STAFF_EMAIL = "bibliothecaire@crpv.example.fr"
STAFF_NAME = "Bibliothécaire de démonstration"
#: Days before ``now`` each demo loan was made (a 21-day loan made 49 days ago is 28 days late).
LOAN_AGES = (70, 56, 49, 35, 30, 12, 9, 6, 3, 2, 1, 0)
SEED = 6


@dataclass(slots=True)
class DemoPeople:
    """What :func:`populate` did."""

    created: int = 0
    kept: int = 0
    loans: int = 0
    overdue: int = 0
    reservations: int = 0
    lists: int = 0
    password: str = ""  # set only when a new password was made (to print once)
    password_file: Path | None = None
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"demo people: {self.created} borrowers created, {self.kept} kept; "
                f"{self.loans} loans ({self.overdue} overdue), {self.reservations} reservation(s); "
                f"{self.lists} DSI list(s) created")


@dataclass(frozen=True, slots=True)
class DemoBorrower:
    """One generated borrower."""

    card: str
    name: str
    category: str
    email: str | None
    phone: str
    address: str


def borrower_rows(seed: int = SEED) -> list[DemoBorrower]:
    """The forty demo borrowers (same seed, same people)."""
    rng = random.Random(seed)
    codes = [c[0] for c in CATEGORIES]
    weights = (10, 8, 8, 6, 8)
    rows = []
    for n in range(1, BORROWERS + 1):
        forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
        category = rng.choices(codes, weights)[0]
        with_email = n % 5 != 0  # one in five gets printed letters
        slug = _ascii(f"{forename}.{surname}".lower().replace(" ", "-").replace("'", ""))
        street = f"{rng.randint(1, 120)} rue de la République\n13001 Marseille"
        rows.append(DemoBorrower(
            card=CARD.format(n), name=f"{forename} {surname}", category=category,
            email=f"{slug}.{n}@example.org" if with_email else None,
            phone=f"04 91 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            address="" if with_email else street))
    return rows


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii())


def populate(engine: Engine, settings: Settings, now: datetime, password_file: Path) -> DemoPeople:
    """Create (or keep) the demo categories, rules, borrowers, librarian, loans and reservation."""
    report = DemoPeople(password_file=password_file)
    for code, label, description in CATEGORIES:
        accounts.add_category(engine, code, label, description)
    for rule in RULES:
        save_rule(engine, rule)
    today = now.date()
    for n, row in enumerate(borrower_rows(), start=1):
        if accounts.by_card(engine, row.card) is not None:
            report.kept += 1
            continue
        # A year of validity, except one expired card; one borrower suspended.
        expires = date(today.year + 1, 9, 30) if n != 7 else today - timedelta(days=30)
        person = accounts.create(engine, now, card=row.card, name=row.name,
                                 category=row.category, email=row.email, phone=row.phone,
                                 address=row.address, expires_on=expires, confirmed=True)
        if n == 13:
            accounts.update_person(engine, person.id, now, suspended=True)
        report.created += 1
    _librarian(engine, now, password_file, report)
    _desk(engine, settings, now, report)
    _lists(engine, now, report)
    return report


def _lists(engine: Engine, now: datetime, report: DemoPeople) -> None:
    """The curated lists, public, their category's borrowers subscribed (kept if present).

    The lists and their subscriptions are dated a week back, as if the documentalist had
    made them then: the first run (``catalogue dsi run``, or the scheduler's on each list's day) then has the
    demo catalogue's records as news and sends a real first issue to the mail sink.
    """
    for slug, name, description, equations, period, category in LISTS:
        if profiles.by_slug(engine, slug) is not None:
            continue
        made = profiles.save_list(engine, now, slug=slug, name=name, description=description,
                                  equation_params=equations, periodicity=period, cap=30,
                                  attachment="ris", offered=(category,), auto=(category,))
        with engine.begin() as conn:
            conn.execute(update(dsi_profiles).where(dsi_profiles.c.id == made.id)
                         .values(created_at=now - SUBSCRIBED_BEFORE))
            conn.execute(update(dsi_subscriptions)
                         .where(dsi_subscriptions.c.profile_id == made.id)
                         .values(created_at=now - SUBSCRIBED_BEFORE,
                                 watermark=now - SUBSCRIBED_BEFORE))
        report.lists += 1


def _librarian(engine: Engine, now: datetime, password_file: Path, report: DemoPeople) -> None:
    staff = accounts.by_email(engine, STAFF_EMAIL)
    if staff is not None and password_file.is_file():
        return
    password = secrets.token_urlsafe(12)
    if staff is None:
        accounts.create(engine, now, email=STAFF_EMAIL, name=STAFF_NAME, role="librarian",
                        password=password, confirmed=True)
    else:
        accounts.set_password(engine, staff.id, password, now)
    password_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"{STAFF_EMAIL}\n{password}\n")
    os.chmod(password_file, 0o600)  # an older file may have had wider rights
    report.password = password


def _desk(engine: Engine, settings: Settings, now: datetime, report: DemoPeople) -> None:
    with engine.connect() as conn:
        used = conn.execute(select(func.count()).select_from(loans)).scalar_one() \
            + conn.execute(select(func.count()).select_from(reservations)).scalar_one()
        candidates = conn.execute(
            select(items.c.barcode, items.c.record_id)
            .join(records, records.c.id == items.c.record_id)
            .where(records.c.source.in_(settings.circulation.sources),
                   records.c.deleted.is_(False), items.c.status.in_(("d", "n")),
                   items.c.loanable.is_not(False), items.c.barcode != "")
            .order_by(items.c.barcode).limit(400)).all()
    if used:
        report.notes.append("the desk has already been used: no demo loans added")
        return
    if not candidates:
        report.notes.append("no loanable copy in the store yet: import the demo export first")
        return
    desk = Desk(engine, settings)
    rng = random.Random(SEED)
    picks = rng.sample(candidates, min(len(candidates), len(LOAN_AGES) * 3))
    able = [CARD.format(n) for n in range(1, BORROWERS + 1) if n not in (7, 13)]
    lent: list[tuple[str, int, str]] = []  # barcode, record id, card
    for age in LOAN_AGES:
        when = now - timedelta(days=age)
        card = able[len(lent) * 3 % len(able)]
        while picks:
            barcode, record_id = picks.pop()
            try:
                loan = desk.check_out(card, barcode, when, None)
            except Refusal:  # a copy the rules keep home (on-site, a sibling held...): next
                continue
            lent.append((barcode, record_id, card))
            report.loans += 1
            if loan.due_on < desk.today(now):
                report.overdue += 1
            break
    # Someone waits for a record whose copies are all out: "en attente" until one is back.
    for _, record_id, card in reversed(lent):
        with engine.connect() as conn:
            row = conn.execute(select(records.c.source, records.c.source_id)
                               .where(records.c.id == record_id)).one()
        person = accounts.by_card(engine, next(c for c in reversed(able) if c != card))
        assert person is not None
        try:
            desk.reserve(person.id, f"{row.source}:{row.source_id}", now, None)
        except Refusal:  # another copy is on the shelf: nothing to wait for
            continue
        report.reservations += 1
        break
