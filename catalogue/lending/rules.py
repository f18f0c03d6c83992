"""Loan rules by borrower category x item type, as Koha's circulation rules matrix.

A stored rule names a category and an item type (``items.item_type``, the 995$r code),
either of which may be ``*``. The most specific matching rule wins: (category, type),
then (category, ``*``), then (``*``, type), then (``*``, ``*``); with no stored match the
default rule of ``[circulation]`` in config.toml applies. ``max_loans`` counts the
borrower's open loans *within the rule's scope*: all loans for a ``*`` item type, loans
of that type otherwise (Koha's ``maxissueqty`` per item type).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, Engine, delete, insert, select, update

from catalogue.lending.refusals import Refusal
from catalogue.lending.settings import CirculationSettings
from catalogue.store.circulation_tables import ANY, loan_rules

LIMITS = {"loan_days": (1, 365), "max_loans": (0, 500), "renewals": (0, 50),
          "renewal_days": (1, 365), "max_reservations": (0, 100)}


@dataclass(frozen=True, slots=True)
class LoanRule:
    """What a borrower of ``category`` may do with items of ``item_type``."""

    category: str
    item_type: str
    loan_days: int
    max_loans: int
    renewals: int
    renewal_days: int
    max_reservations: int
    id: int | None = None  # None: the configured default rule

    @property
    def scope(self) -> str:
        """Human form of the rule's scope, for messages."""
        cat = "toutes catégories" if self.category == ANY else f"catégorie {self.category}"
        kind = "tous supports" if self.item_type == ANY else f"support {self.item_type}"
        return f"{cat}, {kind}"


def default_rule(settings: CirculationSettings) -> LoanRule:
    """The rule of config.toml's ``[circulation]`` keys."""
    return LoanRule(ANY, ANY, settings.loan_days, settings.max_loans, settings.renewals,
                    settings.renewal_days, settings.max_reservations)


def _rule(row: object) -> LoanRule:
    m = row._mapping  # type: ignore[attr-defined]
    return LoanRule(**{k: m[k] for k in ("category", "item_type", "loan_days", "max_loans",
                                          "renewals", "renewal_days", "max_reservations", "id")})


def rule_for(conn: Connection, settings: CirculationSettings, category: str | None,
             item_type: str) -> LoanRule:
    """The rule that applies to a borrower of ``category`` and an item of ``item_type``."""
    cat = category or ""
    rows = [_rule(r) for r in conn.execute(select(loan_rules).where(
        loan_rules.c.category.in_([cat, ANY]), loan_rules.c.item_type.in_([item_type, ANY])))]
    for wanted in ((cat, item_type), (cat, ANY), (ANY, item_type), (ANY, ANY)):
        for rule in rows:
            if (rule.category, rule.item_type) == wanted:
                return rule
    return default_rule(settings)


def list_rules(engine: Engine) -> list[LoanRule]:
    """Every stored rule, by category then item type (``*`` first)."""
    with engine.connect() as conn:
        return [_rule(r) for r in conn.execute(
            select(loan_rules).order_by(loan_rules.c.category, loan_rules.c.item_type))]


def check(rule: LoanRule) -> LoanRule:
    """``rule`` with its scope trimmed, or a :class:`Refusal` naming the bad number."""
    for key, (low, high) in LIMITS.items():
        value = getattr(rule, key)
        if not low <= value <= high:
            raise Refusal(f"Valeur hors limites ({low} à {high}).", code="bad_rule", field=key)
    category, item_type = rule.category.strip() or ANY, rule.item_type.strip() or ANY
    if len(category) > 40 or len(item_type) > 20:
        raise Refusal("Code trop long.", code="bad_rule", field="category")
    return replace(rule, category=category, item_type=item_type)


def save_rule(engine: Engine, rule: LoanRule) -> LoanRule:
    """Create or replace the rule of ``rule``'s (category, item type)."""
    rule = check(rule)
    values = {k: getattr(rule, k) for k in ("category", "item_type", *LIMITS)}
    with engine.begin() as conn:
        found = conn.execute(select(loan_rules.c.id).where(
            loan_rules.c.category == rule.category,
            loan_rules.c.item_type == rule.item_type)).first()
        if found is None:
            key = conn.execute(insert(loan_rules).values(values)).inserted_primary_key
            assert key is not None
            rule_id = int(key[0])
        else:
            rule_id = found.id
            conn.execute(update(loan_rules).where(loan_rules.c.id == rule_id).values(values))
    return replace(rule, id=rule_id)


def delete_rule(engine: Engine, rule_id: int) -> None:
    """Remove a stored rule (its scope falls back to a wider rule or the default)."""
    with engine.begin() as conn:
        conn.execute(delete(loan_rules).where(loan_rules.c.id == rule_id))
