"""Real OAI-PMH servers on 127.0.0.1 for the harvesting tests.

``PartnerRepository`` is a partner's catalogue (generated records, sets, deletions with
their own datestamps) behind pyoai's server - an independent OAI-PMH implementation -
served over real HTTP. ``ReplayServer`` serves recorded responses from
../shared/data/oai_responses by request, in scripted order, with HTTP statuses and
headers. Both can inject faults (503 + Retry-After, 500, dropped connections, a stall).
"""

from __future__ import annotations

import io
import threading
import urllib.parse
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

from catalogue.demo import generate
from catalogue.formats import dublincore, marcxml, pmbxml, unimarc
from catalogue.records import Record, replace

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import cgi

cgi.parse_qs = urllib.parse.parse_qs  # type: ignore[attr-defined]  # pyoai on Python 3.11

from oaipmh import common, error, metadata, server  # noqa: E402

Fault = tuple[int, dict[str, str], bytes] | str | None
"""An injected answer: (status, headers, body), "drop" (close the connection), or None."""


def _utc_naive() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def demo_records(count: int, seed: int = 7) -> list[Record]:
    """Generated PMB records (monographs, serials, issues, articles) as canonical Records."""
    data = b"".join(r.as_marc() for r in generate(count, seed))
    return [p.record for p in unimarc.read(io.BytesIO(data), "server") if p.record is not None]


def _writer(fn: Callable[[Record], etree._Element]) -> Callable[[etree._Element, Any], None]:
    def write(element: etree._Element, meta: Any) -> None:
        element.append(fn(meta.getMap()["record"]))
    return write


def registry() -> metadata.MetadataRegistry:
    """pyoai writers for the formats our harvester reads, built with our own writers."""
    reg = metadata.MetadataRegistry()
    reg.registerWriter("oai_dc", _writer(dublincore.to_element))
    reg.registerWriter("marcxml", _writer(lambda r: marcxml.record_to_element(r, "unimarc")))
    reg.registerWriter("pmb_xml_unimarc", _writer(pmbxml.to_element))
    return reg


@dataclass
class Entry:
    identifier: str
    datestamp: datetime  # naive UTC, as pyoai wants
    sets: tuple[str, ...]
    record: Record | None  # None: deleted


