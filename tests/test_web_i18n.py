"""Interface languages: every French text of the templates and views has its English
translation, the catalog compiles without tools or network, French is the default."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from catalogue.web import i18n

REPO = Path(__file__).resolve().parents[1]
METHODS = [("catalogue/web/templates/**.html", "jinja2"),
           ("catalogue/web/templates/**.txt", "jinja2"),  # mails' plain text parts
           ("catalogue/web/**.py", "python"), ("catalogue/opac/**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(REPO), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_an_english_translation() -> None:
    with open(i18n.SOURCE / "en" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {}
    for message in catalog:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            text = message.string[0] if isinstance(message.string, tuple) else message.string
            translated[key] = text
    messages = extracted()
    assert len(messages) > 100
    missing = sorted(m for m in messages if not translated.get(m))
    assert missing == []
    stale = sorted(set(translated) - messages)
    assert stale == []


def test_catalogs_compile_once_and_recompile_when_the_po_changes(tmp_path: Path) -> None:
    source = tmp_path / "src"
    po = source / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "Bonjour"\nmsgstr "Hello"\n', encoding="utf-8")
    [mo] = i18n.compile_catalogs(tmp_path / "out", source)
    first = mo.stat().st_mtime_ns
    i18n.compile_catalogs(tmp_path / "out", source)
    assert mo.stat().st_mtime_ns == first  # up to date: not rewritten
    import gettext
    import os

    with open(mo, "rb") as fh:
        assert gettext.GNUTranslations(fh).gettext("Bonjour") == "Hello"
    os.utime(po, (first / 1e9 + 10, first / 1e9 + 10))
    i18n.compile_catalogs(tmp_path / "out", source)
    assert mo.stat().st_mtime_ns != first


def test_french_is_the_default_whatever_the_browser_prefers(web_site: object) -> None:
    client = web_site.client()  # type: ignore[attr-defined]
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert b'<html lang="fr">' in page.data
    client.set_cookie("lang", "de")  # unknown language: French
    assert b'<html lang="fr">' in client.get("/").data
    client.set_cookie("lang", "en")
    assert b'<html lang="en">' in client.get("/").data


def test_a_read_only_cache_falls_back_to_a_temporary_folder(tmp_path: Path) -> None:
    from flask import Flask
    from flask_babel import force_locale, gettext

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    app = Flask(__name__)
    i18n.init(app, blocked / "translations")
    with app.test_request_context("/"), force_locale("en"):
        assert gettext("Rechercher") == "Search"
