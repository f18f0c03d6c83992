"""The record's tools: its print view with a QR code, and "send by email" to the SMTP sink.

The mail is queued by the request and sent by an outbox drain to a real SMTP server on
127.0.0.1; what arrives is checked as raw bytes. Refusals (bad address, expired form,
too many requests) are French messages next to the field, on the record page itself.
"""

from __future__ import annotations

import quopri
import re
from datetime import UTC, datetime
from typing import Any

from lxml import html

from catalogue.people import outbox
from catalogue.store.opac import entries
from tests.web_site import WebSite

BOOK = "crpv:2"


def csrf(client: Any, path: str = "/notice/crpv/2") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found
    return found.group(1)


def send(client: Any, email: str, message: str = "") -> Any:
    return client.post("/envoyer/crpv/2", data={"csrf_token": csrf(client), "email": email,
                                                "message": message})


def error_next_to(page: Any, field: str) -> str:
    doc = html.fromstring(page.data)
    (box,) = doc.xpath(f"//input[@name='{field}'] | //textarea[@name='{field}']")
    assert box.get("aria-invalid") == "true"
    (error,) = doc.xpath(f"//*[@id='{box.get('aria-describedby')}']")
    return " ".join(error.text_content().split())


def test_print_view_has_the_qr_code_and_the_permalink(web_site: WebSite) -> None:
    record = entries(web_site.engine, [BOOK])[BOOK].record
    page = web_site.client().get("/notice/crpv/2")
    doc = html.fromstring(page.data)
    (link,) = doc.xpath("//a[normalize-space()='Version imprimable']")
    printed = web_site.client().get(link.get("href"))
    assert printed.status_code == 200
    text = printed.get_data(as_text=True)
    doc = html.fromstring(printed.data)
    (svg,) = doc.xpath("//figure[@class='qr-code']/svg")
    assert svg.xpath("./title")[0].text == "Code QR du lien permanent"
    assert svg.xpath("./path/@d")[0].startswith("M")
    permalink = f"{web_site.url}/notice/crpv/2"
    assert doc.xpath("//figure[@class='qr-code']//span[@class='permalink']")[0].text == permalink
    assert record.title.display() in text
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert web_site.client().get("/imprimer/crpv/nope").status_code == 404


def test_send_by_email_reaches_the_smtp_server(web_site: WebSite, smtp_sink: Any) -> None:
    record = entries(web_site.engine, [BOOK])[BOOK].record
    client = web_site.client()
    done = send(client, "Zoe.Martin@Example.org", "Pour la réunion de jeudi")
    assert done.status_code == 200
    assert "zoe.martin@example.org" in done.get_data(as_text=True)
    assert smtp_sink.received == []  # the request only queued it
    now = datetime.now(UTC)
    assert outbox.drain(web_site.engine, smtp_sink.mail_settings(), now).sent >= 1
    (received,) = [r for r in smtp_sink.received if "zoe.martin@example.org" in r.rcpt_tos]
    permalink = f"{web_site.url}/notice/crpv/2".encode()
    assert permalink in received.raw
    body = quopri.decodestring(received.raw)
    assert record.title.display().encode() in body
    assert "Pour la réunion de jeudi".encode() in body
    assert b"Lien permanent : " + permalink in body
    assert b"ISO 690 : GARNIER, Philippe" in body and b"<i>" not in body  # citations as text
    assert received.message["Subject"].startswith("Une notice du catalogue : ")
    assert record.title.display()[:40] in received.message["Subject"]


def test_bad_address_gets_a_french_message_next_to_the_field(web_site: WebSite) -> None:
    for bad in ("pas-une-adresse", "", "a@b\r\nBcc: x@y.fr"):
        page = send(web_site.client(), bad)
        assert page.status_code == 422
        assert error_next_to(page, "email") in ("Cette adresse électronique n'est pas valide.",)
    long = send(web_site.client(), "ok@example.org", "x" * 501)
    assert long.status_code == 422
    assert error_next_to(long, "message") == "Votre message est trop long (500 caractères au plus)."


def test_expired_form_is_refused_politely(web_site: WebSite) -> None:
    page = web_site.client().post("/envoyer/crpv/2", data={"email": "ok@example.org"})
    # CSRFProtect answers before the view: the app's French error page, not a 500.
    assert page.status_code == 400
    assert "Le formulaire a expiré. Rechargez la page et recommencez." in page.get_data(
        as_text=True)


def test_sending_is_rate_limited_per_address(web_site: WebSite) -> None:
    client = web_site.client()
    limit = web_site.settings.accounts.mails_per_address
    for _ in range(limit):
        assert send(client, "limite@example.org").status_code == 200
    refused = send(client, "limite@example.org")
    assert refused.status_code == 429
    assert error_next_to(refused, "email").startswith("Trop de demandes pour cette adresse")


def test_unknown_record_is_a_404_not_a_500(web_site: WebSite) -> None:
    client = web_site.client()
    page = client.post("/envoyer/crpv/nope", data={"csrf_token": csrf(client),
                                                   "email": "ok@example.org"})
    assert page.status_code == 404


def test_tools_work_for_ids_with_slashes_and_reserved_characters(web_site: WebSite) -> None:
    from urllib.parse import quote

    from tests.web_site import ODD_IDS

    for source_id in ODD_IDS:
        client = web_site.client()
        path = "/notice/partner/" + quote(source_id, safe="/")
        record = client.get(path)
        assert record.status_code == 200, source_id
        doc = html.fromstring(record.data)
        (printed,) = doc.xpath("//a[normalize-space()='Version imprimable']/@href")
        assert client.get(printed).status_code == 200, source_id
        (action,) = doc.xpath("//form[@class='send-form']/@action")
        token = doc.xpath("//form[@class='send-form']//input[@name='csrf_token']/@value")[0]
        refused = client.post(action.split("#")[0], data={"csrf_token": token, "email": "x"})
        assert refused.status_code == 422, source_id


def test_sending_is_rate_limited_per_client(web_site: WebSite) -> None:
    client = web_site.client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.17"  # one visitor, many addresses
    limit = web_site.settings.accounts.mails_per_client
    for n in range(limit):
        assert send(client, f"lecteur{n}@example.org").status_code == 200
    refused = send(client, "encore@example.org")
    assert refused.status_code == 429
    assert error_next_to(refused, "email").startswith("Trop de demandes")
    other = web_site.client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.18"
    assert send(other, "encore@example.org").status_code == 200
