"""Persons: register, confirm, find, authenticate. The one account model of the catalogue.

Every function takes the engine and ``now`` (the clock is read by the caller, once), and
raises an :class:`AccountError` carrying a French message a page can show next to the
field. Emails are stored lower-cased and validated by ``email-validator`` (syntax only:
the centre's mail server is the judge of deliverability).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from catalogue.errors import FieldError
from catalogue.people.settings import AccountSettings
from catalogue.store import database
from catalogue.store.people_tables import categories, persons

ROLES = ("", "librarian", "admin")
STAFF_ROLES = ("librarian", "admin")
LANGUAGES = ("fr", "en")
MIN_PASSWORD = 10


class AccountError(FieldError):
    """An account refusal (invalid field, address or card already taken, lockout)."""


@dataclass(frozen=True, slots=True)
class Person:
    """One row of ``persons``: subscriber, borrower, staff, or several of these."""

    id: int
    email: str | None
    name: str
    language: str
    role: str
    email_confirmed_at: datetime | None
    login_nonce: str
    card: str | None
    category: str | None
    expires_on: date | None
    suspended: bool
    phone: str
    address: str
    history_opt_in: bool
    created_at: datetime
    has_password: bool = False
    session_version: int = 0  # in every session cookie; raised to end them all

    @property
    def is_staff(self) -> bool:
        """A librarian or an administrator."""
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def confirmed(self) -> bool:
        """The email address was confirmed (double opt-in)."""
        return self.email_confirmed_at is not None

    @property
    def label(self) -> str:
        """What a page shows for this person: the name, else the email, else the card."""
        return self.name or self.email or self.card or f"#{self.id}"


_COLUMNS = [c for c in persons.c if c.name not in {"password_hash", "failed_logins",
                                                    "locked_until", "last_login_at",
                                                    "updated_at"}]


def _person(row: Any) -> Person:
    m = row._mapping
    return Person(**{c.name: m[c.name] for c in _COLUMNS}, has_password=bool(m["password_hash"]))


def normalize_email(value: str) -> str:
    """The address as stored (lower-cased, IDNA domain), or :class:`AccountError`."""
    text = value.strip()
    if not text:
        raise AccountError("Indiquez une adresse électronique.", "email")
    if any(c in text for c in "\r\n\0") or len(text) > 254:
        raise AccountError("Cette adresse électronique n'est pas valide.", "email")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise AccountError("Cette adresse électronique n'est pas valide.", "email") from None
    return str(checked.normalized).lower()


def clean_name(value: str) -> str:
    """A one-line name: control characters (header injection) are refused, not stripped."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise AccountError("Le nom ne peut pas contenir de retour à la ligne ni de caractère de contrôle.", "name")
    name = " ".join(value.split())
    if len(name) > 200:
        raise AccountError("Le nom est trop long (200 caractères au plus).", "name")
    return name


def _select() -> Any:
    return select(*_COLUMNS, persons.c.password_hash)


def get(engine: Engine | Connection, person_id: int) -> Person | None:
    """The person ``person_id``, or None."""
    return _one(engine, persons.c.id == person_id)


def by_email(engine: Engine | Connection, email: str) -> Person | None:
    """The person with this address (any case), or None."""
    try:
        address = normalize_email(email)
    except AccountError:
        return None
    return _one(engine, persons.c.email == address)


def by_card(engine: Engine | Connection, card: str) -> Person | None:
    """The borrower whose card barcode is ``card``, or None."""
    return _one(engine, persons.c.card == card.strip()) if card.strip() else None


def _one(engine: Engine | Connection, where: Any) -> Person | None:
    stmt = _select().where(where)
    if isinstance(engine, Connection):
        row = engine.execute(stmt).first()
    else:
        with engine.connect() as conn:
            row = conn.execute(stmt).first()
    return _person(row) if row is not None else None


def search(engine: Engine, text: str, *, limit: int = 50, with_card: bool = False) -> list[Person]:
    """People whose name, email or card contains ``text`` (case- and accent-insensitive), by name.

    ``%`` and ``_`` in ``text`` are matched literally (a card number may hold ``_``);
    ``with_card`` keeps borrowers only (the desk's search).
    """
    folded = database.fold(text.strip()) or ""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    # Names are compared without accents on both stores ("helene" finds "Hélène"):
    # catalogue_fold is Python's fold on SQLite, migration 0015's function on PostgreSQL.
    name = func.catalogue_fold(persons.c.name)
    where = (name.like(like, escape="\\")
             | persons.c.email.like(like, escape="\\")
             | func.lower(persons.c.card).like(like, escape="\\"))
    if with_card:
        where = where & persons.c.card.is_not(None)
    stmt = _select().where(where).order_by(persons.c.name, persons.c.id).limit(limit)
    with engine.connect() as conn:
        return [_person(r) for r in conn.execute(stmt)]


