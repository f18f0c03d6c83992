"""A running OAI-PMH provider for the tests: a demo store, the real app, a real HTTP server.

The store is filled by the real import of the generated demo export: the local centre
(``crpv``), a redistributable partner (``partner``), a partner that forbids
redistribution (``closed``), and tombstones from a ``--full`` re-import. The app is the
real ``create_app`` served by werkzeug on 127.0.0.1 in a thread; a WSGI middleware
validates every response body against the official schemas, whoever the client is.
"""

from __future__ import annotations

import gzip
import io
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Engine, select
from werkzeug.serving import BaseWSGIServer, make_server

from catalogue.formats import unimarc
from catalogue.records import replace
from catalogue.settings import Settings, load
from catalogue.store import database
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records
from catalogue.web import create_app
from tests.stores import store_url

REPO = Path(__file__).resolve().parents[1]
PMB_XSD = REPO / "oai" / "schemas" / "pmb_xml_unimarc.xsd"
REPOSITORY = "crpv.example.fr"
ODD_IDS = ("a b/c", "x%41y", "é#?&=+", "<tag>\"'", "id:with:colons")

CONFIG = """
[catalogue]
name = "Centre de test"
base_url = "{base_url}"
data_dir = "var"

[store]
url = "{store}"

[import]
default_source = "crpv"

[[sources]]
slug = "crpv"
name = "Centre de ressources politique de la ville"

[[sources]]
slug = "partner"
name = "Centre partenaire"
kind = "oai"
redistribute = true
url = "https://partner.example.org/oai"

[[sources]]
slug = "closed"
name = "Partenaire sans rediffusion"
kind = "oai"
redistribute = false

[oai]
repository_name = "Catalogue de test"
repository_identifier = "{repository}"
admin_emails = ["doc@crpv.example.fr"]
page_size = {page_size}
include_items = true
local_source = "crpv"

[[oai.sets]]
slug = "prevention"
name = "Prévention de la délinquance"
description = "Notices sur la prévention"
terms = ["prévention", "DELINQUANCE"]

[[oai.sets]]
slug = "jeunesse"
name = "Jeunesse"
terms = ["jeunesse"]
fields = ["descriptors", "keywords", "title"]
"""


def validation_schema(shared_data: Path, folder: Path) -> etree.XMLSchema:
    """One schema for envelope and payloads: the shared driver plus our PMB notice schema."""
    driver = folder / "driver.xsd"
    driver.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:local:tests">
  <xs:import namespace="urn:local:oai-validation-driver"
             schemaLocation="{(shared_data / 'schemas' / '_all-for-validation.xsd').as_uri()}"/>
  <xs:import namespace="http://www.pmbservices.fr" schemaLocation="{PMB_XSD.as_uri()}"/>
</xs:schema>""", encoding="utf-8")
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(driver), parser))


class Clock:
    """The wall clock, shiftable by the tests (the one allowed seam)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Validator:
    """Validates response bodies; remembers every failure."""

    schema: etree.XMLSchema
    checked: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, body: bytes, what: str = "") -> etree._Element:
        doc = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        with self.lock:
            self.checked += 1
            if not self.schema.validate(doc):
                self.failures.append(f"{what}: {self.schema.error_log.last_error}")
        return doc


def decode_body(body: bytes, coding: str) -> bytes:
    """The identity body of a compressed response."""
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "deflate":
        return zlib.decompress(body)
    return body


class ValidatingMiddleware:
    """WSGI middleware checking every response of the app against the schemas."""

    def __init__(self, app: Any, validator: Validator) -> None:
        self.app, self.validator = app, validator
        self.statuses: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            seen["status"], seen["headers"] = status, dict(headers)
            return start_response(status, headers, *args)

        body = b"".join(self.app(environ, start))
        self.statuses.append(seen["status"])
        if seen["headers"].get("Content-Type", "").startswith("text/xml"):
            coding = seen["headers"].get("Content-Encoding", "identity")
            self.validator.check(decode_body(body, coding), environ.get("QUERY_STRING", "")[:200])
        return [body]


@dataclass
class Site:
    """Everything a test needs from the running provider."""

    url: str
    settings: Settings
    engine: Engine
    clock: Clock
    validator: Validator
    middleware: ValidatingMiddleware


def _import(engine: Engine, source: str, data: bytes, full: bool = False) -> None:
    ingest = Ingest(engine, source=source, format="unimarc", full=full, batch_size=200)
    ingest.add_all(unimarc.read(io.BytesIO(data), source))
    ingest.finish()


def split_export(data: bytes) -> list[bytes]:
    """The ISO 2709 records of an export."""
    return [chunk + b"\x1d" for chunk in data.split(b"\x1d") if chunk.strip()]


def fill_store(engine: Engine, export: Path) -> None:
    """The demo catalogue as the tests know it (see the module docstring)."""
    chunks = split_export(export.read_bytes())
    _import(engine, "crpv", b"".join(chunks[:1500]))
    odd = []
    for n, sid in enumerate(ODD_IDS):
        record = next(unimarc.read(io.BytesIO(chunks[1500 + n]), "crpv")).record
        assert record is not None
        odd.append(unimarc.to_iso2709(replace(record, source_id=sid)))
    _import(engine, "crpv", b"".join(odd))
    _import(engine, "partner", b"".join(chunks[1600:1800]))
    _import(engine, "closed", b"".join(chunks[1800:2000]))
    # A full re-import without 25 records: persistent deletions.
    _import(engine, "crpv", b"".join(chunks[25:1500]) + b"".join(odd), full=True)


