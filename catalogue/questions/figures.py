"""The service's figures: questions per month, field and organisation type, the share
answered within the promised delay and the median delay (working days), and their CSV.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from catalogue.lending.closures import local_day
from catalogue.questions import delays
from catalogue.questions.model import FIELDS, ORGANISATIONS
from catalogue.questions.tables import questions
from catalogue.settings import Settings


@dataclass(frozen=True, slots=True)
class Figures:
    """What the figures page shows."""

    total: int = 0
    answered: int = 0
    on_time: int = 0
    median_days: float | None = None
    by_month: dict[str, int] = field(default_factory=dict)
    by_field: dict[str, int] = field(default_factory=dict)
    by_organisation: dict[str, int] = field(default_factory=dict)

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.answered) if self.answered else None


def compute(engine: Engine, settings: Settings) -> Figures:
    """The figures over every question kept (anonymised ones count too)."""
    zone = settings.circulation
    with engine.connect() as conn:
        rows = conn.execute(select(questions.c.created_at, questions.c.answered_at,
                                   questions.c.promised_on, questions.c.field,
                                   questions.c.organisation)).all()
        spent = []
        on_time = 0
        for row in rows:
            if row.answered_at is None:
                continue
            done = local_day(row.answered_at, zone)
            spent.append(delays.working_days_between(conn, local_day(row.created_at, zone),
                                                     done, zone))
            on_time += done <= row.promised_on
    months = Counter(local_day(r.created_at, zone).strftime("%Y-%m") for r in rows)
    return Figures(
        total=len(rows), answered=len(spent), on_time=on_time,
        median_days=statistics.median(spent) if spent else None,
        by_month=dict(sorted(months.items())),
        by_field={k: sum(r.field == k for r in rows) for k in FIELDS},
        by_organisation={k: sum(r.organisation == k for r in rows) for k in ORGANISATIONS},
    )


def to_csv(figures: Figures) -> str:
    """The figures as CSV (``;``-separated, as French spreadsheets open it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["rubrique", "valeur", "questions"])
    for month, count in figures.by_month.items():
        writer.writerow(["mois", month, count])
    for code, count in figures.by_field.items():
        writer.writerow(["domaine", FIELDS[code], count])
    for code, count in figures.by_organisation.items():
        writer.writerow(["structure", ORGANISATIONS[code], count])
    writer.writerow(["total", "questions", figures.total])
    writer.writerow(["total", "répondues", figures.answered])
    writer.writerow(["total", "répondues dans le délai promis", figures.on_time])
    writer.writerow(["délai", "part dans le délai (%)",
                     "" if figures.on_time_percent is None else figures.on_time_percent])
    writer.writerow(["délai", "délai médian (jours ouvrés)",
                     "" if figures.median_days is None else figures.median_days])
    return out.getvalue()
