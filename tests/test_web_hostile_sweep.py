"""Hostile input in every route, parameter, form field and header: never a 5xx.

The real app serves a desk site on 127.0.0.1; the sweep writes its requests byte by byte
(:mod:`tests.hostile_http`: no client library re-encodes them) as an anonymous visitor, a
subscriber signed in by link and an administrator signed in by password, each with a
valid CSRF token so that the handlers themselves read the values. Every route of
``app.url_map`` gets each value of :data:`VALUES` in every URL variable and in every
query parameter and form field the views and templates read (GET and POST: in rotation,
each field meeting each value once per route and method), then the shapes of
:data:`SHAPES` (repeated names, ``x[]=``), unknown names, other methods, 100,000
characters, bodies over 1 MiB, odd headers (:data:`HEADERS`: Host, Range,
If-Modified-Since, Accept-Language, X-Forwarded-*, garbage session cookies) and, on POST
routes, multipart bodies with hostile file names and contents. A route is swept in full
by the first visitor it opens to, lightly (:data:`LIGHT`) by the others. Then every
field of every form the staff's and a subscriber's pages show is swept one at a time,
the others valid (a bad first field would hide the rest from the handler).

Each answer is judged as served (:func:`tests.hostile_http.faults`): no 5xx, no
traceback text, a body its Content-Type describes (HTML in UTF-8 with ``lang``, JSON
that parses, XML that parses), no English form message on a French page; and no
traceback in the app's log, even from an error it recovered from. The OAI-PMH endpoint
must answer every hostile verb, argument and Accept-Encoding with HTTP 200 and XML valid
against the official schemas.

Found: ``OverflowError`` from SQLite on 99999999999999999999999 and ``ValueError`` on
"²" (HTTP 500s on 14 routes, the first sweep, on the Flask test client); 1,000
characters of ``((((`` or ``----`` in a query, a RecursionError in the query reader
(logged, the search run as plain words: see ``indexes.syntax.MAX_DEPTH``).

The staff's forms act on a question, a DSI list, a watch source and entry, a document:
one of each is made first with id 1, the id the sweep puts in the other URL variables,
so that their handlers read the hostile fields instead of answering 404 before.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from lxml import etree, html

from catalogue.dsi import profiles
from catalogue.people.tokens import SIGN_IN
from catalogue.questions import service as questions
from catalogue.questions.form import Asked
from catalogue.veille import fetching, sources
from catalogue.veille.parsing import FoundItem
from catalogue.web.documents import documents
from catalogue.web.guards import SIGNER, signer
from catalogue.web.integers import ID_MAX, IdConverter, integer, integers
from indexes.schema import FACETS
from tests.circulation_support import PASSWORD
from tests.desk_site import DeskSite, start
from tests.document_files import pdf
from tests.hostile_http import Answer, csrf_token, faults, send
from tests.oai_site import Validator, validation_schema

ROOT = Path(__file__).resolve().parents[1]
#: Hostile values as they go on the wire (already percent-encoded where they must be).
VALUES: dict[str, str] = {
    "empty": "",
    "nul": "a%00b",
    "bad bytes": "%ED%A0%80%FF%FE%C3%zz%",  # a lone surrogate, invalid and cut UTF-8
    "negative": "-1",
    "huge negative": "-99999999999999999999",
    "huge": "99999999999999999999999999999",
    "float": "1.5",
    "NaN": "NaN",
    "1e309": "1e309",
    "other digits": "%C2%B2%D9%A3%EF%BC%91",  # superscript, Arabic-Indic, fullwidth
    "30 February": "2024-02-30",
    "year 99999": "99999-01-01",
    "year zero": "0000-00-00",
    "dot-dot": "..%2F..%2F..%2Fetc%2Fpasswd",
    "injection": quote("<script>alert(1)</script>\"><img src=x onerror=alert(1)>' OR '1'='1'"
                       " --; DROP TABLE records;\r\nSet-Cookie: x=1 ｊｅｕｎｅｓ раris \u202eevil"),
    "deep parentheses": "%28" * 10_000,
    "10k terms": "a+" * 10_000,
    "star": "*",
    "year range": "annee%3A1-99999999999+%22jeunes",
    "long": "x" * 3_000,
}
#: The 100,000 characters of a form field; a GET line carries at most 64 KiB (the
#: server answers 414 past it), so the query string's longest value is 60,000.
LONG_POST, LONG_GET = "y" * 100_000, "z" * 60_000
#: Parameter shapes: each field repeated, as an array, and names no view knows.
SHAPES = {
    "repeated": lambda name: f"{name}=1&{name}=-1&{name}=%FF&{name}=",
    "array": lambda name: f"{name}%5B%5D=1&{name}%5B0%5D%5Bx%5D=2",
}
UNKNOWN = "sort=inconnu&facet=inconnu&inconnu=1&%FF=1&%ED%A0%80=2&=3&&&=&page=1e309"
#: Odd headers, a few to a request (an odd Host changes every URL the page writes).
HEADERS: list[dict[str, str]] = [
    {"Host": "évil..example:99999", "Range": "bytes=99999999999999999999999-",
     "If-Modified-Since": "garbage", "If-None-Match": '"' + "x" * 1000,
     "Accept-Language": "*;q=NaN, fr;q=1e309, ;;;, xx-" + "a" * 500},
    {"Host": "", "Range": "bytes=5-1", "If-Range": "garbage",
     "If-Modified-Since": "Sun, 31 Feb 99999 25:61:61 GMT"},
    {"Host": "[::1", "Range": "bytes=" + ",".join(["0-0"] * 1000), "If-Modified-Since": "0",
     "Accept": "application/json;q=2, */*;q=-1"},
    {"Range": "lines=1-2", "If-Unmodified-Since": "-1",
     "Cookie": "session=garbage.garbage.garbage; lang=%FF; lang=en"},
    {"Range": "bytes=-0", "Cookie": "session=" + "A" * 3000 + "; lang=\u00e9"},
    {"X-Forwarded-For": "%FF" * 100, "X-Forwarded-Host": "évil", "X-Forwarded-Proto": "gopher",
     "Forwarded": 'for="[::1";proto=x', "Origin": "null", "Referer": "http://%ff/",
     "Sec-Fetch-Site": "cross-site", "User-Agent": "é" * 3000},
]
#: File names and contents of the multipart bodies.
FILES = [('../../etc/passwd', b""), ("a\x00b.pdf", b"%PDF-1.4\n%garbage"),
         ("\udcff\udcfe.csv", b"\xff\xfe" * 500), ("é" * 300 + ".marc", b"x" * 100_000)]
#: Routes that end the session or the account: swept last.
LAST = ("deconnexion", "supprimer-mon-compte")
#: Staff pages of the objects made by ``_seed``: each must answer 200 before the sweep.
SEEDED = ("/questions/gestion/1", "/admin/dsi/liste/1", "/veille/gestion/sources/1",
          "/veille/gestion/element/1", "/document/1")
#: The field of the query language a GET fills with whole values (the others get their
#: first SHORT characters, so that a query string of every field stays one request line).
QUERY_FIELD = "q"
SHORT = 200
#: The free-text fields a POST fills with 100,000 characters (a body holds 1 MiB).
TEXT_FIELDS = ("q", "titre", "auteur", "sujet", "message", "note", "answer", "question",
               "description", "email", "name", "title", "url", "phrase", "word", "equations",
               "motif", "organisation", "password", "jeton", "suivant", "next", "site_web",
               "code", "carte", "source", "notice", "slug")
#: What an ``<int:...>`` URL variable gets (the converter is one; :data:`VALUES` all go in
#: the other variables).
INT_PATH = ("huge", "negative", "other digits", "float", "empty")
#: The values of a light sweep: a route already swept for another visitor, or closed to
#: this one (its guard answers before any field is read).
LIGHT = ("huge", "bad bytes", "injection")
#: A file of the static folder (its route gets Range and If-Modified-Since on a real file).
STATIC = "catalogue.css"
OAI_ARGUMENTS = ("verb", "metadataPrefix", "identifier", "from", "until", "set",
                 "resumptionToken")


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


def fields() -> list[str]:
    """Every name a view, a form or a template reads from a request (the modules that
    read requests: the web app, the OPAC's parameters, the questions' form, OAI-PMH)."""
    names = set(FACETS) | {"sort", "limit", "page", "q", "annee_de", "annee_a", "next"}
    for template in (ROOT / "catalogue" / "web" / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="([A-Za-z_][A-Za-z0-9_]*)"', template.read_text()))
    readers = [ROOT / "catalogue" / "web", ROOT / "catalogue" / "opac", ROOT / "oai"]
    modules = [ROOT / "catalogue" / "questions" / "form.py"]
    for module in [*modules, *(path for top in readers for path in top.rglob("*.py"))]:
        text = module.read_text()
        names |= set(re.findall(r'\.(?:get|getlist)\("([A-Za-z_][A-Za-z0-9_]*)"', text))
        names |= set(re.findall(r"^\s+([a-z_]+) = \w+Field\(", text, re.M))
    names.discard("csrf_token")
    return sorted(names)


class Visitor:
    """One browser: its cookies, kept across answers, and its CSRF token."""

    def __init__(self, site: DeskSite, name: str) -> None:
        self.port = int(site.url.rsplit(":", 1)[1])
        self.name = name
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.failures: list[str] = []
        self.count = 0

    def send(self, method: str, target: str, *, headers: dict[str, str] | None = None,
             body: bytes = b"", kind: str = "application/x-www-form-urlencoded",
             note: str = "", form: bool = False, french: bool = True) -> Answer:
        given = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if method == "POST":
            given["Content-Type"] = kind
        given.update(headers or {})
        answer = send(self.port, method, target, headers=given, body=body)
        self.count += 1
        if "Cookie" not in (headers or {}):
            self.cookies.update(answer.cookies)
        for fault in faults(answer, form=form, french=french):
            self.failures.append(f"{self.name} {method} {target[:90]} [{note}]: {fault}")
        return answer

    def refresh_token(self, path: str) -> None:
        """The token of ``path``'s form, else of the sign-in form (once signed out)."""
        found = (csrf_token(self.send("GET", path, note="token").body)
                 or csrf_token(self.send("GET", "/connexion", note="token").body))
        assert found, f"no CSRF token on {path} nor /connexion for {self.name}"
        self.token = found


