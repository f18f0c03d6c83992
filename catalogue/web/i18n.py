"""The interface languages: French by default, English on request; catalogs compiled here.

Message ids are the French texts themselves (French is the interface's own language, and
a template read by a French documentalist reads as the page it renders); English is the
one translation, ``translations/en/LC_MESSAGES/messages.po`` beside this module. Only the
``.po`` is committed: it is compiled to the ``.mo`` that gettext reads when the app is
created, into ``DATA_DIR/cache/translations``, with Babel's own pure-Python compiler, so
no build step, tool or network is needed and an edited ``.po`` is picked up at the next
start.

The reader's choice is a cookie set by the language switch (a POST form, CSRF-protected);
without it the page is French, whatever the browser prefers, because the catalogue's
content is French and the staff share links expecting French pages.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request
from flask_babel import Babel, format_datetime, format_decimal, get_locale, gettext, ngettext

from catalogue.web import schedules

SOURCE = Path(__file__).with_name("translations")
DOMAIN = "messages"
DEFAULT = "fr"
#: Language code -> its name in itself (how a language switch names it).
LANGUAGES = {"fr": "Français", "en": "English"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def compile_catalogs(target: Path, source: Path = SOURCE) -> list[Path]:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` under ``source`` into ``target``.

    A ``.mo`` newer than its ``.po`` is kept; others are written to a temporary name and
    renamed, so a worker starting beside another never reads half a file. Returns the
    ``.mo`` files in service.
    """
    done = []
    for po in sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            mo.parent.mkdir(parents=True, exist_ok=True)
            with open(po, "rb") as fh:
                catalog = read_po(fh, locale=po.parts[-3], domain=DOMAIN)
            tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as out:
                write_mo(out, catalog)
            os.replace(tmp, mo)
        done.append(mo)
    return done


def select_locale() -> str:
    """The reader's language: the switch's cookie when valid, else French."""
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT


def moment(value: datetime | None) -> str:
    """A stored instant as the reader's clock shows it: ``26/11/2026 05:42``.

    The store keeps UTC (naive on SQLite); a documentalist in Paris reading "04:42" for
    an import started at 05:42 would look for the wrong night's run.
    """
    return str(format_datetime(value, "dd/MM/yyyy HH:mm")) if value else "–"


def day(value: date | datetime | None) -> str:
    """A date, or the local day of a stored instant: ``26/11/2026``."""
    if not value:
        return "–"
    if isinstance(value, datetime):
        return str(format_datetime(value, "dd/MM/yyyy"))
    return value.strftime("%d/%m/%Y")


#: The multiples of a byte, 1024 apart (the upload limit counts Mo of 1024 × 1024 bytes).
_SIZE_UNITS = ("ko", "Mo", "Go", "To")


def file_size(size: int | None) -> str:
    """A size as a reader reads it: ``1,2 Mo``, ``350 ko`` (English ``1.2 MB``).

    One decimal below ten units, none above: "1 258 291 octets" tells a documentalist
    less than "1,2 Mo". Number and unit are joined by a no-break space (French
    typography: a line never starts with the unit).
    """
    if size is None or size < 0:
        return "–"
    if size < 1024:
        word = ngettext("octet", "octets", size)
        return f"{format_decimal(size)}\u00a0{word}"
    amount, unit = size / 1024, 0
    while round(amount) >= 1024 and unit < len(_SIZE_UNITS) - 1:
        amount, unit = amount / 1024, unit + 1
    number = format_decimal(amount, format="0.#" if amount < 9.95 else "#,##0")
    names = {"ko": gettext("ko"), "Mo": gettext("Mo"), "Go": gettext("Go"), "To": gettext("To")}
    return f"{number}\u00a0{names[_SIZE_UNITS[unit]]}"


def schedule(expression: str | None) -> str:
    """A crontab line in the reader's words (:mod:`catalogue.web.schedules`)."""
    if not expression:
        return "–"
    return schedules.describe(expression, str(get_locale() or DEFAULT))


def init(app: Flask, cache: Path, timezone: str = "Europe/Paris") -> Babel:
    """Compile the catalogs into ``cache`` and set Flask-Babel up on ``app``.

    A read-only ``cache`` (a locked-down deployment) falls back to a private temporary
    folder: the catalogs are small and compile in milliseconds. Instants are shown in
    ``timezone`` through the ``moment`` and ``day`` filters.
    """
    try:
        compile_catalogs(cache)
    except OSError:
        cache = Path(tempfile.mkdtemp(prefix="catalogue-translations-"))
        compile_catalogs(cache)
    babel = Babel()
    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT,
                   default_timezone=timezone, default_translation_directories=str(cache))
    app.add_template_filter(moment)
    app.add_template_filter(day)
    app.add_template_filter(schedule)
    app.add_template_filter(file_size)
    app.jinja_env.globals["centre_timezone"] = timezone  # what `moment` shows times in
    return babel