@dataclass
class Serving:
    """A werkzeug server in a thread."""

    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def serve(app: Any) -> tuple[Serving, str]:
    """Serve ``app`` on a free port of 127.0.0.1; return the server and its root URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return Serving(server, thread), f"http://127.0.0.1:{server.server_port}"


@dataclass
class Running:
    """A site and the server to stop."""

    site: Site
    serving: Serving


def start_site(folder: Path, export: Path, shared_data: Path, page_size: int = 50,
               fill: Callable[[Engine, Path], None] = fill_store) -> Running:
    """Build the store in ``folder``, start the app, return the running site."""
    # The base URL is only known once the port is: bind first, then write the config.
    holder: dict[str, Any] = {}

    def late_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        return holder["app"](environ, start_response)  # type: ignore[no-any-return]

    serving, root = serve(late_app)
    config = folder / "config.toml"
    config.write_text(CONFIG.format(base_url=root, repository=REPOSITORY, page_size=page_size,
                                     store=store_url(folder, "oai")),
                      encoding="utf-8")
    settings = load(config, env={})
    engine = database.open_store(settings.store_url)
    fill(engine, export)
    clock = Clock()
    validator = Validator(validation_schema(shared_data, folder))
    middleware = ValidatingMiddleware(create_app(settings, engine=engine, clock=clock).wsgi_app,
                                      validator)
    holder["app"] = middleware
    site = Site(root + "/oai", settings, engine, clock, validator, middleware)
    return Running(site, serving)


def store_state(engine: Engine, sources: tuple[str, ...] = ("crpv", "partner")
                ) -> dict[tuple[str, str], bool]:
    """(source, source_id) -> deleted, for the exposed sources."""
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.source, records.c.source_id, records.c.deleted)
                            .where(records.c.source.in_(sources)))
        return {(r.source, r.source_id): bool(r.deleted) for r in rows}


NS = {"o": "http://www.openarchives.org/OAI/2.0/",
      "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
      "marc": "http://www.loc.gov/MARC21/slim",
      "pmb": "http://www.pmbservices.fr",
      "prov": "http://www.openarchives.org/OAI/2.0/provenance",
      "id": "http://www.openarchives.org/OAI/2.0/oai-identifier"}


def fetch(site: Site, params: Any, method: str = "GET",
          headers: dict[str, str] | None = None) -> tuple[Any, etree._Element]:
    """One request over HTTP; the response and its parsed body (already schema-checked)."""
    import requests

    if method == "GET":
        response = requests.get(site.url, params=params, headers=headers, timeout=60)
    else:
        response = requests.post(site.url, data=params, headers=headers, timeout=60)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return response, etree.fromstring(response.content)


def error_code(doc: etree._Element) -> str | None:
    """The first OAI error code of a response, or None."""
    found = doc.find("o:error", NS)
    return None if found is None else found.get("code")


def harvest(site: Site, verb: str, **params: str) -> tuple[list[etree._Element], list[etree._Element]]:
    """Follow a list to its end; the items (records or headers) and every token element."""
    element = "record" if verb == "ListRecords" else "header"
    items: list[etree._Element] = []
    token_elements: list[etree._Element] = []
    request: dict[str, str] = {"verb": verb, **params}
    while True:
        _, doc = fetch(site, request)
        assert error_code(doc) is None, etree.tostring(doc)[:300]
        items += doc.findall(f"o:{verb}/o:{element}", NS)
        token = doc.find(f"o:{verb}/o:resumptionToken", NS)
        if token is None or not (token.text or "").strip():
            if token is not None:
                token_elements.append(token)
            return items, token_elements
        token_elements.append(token)
        request = {"verb": verb, "resumptionToken": token.text or ""}


def header_of(item: etree._Element) -> etree._Element:
    """The header of a record element (or the header itself)."""
    found = item.find("o:header", NS)
    return item if found is None else found


def local_id(identifier: str) -> tuple[str, str]:
    """(source, source_id) of one of our identifiers."""
    from urllib.parse import unquote

    prefix = f"oai:{REPOSITORY}:"
    assert identifier.startswith(prefix)
    source, _, rest = identifier[len(prefix):].partition(":")
    return source, unquote(rest)


class _Evaluator:
    """lxml's XPathEvaluator with the ``evaluate`` alias lxml 5 removed (pyoai 2.5 calls it)."""

    def __init__(self, node: Any, **kwargs: Any) -> None:
        self._xpath = etree.XPathEvaluator(node, **kwargs)
        self.evaluate = self._xpath

    def __call__(self, path: str, **kwargs: Any) -> Any:
        return self._xpath(path, **kwargs)


class _LxmlForPyoai:
    """The lxml.etree module as pyoai 2.5 expects it (written for lxml < 5)."""

    XPathEvaluator = _Evaluator

    def __getattr__(self, name: str) -> Any:
        return getattr(etree, name)


def pyoai_compatible() -> None:
    """Adapt pyoai 2.5 (2017) to today's lxml and Python: its code is otherwise unchanged.

    pyoai calls ``XPathEvaluator(...).evaluate``, an alias lxml 5 dropped, and its server
    decodes tokens with ``cgi.parse_qs``, removed from Python 3.8.
    """
    import warnings
    from urllib.parse import parse_qs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import cgi

    import oaipmh.client
    import oaipmh.metadata

    oaipmh.client.etree = _LxmlForPyoai()  # type: ignore[assignment]
    oaipmh.metadata.etree = _LxmlForPyoai()  # type: ignore[assignment]
    cgi.parse_qs = parse_qs  # type: ignore[attr-defined]
