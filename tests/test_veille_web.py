"""The veille over real HTTP, from a source declared by staff to a subscriber's digest:
declaration (bad input refused in French), fetching, the inbox (keep, discard, in
batches), describing an item (suggested descriptors, territories resolved), publication
(search with its own document type and a territory facet, its page linking to the
source, OAI sets, Atom feeds per theme and per territory, the public page), a private
alert's digest carrying a record and a watch item together (aiosmtpd), expiry, and a
failing source flagged on the staff's pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import func, select

from catalogue import indexing
from catalogue.dsi import archives, profiles, runs
from catalogue.dsi.schedule import Periodicity
from catalogue.formats.base import Parsed
from catalogue.lending.availability import apply_refreshes
from catalogue.people import accounts
from catalogue.records import Descriptor, Record, Title, to_json_bytes
from catalogue.store.ingest import Ingest
from catalogue.veille import fetching, publishing, triage
from catalogue.veille.tables import veille_items, veille_sources
from tests.questions_site import QuestionSite, csrf_of, form_of, start
from tests.veille_feeds import FeedServer, Route, rss2

FEED = [
    {"title": "Haute-Garonne : la stratégie départementale de prévention de la délinquance",
     "link": "/actualites/strategie-prevention",
     "description": "<p>Le préfet signe la <b>stratégie</b> de prévention de la délinquance "
                    "avec les maires.</p>", "date": "Tue, 03 Mar 2026 09:00:00 +0100"},
    {"title": "Offre de stage au service communication", "link": "/actualites/stage"},
    {"title": "Toulouse : un conseil local de sécurité au Mirail",
     "link": "/actualites/clspd-mirail", "description": "Réunion du CLSPD."},
]
TERRITORY = "Haute-Garonne (31)"
THEME = "Prévention de la délinquance"


@pytest.fixture()
def qsite(tmp_path: Path, smtp_sink: Any) -> Iterator[QuestionSite]:
    running = start(tmp_path, smtp_sink)
    yield running
    running.stop()


def body_of(raw: bytes) -> str:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def reindex(site: QuestionSite) -> None:
    """The index's one writer catches up with the store (the scheduler's index job)."""
    settings = site.world.settings
    apply_refreshes(site.world.engine, settings.index.dir)
    indexing.update_index(site.world.engine, settings.index.dir,
                          since=site.clock() - timedelta(days=400),
                          engine_name=settings.index.engine)


def sources_count(site: QuestionSite) -> int:
    with site.world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(veille_sources)).scalar_one())


def test_from_a_feed_to_a_digest(qsite: QuestionSite) -> None:
    site, engine, settings = qsite, qsite.world.engine, qsite.world.settings
    staff = site.staff()
    page_url = site.url + "/veille/gestion/sources"
    assert requests.get(page_url, timeout=10, allow_redirects=False).status_code in (302, 303,
                                                                                      401, 403)
    token = form_of(staff, page_url)
    with FeedServer() as server:
        server.routes["/prefecture.xml"] = Route(rss2(FEED))
        # --- declaring a source: bad input refused in French, nothing stored ---------
        for bad, field, words in (
                ({"name": ""}, "name", "Donnez un nom"),
                ({"url": "ftp://x"}, "url", "http:// ou https://"),
                ({"every_hours": "²"}, "every_hours", "nombre d'heures"),
                ({"every_hours": "99999999999999999999"}, "every_hours", "nombre d'heures"),
                ({"kind": "podcast"}, "kind", "type de source"),
                ({"territories": "\n".join(f"lieu {n}" for n in range(30))}, "territories", "20 territoires")):
            data = {"csrf_token": token, "name": "Préfecture 31",
                    "url": server.url + "/prefecture.xml", "kind": "feed",
                    "themes": THEME, "territories": "haute-garonne", "every_hours": "6", **bad}
            refused = staff.post(page_url, data=data, timeout=10)
            assert refused.status_code == 422, (bad, refused.text[:300])
            assert words in unescape(refused.text) and f'id="{field}-error"' in refused.text
        assert sources_count(site) == 0
        good = {"csrf_token": token, "name": "Préfecture 31", "url": server.url + "/prefecture.xml",
                "kind": "feed", "themes": THEME, "territories": "haute-garonne",
                "every_hours": "6"}
        created = staff.post(page_url, data=good, timeout=10, allow_redirects=False)
        assert created.status_code == 303
        twice = staff.post(page_url, data=good, timeout=10)
        assert twice.status_code == 422 and "déjà suivie" in unescape(twice.text)
        assert sources_count(site) == 1
        reports = fetching.fetch_due(engine, settings, site.clock(), sleep=lambda s: None)
    assert [(r.status, r.new) for r in reports] == [("ok", 3)]

    # --- the inbox: keep one, discard one, in a batch --------------------------------
    inbox = staff.get(site.url + "/veille/gestion/", timeout=10)
    assert inbox.status_code == 200
    for item in FEED:
        assert item["title"] in unescape(inbox.text)
    with engine.connect() as conn:
        ids = {r.title: r.id for r in conn.execute(select(veille_items.c.id, veille_items.c.title))}
    token = csrf_of(inbox.text)
    empty = staff.post(site.url + "/veille/gestion/tri", timeout=10,
                       data={"csrf_token": token, "action": "keep"})
    assert empty.status_code == 422 and "Cochez au moins un élément" in unescape(empty.text)
    kept = staff.post(site.url + "/veille/gestion/tri", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "action": "keep", "id": [str(ids[FEED[0]["title"]])]})
    assert kept.status_code == 303
    dropped = staff.post(site.url + "/veille/gestion/tri", timeout=10, allow_redirects=False,
                         data={"csrf_token": token, "action": "discard",
                               "id": [str(ids[FEED[1]["title"]]), "x", "²"]})
    assert dropped.status_code == 303
    left = staff.get(site.url + "/veille/gestion/", timeout=10).text
    assert FEED[2]["title"] in unescape(left) and FEED[1]["title"] not in unescape(left)

    # --- describing an item: suggestions, territories resolved, a note --------------
    crpv = Record(source="crpv", source_id="VEI-1",
                  title=Title("Conseils locaux de sécurité : prévenir la délinquance à Toulouse"),
                  descriptors=(Descriptor(THEME), Descriptor(TERRITORY, tag="607")))
    job = Ingest(engine, source="crpv", format="unimarc", clock=site.clock)
    job.add(Parsed(position=0, offset=0, raw=to_json_bytes(crpv), record=crpv,
                   source_id="VEI-1"))
    job.finish()
    reindex(site)
    item_url = f"{site.url}/veille/gestion/element/{ids[FEED[2]['title']]}"
    form = staff.get(item_url, timeout=10)
    assert form.status_code == 200
    assert f'name="suggere" value="{THEME}"' in unescape(form.text)  # from the catalogue
    assert 'data-territories="/territoires"' in form.text
    token = csrf_of(form.text)
    data = {"csrf_token": token, "title": FEED[2]["title"], "themes": THEME,
            "descriptors": "Conseil local de sécurité", "territories": "toulouse",
            "territory": "Quartier du Mirail", "note": "À lire avant la réunion du CLSPD.",
            "suggere": THEME}
    bad = staff.post(item_url, data={**data, "title": " "}, timeout=10)
    assert bad.status_code == 422 and "Donnez un titre" in unescape(bad.text)
    assert staff.post(item_url, data={**data, "note": "n" * 3000}, timeout=10).status_code == 422
    done = staff.post(item_url, data=data, timeout=10, allow_redirects=False)
    assert done.status_code == 303, done.text[:500]
    assert staff.get(site.url + "/veille/gestion/element/999999", timeout=10).status_code == 404
    described = triage.get(engine, ids[FEED[2]["title"]])
    assert described is not None and described.status == "kept"
    assert described.territories == ("Toulouse (31)", "Quartier du Mirail")  # QPV: free text

    # --- published: search, facets, its page, OAI, feeds, the public page -----------
    reindex(site)
    typed = requests.get(site.url + "/recherche", params={"doctype": "v"}, timeout=10)
    text = unescape(typed.text)
    assert FEED[0]["title"] in text and FEED[2]["title"] in text
    assert FEED[1]["title"] not in text and "Veille" in text
    assert "Territoire" in text and "Toulouse (31)" in text and TERRITORY in text
    by_place = requests.get(site.url + "/recherche", params={"doctype": "v",
                                                             "territory": "Toulouse (31)"},
                            timeout=10)
    assert FEED[2]["title"] in unescape(by_place.text)
    assert FEED[0]["title"] not in unescape(by_place.text)
    # A commune brings its département: Toulouse's item is also filed under Haute-Garonne.
    by_dep = requests.get(site.url + "/recherche", params={"doctype": "v", "territory": TERRITORY},
                          timeout=10)
    assert FEED[0]["title"] in unescape(by_dep.text) and FEED[2]["title"] in unescape(by_dep.text)
    entry = requests.get(f"{site.url}/notice/veille/V-{ids[FEED[2]['title']]}", timeout=10)
    assert entry.status_code == 200
    assert f'href="{server.url}/actualites/clspd-mirail"' in entry.text  # links to the source
    assert "À lire avant la réunion du CLSPD." in unescape(entry.text)
    for params, wanted, unwanted in (
            ({"doctype": "v", "territory": "Toulouse (31)"}, FEED[2]["title"], FEED[0]["title"]),
            ({"doctype": "v", "descriptor": "Conseil local de sécurité"}, FEED[2]["title"],
             FEED[0]["title"])):
        feed = requests.get(site.url + "/recherche/atom", params=params, timeout=10)
        assert feed.headers["Content-Type"].startswith("application/atom+xml")
        assert wanted in unescape(feed.text) and unwanted not in unescape(feed.text)
    for set_spec in ("type:v", "centre:veille"):
        oai = requests.get(site.url + "/oai", params={
            "verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": set_spec}, timeout=10)
        assert oai.content.count(b"<identifier>") == 2, (set_spec, oai.text[:500])
        assert b"V-" in oai.content
    public = requests.get(site.url + "/veille", timeout=10)
    assert public.status_code == 200
    assert FEED[2]["title"] in unescape(public.text)
    assert 'href="/recherche/atom?doctype=v&amp;territory=Haute-Garonne+(31)"' in public.text
    assert 'href="/recherche/atom?doctype=v&amp;descriptor=Conseil+local+de+s%C3%A9curit%C3%A9"' \
        in public.text
    themes = public.text[public.text.find('id="descriptor-title"'):
                         public.text.find('id="territory-title"')]
    assert "Toulouse (31)" not in themes  # territories are listed as such, not as themes

    # --- a private alert: a record and a watch item in one digest --------------------
    alice = site.world.people["alice"]
    accounts.confirm(engine, alice.id, site.clock())  # double opt-in
    alert = profiles.create_alert(
        engine, site.clock() - timedelta(hours=1), alice.id, name="Prévention en Haute-Garonne",
        params=urlencode({"descriptor": THEME, "territory": TERRITORY}),
        periodicity=Periodicity("daily"))
    listed = profiles.save_list(engine, site.clock() - timedelta(hours=1), slug="veille-31",
                                name="Veille en Haute-Garonne",
                                equation_params=[urlencode({"doctype": "v",
                                                            "territory": TERRITORY})],
                                periodicity=Periodicity("daily"))
    report = runs.run(engine, settings, site.clock() + timedelta(days=1),
                      site.app.extensions["catalogue.signer"])
    assert report.sent == 1, str(report)
    [issue] = archives.issues(engine, listed.id)
    sent = sorted(r.title.main for r in archives.issue_records(engine, issue.id))
    assert sent == sorted([FEED[0]["title"], FEED[2]["title"]])
    digest = site.sink.received[-1]
    assert digest.rcpt_tos == ["alice@example.org"]
    body = body_of(digest.raw)
    assert "Conseils locaux de sécurité : prévenir la délinquance à Toulouse" in body  # a record
    assert FEED[0]["title"] in body  # a watch item
    assert FEED[2]["title"] in body  # filed under Toulouse (31), in Haute-Garonne
    assert FEED[1]["title"] not in body  # discarded
    assert alert.id

    # --- past keep_months the entries leave the OPAC ---------------------------------
    retired = publishing.expire(engine, settings, site.clock() + timedelta(days=400))
    assert retired == 2
    reindex(site)
    gone = requests.get(site.url + "/recherche", params={"doctype": "v"}, timeout=10)
    assert FEED[0]["title"] not in unescape(gone.text)
    assert triage.get(engine, ids[FEED[0]["title"]]).status == "expired"  # type: ignore[union-attr]
    # ...but the list's archive keeps what it sent.
    assert sorted(r.title.main for r in archives.issue_records(engine, issue.id)) == sent


def test_a_failing_source_is_flagged_on_the_staff_pages(qsite: QuestionSite) -> None:
    site, engine, settings = qsite, qsite.world.engine, qsite.world.settings
    staff = site.staff()
    with FeedServer() as server:
        server.routes["/down"] = Route(b"", status=500)
        token = form_of(staff, site.url + "/veille/gestion/sources")
        staff.post(site.url + "/veille/gestion/sources", timeout=10, data={
            "csrf_token": token, "name": "Agence en panne", "url": server.url + "/down",
            "kind": "feed", "themes": "", "territories": "", "every_hours": "1"})
        start_at = site.clock()
        for days in (0, 2, 4):
            fetching.fetch_due(engine, settings, start_at + timedelta(days=days),
                               sleep=lambda s: None, only=1)
    site.clock.at = start_at + timedelta(days=1)
    early = staff.get(site.url + "/veille/gestion/sources/1", timeout=10).text
    assert "En échec depuis" not in unescape(early)
    assert "Le serveur a répondu HTTP 500." in unescape(early)  # reported on its page
    site.clock.at = start_at + timedelta(days=4)
    for path in ("/veille/gestion/sources/1", "/veille/gestion/sources", "/veille/gestion/"):
        page = staff.get(site.url + path, timeout=10)
        assert "En échec depuis le" in unescape(page.text), path
    assert re.search(r"Agence en panne", page.text)
    soon = staff.post(site.url + "/veille/gestion/sources/1/relever", timeout=10,
                      allow_redirects=False, data={"csrf_token": csrf_of(page.text)})
    assert soon.status_code == 303
    assert staff.post(site.url + "/veille/gestion/sources/77/relever", timeout=10,
                      data={"csrf_token": csrf_of(page.text)}).status_code == 404


def test_rules_page_and_refusals(qsite: QuestionSite) -> None:
    site, engine = qsite, qsite.world.engine
    staff = site.staff()
    url = site.url + "/veille/gestion/regles"
    anonymous = requests.get(url, timeout=10, allow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/connexion" in anonymous.headers["Location"]
    token = form_of(staff, url)
    for bad, words in (({"word": "", "source": ""}, "sur une source, un mot"),
                       ({"action": "theme", "theme": ""}, "Donnez le thème"),
                       ({"action": "explode"}, "ce que fait la règle"),
                       ({"source": "99"}, "Source inconnue"),
                       ({"word": "w" * 300}, "200 caractères")):
        data = {"csrf_token": token, "source": "", "word": "appel à projets",
                "action": "theme", "theme": "Financements", **bad}
        refused = staff.post(url, data=data, timeout=10)
        assert refused.status_code == 422 and words in unescape(refused.text), bad
    assert triage.listed_rules(engine) == []
    added = staff.post(url, timeout=10, allow_redirects=False, data={
        "csrf_token": token, "source": "", "word": "appel à projets", "action": "theme",
        "theme": "Financements"})
    assert added.status_code == 303
    page = staff.get(url, timeout=10).text
    assert "toute source, « appel à projets » → thème Financements" in unescape(page)
    [rule] = triage.listed_rules(engine)
    gone = staff.post(f"{url}/{rule.id}/supprimer", timeout=10, allow_redirects=False,
                      data={"csrf_token": csrf_of(page)})
    assert gone.status_code == 303 and triage.listed_rules(engine) == []
    for path in ("/veille/gestion/element/99999999999999999999", "/veille/gestion/sources/0",
                 "/veille/gestion/element/abc"):
        assert staff.get(site.url + path, timeout=10).status_code == 404, path
    odd = staff.get(site.url + "/veille/gestion/", params={"etat": "<x>", "page": "²"},
                    timeout=10)
    assert odd.status_code == 200