def create(engine: Engine, now: datetime, *, email: str | None = None, name: str = "",
           language: str = "fr", role: str = "", password: str = "",
           confirmed: bool = False, card: str | None = None, category: str | None = None,
           expires_on: date | None = None, phone: str = "", address: str = "") -> Person:
    """A new person. At least an email or a card is needed.

    Raises:
        AccountError: a field is invalid, or the email or card is already someone's.
    """
    address_ = normalize_email(email) if email else None
    card_ = (card or "").strip() or None
    if address_ is None and card_ is None:
        raise AccountError("Indiquez une adresse électronique ou un numéro de carte.", "email")
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu : {role}.", "role")
    if language not in LANGUAGES:
        raise AccountError(f"Langue inconnue : {language}.", "language")
    values: dict[str, Any] = {
        "email": address_, "name": clean_name(name), "language": language, "role": role,
        "password_hash": hash_password(password) if password else "",
        "email_confirmed_at": now if confirmed and address_ else None,
        "login_nonce": secrets.token_hex(8), "failed_logins": 0, "card": card_,
        "category": category or None, "expires_on": expires_on, "suspended": False,
        "phone": phone.strip(), "address": address.strip(), "history_opt_in": False,
        "created_at": now, "updated_at": now,
    }
    try:
        with engine.begin() as conn:
            if category and conn.execute(select(categories.c.code).where(
                    categories.c.code == category)).first() is None:
                raise AccountError(f"Catégorie inconnue : {category}.", "category")
            key = conn.execute(insert(persons).values(values)).inserted_primary_key
            assert key is not None
            new_id = key[0]
    except IntegrityError:
        if address_ and by_email(engine, address_) is not None:
            raise AccountError("Un compte existe déjà pour cette adresse électronique.", "email") from None
        raise AccountError("Ce numéro de carte est déjà attribué.", "card") from None
    person = get(engine, new_id)
    assert person is not None
    return person


def register(engine: Engine, now: datetime, email: str, *, name: str = "",
             language: str = "fr") -> Person:
    """The person for ``email``, created unconfirmed if new (self-registration).

    An existing address returns its person unchanged, so the form never tells a stranger
    whether an address is known: the confirmation or sign-in mail does the talking.
    """
    existing = by_email(engine, email)
    if existing is not None:
        return existing
    try:
        return create(engine, now, email=email, name=name, language=language)
    except AccountError as exc:
        if exc.field == "email" and "existe" in exc.message:  # a concurrent registration won
            found = by_email(engine, email)
            if found is not None:
                return found
        raise


