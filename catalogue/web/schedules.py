"""Crontab lines in words, for the staff pages: ``30 2 * * *`` reads "À 02:30".

A documentalist checking that a partner is harvested every night should not have to
read crontab syntax. :mod:`cron_descriptor` words the line in the reader's language
but takes day and month names from the C library's locale (English on a server set
up the usual way), so they are replaced here by Babel's names for that language.
"""

from __future__ import annotations

import calendar
import re
from functools import lru_cache

from babel.dates import get_day_names, get_month_names
from cron_descriptor import ExpressionDescriptor, Options  # type: ignore[import-untyped]

#: Interface language -> cron_descriptor's locale code.
LOCALES = {"fr": "fr_FR", "en": "en_US"}


@lru_cache(maxsize=8)
def _names(language: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """The C library's day and month names (what cron_descriptor writes), and Babel's."""
    days = get_day_names("wide", locale=language)  # 0 = Monday, as calendar's
    months = get_month_names("wide", locale=language)  # 1 = January
    names = {calendar.day_name[n]: str(days[n]) for n in range(7)}
    names.update({calendar.month_name[n]: str(months[n]) for n in range(1, 13)})
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern, names


@lru_cache(maxsize=256)
def describe(expression: str, language: str = "fr") -> str:
    """``expression`` (five crontab fields) in words, or the line itself if it is not one."""
    options = Options()
    options.locale_code = LOCALES.get(language, LOCALES["fr"])
    options.use_24hour_time_format = True
    try:
        text: str = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # its own errors, or any other: a line it cannot word is shown as written
        return expression
    pattern, names = _names(language)
    return pattern.sub(lambda m: names[m.group(1)], text)