@dataclass
class PartnerRepository:
    """A partner's catalogue, in datestamp order, for pyoai's BatchingServer."""

    now: datetime = field(default_factory=lambda: _utc_naive() - timedelta(hours=1))
    entries: dict[str, Entry] = field(default_factory=dict)
    deleted_record: str = "persistent"
    prefix: str = "oai:partner.example.org:"

    def tick(self, past: bool = False) -> datetime:
        """The next datestamp: a second on, and not behind the real clock unless ``past``."""
        self.now += timedelta(seconds=1)
        if not past:
            self.now = max(self.now, _utc_naive().replace(microsecond=0))
        return self.now

    def put(self, record: Record, sets: tuple[str, ...] = (), past: bool = False) -> str:
        """Add or change a record (``past``: loaded before the tests' harvests)."""
        identifier = self.prefix + record.source_id
        self.entries[identifier] = Entry(identifier, self.tick(past), sets, record)
        return identifier

    def delete(self, identifier: str) -> None:
        entry = self.entries[identifier]
        self.entries[identifier] = Entry(identifier, self.tick(), entry.sets, None)

    def live(self, set_spec: str | None = None) -> dict[str, Record]:
        return {e.identifier: e.record for e in self.entries.values()
                if e.record is not None and (set_spec is None or set_spec in e.sets)}

    # --- pyoai's IBatchingOAI interface ----------------------------------------------

    def identify(self) -> common.Identify:
        return common.Identify(
            repositoryName="Partner", baseURL="http://127.0.0.1/oai", protocolVersion="2.0",
            adminEmails=["admin@partner.example.org"], earliestDatestamp=datetime(2000, 1, 1),  # noqa: DTZ001  (pyoai wants naive UTC)
            deletedRecord=self.deleted_record, granularity="YYYY-MM-DDThh:mm:ssZ",
            compression=["identity"])

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        return [("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                 "http://www.openarchives.org/OAI/2.0/oai_dc/"),
                ("marcxml", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
                 "http://www.loc.gov/MARC21/slim"),
                ("pmb_xml_unimarc", "", "http://www.pmbservices.fr")]

    def listSets(self, cursor: int = 0, batch_size: int = 10) -> list[tuple[str, str, None]]:
        names = sorted({s for e in self.entries.values() for s in e.sets})
        return [(s, s, None) for s in names][cursor:cursor + batch_size]

    def _selected(self, from_: datetime | None, until: datetime | None,
                  set: str | None) -> list[Entry]:
        chosen = [e for e in self.entries.values()
                  if (from_ is None or e.datestamp >= from_)
                  and (until is None or e.datestamp <= until)
                  and (set is None or set in e.sets)]
        return sorted(chosen, key=lambda e: (e.datestamp, e.identifier))

    def _header(self, e: Entry) -> common.Header:
        return common.Header(None, e.identifier, e.datestamp, list(e.sets), e.record is None)

    def listRecords(self, metadataPrefix: str, from_: datetime | None = None,
                    until: datetime | None = None, set: str | None = None,
                    cursor: int = 0, batch_size: int = 10) -> Iterator[tuple[Any, Any, None]]:
        for e in self._selected(from_, until, set)[int(cursor):int(cursor) + batch_size]:
            meta = None if e.record is None else common.Metadata(None, {"record": e.record})
            yield self._header(e), meta, None

    def listIdentifiers(self, metadataPrefix: str, from_: datetime | None = None,
                        until: datetime | None = None, set: str | None = None,
                        cursor: int = 0, batch_size: int = 10) -> list[Any]:
        return [self._header(e) for e in self._selected(from_, until, set)
                [int(cursor):int(cursor) + batch_size]]

    def getRecord(self, metadataPrefix: str, identifier: str) -> tuple[Any, Any, None]:
        e = self.entries.get(identifier)
        if e is None:
            raise error.IdDoesNotExistError(identifier)
        meta = None if e.record is None else common.Metadata(None, {"record": e.record})
        return self._header(e), meta, None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        owner: HttpServer = self.server.owner  # type: ignore[attr-defined]
        query = urllib.parse.urlsplit(self.path).query
        params = {k: v[0] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        answer = owner.answer(params)
        if answer == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        assert answer is not None and not isinstance(answer, str)
        status, headers, body = answer
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "text/xml; charset=utf-8"))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class HttpServer:
    """A threaded HTTP server on 127.0.0.1; subclasses answer OAI requests."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.fault: Callable[[int, dict[str, str]], Fault] | None = None
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/oai"

    def __enter__(self) -> HttpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, params: dict[str, str]) -> Fault:
        with self.lock:
            self.requests.append(params)
            number = len(self.requests)
        if self.fault is not None:
            injected = self.fault(number, params)
            if injected is not None:
                return injected
        return self.respond(params)

    def respond(self, params: dict[str, str]) -> Fault:
        raise NotImplementedError


class PyoaiServer(HttpServer):
    """pyoai's BatchingServer over a :class:`PartnerRepository`."""

    def __init__(self, repository: PartnerRepository, page_size: int = 7) -> None:
        super().__init__()
        self.repository = repository
        self.server = server.BatchingServer(repository, registry(),
                                            resumption_batch_size=page_size)

    def respond(self, params: dict[str, str]) -> Fault:
        with self.lock:  # pyoai is not thread-safe, and the repository changes
            body = self.server.handleRequest(dict(params))
        return 200, {}, body


def oai_error(code: str, message: str = "") -> bytes:
    """An OAI-PMH error response, as a partner would send it."""
    return (f'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f'<responseDate>2024-01-01T00:00:00Z</responseDate><request>http://x/oai</request>'
            f'<error code="{code}">{message}</error></OAI-PMH>').encode()


class ReplayServer(HttpServer):
    """Recorded responses by request: ``script`` maps a request key to answers in turn.

    The key is the verb, or ``resume:<token>`` for a resumption request; the last
    answer of a list repeats.
    """

    def __init__(self, script: dict[str, list[tuple[int, Path | bytes]]]) -> None:
        super().__init__()
        self.script = {k: list(v) for k, v in script.items()}

    def respond(self, params: dict[str, str]) -> Fault:
        token = params.get("resumptionToken")
        key = f"resume:{token}" if token else params.get("verb", "")
        answers = self.script.get(key) or self.script.get("*")
        if not answers:
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>"
        status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        data = body.read_bytes() if isinstance(body, Path) else body
        return status, {}, data


def replace_ids(record: Record, source: str, source_id: str) -> Record:
    """``record`` as the harvester stores it for ``source``."""
    return replace(record, source=source, source_id=source_id)
