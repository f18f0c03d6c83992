"""A small lending-desk world for the circulation tests: a real SQLite store, records
with items imported through the real ingest path, categories, borrowers and rules.

Items (barcode: what it exercises): ``L1``/``L2`` two loanable books of one record,
``B3`` a one-copy book, ``D1`` a DVD (rule: 7 days, no renewal), ``S1`` on-site only
(996 pret_flag 0), ``C1`` consultation status code ``c`` without flag, ``R1`` in repair,
``J1`` an educational game. Borrowers (card: who): ``C-ALICE`` (pv, email),
``C-BOB`` (student, max 2 loans), ``C-CAROL`` (pv, no email: printed letters),
``C-DAN`` (suspended), ``C-EVE`` (card expired), ``C-FAY`` (partner staff).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from catalogue.formats.base import Parsed
from catalogue.lending.desk import Desk
from catalogue.lending.rules import LoanRule, save_rule
from catalogue.people import accounts
from catalogue.people.accounts import Person
from catalogue.records import Item, Record, Title
from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.store.ingest import Ingest
from tests import stores

CONFIG = """
[catalogue]
name = "Centre de test"
base_url = "{base_url}"
data_dir = "var"

[store]
url = "{store_url}"

[import]
default_source = "crpv"

[index]
dir = "var/index"
engine = "{index_engine}"

[mail]
host = "127.0.0.1"
port = {smtp_port}
sender = "documentation@crpv.example.fr"

[[sources]]
slug = "crpv"
name = "Centre de ressources"

[[sources]]
slug = "partner"
name = "Partenaire"
kind = "oai"

[circulation]
timezone = "Europe/Paris"
loan_days = 21
max_loans = 5
renewals = 1
renewal_days = 14
max_reservations = 3
hold_days = 5
closed_weekdays = [7]
reminder_days = [7, 21, 42]
"""

#: Monday 2 March 2026, 10:00 in Paris.
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "mot de passe du guichet"


def book(source_id: str, title: str, *copies: Item, source: str = "crpv") -> Parsed:
    record = Record(source=source, source_id=source_id, title=Title(main=title), items=copies)
    return Parsed(position=0, offset=0, raw=title.encode(), record=record)


def item(barcode: str, item_type: str = "aa", status: str = "d", label: str = "",
         loanable: bool | None = True) -> Item:
    return Item(barcode=barcode, call_number=f"COTE {barcode}", item_type=item_type,
                status=status, status_label=label, loanable=loanable, location="Centre de documentation")


def catalogue_records() -> list[Parsed]:
    return [
        book("1", "Politique de la ville : mode d'emploi", item("L1"), item("L2")),
        book("2", "Prévenir la délinquance des jeunes", item("B3")),
        book("3", "La médiation sociale (DVD)", item("D1", "ga")),
        book("4", "Annuaire des acteurs", item("S1", loanable=False, label="Consultation sur place")),
        book("5", "Rapport de référence", item("C1", status="c", loanable=None)),
        book("6", "Guide abîmé", item("R1", status="r", label="En réparation", loanable=False)),
        book("7", "Jeu de l'oie de la citoyenneté", item("J1", "ra")),
        book("9", "Un document du partenaire", item("P1"), source="partner"),
    ]


def import_records(engine: Engine, parsed: list[Parsed], source: str = "crpv",
                   now: datetime = MONDAY) -> None:
    ingest = Ingest(engine, source=source, format="unimarc", clock=lambda: now)
    ingest.add_all([p for p in parsed if p.record and p.record.source == source])
    ingest.finish()


@dataclass
class World:
    """The store, settings, desk and people of a circulation test."""

    settings: Settings
    engine: Engine
    desk: Desk
    people: dict[str, Person]
    librarian: Person
    admin: Person

    def card(self, name: str) -> str:
        card = self.people[name].card
        assert card
        return card


def write_config(folder: Path, *, store_url: str = "",
                 base_url: str = "http://127.0.0.1:5000", smtp_port: int = 2525) -> Settings:
    path = folder / "config.toml"
    path.write_text(CONFIG.format(store_url=store_url or stores.store_url(folder, "desk"),
                                  base_url=base_url, smtp_port=smtp_port,
                                  index_engine=stores.ENGINE),
                    encoding="utf-8")
    return load(path, env={"CATALOGUE_SECRET_KEY": "secret de test du guichet"})


def build(settings: Settings, engine: Engine | None = None, now: datetime = MONDAY) -> World:
    engine = engine or database.open_store(settings.store_url)
    records = catalogue_records()
    import_records(engine, records, "crpv", now)
    import_records(engine, records, "partner", now)
    for code, label in (("pv", "Politique de la ville"), ("student", "Étudiants"),
                        ("partner", "Personnel partenaire")):
        accounts.add_category(engine, code, label)
    save_rule(engine, LoanRule("student", "*", 14, 2, 1, 7, 1))
    save_rule(engine, LoanRule("*", "ga", 7, 3, 0, 7, 1))
    save_rule(engine, LoanRule("partner", "*", 42, 10, 2, 21, 5))
    far = date(2030, 1, 1)
    people = {
        "alice": accounts.create(engine, now, email="alice@example.org", name="Alice Martin",
                                 card="C-ALICE", category="pv", expires_on=far),
        "bob": accounts.create(engine, now, email="bob@example.org", name="Bob Durand",
                               card="C-BOB", category="student", expires_on=far),
        "carol": accounts.create(engine, now, name="Carol Petit", card="C-CAROL",
                                 category="pv", expires_on=far,
                                 address="3 rue des Lilas\n75011 Paris"),
        "dan": accounts.create(engine, now, email="dan@example.org", name="Dan Roux",
                               card="C-DAN", category="pv", expires_on=far),
        "eve": accounts.create(engine, now, email="eve@example.org", name="Eve Blanc",
                               card="C-EVE", category="pv", expires_on=date(2026, 1, 31)),
        "fay": accounts.create(engine, now, email="fay@example.org", name="Fay Noir",
                               card="C-FAY", category="partner", expires_on=far),
    }
    people["dan"] = accounts.update_person(engine, people["dan"].id, now, suspended=True)
    librarian = accounts.create(engine, now, email="biblio@crpv.example.fr", name="Léa Biblio",
                                role="librarian", password=PASSWORD, confirmed=True)
    admin = accounts.create(engine, now, email="admin@crpv.example.fr", name="Adam Admin",
                            role="admin", password=PASSWORD, confirmed=True)
    return World(settings, engine, Desk(engine, settings), people, librarian, admin)


def days(n: int) -> timedelta:
    return timedelta(days=n)