def update_person(engine: Engine, person_id: int, now: datetime, **changes: Any) -> Person:
    """Change some columns of a person (name, language, card, category, expiry, contact).

    Raises:
        AccountError: an invalid value or a card already given to someone else.
    """
    allowed = {"name", "language", "card", "category", "expires_on", "suspended", "phone",
               "address", "history_opt_in", "role"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not changeable here: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = clean_name(changes["name"])
    if "card" in changes:
        changes["card"] = (changes["card"] or "").strip() or None
    if changes.get("language", "fr") not in LANGUAGES:
        raise AccountError("Langue inconnue.", "language")
    if changes.get("role", "") not in ROLES:
        raise AccountError("Rôle inconnu.", "role")
    try:
        with engine.begin() as conn:
            if "role" in changes:  # a changed role ends the sessions that had the old one
                conn.execute(update(persons).where(persons.c.id == person_id,
                                                   persons.c.role != changes["role"])
                             .values(session_version=persons.c.session_version + 1))
            conn.execute(update(persons).where(persons.c.id == person_id)
                         .values(**changes, updated_at=now))
    except IntegrityError:
        raise AccountError("Ce numéro de carte est déjà attribué.", "card") from None
    person = get(engine, person_id)
    if person is None:
        raise AccountError("Ce compte n'existe plus.")
    return person


def confirm(engine: Engine, person_id: int, now: datetime) -> Person | None:
    """Mark the email confirmed (idempotent) and rotate the nonce so the link is spent."""
    with engine.begin() as conn:
        conn.execute(update(persons).where(persons.c.id == person_id,
                                           persons.c.email_confirmed_at.is_(None))
                     .values(email_confirmed_at=now, updated_at=now))
    rotate_nonce(engine, person_id)
    return get(engine, person_id)


def rotate_nonce(engine: Engine, person_id: int) -> None:
    """Invalidate every sign-in link issued so far for this person."""
    with engine.begin() as conn:
        conn.execute(update(persons).where(persons.c.id == person_id)
                     .values(login_nonce=secrets.token_hex(8)))


def hash_password(password: str) -> str:
    """Werkzeug's salted scrypt hash; short passwords are refused."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.",
                           "password")
    return generate_password_hash(password)


def set_password(engine: Engine, person_id: int, password: str, now: datetime) -> None:
    """Set (or replace) a person's password, clear any lockout, end their sessions."""
    digest = hash_password(password)
    with engine.begin() as conn:
        conn.execute(update(persons).where(persons.c.id == person_id).values(
            password_hash=digest, failed_logins=0, locked_until=None, updated_at=now,
            session_version=persons.c.session_version + 1))


def end_sessions(engine: Engine | Connection, person_id: int) -> None:
    """End every session of this person, on every browser (the next request is anonymous)."""
    statement = (update(persons).where(persons.c.id == person_id)
                 .values(session_version=persons.c.session_version + 1))
    if isinstance(engine, Connection):
        engine.execute(statement)
        return
    with engine.begin() as conn:
        conn.execute(statement)


def authenticate(engine: Engine, email: str, password: str, now: datetime,
                 policy: AccountSettings) -> Person:
    """The person whose email and password match, counting failures towards a lockout.

    Raises:
        AccountError: wrong address or password, or the account is locked for now: one
            message and one password hash check for all three, so that neither the words
            nor the time tell which addresses exist.
    """
    wrong = AccountError("Adresse électronique ou mot de passe incorrect (après "
                         f"{policy.lockout_attempts} essais infructueux, un compte est "
                         f"verrouillé {policy.lockout_minutes} min).", "password")
    try:
        address = normalize_email(email)
    except AccountError:
        raise wrong from None
    refusal: AccountError | None = None
    # The failure count must be committed even though we refuse: raise after the block.
    with engine.begin() as conn:
        row = conn.execute(select(persons.c.id, persons.c.password_hash, persons.c.failed_logins,
                                  persons.c.locked_until)
                           .where(persons.c.email == address)).first()
        if row is None or not row.password_hash:
            check_password_hash(_DUMMY_HASH, password)  # same time as a real check
            raise wrong
        if row.locked_until is not None and row.locked_until > now:
            # Same words and the same hash work as for an unknown address: a locked
            # account answered at once and said so, telling which addresses exist.
            check_password_hash(_DUMMY_HASH, password)
            raise wrong
        if check_password_hash(row.password_hash, password):
            conn.execute(update(persons).where(persons.c.id == row.id).values(
                failed_logins=0, locked_until=None, last_login_at=now))
        else:
            failures = row.failed_logins + 1
            locked = (now + timedelta(minutes=policy.lockout_minutes)
                      if failures >= policy.lockout_attempts else None)
            conn.execute(update(persons).where(persons.c.id == row.id).values(
                failed_logins=0 if locked else failures, locked_until=locked))
            if locked is not None:  # a lockout ends the sessions already open too
                end_sessions(conn, row.id)
            refusal = wrong
    if refusal is not None:
        raise refusal
    person = get(engine, row.id)
    assert person is not None
    return person


def signed_in(engine: Engine, person_id: int, now: datetime) -> None:
    """Record a sign-in by magic link."""
    with engine.begin() as conn:
        conn.execute(update(persons).where(persons.c.id == person_id).values(last_login_at=now))


#: A check run before a person is erased: the French reason to refuse, or None.
DeletionCheck = Callable[[Connection, int], str | None]
_deletion_checks: list[DeletionCheck] = []


def refuse_deletion_when(check: DeletionCheck) -> None:
    """Make :func:`delete` run ``check`` first (idempotent).

    This is how a part that owns something a person holds (the lending desk: open loans,
    copies set aside) stops an erasure without this module knowing that part: the
    dependency goes from lending to people, never back.
    """
    if check not in _deletion_checks:
        _deletion_checks.append(check)


def delete(engine: Engine, person_id: int) -> None:
    """Erase a person (GDPR): rows referencing them go with them (ON DELETE CASCADE).

    The registered checks run inside the deletion's transaction, so what they saw is
    what is deleted.

    Raises:
        AccountError: a check refused (e.g. documents still on loan); nothing is deleted.
    """
    with engine.begin() as conn:
        for check in _deletion_checks:
            reason = check(conn, person_id)
            if reason:
                raise AccountError(reason)
        conn.execute(persons.delete().where(persons.c.id == person_id))


def export(engine: Engine, person_id: int) -> Mapping[str, Any]:
    """What the store holds about this person's account, for a GDPR export (JSON-ready).

    Other parts (subscriptions, loans) add their own sections next to ``account``.
    """
    with engine.connect() as conn:
        row = conn.execute(select(persons).where(persons.c.id == person_id)).first()
    if row is None:
        return {}
    skip = {"password_hash", "login_nonce"}
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v)
            for k, v in row._mapping.items() if k not in skip}


def add_category(engine: Engine, code: str, label: str, description: str = "") -> None:
    """Create or relabel a category of people (field of activity, partner staff...)."""
    with engine.begin() as conn:
        if conn.execute(select(categories.c.code).where(categories.c.code == code)).first():
            conn.execute(update(categories).where(categories.c.code == code)
                         .values(label=label, description=description))
        else:
            conn.execute(insert(categories).values(code=code, label=label,
                                                   description=description))


def list_categories(engine: Engine) -> list[tuple[str, str]]:
    """(code, label) of every category, by label."""
    with engine.connect() as conn:
        return [(r.code, r.label) for r in
                conn.execute(select(categories.c.code, categories.c.label)
                             .order_by(categories.c.label))]


_DUMMY_HASH = generate_password_hash("not a real password, only here to spend the time")
