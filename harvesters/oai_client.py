"""An OAI-PMH client over an injected ``requests.Session``, patient with partners.

A partner that is down one night must be caught up the next without anyone noticing,
and one that is merely slow or busy must not fail the harvest at all. So every request
is retried with bounded exponential backoff when the answer is a 503 (honouring its
``Retry-After``), a 429, another 5xx, a timeout or a dropped connection; a page that
arrives malformed (cut short, not XML) is fetched again before it is reported. An
answer that is an OAI-PMH ``<error>`` is never retried: it is the partner's considered
reply, whatever its HTTP status (Zenodo answers errors with 422). ``sleep`` is injected
so tests do not wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime

import requests
from lxml import etree

from harvesters import oai_protocol as oai
from harvesters.oai_protocol import (
    EndpointUnreachable,
    Identify,
    MalformedResponse,
    NotAnEndpoint,
    Page,
)

USER_AGENT = "catalogue-cohesion-harvester/0.1 (+OAI-PMH 2.0)"
_RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(slots=True)
class Policy:
    """How patient to be. Delays are in seconds; ``attempts`` counts the first try."""

    attempts: int = 6
    backoff: float = 2.0
    max_delay: float = 300.0
    timeout: float = 60.0
    max_bytes: int = 100 * 1024 * 1024


@dataclass(slots=True)
class Stats:
    """What the client went through, for the run report."""

    requests: int = 0
    retries: int = 0
    waited: float = 0.0
    notes: list[str] = field(default_factory=list)


def retry_after(response: requests.Response) -> float | None:
    """The delay a 503/429 asks for: seconds, or an HTTP date against the response's Date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        sent = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - sent).total_seconds())


class OAIClient:
    """Speaks OAI-PMH to one base URL; raises :class:`HarvestError` subclasses only."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        *,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.policy = policy or Policy()
        self.sleep = sleep
        self.stats = Stats()

    # --- verbs ---------------------------------------------------------------------

    def identify(self) -> Identify:
        """Identify: granularity, deletedRecord, earliest datestamp, the server's time."""
        root = self.fetch({"verb": "Identify"}, retry_malformed=False, what="Identify")
        return oai.read_identify(root)

    def metadata_formats(self) -> list[str]:
        """The metadata prefixes the partner serves."""
        root = self.fetch({"verb": "ListMetadataFormats"}, what="ListMetadataFormats")
        return oai.read_formats(root)

    def list_records(
        self,
        metadata_prefix: str,
        set_spec: str | None = None,
        from_: str | None = None,
        until: str | None = None,
    ) -> Iterator[Page]:
        """Every page of a ListRecords, following resumption tokens.

        Raises:
            BadResumptionToken: the partner refused a token mid-list.
            OAIError, MalformedResponse, EndpointUnreachable: the list cannot go on.
        """
        return self._list("ListRecords", metadata_prefix, set_spec, from_, until)

    def list_identifiers(self, metadata_prefix: str, set_spec: str | None = None) -> Iterator[Page]:
        """Every page of a ListIdentifiers (pages of ``<header>`` elements), as :meth:`list_records`."""
        return self._list("ListIdentifiers", metadata_prefix, set_spec, None, None)

    def _list(self, verb: str, metadata_prefix: str, set_spec: str | None, from_: str | None,
              until: str | None) -> Iterator[Page]:
        params = {"verb": verb, "metadataPrefix": metadata_prefix}
        if set_spec:
            params["set"] = set_spec
        if from_:
            params["from"] = from_
        if until:
            params["until"] = until
        tokens: set[str] = set()
        while True:
            root, body = self.fetch_body(params, what=verb)
            page = replace(oai.read_page(root, verb), body=body)
            yield page
            if not page.token:
                return
            if page.token in tokens:
                raise MalformedResponse(
                    f"the partner sent resumption token {page.token[:40]!r} twice: the list loops"
                )
            tokens.add(page.token)
            params = {"verb": verb, "resumptionToken": page.token}

    # --- transport -----------------------------------------------------------------

    def fetch(self, params: dict[str, str], *, retry_malformed: bool = True,
              what: str = "request") -> etree._Element:
        """The parsed OAI-PMH root of one request, after retries (see :meth:`fetch_body`)."""
        return self.fetch_body(params, retry_malformed=retry_malformed, what=what)[0]

    def fetch_body(self, params: dict[str, str], *, retry_malformed: bool = True,
                   what: str = "request") -> tuple[etree._Element, bytes]:
        """The parsed OAI-PMH root of one request and its bytes, after retries.

        Raises:
            EndpointUnreachable: connection failures or 5xx on every attempt.
            NotAnEndpoint: an HTTP error (404...) with no OAI-PMH body, or a non-OAI
                answer to Identify.
            MalformedResponse: still malformed after the retries.
        """
        policy = self.policy
        last, transport = "", True
        for attempt in range(policy.attempts):
            if attempt:
                self.stats.retries += 1
            delay = min(policy.max_delay, policy.backoff * (2 ** attempt))
            try:
                status, body, response = self._get(params)
            except requests.RequestException as exc:
                last, transport = f"{type(exc).__name__}: {exc}", True
                self._wait(delay, attempt)
                continue
            if status in _RETRY_STATUSES:
                asked = retry_after(response)
                last = f"HTTP {status}" + (f" (Retry-After {asked:g} s)" if asked is not None else "")
                transport = True
                self._wait(min(policy.max_delay, max(asked or 0.0, delay if asked is None else 0.0)),
                           attempt)
                continue
            try:
                return oai.parse(body), body
            except MalformedResponse as exc:
                if status >= 400:
                    raise NotAnEndpoint(
                        f"{self.base_url} is not an OAI-PMH endpoint: HTTP {status} to {what}"
                    ) from None
                if not retry_malformed:
                    raise NotAnEndpoint(
                        f"{self.base_url} is not an OAI-PMH endpoint: its answer to {what} "
                        f"is unusable ({exc})"
                    ) from None
                if "refused" in str(exc):
                    raise  # refused on purpose (DTD, entity bomb): asking again fetches it again
                last, transport = str(exc), False
                self._wait(delay, attempt)
        if transport:
            raise EndpointUnreachable(
                f"cannot reach {self.base_url} ({what}): {last}, after {policy.attempts} attempts"
            )
        raise MalformedResponse(
            f"{what} answer from {self.base_url} still malformed after {policy.attempts} "
            f"attempts: {last}"
        )

    def _wait(self, seconds: float, attempt: int) -> None:
        if attempt + 1 >= self.policy.attempts:
            return  # no point waiting after the last attempt
        self.stats.waited += seconds
        self.sleep(seconds)

    def _get(self, params: dict[str, str]) -> tuple[int, bytes, requests.Response]:
        self.stats.requests += 1
        response = self.session.get(
            self.base_url, params=params, timeout=self.policy.timeout, stream=True,
            headers={"User-Agent": USER_AGENT},
        )
        try:
            announced = response.headers.get("Content-Length", "")
            if announced.isdigit() and int(announced) > self.policy.max_bytes:
                raise MalformedResponse(self._too_big())
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(chunk_size=256 * 1024):
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise MalformedResponse(self._too_big())
                chunks.append(chunk)
            return response.status_code, b"".join(chunks), response
        finally:
            response.close()

    def _too_big(self) -> str:
        return (f"response larger than {self.policy.max_bytes // (1024 * 1024)} MB "
                "refused (harvest max_response_mb)")

