"""The ``[questions]`` table of config.toml: the promised delay, reminders, retention."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.toml_table import TomlTable, bounded_ints


@dataclass(frozen=True, slots=True)
class QuestionSettings:
    """How the questions/réponses service promises, reminds and forgets."""

    delay_days: int = 10  # working days between a question and its promised answer
    reminder_days: int = 2  # the assignee is reminded this many working days before
    keep_months: int = 24  # askers' data are anonymised this long after the last exchange
    asks_per_address: int = 3  # questions one address may send in an hour...
    asks_per_client: int = 10  # ...and one client IP address


def parse_questions(t: TomlTable) -> QuestionSettings:
    """The ``[questions]`` table, every number within bounds."""
    return QuestionSettings(**bounded_ints(
        t, {"delay_days": (1, 120), "reminder_days": (0, 60), "keep_months": (1, 120),
            "asks_per_address": (1, 1000), "asks_per_client": (1, 10_000)},
        QuestionSettings()))
