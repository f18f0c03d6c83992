"""The selection sent by email (queued in the outbox, drained to a real SMTP server on
127.0.0.1 and checked as raw bytes), its refusals next to the field, its rate limit;
and migration 0017_selections against the metadata, down and up again.
"""

from __future__ import annotations

import quopri
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from lxml import html
from sqlalchemy import inspect

from catalogue.people import outbox
from catalogue.store import database, selection_tables  # noqa: F401
from catalogue.store.opac import entries
from catalogue.store.tables import metadata
from tests.account_support import csrf_token
from tests.stores import store_url
from tests.web_site import WebSite


def browser_at(site: WebSite, n: int) -> Any:
    browser = site.app.test_client()
    browser.environ_base["REMOTE_ADDR"] = f"10.17.1.{n}"
    return browser


def keep(browser: Any, *ids: str) -> None:
    answer = browser.post("/selection/ajouter", data={
        "csrf_token": csrf_token(browser, "/selection"), "id": list(ids)})
    assert answer.status_code == 303


def send(browser: Any, email: str, message: str = "") -> Any:
    return browser.post("/selection/envoyer", data={
        "csrf_token": csrf_token(browser, "/selection"), "email": email, "message": message})


def error_next_to(page: Any, field: str) -> str:
    doc = html.fromstring(page.data)
    (box,) = doc.xpath(f"//input[@name='{field}'] | //textarea[@name='{field}']")
    assert box.get("aria-invalid") == "true"
    (error,) = doc.xpath(f"//*[@id='{box.get('aria-describedby')}']")
    return " ".join(error.text_content().split())


def test_selection_reaches_the_smtp_server(web_site: WebSite, smtp_sink: Any) -> None:
    browser = browser_at(web_site, 1)
    wanted = ["crpv:2", "crpv:31", "partner:a b/c"]
    keep(browser, *wanted)
    done = send(browser, "Lea.Petit@Example.org", "Pour le comité de pilotage")
    assert done.status_code == 200
    assert "3 notices" in done.get_data(True) and "lea.petit@example.org" in done.get_data(True)
    assert not [r for r in smtp_sink.received if "lea.petit@example.org" in r.rcpt_tos]
    assert outbox.drain(web_site.engine, smtp_sink.mail_settings(), datetime.now(UTC)).sent >= 1
    (received,) = [r for r in smtp_sink.received if "lea.petit@example.org" in r.rcpt_tos]
    body = quopri.decodestring(received.raw)
    records = entries(web_site.engine, wanted)
    for n, global_id in enumerate(wanted, 1):
        title = records[global_id].record.title.display()
        assert f"{n}. {title}".encode() in body
    assert f"Lien permanent : {web_site.url}/notice/crpv/31".encode() in body
    assert f"{web_site.url}/notice/partner/a%20b/c".encode() in body
    assert "Pour le comité de pilotage".encode() in body
    assert received.message["Subject"] == "Une sélection du catalogue : 3 notices"


def test_refusals_are_next_to_the_field(web_site: WebSite) -> None:
    browser = browser_at(web_site, 2)
    empty = send(browser, "ok@example.org")
    assert empty.status_code == 422
    (alert,) = html.fromstring(empty.data).xpath("//p[@role='alert']")
    assert alert.text_content().startswith("Votre sélection est vide")
    keep(browser, "crpv:2")
    for bad in ("pas-une-adresse", "", "a@b\r\nBcc: x@y.fr"):
        page = send(browser, bad)
        assert page.status_code == 422
        assert error_next_to(page, "email") == "Cette adresse électronique n'est pas valide."
    long = send(browser, "ok@example.org", "x" * 501)
    assert long.status_code == 422
    assert error_next_to(long, "message") == "Votre message est trop long (500 caractères au plus)."
    expired = browser.post("/selection/envoyer", data={"email": "ok@example.org"})
    assert expired.status_code == 400


def test_sending_is_rate_limited(web_site: WebSite) -> None:
    browser = browser_at(web_site, 3)
    keep(browser, "crpv:2")
    limit = web_site.settings.accounts.mails_per_address
    for _ in range(limit):
        assert send(browser, "limite-panier@example.org").status_code == 200
    refused = send(browser, "limite-panier@example.org")
    assert refused.status_code == 429
    assert error_next_to(refused, "email").startswith("Trop de demandes pour cette adresse")


def test_migration_matches_metadata(tmp_path: Path) -> None:
    engine = database.open_store(store_url(tmp_path, "m"))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "selection" in repr(d)] == []
    command.downgrade(database.alembic_config(engine), "0016_question_language")
    assert not {"selections", "selection_records"} & set(inspect(engine).get_table_names())
    command.upgrade(database.alembic_config(engine), "head")
    assert {"selections", "selection_records"} <= set(inspect(engine).get_table_names())