def _path(rule: Any, hostile: str | None = None, value: str = "") -> str:
    """The rule's URL with valid values in its variables (id 1, ``crpv``, the seeded
    list), ``value`` in the one named ``hostile``."""
    valid = {"source": "crpv", "source_id": "1", "slug": "veille-jeunesse", "token": "x",
             "filename": STATIC}
    path = rule.rule
    for name in rule.arguments:
        text = value if name == hostile else valid.get(name, "1")
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", text or "%20", path)
    return str(path)


def _rotations(names: list[str], labels: list[str], *, get: bool) -> Iterator[tuple[str, str]]:
    """One query string (or form body) per value: in the k-th, field i holds value
    i + k (modulo their number), so that every field meets every value once.

    NUL goes alone (every field of one request): the edge refuses any request holding
    one (400) before a view reads it, so beside the others it would hide them all.
    """
    if "nul" in labels:
        yield "nul", "&".join(f"{name}={VALUES['nul']}" for name in names)
        labels = [label for label in labels if label != "nul"]
    for k, label in enumerate(labels):
        pairs = []
        for i, name in enumerate(names):
            value = VALUES[labels[(i + k) % len(labels)]]
            if get and name != QUERY_FIELD:
                value = value[:SHORT]
            pairs.append(f"{name}={value}")
        yield label, "&".join(pairs)


