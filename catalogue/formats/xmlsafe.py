"""Hardened lxml parsing shared by every XML reader.

Files and OAI responses come from outside: no entity resolution (billion laughs, XXE),
no DTD loading, no network, and no ``huge_tree`` so a runaway document is refused by
libxml2's own limits instead of exhausting memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from lxml import etree


def parser(encoding: str | None = None) -> etree.XMLParser:
    """A parser that never resolves entities, loads DTDs or reaches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        encoding=encoding,
    )


def fromstring(data: bytes, encoding: str | None = None) -> etree._Element:
    """Parse a whole document from bytes with :func:`parser`."""
    return etree.fromstring(data, parser(encoding))


def iterelements(
    stream: IO[bytes], local_names: set[str], encoding: str | None = None
) -> Iterator[etree._Element]:
    """Stream the elements whose local name is in ``local_names``, in document order.

    Each element is yielded when complete, then cleared with its preceding siblings, so
    memory stays flat on a 100,000-record file. Nested matches are not yielded twice:
    only the outermost match counts.
    """
    events = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        encoding=encoding,
    )
    depth = 0
    for event, element in events:
        tag = element.tag
        if not isinstance(tag, str):
            continue
        name = etree.QName(tag).localname
        if name not in local_names:
            continue
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth:
            continue
        yield element
        element.clear(keep_tail=True)
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]


def localname(element: etree._Element) -> str:
    """The tag without its namespace."""
    return etree.QName(element).localname
