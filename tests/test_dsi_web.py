"""The subscriber's pages: double opt-in, signed links, alerts, archives, GDPR; bad input."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import etree
from sqlalchemy import select

from catalogue.dsi import links, profiles
from catalogue.people import accounts
from catalogue.store.dsi_tables import dsi_subscriptions
from catalogue.store.people_tables import outbox
from catalogue.web import create_app
from tests.account_support import csrf_token, sign_in_with_link
from tests.dsi_support import MONDAY, days, ingest, person, record, run, setup, signer


class Clock:
    def __init__(self) -> None:
        self.now = MONDAY

    def __call__(self) -> Any:
        return self.now


@pytest.fixture()
def site(config_path: Path) -> Any:
    settings, engine = setup(config_path)
    clock = Clock()
    app = create_app(settings, engine=engine, clock=clock)
    listed = profiles.save_list(engine, MONDAY - days(30), slug="prevention",
                                name="Prévention de la délinquance - nouveautés",
                                equation_params=["q=délinquance"])
    return app, engine, settings, clock, listed


def _queued_link(engine: Any) -> str:
    with engine.connect() as conn:
        raw = conn.execute(select(outbox.c.message).order_by(outbox.c.id.desc())).scalar()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    text = msg.get_body(("plain",)).get_content()
    found = re.search(r"http://catalogue\.test(/alertes/confirmation/\S+)", text)
    assert found, text
    return found.group(1)


def test_double_opt_in(site: Any) -> None:
    app, engine, settings, clock, listed = site
    client = app.test_client()
    token = csrf_token(client, "/alertes/inscription")
    answer = client.post("/alertes/inscription", data={
        "csrf_token": token, "email": "Chef.Projet@CUCS.example.fr", "name": "Chloé Martin",
        "liste": str(listed.id)})
    assert answer.status_code == 200 and "Vérifiez votre messagerie" in answer.get_data(True)
    who = accounts.by_email(engine, "chef.projet@cucs.example.fr")
    assert who is not None and not who.confirmed
    assert profiles.subscriptions_of(engine, who.id) == []  # nothing before the click
    path = _queued_link(engine)
    page = client.get(path)
    assert page.status_code == 200 and "Je confirme" in page.get_data(True)
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 303
    who = accounts.by_email(engine, "chef.projet@cucs.example.fr")
    assert who is not None and who.confirmed
    assert [s.profile.slug for s in profiles.subscriptions_of(engine, who.id)] == ["prevention"]
    # replayed: the nonce rotated, the link is spent; a polite French page
    replay = app.test_client().get(path)
    assert replay.status_code == 400 and "déjà servi" in replay.get_data(True)


def test_expired_forged_and_cross_purpose_tokens(site: Any) -> None:
    app, engine, settings, clock, listed = site
    client = app.test_client()
    who = person(engine, "a@example.org", MONDAY)
    good = links.confirm_token(signer(settings), who, [listed.id], MONDAY)
    clock.now = MONDAY + days(settings.accounts.confirm_hours / 24 + 1)
    late = client.get(links.confirm_path(good))
    assert late.status_code == 400 and "expiré" in late.get_data(True)
    clock.now = MONDAY
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    for bad in (forged, "nimportequoi", good.replace(".", "x", 1)):
        page = client.get(links.confirm_path(bad))
        assert page.status_code == 400 and "Lien non valable" in page.get_data(True)
    unsub = links.unsubscribe_token(signer(settings), who.id, [1], MONDAY)
    assert client.get(links.confirm_path(unsub)).status_code == 400  # another purpose
    assert client.post(links.unsubscribe_path(good)).status_code == 400


def test_unsubscribe_cannot_touch_another_subscriber(site: Any) -> None:
    app, engine, settings, clock, listed = site
    alice = person(engine, "alice@example.org", MONDAY)
    bob = person(engine, "bob@example.org", MONDAY)
    profiles.subscribe(engine, MONDAY, alice.id, listed.id)
    bobs = profiles.subscribe(engine, MONDAY, bob.id, listed.id)
    # Alice's valid token naming Bob's subscription id: ids are checked against the person.
    token = links.unsubscribe_token(signer(settings), alice.id, [bobs], MONDAY)
    assert app.test_client().post(links.unsubscribe_path(token)).status_code == 200
    assert [s.id for s in profiles.subscriptions_of(engine, bob.id)] == [bobs]
    # Bob's own link, replayed after he subscribed again, does not end the new subscription.
    own = links.unsubscribe_token(signer(settings), bob.id, [bobs], MONDAY)
    assert app.test_client().post(links.unsubscribe_path(own)).status_code == 200
    again = profiles.subscribe(engine, MONDAY, bob.id, listed.id)
    assert again != bobs
    assert app.test_client().post(links.unsubscribe_path(own)).status_code == 200
    assert [s.id for s in profiles.subscriptions_of(engine, bob.id)] == [again]
    clock.now = MONDAY + days(settings.dsi.unsubscribe_days + 1)
    late = app.test_client().get(links.unsubscribe_path(own))
    assert late.status_code == 400 and "expiré" in late.get_data(True)


@pytest.mark.parametrize(("email", "name", "expected"), [
    ("pas-une-adresse", "", "n'est pas valide"),
    ("a@b", "", "n'est pas valide"),
    ("x@example.org\r\nBcc: victim@example.org", "", "n'est pas valide"),
    ("x@example.org", "Eve\r\nBcc: victim@example.org", "retour à la ligne"),
    ("x@example.org", "", "au moins une liste"),
])
def test_bad_subscription_input(site: Any, email: str, name: str, expected: str) -> None:
    app, engine, settings, clock, listed = site
    client = app.test_client()
    data = {"csrf_token": csrf_token(client, "/alertes/inscription"), "email": email,
            "name": name}
    if expected != "au moins une liste":
        data["liste"] = str(listed.id)
    answer = client.post("/alertes/inscription", data=data)
    assert answer.status_code == 422
    assert expected in answer.get_data(True).replace("&#39;", "'")
    with engine.connect() as conn:
        assert conn.execute(select(outbox.c.id)).first() is None


def test_alert_from_a_results_page_and_gdpr(site: Any) -> None:
    app, engine, settings, clock, listed = site
    who = person(engine, "p@example.org", MONDAY, "Pat")
    client = app.test_client()
    sign_in_with_link(app, client, who)
    page = client.get("/alertes/creer?q=parentalit%C3%A9&doctype=a&page=3")
    assert page.status_code == 200 and "parentalité" in page.get_data(True)
    answer = client.post("/alertes/creer", data={
        "csrf_token": csrf_token(client, "/alertes/creer?q=x"), "q": "parentalité",
        "doctype": "a", "name": "Parentalité", "period": "daily"})
    assert answer.status_code == 303
    [alert] = profiles.alerts_of(engine, who.id)
    assert alert.equations == ("q=parentalit%C3%A9&doctype=a",)
    assert alert.periodicity.period == "daily"
    manage = client.get("/alertes").get_data(True)
    assert "Parentalité" in manage and "Prévention de la délinquance" in manage
    data = json.loads(client.get("/alertes/mes-donnees").get_data(True))
    assert data["account"]["email"] == "p@example.org"
    assert data["subscriptions"][0]["equations"] == ["q=parentalit%C3%A9&doctype=a"]
    refused = client.post("/alertes/supprimer-mon-compte",
                          data={"csrf_token": csrf_token(client, "/alertes")})
    assert refused.status_code == 422 and accounts.get(engine, who.id) is not None
    done = client.post("/alertes/supprimer-mon-compte",
                       data={"csrf_token": csrf_token(client, "/alertes"), "confirmer": "oui"})
    assert done.status_code == 200 and accounts.get(engine, who.id) is None
    with engine.connect() as conn:
        assert conn.execute(select(dsi_subscriptions.c.id)).all() == []  # ON DELETE CASCADE
    assert profiles.alerts_of(engine, who.id) == []


def test_archive_pages_and_atom_feed(site: Any, smtp_sink: Any) -> None:
    app, engine, settings, clock, listed = site
    import dataclasses

    settings = dataclasses.replace(settings, mail=smtp_sink.mail_settings())
    ingest(engine, [record("Délinquance et prévention situationnelle")], MONDAY - days(1))
    report = run(engine, settings, MONDAY)
    assert report.issues == [("prevention", 1, 1)] and report.digests == 0  # no subscriber
    assert smtp_sink.received == []
    client = app.test_client()
    assert "Diffusion du 02/03/2026" in client.get("/listes/prevention").get_data(True)
    issue = client.get("/listes/prevention/numero/1").get_data(True)
    assert "Délinquance et prévention situationnelle" in issue
    href = re.search(r'href="(/notice/[^"]+)"', issue)
    assert href and client.get(href.group(1)).status_code == 200
    feed = client.get("/listes/prevention/atom")
    assert feed.mimetype == "application/atom+xml"
    tree = etree.fromstring(feed.get_data())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = tree.findall("a:entry", ns)
    link = entry.find("a:link", ns)
    assert link is not None and urlsplit(link.get("href")).path == "/listes/prevention/numero/1"
    run(engine, settings, MONDAY + days(7))  # nothing new: no empty issue, no mail
    assert len(client.get("/listes/prevention/atom").get_data(True).split("<entry>")) == 2
    assert client.get("/listes/inconnue").status_code == 404


def test_mail_requests_are_limited_per_address_and_per_client(site: Any) -> None:
    """Five anonymous subscriptions for one address queued five mails (a fuzz run, 40)."""
    app, engine, settings, clock, listed = site
    limits = settings.accounts
    client = app.test_client()

    def subscribe(email: str, remote: str = "198.51.100.7") -> Any:
        token = csrf_token(client, "/alertes/inscription")
        return client.post("/alertes/inscription", environ_base={"REMOTE_ADDR": remote},
                           data={"csrf_token": token, "email": email, "liste": str(listed.id)})

    answers = [subscribe("cible@example.org") for _ in range(limits.mails_per_address + 2)]
    assert [a.status_code for a in answers] == (
        [200] * limits.mails_per_address + [429, 429])
    refused = answers[-1].get_data(True).replace("&#39;", "'")
    assert re.search(r'id="email-error"[^>]*>\s*Trop de demandes pour cette adresse', refused)
    with engine.connect() as conn:
        queued = conn.execute(select(outbox.c.id).where(
            outbox.c.recipient == "cible@example.org")).all()
    assert len(queued) == limits.mails_per_address
    # The sign-in form counts against the same limits, for any address, known or not.
    token = csrf_token(client, "/connexion")
    signed = client.post("/connexion", environ_base={"REMOTE_ADDR": "198.51.100.7"},
                         data={"csrf_token": token, "email": "cible@example.org"})
    assert signed.status_code == 429
    # One client cycling through addresses is stopped too.
    statuses = [subscribe(f"autre{n}@example.org", "203.0.113.9").status_code
                for n in range(limits.mails_per_client + 1)]
    assert statuses[-1] == 429 and statuses[:-1] == [200] * limits.mails_per_client
    # An hour later the address may ask again.
    clock.now += timedelta(hours=1, minutes=1)
    assert subscribe("cible@example.org", "192.0.2.1").status_code == 200


def test_english_pages_say_how_often_in_english(site: Any) -> None:
    """/listes, the subscription form, a list's page and "Mes abonnements" said
    "hebdomadaire (le lundi)" on English pages, and the alert form's days were French."""
    from lxml import html

    from catalogue.dsi.schedule import Periodicity

    app, engine, settings, clock, listed = site
    profiles.save_list(engine, MONDAY, slug="lettre-du-15", name="Lettre du 15",
                       equation_params=["q=ville"], periodicity=Periodicity("monthly",
                                                                            month_day=15))
    who = person(engine, "english@example.org", MONDAY, "Sam")
    client = app.test_client()
    sign_in_with_link(app, client, who)
    form = html.fromstring(client.get("/listes").data).xpath("//form[@class='language-switch']")[0]
    client.post("/langue", data={i.get("name"): i.get("value") for i in form.xpath(".//input")})
    lists = client.get("/listes").get_data(True)
    assert "weekly (on Monday)" in lists and "monthly (on day 15)" in lists
    assert "weekly (on Monday)" in client.get("/alertes/inscription").get_data(True)
    assert "Published: weekly (on Monday)." in client.get("/listes/prevention").get_data(True)
    alert = html.fromstring(client.get("/alertes/creer?q=ville").data)
    assert alert.xpath("//select[@name='weekday']/option/text()")[:2] == ["Monday", "Tuesday"]
    for page in ("/listes", "/alertes/inscription", "/listes/prevention", "/alertes",
                 "/alertes/creer?q=ville"):
        text = client.get(page).get_data(True)
        assert not re.search(r"hebdomadaire|mensuelle|quotidienne|\blundi\b|\bmardi\b", text), page