def _packed(pairs: list[str], limit: int) -> Iterator[str]:
    """``pairs`` joined by ``&`` in as few strings of at most ``limit`` bytes as fit."""
    chunk: list[str] = []
    size = 0
    for pair in pairs:
        if chunk and size + len(pair) + 1 > limit:
            yield "&".join(chunk)
            chunk, size = [], 0
        chunk.append(pair)
        size += len(pair) + 1
    if chunk:
        yield "&".join(chunk)


def _multipart(names: list[str], token: str,
               files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body: the token, then every file of ``files`` under each name."""
    boundary = "hostileBoundary7MA4YWxk"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
             f"{token}\r\n".encode()]
    for name in names:
        for filename, content in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                         "\r\n\r\n".encode("utf-8", "surrogateescape")
                         + content[:20_000] + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _guarded(answer: Answer) -> bool:
    """Whether a route's guard answered (sign-in asked, or access refused)."""
    return answer.status in (401, 403) or (
        answer.status in (302, 303) and "/connexion" in answer.headers.get("location", ""))


def _sweep_rule(visitor: Visitor, rule: Any, names: list[str], done: set[str]) -> None:
    """``rule`` swept: every value in every field and URL variable, the shapes, long
    text, odd headers and files; lightly (:data:`LIGHT`) when ``done`` holds it or its
    guard turns this visitor away."""
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    plain = _path(rule)
    form = f"csrf_token={visitor.token}&"
    probe = (visitor.send("GET", plain, note="probe") if "GET" in methods
             else visitor.send("POST", plain, body=form.encode(), note="probe", form=True))
    key = f"{sorted(methods)} {rule.rule}"
    light = key in done or _guarded(probe)
    if not light:
        done.add(key)
    labels = list(LIGHT if light else VALUES)
    for method in methods:
        for label, pairs in _rotations(names, labels, get=method == "GET"):
            if method == "GET":
                visitor.send("GET", f"{plain}?{pairs}", note=label)
            else:
                visitor.send("POST", plain, body=(form + pairs).encode(), note=label, form=True)
        for variable, converter in rule._converters.items():
            for label in labels:
                if converter.regex == IdConverter.regex and label not in INT_PATH:
                    continue
                path = _path(rule, variable, VALUES[label][:SHORT])
                body = form.encode() if method == "POST" else b""
                visitor.send(method, path, body=body, note=f"{variable}: {label}",
                             form=method == "POST")
    if light:
        return
    for method in methods:
        for label, shape in SHAPES.items():
            query = "&".join(shape(name) for name in names)
            if method == "GET":
                visitor.send("GET", f"{plain}?{query}", note=label)
            else:
                visitor.send("POST", plain, body=(form + query).encode(), note=label, form=True)
    for method in ("HEAD", "OPTIONS", "PUT", "DELETE", "FOO"):
        visitor.send(method, plain, body=b"x=1", note="other method")
    if "GET" in methods:
        visitor.send("GET", f"{plain}?{UNKNOWN}", note="unknown names")
        visitor.send("GET", f"{plain}?q={LONG_GET}", note="long q")
        for headers in HEADERS:
            visitor.send("GET", plain, headers=headers, note=f"headers {list(headers)}",
                         french=False)
    if "POST" in methods:
        visitor.send("POST", plain, body=(form + UNKNOWN).encode(), note="unknown names",
                     form=True)
        long = [f"{name}={LONG_POST}" for name in names if name in TEXT_FIELDS]
        for body in _packed(long, 900_000):
            visitor.send("POST", plain, body=(form + body).encode(), note="100k", form=True)
        files = [n for n in names if n in ("file", "fichier", "attachments", "attachment")]
        for turn in range(2):
            body, kind = _multipart(files, visitor.token, FILES[turn:] + FILES[:turn])
            visitor.send("POST", plain, body=body, kind=kind, note="files", form=True)
        visitor.send("POST", plain, body=(form + "q=" + "w" * 1_200_000).encode(),
                     note="over 1 MiB", form=True)
        visitor.send("POST", plain, body=b"csrf_token=x&q=1", note="bad content type",
                     kind="multipart/form-data; boundary=")
        visitor.send("POST", plain, body=form.encode() + b"\xff\xfe=\xff",
                     note="charset", kind="application/x-www-form-urlencoded; charset=klingon")


def _sweep(visitor: Visitor, rules: list[Any], names: list[str], token_page: str,
           done: set[str]) -> None:
    for rule in rules:
        visitor.refresh_token(token_page)  # a previous route may have rotated the session
        _sweep_rule(visitor, rule, names, done)


def _oai_sweep(visitor: Visitor, validator: Validator) -> None:
    """Hostile verbs, arguments and Accept-Encoding: each an OAI-PMH answer (200, XML
    valid against the official schemas, an error element where the request is bad)."""
    requests = ["", "verb=", "verb=%FF", "verb=Identify&verb=Identify", "verb=Identify&x=1",
                "verb=ListRecords&metadataPrefix=%00", "verb=ListRecords&metadataPrefix=oai_dc"
                "&from=2024-02-30", "verb=ListRecords&metadataPrefix=oai_dc&until=99999-01-01",
                "verb=ListRecords&metadataPrefix=oai_dc&from=0000-00-00T00:00:00Z",
                "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01&until=2020-01-01",
                "verb=ListRecords&resumptionToken=" + "A" * 100_00,
                "verb=ListRecords&resumptionToken=%ED%A0%80",
                "verb=ListRecords&resumptionToken=x&metadataPrefix=oai_dc",
                "verb=GetRecord&metadataPrefix=oai_dc&identifier=%ED%A0%80",
                "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:..%2F..%2F",
                "verb=GetRecord&metadataPrefix=oai_dc&identifier=" + "%28" * 10_000,
                "verb=ListSets&resumptionToken=99999999999999999999999",
                "verb=ListRecords&metadataPrefix=oai_dc&set=%FF%00",
                "verb=ListRecords&metadataPrefix=oai_dc&set[]=x",
                "verb[]=Identify", "verb=ListMetadataFormats&identifier=",
                "verb=Identify&from=1e309"]
    for value in VALUES.values():
        requests += [f"verb={value}", *(f"verb=ListRecords&metadataPrefix=oai_dc&{name}={value}"
                                        for name in OAI_ARGUMENTS[2:])]
    codings = ["gzip;q=NaN, deflate;q=1e309, br", "*;q=-1", "identity;q=0, *;q=0",
               "gzip, " * 500, "\u00e9"]
    for n, query in enumerate(requests):
        coding = {"Accept-Encoding": codings[n % len(codings)]}
        for answer in (visitor.send("GET", f"/oai?{query}", note="oai", french=False,
                                    headers=coding),
                       visitor.send("POST", "/oai", body=query.encode(), note="oai",
                                    french=False)):
            problems = []
            if answer.status != 200:
                problems.append(f"HTTP {answer.status}")
            if not answer.content_type.startswith("text/xml"):
                problems.append(f"Content-Type {answer.content_type}")
            try:
                root = validator.check(answer.plain, query[:80])
            except (etree.XMLSyntaxError, OSError, zlib.error) as exc:
                problems.append(f"not XML: {exc}")
            else:
                if root.tag != "{http://www.openarchives.org/OAI/2.0/}OAI-PMH":
                    problems.append(f"root {root.tag}")
            visitor.failures += [f"oai {query[:80]}: {p}" for p in problems]


def _signed_in_as_subscriber(site: DeskSite, name: str = "alice") -> Visitor:
    """``name`` signed in by link (the sweep of every route may delete alice's account:
    the forms' sweep signs fay in)."""
    visitor = Visitor(site, "subscriber")
    person = site.world.people[name]
    token = site.app.extensions[SIGNER].person_token(SIGN_IN, person, site.clock())
    page = visitor.send("GET", f"/connexion/lien?jeton={token}", note="sign-in")
    jeton = re.search(rb'name="jeton" type="hidden" value="([^"]+)"', page.body)
    csrf = csrf_token(page.body)
    assert page.status == 200 and jeton and csrf
    done = visitor.send("POST", "/connexion/lien", note="sign-in", body=(
        f"csrf_token={csrf}&jeton={jeton.group(1).decode()}&suivant=%2Fcompte").encode())
    assert done.status == 303
    assert visitor.send("GET", "/compte").status == 200
    return visitor


def _signed_in_as_staff(site: DeskSite) -> Visitor:
    visitor = Visitor(site, "staff")
    visitor.refresh_token("/connexion")
    done = visitor.send("POST", "/connexion", note="sign-in", body=(
        f"csrf_token={visitor.token}&email={quote(site.world.admin.email or '')}"
        f"&password={quote(PASSWORD)}&suivant=%2Fguichet%2F").encode())
    assert done.status in (302, 303)
    assert visitor.send("GET", "/guichet/").status == 200
    return visitor


class Tracebacks(logging.Handler):
    """Every log record that carries a traceback: a request's input must not make one,
    even when the app recovers (a query that fails as written and is run as plain
    words answers 200, and logs the RecursionError that sent it there)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.seen.append(f"{record.name}: {record.getMessage()[:160]} "
                             f"({record.exc_info[0].__name__ if record.exc_info[0] else ''})")


@dataclass
class Swept:
    """The site the three visitors share, the routes swept in full so far (each in full
    once: by the first visitor it opens to, the others sweep it lightly), and the log's
    tracebacks."""

    site: DeskSite
    log: Tracebacks
    done: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Swept]:
    running = start(tmp_path_factory.mktemp("hostile"))
    _seed(running)
    log = Tracebacks()
    logging.getLogger().addHandler(log)
    yield Swept(running, log)
    logging.getLogger().removeHandler(log)
    running.stop()


@pytest.fixture(autouse=True)
def _fresh_log(request: pytest.FixtureRequest) -> None:
    """Each test answers for the tracebacks of its own requests."""
    if "swept" in request.fixturenames:
        request.getfixturevalue("swept").log.seen.clear()


def _rules(site: DeskSite) -> list[Any]:
    return sorted(site.app.url_map.iter_rules(),
                  key=lambda r: (any(word in r.rule for word in LAST), r.rule))


def _report(visitor: Visitor, started: float, log: Tracebacks) -> None:
    assert visitor.failures == [], "\n".join(visitor.failures[:60])
    assert log.seen == [], "\n".join(log.seen[:30])
    print(f"{visitor.name}: {visitor.count} requests in {time.monotonic() - started:.1f} s")


def test_every_route_for_every_visitor(swept: Swept) -> None:
    """One test for the three visitors, in this order: under pytest-xdist they share
    one site and one list of the routes already swept in full."""
    anonymous, started = Visitor(swept.site, "anonymous"), time.monotonic()
    _sweep(anonymous, _rules(swept.site), fields(), "/connexion", swept.done)
    _report(anonymous, started, swept.log)
    subscriber, started = _signed_in_as_subscriber(swept.site), time.monotonic()
    _sweep(subscriber, _rules(swept.site), fields(), "/compte", swept.done)
    _report(subscriber, started, swept.log)
    staff, started = _signed_in_as_staff(swept.site), time.monotonic()
    for path in SEEDED:
        assert staff.send("GET", path).status == 200, path
    _sweep(staff, _rules(swept.site), fields(), "/guichet/", swept.done)
    _report(staff, started, swept.log)
    assert len(swept.done) == len(_rules(swept.site)), "a route no visitor could open"


def test_oai_endpoint(swept: Swept, shared_data: Path, tmp_path: Path) -> None:
    visitor, started = Visitor(swept.site, "harvester"), time.monotonic()
    validator = Validator(validation_schema(shared_data, tmp_path))
    _oai_sweep(visitor, validator)
    _report(visitor, started, swept.log)
    assert validator.failures == [], validator.failures[:20]
    assert validator.checked == visitor.count


#: Valid values for the fields a form shows empty: the sweep changes one field at a time,
#: so that the others let the handler reach it (a bad first field hides the rest).
VALID = {"carte": "C-ALICE", "code": "B3", "notice": "crpv:2", "email": "alice@example.org",
         "name": "Nom de test", "title": "Un titre", "slug": "liste-essai", "word": "jeunes",
         "question": "Des études sur la participation des habitants au quartier ?",
         "url": "http://127.0.0.1:9/flux", "equations": "q=jeunes", "every_hours": "24",
         "every_days": "7", "cap": "10", "month_day": "1", "answer": "Une réponse.",
         "message": "Bonjour", "note": "Une note", "theme": "jeunesse", "cote": "COTE 9",
         "desired": "2026-06-01", "territory": "Paris", "password": PASSWORD}
#: The values each field of a form meets, the others valid.
FORM_VALUES = ("empty", "nul", "bad bytes", "huge", "negative", "float", "1e309",
               "other digits", "30 February", "year 99999", "year zero", "injection", "long")
#: Pages whose forms are swept besides those of the URL map's GET routes.
FORM_PAGES = ("/guichet/emprunteur?carte=C-ALICE", "/guichet/emprunteur?carte=C-BOB",
              "/compte/prets", "/selection", "/questions/gestion/1", "/guichet/lettres")


def _forms(visitor: Visitor, pages: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Action -> the valid (name, value) pairs of each POST form the pages show."""
    found: dict[str, list[tuple[str, str]]] = {}
    for page in pages:
        answer = visitor.send("GET", page, note="forms")
        if answer.status != 200 or "html" not in answer.content_type:
            continue
        for form in html.fromstring(answer.body).forms:
            action = (form.action or page.split("?")[0]).split("#")[0]
            if (form.method or "").upper() != "POST" or any(
                    word in action for word in (*LAST, "/langue", "supprimer", "suppression")):
                continue
            pairs = []
            for element in form.inputs:
                name, kind = element.name, element.get("type", "")
                if not name or name == "csrf_token" or kind == "file":
                    continue
                if element.tag == "select":
                    options = element.xpath("option/@value")
                    value = options[-1] if options else ""
                elif element.tag == "textarea":
                    value = element.text or ""
                else:
                    value = element.get("value") or ""
                pairs.append((name, value or VALID.get(name, "1")))
            found.setdefault(action, pairs)
    return found


def _sweep_forms(visitor: Visitor, pages: list[str], token_page: str) -> int:
    """Every field of every form, one at a time, with each of :data:`FORM_VALUES`; each
    form first sent valid, and the pages read again after, so that the forms the state
    it makes shows (a loan's renewal and due date) are swept too."""
    done: set[str] = set()
    for _ in range(2):
        for action, pairs in _forms(visitor, pages).items():
            if action in done:
                continue
            done.add(action)
            visitor.refresh_token(token_page)
            valid = "&".join(f"{k}={quote(v)}" for k, v in pairs)
            visitor.send("POST", action, body=f"csrf_token={visitor.token}&{valid}".encode(),
                         note="form as shown", form=True)
            for n, (name, _) in enumerate(pairs):
                for label in FORM_VALUES:
                    value = LONG_POST if label == "long" else VALUES[label]
                    body = "&".join(f"{k}={quote(v) if i != n else value}"
                                    for i, (k, v) in enumerate(pairs))
                    visitor.send("POST", action, note=f"form field {name}: {label}",
                                 body=f"csrf_token={visitor.token}&{body}".encode(), form=True)
    return len(done)


def test_staff_forms_one_field_at_a_time(swept: Swept) -> None:
    visitor, started = _signed_in_as_staff(swept.site), time.monotonic()
    pages = [_path(r) for r in _rules(swept.site) if "GET" in r.methods
             and not r.arguments - {"source", "source_id", "document_id", "profile_id",
                                    "question_id", "item_id", "slug"}]
    assert _sweep_forms(visitor, [*pages, *FORM_PAGES], "/guichet/") > 25
    _report(visitor, started, swept.log)


def test_subscriber_forms_one_field_at_a_time(swept: Swept) -> None:
    visitor, started = _signed_in_as_subscriber(swept.site, "fay"), time.monotonic()
    pages = ["/compte", "/compte/prets", "/alertes", "/alertes/creer", "/alertes/inscription",
             "/questions/poser", "/notice/crpv/1", "/notice/crpv/2", "/selection", "/listes"]
    assert _sweep_forms(visitor, pages, "/compte") >= 5
    _report(visitor, started, swept.log)


def test_numbers_from_requests_are_ascii_digits_within_bounds() -> None:
    assert integer("12") == 12 and integer(" 7 ") == 7
    for text in ("²", "٣", "99999999999999999999999", "-1", "1e3", "0x1", "", None, "\x00"):
        assert integer(text) is None, text
    assert integer("-1", low=-1) == -1 and integer(str(ID_MAX)) == ID_MAX
    assert integer(str(ID_MAX + 1)) is None and integer("x", 5) == 5
    assert integers(["1", "²", "3", "99999999999999999999999"]) == [1, 3]
    assert IdConverter.regex == r"[0-9]{1,10}"


def test_the_judge_of_answers_sees_what_it_must() -> None:
    page = b'<!DOCTYPE html><html lang="fr"><body>ok</body></html>'
    html = {"content-type": "text/html; charset=utf-8"}
    assert faults(Answer(200, html, page)) == []
    assert faults(Answer(500, html, page)) == ["HTTP 500"]
    assert faults(Answer(400, html, b'Traceback (most recent call last):\n  File "/x.py"'))
    assert faults(Answer(200, {"content-type": "text/html"}, page))  # no charset
    assert faults(Answer(200, html, b"<html><body>\xff</body></html>"))
    assert faults(Answer(200, html, page.replace(b"ok", b"This field is required.")),
                  form=True)
    assert faults(Answer(200, html, page.replace(b'"fr"', b'"en"')))
    assert faults(Answer(200, {"content-type": "application/json"}, b"{"))
    assert faults(Answer(200, {"content-type": "text/xml"}, b"<a>"))
    assert faults(Answer(200, {}, b"body"))
