"""A digest through a real SMTP server: headers, accents, and links followed by the app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalogue.dsi import profiles
from catalogue.dsi.schedule import Periodicity
from catalogue.indexing import reindex
from catalogue.store.dsi_tables import dsi_subscriptions
from catalogue.web import create_app
from tests.dsi_support import MONDAY, days, html_part, ingest, person, record, run, setup, text_part

LIST_NAME = "Prévention de la délinquance - nouveautés"


def _scene(config_path: Path, smtp_sink: Any) -> tuple[Any, Any, Any, list[str]]:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    who = person(engine, "elodie.lefevre@cucs.example.fr", start, "Élodie Lefèvre")
    listed = profiles.save_list(engine, start, slug="prevention", name=LIST_NAME,
                                description="Nouveautés sur la prévention.",
                                equation_params=["q=délinquance"], attachment="ris")
    profiles.subscribe(engine, start, who.id, listed.id)
    profiles.create_alert(engine, start, who.id, name="Parentalité", params="q=parentalité")
    ids = ingest(engine, [
        record("Prévention de la délinquance des mineurs", subjects=["Délinquance"],
               abstract="Une étude « de terrain » sur l'été à Saint-Étienne."),
        record("Délinquances juvéniles et quartiers", subjects=["Jeunesse"]),
        record("Soutien à la parentalité", subjects=["Parentalité"]),
        record("Urbanisme et logement", subjects=["Logement"]),
    ], MONDAY - days(3))
    return settings, engine, who, ids


def test_one_french_digest_with_correct_headers(config_path: Path, smtp_sink: Any) -> None:
    settings, engine, who, ids = _scene(config_path, smtp_sink)
    report = run(engine, settings, MONDAY)
    assert (report.sent, report.retried, report.refused) == (1, 0, 0), report
    [msg] = smtp_sink.messages_to(who.email)
    assert msg["Subject"] == "Test : Vos alertes du 2 mars 2026"
    assert msg["To"].addresses[0].display_name == "Élodie Lefèvre"
    assert msg["From"].addresses[0].addr_spec == "doc@crpv.example.fr"
    assert re.fullmatch(r"<[^@>]+@crpv\.example\.fr>", msg["Message-ID"])
    assert msg["Date"].datetime == MONDAY
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://catalogue\.test/alertes/desabonnement/\S+>",
                        msg["List-Unsubscribe"])
    assert msg["Auto-Submitted"] == "auto-generated"
    text, html = text_part(msg), html_part(msg)
    for title in ("Prévention de la délinquance des mineurs",
                  "Délinquances juvéniles et quartiers", "Soutien à la parentalité"):
        assert title in text
        assert title in html
    assert "Urbanisme" not in text
    assert "Saint-Étienne" in html and "« de terrain »" in html
    assert f"== {LIST_NAME} (2 nouveaux documents) ==" in text
    assert '<html lang="fr">' in html and "<h2" in html
    [ris] = [p for p in msg.iter_attachments()]
    assert ris.get_filename().endswith(".ris")
    assert "Prévention de la délinquance des mineurs" in ris.get_content().decode("utf-8")
    raw = smtp_sink.received[0].raw
    raw.split(b"\r\n\r\n")[0].decode("ascii")  # headers: RFC 2047 words, never raw 8-bit


def test_english_subscriber_gets_english_words(config_path: Path, smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    who = person(engine, "sam@example.org", start, "Sam", language="en")
    listed = profiles.save_list(engine, start, slug="all", name="Nouveautés",
                                equation_params=["doctype=a"])
    profiles.subscribe(engine, start, who.id, listed.id)
    ingest(engine, [record("Égalité des chances")], MONDAY - days(1))
    run(engine, settings, MONDAY)
    [msg] = smtp_sink.messages_to("sam@example.org")
    text = text_part(msg)
    assert "Hello Sam," in text and "Unsubscribe from this list" in text
    assert "Égalité des chances" in text


def test_links_are_followed_by_the_app(config_path: Path, smtp_sink: Any) -> None:
    settings, engine, who, ids = _scene(config_path, smtp_sink)
    reindex(engine, settings.index.dir, engine_name=settings.index.engine)
    run(engine, settings, MONDAY)
    [msg] = smtp_sink.messages_to(who.email)
    app = create_app(settings, engine=engine, clock=lambda: MONDAY)
    client = app.test_client()
    hrefs = re.findall(r'href="([^"]+)"', html_part(msg))
    records = [h for h in hrefs if "/notice/" in h]
    assert len(records) == 3
    for href in records:
        page = client.get(urlsplit(href).path)
        assert page.status_code == 200, href
    assert "Prévention de la délinquance des mineurs" in client.get(
        urlsplit(records[0]).path).get_data(as_text=True) + client.get(
        urlsplit(records[1]).path).get_data(as_text=True) + client.get(
        urlsplit(records[2]).path).get_data(as_text=True)
    archive = [h for h in hrefs if "/listes/" in h][0]
    page = client.get(urlsplit(archive).path)
    assert page.status_code == 200 and LIST_NAME in page.get_data(as_text=True)
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", without a session.
    one_click = msg["List-Unsubscribe"].strip("<>")
    answer = client.post(urlsplit(one_click).path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "désabonné" in answer.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(dsi_subscriptions.select()).all() == []
    again = client.post(urlsplit(one_click).path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # idempotent
    assert profiles.alerts_of(engine, who.id) == []


def test_one_mail_per_person_and_schedules(config_path: Path, smtp_sink: Any) -> None:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    who = person(engine, "a@example.org", start)
    weekly = profiles.save_list(engine, start, slug="hebdo", name="Hebdo",
                                equation_params=["q=jeunesse"])
    daily = profiles.save_list(engine, start, slug="quotidien", name="Quotidien",
                               equation_params=["q=jeunesse"],
                               periodicity=Periodicity("daily"))
    for p in (weekly, daily):
        profiles.subscribe(engine, start, who.id, p.id)
    ingest(engine, [record("Jeunesse en ville")], MONDAY - days(1))
    run(engine, settings, MONDAY)
    [monday] = smtp_sink.messages_to("a@example.org")
    assert "== Hebdo" in text_part(monday) and "== Quotidien" in text_part(monday)
    ingest(engine, [record("Jeunesse rurale")], MONDAY + days(0.5))
    run(engine, settings, MONDAY + days(1))  # Tuesday: the daily list only
    tuesday = smtp_sink.messages_to("a@example.org")[1]
    assert "== Quotidien" in text_part(tuesday) and "Hebdo" not in text_part(tuesday)
    run(engine, settings, MONDAY + days(1))  # the same day again: nothing due, nothing sent
    assert len(smtp_sink.messages_to("a@example.org")) == 2
    run(engine, settings, MONDAY + days(7))  # next Monday: the weekly one catches up
    last = smtp_sink.messages_to("a@example.org")[2]
    assert "Jeunesse rurale" in text_part(last) and "== Hebdo" in text_part(last)
    assert "Jeunesse en ville" not in text_part(last)


def test_list_unsubscribe_is_plain_ascii_on_the_wire(config_path: Path, smtp_sink: Any) -> None:
    settings, engine, who, ids = _scene(config_path, smtp_sink)
    run(engine, settings, MONDAY)
    [received] = [r for r in smtp_sink.received if who.email in r.rcpt_tos]
    raw = received.raw.replace(b"\r\n", b"\n")
    found = re.search(rb"^List-Unsubscribe: (.*)$", raw, re.MULTILINE)
    assert found is not None, raw[:2000]
    value = found.group(1)
    assert re.fullmatch(rb"<http://catalogue\.test/alertes/desabonnement/[!-~]+>", value), value
    assert b"=?" not in value
    following = raw[found.end() + 1:found.end() + 2]
    assert following not in (b" ", b"\t")  # not folded onto the next line
    assert re.search(rb"^List-Unsubscribe-Post: List-Unsubscribe=One-Click$", raw,
                     re.MULTILINE)
