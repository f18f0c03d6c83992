"""Metadata embedded in our pages for reference managers: Highwire tags, JSON-LD, COinS.

Zotero's connector (and Mendeley's, and Google Scholar) read a record page's Highwire
``citation_*`` meta tags first, then schema.org JSON-LD; on a results page, where one
page holds many references, they read one COinS span (an OpenURL ContextObject) per hit.
The three are built here from the model, the permalink standing in for the document's
address so that a reference saved from our page leads back to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from catalogue.formats.ris import article_pages
from catalogue.opac.citation import container, kind
from catalogue.opac.description import agent_role, year
from catalogue.records import Agent, Record


def _creators(record: Record) -> list[Agent]:
    """The agents credited as authors, or every agent when none is (an edited volume)."""
    authors = [a for a in record.agents if a.credit() == "author"]
    return authors or list(record.agents)


def _isbns(record: Record) -> list[str]:
    return [i.value for i in record.identifiers if i.scheme == "isbn" and not i.invalid]


def _issn(record: Record) -> str:
    own = [i.value for i in record.identifiers if i.scheme == "issn" and not i.invalid]
    return own[0] if own else container(record)[1]


def _publisher(record: Record) -> str:
    main = record.main_publication()
    return " : ".join(main.publishers) if main else ""


def highwire(record: Record, permalink: str) -> list[tuple[str, str]]:
    """(name, content) of the ``citation_*`` meta tags, in the order Zotero reads them."""
    tags = [("citation_title", record.title.display() or record.global_id)]
    tags += [("citation_author", a.display()) for a in _creators(record)]
    found = year(record)
    if found:
        tags.append(("citation_publication_date", found))
    tags += [("citation_isbn", isbn) for isbn in _isbns(record)]
    publisher = _publisher(record)
    if publisher:
        tags.append(("citation_publisher", publisher))
    journal, _, number = container(record)
    if kind(record) == "article":
        if journal:
            tags.append(("citation_journal_title", journal))
        if number:
            tags.append(("citation_issue", number))
        pages = article_pages(record)
        if pages:
            tags += [("citation_firstpage", pages[0]), ("citation_lastpage", pages[1])]
    issn = _issn(record)
    if issn:
        tags.append(("citation_issn", issn))
    tags += [("citation_language", code) for code in record.languages]
    tags.append(("citation_public_url", permalink))
    return tags


def _person(agent: Agent) -> dict[str, str]:
    kind_ = "Organization" if agent.kind == "corporate" else "Person"
    return {"@type": kind_, "name": agent.display()}


def json_ld(record: Record, permalink: str,
            role_name: Callable[[str], str] = lambda code: code) -> dict[str, Any]:
    """The schema.org description of ``record``: Book, ScholarlyArticle or Periodical.

    Agents go under the property of their credit (author, editor, translator,
    contributor); an agent whose relator code has a label (``role_name``, in the reader's
    language) is wrapped in a schema.org ``Role`` carrying it as ``roleName``.
    """
    found = kind(record)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": {"article": "ScholarlyArticle", "periodical": "Periodical"}.get(found, "Book"),
        "@id": permalink, "url": permalink,
        "name": record.title.display() or record.global_id,
    }
    for agent in record.agents:
        prop = agent.credit()
        entry: dict[str, Any] = _person(agent)
        role = role_name(agent_role(agent)) if agent_role(agent) else ""
        if role:
            entry = {"@type": "Role", "roleName": role, prop: entry}
        data.setdefault(prop, []).append(entry)
    when = year(record)
    if when:
        data["datePublished"] = when
    isbns = _isbns(record)
    if isbns:
        data["isbn"] = isbns[0] if len(isbns) == 1 else isbns
    publisher = _publisher(record)
    if publisher:
        data["publisher"] = {"@type": "Organization", "name": publisher}
    journal, issn, number = container(record)
    if found == "article" and journal:
        periodical: dict[str, Any] = {"@type": "Periodical", "name": journal}
        if issn:
            periodical["issn"] = issn
        data["isPartOf"] = ({"@type": "PublicationIssue", "issueNumber": number,
                             "isPartOf": periodical} if number else periodical)
        pages = article_pages(record)
        if pages:
            data["pageStart"], data["pageEnd"] = pages
    elif _issn(record):
        data["issn"] = _issn(record)
    if record.languages:
        data["inLanguage"] = list(record.languages)
    return data


def script_json(data: dict[str, Any]) -> str:
    """``data`` as JSON safe inside ``<script>``: no ``</script>`` can close it early."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def coins(record: Record, permalink: str) -> str:
    """The OpenURL ContextObject (Z39.88-2004, KEV) of a COinS span's ``title``."""
    found = kind(record)
    pairs: list[tuple[str, str]] = [("ctx_ver", "Z39.88-2004")]
    host = urlsplit(permalink).netloc
    if host:
        pairs.append(("rfr_id", f"info:sid/{host}"))
    pairs.append(("rft_id", permalink))
    title = record.title.display() or record.global_id
    journal, _, number = container(record)
    if found == "book":
        pairs += [("rft_val_fmt", "info:ofi/fmt:kev:mtx:book"), ("rft.genre", "book"),
                  ("rft.btitle", title)]
    else:
        pairs += [("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal")]
        if found == "article":
            pairs += [("rft.genre", "article"), ("rft.atitle", title)]
            if journal:
                pairs.append(("rft.jtitle", journal))
        else:
            pairs += [("rft.genre", "journal"), ("rft.jtitle", title)]
        if number:
            pairs.append(("rft.issue", number))
        pages = article_pages(record)
        if pages:
            pairs += [("rft.spage", pages[0]), ("rft.epage", pages[1])]
    pairs += [("rft.au", a.display()) for a in _creators(record)]
    when = year(record)
    if when:
        pairs.append(("rft.date", when))
    pairs += [("rft.isbn", isbn) for isbn in _isbns(record)]
    if _issn(record):
        pairs.append(("rft.issn", _issn(record)))
    publisher = _publisher(record)
    if publisher:
        pairs.append(("rft.pub", publisher))
    main = record.main_publication()
    if main and main.places:
        pairs.append(("rft.place", main.places[0]))
    return urlencode(pairs)
