"""Hardened lxml parsing shared by every XML reader.

Files and OAI responses come from outside: no entity resolution (billion laughs, XXE),
no DTD loading, no network, and no ``huge_tree`` so a runaway document is refused by
libxml2's own limits instead of exhausting memory.
"""

from __future__ import annotations

import re
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
    for item in _elements(stream, local_names, encoding, None):
        if isinstance(item, etree.XMLSyntaxError):
            raise item
        yield item


def iterrecords(
    stream: IO[bytes], local_names: set[str], record: str, encoding: str | None = None
) -> Iterator[etree._Element | etree.XMLSyntaxError]:
    """:func:`iterelements`, but a malformed spot loses only the ``record`` it is in.

    The break is yielded (its line is the file's), then reading resumes at the next
    ``<record`` start tag after it with a fresh parser, fed the document's head (up to
    its root start tag, so namespaces still resolve) and the rest of the file; line
    numbers stay the file's. A break after which no record starts ends the stream.
    """
    return _elements(stream, local_names, encoding, record)


_ROOT_TAG = re.compile(rb"<(?![?!])[^>]*>")
#: How far into a file its root start tag is looked for (after a long DOCTYPE, a break
#: ends the stream as before).
_MAX_PROLOG = 1 << 16
#: The most bytes kept to resume after a break (beyond, the break ends the stream).
_MAX_REPLAY = 1 << 23


def _pull_parser(encoding: str | None) -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        encoding=encoding,
    )


def _shifted(error: etree.XMLSyntaxError, shift: int) -> etree.XMLSyntaxError:
    """``error`` with its line moved by ``shift`` (a resumed parser counts from its head)."""
    if not shift:
        return error
    error_class: Any = etree.XMLSyntaxError  # lxml-stubs omit (message, code, line, column)
    line = (error.lineno or 0) + shift
    code: Any = getattr(error, "code", 0)
    moved: etree.XMLSyntaxError = error_class(error.msg, code, line,
                                              error.position[1] if error.position else 0)
    return moved


def _elements(
    stream: IO[bytes], local_names: set[str], encoding: str | None, record: str | None
) -> Iterator[etree._Element | etree.XMLSyntaxError]:
    resume = (re.compile(rb"<(?:[\w.-]+:)?" + re.escape(record.encode()) + rb"[\s>/]")
              if record else None)
    prolog: bytes | None = None  # the file up to the end of its root start tag
    pending = b""  # what the next parser is fed first
    shift = 0  # file line = parser line + shift
    window = b""  # the last file bytes read (two chunks), where a break is looked for
    window_line = 1  # the file line window[0] is on
    window_col = 0  # how many bytes of that line come before window[0]
    window_offset = 0  # the file offset of window[0]
    resumed_at = -1  # the file offset reading last resumed at: the next must be later
    kept_line = 1  # the file line of the last element handed over
    head = b""  # the file's first bytes, until its root start tag is read
    finished = False
    while not finished:
        parser = _pull_parser(encoding)
        depth = 0
        error: etree.XMLSyntaxError | None = None
        done = False
        last_line = 0
        etree.clear_error_log()
        while not done:
            if pending:
                data, pending = pending, b""
            else:
                data = stream.read(CHUNK)
                if resume is not None and len(window) > 2 * CHUNK:
                    # Keep what a break may still be in: from the line of the last
                    # record handed over (libxml2 in push mode may report a break
                    # chunks later), at most _MAX_REPLAY bytes.
                    cut = _line_start(window, kept_line - window_line)
                    cut = max(cut, len(window) - _MAX_REPLAY)
                    window_line, window_col, window_offset, window = _trimmed(
                        window, cut, window_line, window_col, window_offset)
                window += data if resume is not None else b""
                if prolog is None and resume is not None:
                    head += data
                    found = _ROOT_TAG.search(head)
                    if found or len(head) > _MAX_PROLOG or not data:
                        prolog = head[:found.end()] if found else b""
                        head = b""
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
                if shift:
                    for node in element.iter():
                        if node.sourceline:
                            node.sourceline += shift
                last_line = (element.sourceline or shift + last_line) - shift
                kept_line = last_line + shift
                yield element
                element.clear(keep_tail=True)
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        if error is None:
            return
        error = _shifted(error, shift)
        if resume is None or not prolog:
            yield error
            return
        yield error
        line, column = error.lineno or 0, error.position[1] if error.position else 0
        if line < window_line:
            return  # the break is no longer in memory: stop there, as without resuming
        at = _error_index(window, line - window_line, window_col, column)
        while True:
            found_at = resume.search(window, min(at, len(window)))
            if found_at is not None and window_offset + found_at.start() <= resumed_at:
                at = found_at.start() + 1  # never twice at the same place: always forward
                continue
            if found_at is not None:
                break
            data = stream.read(CHUNK)
            if not data:
                return  # no record starts after the break
            cut = max(min(at, len(window)), len(window) - 64)  # never before the break
            window_line, window_col, window_offset, window = _trimmed(
                window, cut, window_line, window_col, window_offset)
            window, at = window + data, 0
        window_line, window_col, window_offset, window = _trimmed(
            window, found_at.start(), window_line, window_col, window_offset)
        resumed_at = window_offset
        pending = prolog + window
        # The resumed text starts mid-line when a record does: the parser's first line
        # holds the prolog's last line and that record, so lines stay the file's.
        shift = window_line - prolog.count(b"\n") - 1


def _trimmed(window: bytes, cut: int, line: int, col: int,
             offset: int) -> tuple[int, int, int, bytes]:
    """``window`` without its first ``cut`` bytes, with its line, column and offset."""
    dropped = window[:cut]
    newlines = dropped.count(b"\n")
    col = cut - (dropped.rfind(b"\n") + 1) if newlines else col + cut
    return line + newlines, col, offset + cut, window[cut:]


def _error_index(window: bytes, lines: int, col: int, column: int) -> int:
    """Where in ``window`` a break ``lines`` lines down, at character ``column``, is."""
    if lines < 0:
        return 0
    start = _line_start(window, lines)
    before = max(column - 1, 0) - (col if lines == 0 else 0)
    line_text = window[start:start + 4 * max(before, 0) + 4]
    # libxml2 counts characters: walk that many in the line's text, decoded leniently.
    chars = line_text.decode("utf-8", "surrogateescape")[:max(before, 0)]
    return start + len(chars.encode("utf-8", "surrogateescape"))


def _line_start(data: bytes, lines: int) -> int:
    """The index in ``data`` where the line ``lines`` newlines in starts (0 if before)."""
    if lines <= 0:
        return 0
    parts = data.split(b"\n", lines)  # in C: a chunk of short XML lines costs little
    return len(data) - len(parts[-1]) if len(parts) > lines else len(data)


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
