"""The six verbs. Each checks its argument values, asks the repository, appends its element.

Lists page by keyset (see :mod:`oai.tokens`): the first request of a list fixes its
window (``from`` to ``until``, capped at the request's instant) and counts it once for
``completeListSize``; each page then reads ``page_size + 1`` records after the last one
sent, the extra one only telling whether a token is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lxml import etree

from oai import datestamps, envelope, formats, identifiers, tokens
from oai.arguments import Request
from oai.config import OaiConfig
from oai.envelope import sub
from oai.errors import (
    BadArgument,
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
    printable,
)
from oai.formats import MetadataFormat
from oai.repository import Dissemination, Entry, Repository, Selector

_SET = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Context:
    """What every verb works with: the repository, the request's instant, the deployment.

    ``pieces`` collects the serialised records and headers of the response, in document
    order (see :func:`oai.envelope.record`).
    """

    repo: Repository
    now: datetime
    config: OaiConfig
    pieces: list[bytes] = field(default_factory=list)


def identify(ctx: Context, request: Request, parent: etree._Element) -> None:
    """Identify: who we are, our datestamps, deletions, compression, identifier scheme."""
    cfg = ctx.config
    element = sub(parent, "Identify")
    sub(element, "repositoryName", cfg.repository_name)
    sub(element, "baseURL", cfg.base_url)
    sub(element, "protocolVersion", "2.0")
    for email in cfg.admin_emails:
        sub(element, "adminEmail", email)
    earliest = ctx.repo.earliest_datestamp() or ctx.now
    sub(element, "earliestDatestamp", datestamps.format(earliest))
    sub(element, "deletedRecord", "persistent")
    sub(element, "granularity", datestamps.GRANULARITY)
    for method in ("gzip", "deflate"):
        sub(element, "compression", method)
    envelope.oai_identifier(element, cfg.repository_identifier,
                            identifiers.sample(cfg.repository_identifier, cfg.local_source))


def _entry(ctx: Context, identifier: str, dissemination: Dissemination | None) -> Entry:
    local = identifiers.parse(ctx.config.repository_identifier, identifier)
    entry = ctx.repo.get(local.source, local.source_id, dissemination) if local else None
    if entry is None:
        raise IdDoesNotExist(f"no record has the identifier '{printable(identifier)}'")
    return entry


def _format(ctx: Context, prefix: str) -> MetadataFormat:
    fmt = ctx.config.formats.get(prefix)
    if fmt is None:
        offered = ", ".join(ctx.config.formats)
        raise CannotDisseminateFormat(
            f"the metadata format '{printable(prefix)}' is not offered (offered: {offered})")
    return fmt


def list_metadata_formats(ctx: Context, request: Request, parent: etree._Element) -> None:
    """ListMetadataFormats, for the repository or for one item (every record has them all)."""
    identifier = request.get("identifier")
    if identifier is not None:
        _entry(ctx, identifier, None)
    formats = list(ctx.config.formats.values())
    if not formats:
        raise NoMetadataFormats("no metadata format is available for this item")
    element = sub(parent, "ListMetadataFormats")
    for fmt in formats:
        block = sub(element, "metadataFormat")
        sub(block, "metadataPrefix", fmt.prefix)
        sub(block, "schema", fmt.schema)
        sub(block, "metadataNamespace", fmt.namespace)


def list_sets(ctx: Context, request: Request, parent: etree._Element) -> None:
    """ListSets: every set in one response (they are few, so no token is ever issued)."""
    if not ctx.config.set_hierarchy:
        raise NoSetHierarchy("this repository does not organise its records in sets")
    if request.get("resumptionToken") is not None:
        raise BadResumptionToken("ListSets is answered in one response: no token is valid")
    element = sub(parent, "ListSets")
    for info in ctx.repo.sets():
        block = sub(element, "set")
        sub(block, "setSpec", info.spec)
        sub(block, "setName", info.name)
        if info.description:
            _dc_description(block, info.description)


def _dc_description(parent: etree._Element, text: str) -> None:
    from catalogue.formats.dublincore import DC, OAI_DC, SCHEMA_LOCATION, XSI

    description = sub(parent, "setDescription")
    nsmap = {"oai_dc": OAI_DC, "dc": DC, "xsi": XSI}
    dc = etree.SubElement(description, f"{{{OAI_DC}}}dc", nsmap=nsmap)
    dc.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    etree.SubElement(dc, f"{{{DC}}}description").text = text


def _dissemination(ctx: Context, fmt: MetadataFormat) -> Dissemination:
    return formats.dissemination(fmt, ctx.config.include_items, ctx.config.record_page)


def get_record(ctx: Context, request: Request, parent: etree._Element) -> None:
    """GetRecord: one record, or its deleted header."""
    fmt = _format(ctx, request.args["metadataPrefix"])
    entry = _entry(ctx, request.args["identifier"], _dissemination(ctx, fmt))
    envelope.record(sub(parent, "GetRecord"), ctx.config.repository_identifier, entry,
                    ctx.pieces)


def _first_state(ctx: Context, request: Request) -> tokens.ListState:
    args = request.args
    start = datestamps.parse("from", args["from"]) if "from" in args else None
    until = datestamps.parse("until", args["until"]) if "until" in args else None
    if start and until:
        if start.days != until.days:
            raise BadArgument("'from' and 'until' must have the same granularity")
        if start.instant > until.instant:
            raise BadArgument("'from' is later than 'until'")
    set_spec = args.get("set")
    if set_spec is not None:
        if not ctx.config.set_hierarchy:
            raise NoSetHierarchy("this repository does not organise its records in sets")
        if not _SET.match(set_spec):
            raise BadArgument(f"'{printable(set_spec)}' is not a valid setSpec")
    prefix = args["metadataPrefix"]
    _format(ctx, prefix)
    if set_spec is not None and not ctx.repo.has_set(set_spec):
        raise NoRecordsMatch(f"there is no set '{set_spec}'")
    end = ctx.now + _TICK
    if until is not None:
        end = min(end, until.end)
    first = start.instant if start else None
    if first is not None and first >= end:
        raise NoRecordsMatch("no record can have changed in the requested interval")
    total = ctx.repo.count(Selector(set_spec, first, end))
    if total == 0:
        raise NoRecordsMatch("no record matches the request")
    return tokens.ListState(request.verb, prefix, set_spec, first, end, total=total)


def _in_set(entry: Entry, spec: str | None) -> bool:
    return spec is None or any(s == spec or s.startswith(spec + ":") for s in entry.sets)


def list_items(ctx: Context, request: Request, parent: etree._Element) -> None:
    """ListIdentifiers and ListRecords: one page of the list, and the token for the next."""
    cfg = ctx.config
    token = request.get("resumptionToken")
    if token is None:
        state = _first_state(ctx, request)
    else:
        state = tokens.decode(token, request.verb, ctx.now, cfg.secret_key)
    fmt = cfg.formats.get(state.prefix)
    if fmt is None:
        raise BadResumptionToken(f"the format '{state.prefix}' is no longer offered")
    records = request.verb == "ListRecords"
    dissemination = _dissemination(ctx, fmt) if records else None
    selector = Selector(state.set_spec, state.start, state.end, state.last)
    entries = ctx.repo.page(selector, cfg.page_size + 1, dissemination)
    more = len(entries) > cfg.page_size
    ahead = entries[cfg.page_size].position if more else None
    entries = entries[: cfg.page_size]
    if not entries and state.ahead is not None:
        # Everything after the last record sent changed during the harvest: send the
        # record that promised a next page, in its current state (never sent before).
        fallback = ctx.repo.at(state.ahead, dissemination)
        if fallback is not None and _in_set(fallback, state.set_spec):
            entries = [fallback]
    if not entries:
        raise NoRecordsMatch("no record matches the request")
    element = sub(parent, request.verb)
    write = envelope.record if records else envelope.header
    for entry in entries:
        write(element, cfg.repository_identifier, entry, ctx.pieces)
    if token is None and not more:
        return
    attrs = {"cursor": str(state.cursor), "completeListSize": str(max(state.total, state.cursor
                                                                        + len(entries)))}
    if not more:
        sub(element, "resumptionToken", **attrs)
        return
    expires = tokens.expiry(ctx.now, cfg.token_ttl)
    following = tokens.ListState(
        state.verb, state.prefix, state.set_spec, state.start, state.end,
        last=entries[-1].key, ahead=ahead, cursor=state.cursor + len(entries), total=state.total,
    )
    sub(element, "resumptionToken", tokens.encode(following, expires, cfg.secret_key),
        expirationDate=datestamps.format(expires), **attrs)
