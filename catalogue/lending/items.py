"""Items as the desk sees them: the catalogued copy plus its circulation state.

The description comes from ``items`` (written by imports from PMB's 995/996); what the
desk decides (lost, damaged, in repair, withdrawn, and the flag an import raises when
an item the desk still needs left the export) lives in ``item_states``, which no import
touches. Whether a copy may go home is decided the way the public catalogue shows it
(:func:`catalogue.lending.states.item_state`: 995 status code, PMB status label, 996
``pret_flag``), so the desk and the OPAC never disagree about "sur place".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from sqlalchemy import Connection, Engine, func, insert, select, update

from catalogue.lending import audit
from catalogue.lending.refusals import Refusal
from catalogue.lending.settings import CirculationSettings
from catalogue.lending.states import ON_LOAN, ON_SITE, UNAVAILABLE, item_state
from catalogue.records import Item
from catalogue.store.circulation_tables import item_states
from catalogue.store.people_tables import persons
from catalogue.store.tables import items, records

#: Desk states and their French labels ('' is "as catalogued").
STATES = {"": "Normal", "lost": "Perdu", "damaged": "Abîmé", "repair": "En réparation",
          "withdrawn": "Retiré des collections"}
#: Item key prefix of items added by hand at the desk: imports leave them alone.
DESK_KEY = "desk:"


@dataclass(frozen=True, slots=True)
class DeskItem:
    """One copy with what the desk needs to lend it."""

    id: int
    record_id: int
    global_id: str
    title: str
    barcode: str
    call_number: str
    item_type: str
    location: str
    status: str
    status_label: str
    loanable: bool | None
    withdrawn: bool
    record_deleted: bool
    desk_state: str
    missing_since: datetime | None

    @property
    def catalogued_state(self) -> str:
        """available, onsite, on_loan or unavailable, from the catalogued status."""
        return item_state(Item(barcode=self.barcode, status=self.status,
                               status_label=self.status_label, loanable=self.loanable))

    def refusal(self) -> Refusal | None:
        """Why this copy cannot be lent whatever the borrower, or None."""
        if self.desk_state:
            return Refusal(f"Exemplaire {self.barcode} signalé « {STATES[self.desk_state]} » : "
                           "prêt impossible.", code="item_state", field="barcode")
        if self.withdrawn or self.record_deleted:
            return Refusal(f"Exemplaire {self.barcode} retiré du catalogue : prêt impossible.",
                           code="withdrawn", field="barcode")
        state = self.catalogued_state
        if state == ON_SITE:
            return Refusal(f"Exemplaire {self.barcode} exclu du prêt : consultation sur place "
                           "uniquement.", code="on_site", field="barcode")
        if state in (UNAVAILABLE, ON_LOAN):
            label = self.status_label or self.status
            return Refusal(f"Exemplaire {self.barcode} indisponible ({label}) : prêt impossible.",
                           code="unavailable", field="barcode")
        return None


def _query() -> object:
    return (select(items.c.id, items.c.record_id, items.c.barcode, items.c.call_number,
                   items.c.item_type, items.c.location, items.c.status, items.c.status_label,
                   items.c.loanable, items.c.withdrawn, records.c.title, records.c.source,
                   records.c.source_id, records.c.deleted, item_states.c.state,
                   item_states.c.missing_since)
            .join(records, records.c.id == items.c.record_id)
            .outerjoin(item_states, item_states.c.item_id == items.c.id))


def _item(r: object) -> DeskItem:
    m = r._mapping  # type: ignore[attr-defined]
    return DeskItem(id=m["id"], record_id=m["record_id"], global_id=f"{m['source']}:{m['source_id']}",
                    title=m["title"], barcode=m["barcode"], call_number=m["call_number"],
                    item_type=m["item_type"], location=m["location"], status=m["status"],
                    status_label=m["status_label"], loanable=m["loanable"],
                    withdrawn=bool(m["withdrawn"]), record_deleted=bool(m["deleted"]),
                    desk_state=m["state"] or "", missing_since=m["missing_since"])


def find(conn: Connection, settings: CirculationSettings, barcode: str) -> DeskItem:
    """The lendable sources' copy whose barcode is ``barcode``.

    Raises:
        Refusal: no such copy (saying so when the code is a borrower card), or two copies
            share the barcode (a cataloguing error to fix in PMB).
    """
    code = barcode.strip()
    if not code:
        raise Refusal("Scannez le code-barres de l'exemplaire.", code="empty", field="barcode")
    rows = conn.execute(_query().where(items.c.barcode == code,  # type: ignore[attr-defined]
                                       records.c.source.in_(settings.sources))).all()
    if not rows:  # typed by hand: "cr000012" for CR000012, when no other copy answers to it
        rows = conn.execute(_query().where(  # type: ignore[attr-defined]
            func.upper(items.c.barcode) == code.upper(),
            records.c.source.in_(settings.sources)).limit(2)).all()
        rows = rows if len(rows) == 1 else []
    if len(rows) > 1:
        raise Refusal(f"Le code-barres {code} est porté par {len(rows)} exemplaires : "
                      "corrigez le catalogue.", code="ambiguous", field="barcode")
    if not rows:
        if conn.execute(select(persons.c.id).where(persons.c.card == code)).first():
            raise Refusal(f"{code} est une carte d'emprunteur, pas un exemplaire : scannez "
                          "le code-barres du document.", code="card_as_item", field="barcode")
        raise Refusal(f"Aucun exemplaire ne porte le code-barres {code}.", code="unknown_item",
                      field="barcode")
    return _item(rows[0])


def get(conn: Connection, item_id: int) -> DeskItem | None:
    """The copy ``item_id``, or None."""
    row = conn.execute(_query().where(items.c.id == item_id)).first()  # type: ignore[attr-defined]
    return _item(row) if row is not None else None


def of_record(conn: Connection, record_id: int) -> list[DeskItem]:
    """Every copy of a record, in barcode order."""
    return [_item(r) for r in conn.execute(
        _query().where(items.c.record_id == record_id).order_by(items.c.barcode))]  # type: ignore[attr-defined]


def set_state(engine: Engine, settings: CirculationSettings, barcode: str, state: str,
              now: datetime, actor_id: int | None, note: str = "") -> DeskItem:
    """Mark a copy lost, damaged, in repair or withdrawn ('' puts it back to normal)."""
    if state not in STATES:
        raise Refusal("État inconnu.", code="bad_state", field="state")
    with engine.begin() as conn:
        item = find(conn, settings, barcode)
        values = {"state": state, "note": note.strip()[:500], "changed_at": now,
                  "changed_by": actor_id}
        if conn.execute(select(item_states.c.item_id).where(item_states.c.item_id == item.id)).first():
            conn.execute(update(item_states).where(item_states.c.item_id == item.id).values(values))
        else:
            conn.execute(insert(item_states).values(item_id=item.id, **values))
        audit.record(conn, now, "state", actor_id, item_id=item.id,
                     detail=f"{STATES[state]} {note}".strip())
        found = get(conn, item.id)
    assert found is not None
    return found


def record_ref(text: str) -> str:
    """``source:id`` from what a librarian types or pastes: ``crpv:123`` as record pages
    show it, or a record page's address (``https://…/notice/crpv/123?q=…``), since that
    is what one copies from the catalogue."""
    ref = text.strip()
    if "/notice/" in ref:
        path = ref.split("/notice/", 1)[1].split("#", 1)[0].split("?", 1)[0]
        ref = unquote(path).replace("/", ":", 1)
    return ref


def add(engine: Engine, settings: CirculationSettings, global_id: str, barcode: str, now: datetime,
        actor_id: int | None, *, call_number: str = "", item_type: str = "", location: str = "",
        section: str = "", loanable: bool = True) -> DeskItem:
    """Add a copy by hand to a record of a lendable source (a gift not yet in PMB).

    Its item key starts with ``desk:`` so that re-imports of the record keep it.
    ``global_id`` is ``source:id`` as record pages show it (``crpv:123``); a record
    page address (``/notice/crpv/123``) is accepted too, since that is what a librarian
    copies.

    Raises:
        Refusal: empty or taken barcode (a card's too), unknown or deleted record, or a
            record of a source this desk does not lend.
    """
    global_id = record_ref(global_id)
    code = barcode.strip()
    source, _, source_id = global_id.partition(":")
    if not code or len(code) > 100:
        raise Refusal("Indiquez un code-barres (100 caractères au plus).", code="empty",
                      field="barcode")
    if source not in settings.sources:
        raise Refusal("Cette notice n'appartient pas à un fonds prêté ici.", code="bad_record",
                      field="record")
    with engine.begin() as conn:
        record = conn.execute(select(records.c.id).where(
            records.c.source == source, records.c.source_id == source_id,
            records.c.deleted.is_(False))).first()
        if record is None:
            raise Refusal("Notice introuvable.", code="bad_record", field="record")
        taken = conn.execute(select(items.c.id).join(records, records.c.id == items.c.record_id)
                             .where(items.c.barcode == code,
                                    records.c.source.in_(settings.sources))).first()
        if taken or conn.execute(select(persons.c.id).where(persons.c.card == code)).first():
            raise Refusal(f"Le code-barres {code} est déjà utilisé.", code="taken",
                          field="barcode")
        key = conn.execute(insert(items).values(
            record_id=record.id, item_key=f"{DESK_KEY}{code}", barcode=code,
            call_number=call_number.strip(), item_type=item_type.strip()[:20],
            section=section.strip()[:20],
            status="", status_label="", location=location.strip(), loanable=loanable,
            withdrawn=False)).inserted_primary_key
        assert key is not None
        audit.record(conn, now, "add_item", actor_id, item_id=int(key[0]), detail=global_id)
        found = get(conn, int(key[0]))
    assert found is not None
    return found


def choices(engine: Engine) -> dict[str, list[str]]:
    """The item types, locations and sections the lendable copies already use.

    The hand-made copy form offers them, so a copy added at the desk is described with
    the words PMB uses for its neighbours (``aa``, "Centre de documentation"...).
    """
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for name in ("item_type", "location", "section"):
            column = items.c[name]
            found[name] = [v for v in conn.execute(
                select(column).where(column != "").distinct().order_by(column).limit(200)
            ).scalars()]
    return found


def flagged(engine: Engine) -> list[DeskItem]:
    """Copies with a desk state or gone from the last export (the librarian's to-do)."""
    with engine.connect() as conn:
        return [_item(r) for r in conn.execute(_query().where(  # type: ignore[attr-defined]
            (item_states.c.state != "") | item_states.c.missing_since.is_not(None))
            .order_by(items.c.barcode))]
