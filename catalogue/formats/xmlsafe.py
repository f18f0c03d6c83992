"""Hardened lxml parsing shared by every XML reader.

Files and OAI responses come from outside: no entity resolution (billion laughs, XXE),
no DTD loading, no network, and no ``huge_tree`` so a runaway document is refused by
libxml2's own limits instead of exhausting memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

# How much of a stream the pull parser is fed at a time.
CHUNK = 1 << 16


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

    A pull parser is fed the stream a chunk at a time and its events are drained even
    when a chunk raises: every element libxml2 completed before a malformed spot is
    yielded, then the :class:`etree.XMLSyntaxError` is raised. ``etree.iterparse``
    raised before handing over the elements of the chunk that held the break, so how
    many good records a break lost depended on lxml's read size (lxml 6.2 lost a small
    file whole).

    Raises:
        etree.XMLSyntaxError: after the last complete element, when the document stops
            being well-formed.
    """
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        encoding=encoding,
    )
    depth = 0
    error: etree.XMLSyntaxError | None = None
    done = False
    last_line = 0
    etree.clear_error_log()
    while not done:
        data = stream.read(CHUNK)
        done = not data
        try:
            if done:
                parser.close()
            else:
                parser.feed(data)
        except etree.XMLSyntaxError as exc:
            error = first_fatal(exc, last_line)
            if done:
                # At the end of input libxml2 2.14 closes the elements a truncated file
                # left open, so these "end" events would hand over half records.
                for _ in parser.read_events():
                    pass
                break
            done = True
        events: Iterator[tuple[str, Any]] = parser.read_events()  # stubs: element or tuple
        for event, element in events:
            tag = element.tag
            if not isinstance(tag, str):
                continue
            name = split_tag(tag)[1]
            if name not in local_names:
                continue
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth:
                continue
            last_line = element.sourceline or last_line
            yield element
            element.clear(keep_tail=True)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    if error is not None:
        raise error


def first_fatal(exc: etree.XMLSyntaxError, since_line: int) -> etree.XMLSyntaxError:
    """The error that stopped the parse, as libxml2 first reported it.

    In push mode libxml2 goes on after some fatal errors (an undefined entity) and the
    exception lxml raises carries the last one ("Start tag expected" at line 1); the
    first fatal entry of the log at or after the last complete element is the cause.
    """
    log: Any = exc.error_log  # lxml-stubs: an _ErrorLog is iterable
    error_class: Any = etree.XMLSyntaxError  # lxml-stubs omit (message, code, line, column)
    for entry in log:
        if entry.level_name == "FATAL" and entry.line >= since_line:
            first: etree.XMLSyntaxError = error_class(entry.message, entry.type, entry.line,
                                                      entry.column)
            return first
    return exc


def split_tag(tag: str) -> tuple[str | None, str]:
    """The namespace (None without one) and local name of an lxml tag; never raises.

    An element whose prefix was never declared keeps "prefix:name" as its tag (libxml2
    only warns), and ``etree.QName`` raises ValueError on it: a file with one such
    element stopped an import with a traceback.
    """
    if tag[:1] == "{":
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag.rpartition(":")[2]


def localname(element: etree._Element) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    tag = element.tag
    return split_tag(tag)[1] if isinstance(tag, str) else ""


def namespace(element: etree._Element) -> str | None:
    """The element's namespace URI (None without one, or for a comment)."""
    tag = element.tag
    return split_tag(tag)[0] if isinstance(tag, str) else None
