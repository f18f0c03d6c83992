"""Hostile values in every route and every form field of the URL map: never a 5xx.

Huge and negative numbers, digits ``int()`` refuses ("²"), other scripts' digits, NUL,
invalid percent-encoding, 10,000 characters, impossible dates: each one in every URL
variable of every route, and in every form field any template names, sent with GET and
POST, by an anonymous visitor and by a signed-in administrator (with a valid CSRF token,
so the handlers themselves read the values). ``OverflowError`` from SQLite on
99999999999999999999999 and ``ValueError`` on "²" gave HTTP 500s on 14 routes.

The staff's forms act on a question, a DSI list, a watch source and entry, a document:
one of each is made first with id 1, the id the sweep puts in the other URL variables,
so that their handlers read the hostile fields instead of answering 404 before.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from catalogue.dsi import profiles
from catalogue.questions import service as questions
from catalogue.questions.form import Asked
from catalogue.veille import fetching, sources
from catalogue.veille.parsing import FoundItem
from catalogue.web.documents import documents
from catalogue.web.guards import signer
from catalogue.web.integers import ID_MAX, IdConverter, integer, integers
from tests.circulation_support import PASSWORD
from tests.desk_site import CSRF, DeskSite
from tests.document_files import pdf

TEMPLATES = Path(__file__).resolve().parents[1] / "catalogue" / "web" / "templates"
HOSTILE = ["99999999999999999999999", "-99999999999999999999", "-1", "²", "٣", "0x1F",
           "1e9", "\x00", "%ff%fe", "x" * 10_000, "2024-02-30", "9999-99-99", "", " "]
#: Routes that end the session or the account: swept last.
LAST = ("deconnexion", "supprimer", "effacer", "suppression")
#: Staff pages of the objects made by ``_seed``: each must answer 200 before the sweep.
SEEDED = ("/questions/gestion/1", "/admin/dsi/liste/1", "/veille/gestion/sources/1",
          "/veille/gestion/element/1", "/document/1")


def _seed(site: DeskSite) -> None:
    """A question, a curated DSI list, a watch source with one entry, a document: id 1."""
    engine, settings, at = site.world.engine, site.world.settings, site.clock()
    with site.app.app_context():
        questions.ask(engine, settings, signer(), Asked(
            "Des études sur la participation des habitants ?", "politique-ville", "",
            "Jeanne Test", "jeanne@example.org", "association", None), at)
        documents().attach(1, "rapport.pdf", io.BytesIO(pdf(["Rapport annuel"])), at)
    profiles.save_list(engine, at, slug="veille-jeunesse", name="Veille jeunesse",
                       equation_params=["q=jeunesse"])
    source = sources.declare(engine, at, name="Ministère", url="http://127.0.0.1:9/flux")
    with engine.begin() as conn:
        fetching._store_items(conn, source, [FoundItem("http://127.0.0.1:9/a", "Un arrêté")],
                              [], at)


def _fields() -> list[str]:
    names: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        names |= set(re.findall(r'name="([A-Za-z_][A-Za-z0-9_]*)"', template.read_text()))
    names.discard("csrf_token")
    return sorted(names)


def _paths(rule: Any, value: str) -> list[str]:
    """The rule's URL with ``value`` in each variable (a valid id in the others)."""
    variables = list(rule.arguments)
    if not variables:
        return [rule.rule]
    out = []
    for target in variables:
        path = rule.rule
        for name in variables:
            text = value if name == target else "1"
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", quote(text, safe="") or "%20", path)
        out.append(path)
    return out


def _sweep(client: Any, token: str | None) -> list[tuple[str, str, int]]:
    fields = _fields()
    rules = sorted((r for r in client.application.url_map.iter_rules()
                    if r.endpoint != "static"),
                   key=lambda r: (any(word in r.rule for word in LAST), r.rule))
    failures = []
    for rule in rules:
        for value in HOSTILE:
            form = {name: value for name in fields}
            for path in _paths(rule, value):
                if "GET" in rule.methods:
                    short = {k: v[:200] for k, v in form.items()}
                    response = client.get(path, query_string=short)
                    if response.status_code >= 500:
                        failures.append(("GET", path[:80], response.status_code))
                if "POST" in rule.methods:
                    data = {**form, **({"csrf_token": token} if token else {})}
                    response = client.post(path, data=data)
                    if response.status_code >= 500:
                        failures.append(("POST", path[:80], response.status_code))
    return failures


def test_no_route_nor_form_field_answers_a_5xx_to_hostile_values(site: DeskSite) -> None:
    _seed(site)
    anonymous = site.client()
    assert _sweep(anonymous, None) == []
    admin = site.client()
    page = admin.get("/connexion")
    token = CSRF.search(page.get_data(as_text=True))
    assert token
    done = admin.post("/connexion", data={"csrf_token": token.group(1),
                                          "email": site.world.admin.email,
                                          "password": PASSWORD, "suivant": "/guichet/"})
    assert done.status_code in (302, 303)
    desk = admin.get("/guichet/")
    assert desk.status_code == 200
    signed = CSRF.search(desk.get_data(as_text=True))
    assert signed
    for path in SEEDED:
        assert admin.get(path).status_code == 200, path
    assert _sweep(admin, signed.group(1)) == []


def test_numbers_from_requests_are_ascii_digits_within_bounds() -> None:
    assert integer("12") == 12 and integer(" 7 ") == 7
    for text in ("²", "٣", "99999999999999999999999", "-1", "1e3", "0x1", "", None, "\x00"):
        assert integer(text) is None, text
    assert integer("-1", low=-1) == -1 and integer(str(ID_MAX)) == ID_MAX
    assert integer(str(ID_MAX + 1)) is None and integer("x", 5) == 5
    assert integers(["1", "²", "3", "99999999999999999999999"]) == [1, 3]
    assert IdConverter.regex == r"[0-9]{1,10}"
