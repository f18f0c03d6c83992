"""Writing one Whoosh segment with less Python per posting: lengths kept, postings grouped.

Whoosh's segment writer sends every posting through a general-purpose pool (a size
estimate and a 5-tuple per posting), sorts all of them at flush, and hands them one at
a time to the codec, which type-checks and appends each to its current block; and for
every posting it asks the length of its field in its document. Here:

* :func:`remember_lengths` keeps the field lengths in memory as they are added, one
  byte per document and field as Whoosh stores them, so the flush does not read back
  the column files it has just written;
* :class:`GroupedSegmentWriter` appends each field's postings to a list of its own,
  sorts each list once at flush by term (a stable sort: documents stay in order),
  and writes each term's postings a whole block at a time in Whoosh 3's format: the
  same pickled and compressed blocks, block statistics and term infos as
  ``W3PostingsWriter``. Terms stay text until then (text sorts in the order of its
  UTF-8 bytes, and faster), and are encoded once per term instead of once per posting.
  Grouping the postings per term in a dictionary as they are added measured no
  faster: a lookup in a dictionary of a hundred thousand terms for every posting
  costs about what the sort takes.

Both lean on Whoosh internals (``perdocwriter``, ``W3FieldWriter``'s files, the Whoosh
3 block layout); ``tests/test_index_writer.py`` reads indexes written both ways and
compares every field's lexicon, term statistics and postings.
"""

from __future__ import annotations

import zlib
from array import array
from itertools import groupby
from operator import itemgetter, sub
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import (  # type: ignore[import-untyped]
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3TermInfo,
)
from whoosh.fields import FieldType  # type: ignore[import-untyped]
from whoosh.system import pack_int, pack_ushort  # type: ignore[import-untyped]
from whoosh.util.numeric import byte_to_length, length_to_byte  # type: ignore[import-untyped]
from whoosh.writing import SegmentWriter  # type: ignore[import-untyped]

#: Length byte -> length, as Whoosh decodes it (0: no length).
DECODED: list[int | None] = [None] + [byte_to_length(b) for b in range(1, 256)]

#: One posting as kept until the flush: (term, document number, weight, encoded value).
#: The term is text, or bytes for a field that indexes its own way.
Posting = tuple[str | bytes, int, float, bytes | None]
#: Memory of one kept posting, about (its tuple, term, weight and value, a list slot).
POSTING_BYTES = 200


def remember_lengths(writer: Any) -> None:
    """Give ``writer``'s segment flush the documents' field lengths from memory.

    When Whoosh writes a segment's postings it asks, for every posting, the length of
    its field in its document, and reads it back through the column files it has just
    written: five Python calls and a file read per posting, a sixth of a build. The
    lengths are known when each document is added, so they are kept here, one byte per
    document and field as Whoosh stores them, and served from a list. A writer of
    another shape is left as it is.
    """
    perdoc = getattr(writer, "perdocwriter", None)
    if perdoc is None or not hasattr(perdoc, "add_field") or not hasattr(writer,
                                                                        "per_document_reader"):
        return
    lengths: dict[str, bytearray] = {}
    add_field = perdoc.add_field

    def add_field_remembered(fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
        add_field(fieldname, fieldobj, value, length)
        if length:
            column = lengths.setdefault(fieldname, bytearray())
            docnum = perdoc._docnum
            if len(column) <= docnum:
                column.extend(bytes(docnum + 1 - len(column)))
            column[docnum] = length_to_byte(length)

    perdoc.add_field = add_field_remembered
    writer.per_document_reader = lambda: Lengths(lengths)


class Lengths:
    """What a segment flush asks of a per-document reader: field lengths, then close."""

    def __init__(self, lengths: dict[str, bytearray]) -> None:
        self.lengths = lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        column = self.lengths.get(fieldname)
        if column is None:
            return default
        return DECODED[column[docnum]] if docnum < len(column) else None

    def close(self) -> None:
        """Nothing to release."""


class GroupedSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A Whoosh ``SegmentWriter`` that keeps postings per field and flushes them in blocks.

    For schemas without separate spelling fields or term vectors (ours), with the
    default Whoosh 3 codec; anything else is refused at construction. Beyond
    ``limitmb`` of postings, it hands them to Whoosh's pool, which spills sorted runs
    to disk, and goes on as a plain ``SegmentWriter`` (a large write without segments).
    """

    def __init__(self, ix: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if not _internals_as_expected(self):
            self.cancel()
            raise ValueError(f"grouped postings need Whoosh 3's codec and writer internals "
                             f"(codec {getattr(self, 'codec', None)!r})")
        if any(f.separate_spelling() or f.vector for _, f in self.schema.items()):
            self.cancel()
            raise ValueError("grouped postings do not handle spelling fields or vectors")
        self.budget = limitmb * 1024 * 1024 // POSTING_BYTES
        #: field -> its postings in document order (None: they went to Whoosh's pool)
        self.buffered: dict[str, list[Posting]] | None = {}
        self.count = 0

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document``, each field's postings appended to its own list."""
        if self.buffered is not None and self.count > self.budget:
            self._spill()
        if self.buffered is None:
            super().add_document(**fields)
            return
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        buffered = self.buffered
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        added = 0
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    postings = buffered.get(fieldname)
                    if postings is None:
                        postings = buffered[fieldname] = []
                    added -= len(postings)
                    append = postings.append
                    if field.scorable:
                        for term, freq, weight, vbytes in _terms(field, value):
                            length += freq
                            append((term, docnum, weight * fieldboost, vbytes))
                    else:
                        for term, _, weight, vbytes in _terms(field, value):
                            append((term, docnum, weight * fieldboost, vbytes))
                    added += len(postings)
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                       length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            for postings in buffered.values():  # Whoosh would keep them, under a reused number
                while postings and postings[-1][1] == docnum:
                    postings.pop()
            raise
        perdocwriter.finish_doc()
        self.count += added
        self._added = True
        self.docnum += 1

    def _spill(self) -> None:
        assert self.buffered is not None
        add = self.pool.add
        for fieldname, postings in self.buffered.items():
            for term, docnum, weight, vbytes in postings:
                add((fieldname, _encoded(term), docnum, weight, vbytes))
        self.buffered = None

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        """Postings of a merged segment (their documents follow every document added)."""
        if self.buffered is None:
            super().add_postings_to_pool(reader, startdoc, docmap)
            return
        buffered = self.buffered
        for fieldname, tbytes, docnum, weight, vbytes in self._process_posts(
                reader.iter_postings(), startdoc, docmap):
            term = tbytes if _own_index(self.schema[fieldname]) else tbytes.decode("utf-8")
            buffered.setdefault(fieldname, []).append((term, docnum, weight, vbytes))

    def _flush_segment(self) -> None:
        if self.buffered is None:
            super()._flush_segment()
            return
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            self._write_postings(pdr)
            self.fieldwriter.close()
        finally:
            if pdr is not None:
                pdr.close()

    def _write_postings(self, pdr: Any) -> None:
        assert self.buffered is not None
        fieldwriter = self.fieldwriter
        codec = self.codec
        for fieldname in sorted(self.buffered):
            postings = self.buffered[fieldname]
            if not postings:  # as in Whoosh: a field without postings gets no field number
                continue
            # A stable sort: within a term, the postings stay in document order. Text
            # sorts as its UTF-8 bytes do (code point order), and faster.
            postings.sort(key=_TERM)
            fieldobj = self.schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            blocks = _Blocks(fieldwriter._postfile, codec._blocklimit, codec._compression,
                             fieldobj.format.fixed_value_size(),
                             _BlockLengths(pdr, fieldname, self.docnum))
            prefix = pack_ushort(fieldwriter._fieldid)
            add = fieldwriter._tindex.add
            if _own_index(fieldobj):
                for term, group in groupby(postings, _TERM):
                    add(prefix + term, blocks.write(list(group)))
            else:
                for term, group in groupby(postings, _TERM):
                    add(prefix + term.encode(), blocks.write(list(group)))
            fieldwriter.finish_field()
            self.buffered[fieldname] = []
        self.buffered = {}


_TERM = itemgetter(0)
#: What the grouped writer uses of Whoosh's writer, codec and field writer.
_WRITER_NEEDS = ("pool", "perdocwriter", "fieldwriter", "codec", "schema", "docnum",
                 "_check_state", "_doc_boost", "_check_fields", "_field_boost",
                 "_process_posts", "per_document_reader", "_added")
_CODEC_NEEDS = ("_inlinelimit", "_blocklimit", "_compression", "length_stats")
_FIELDWRITER_NEEDS = ("_postfile", "_fieldid", "_tindex", "start_field", "finish_field")


def _internals_as_expected(writer: Any) -> bool:
    """Whether ``writer`` has the Whoosh 3 internals :class:`GroupedSegmentWriter` writes
    through; if not, the caller uses Whoosh's own ``SegmentWriter`` (never an error)."""
    if not all(hasattr(writer, name) for name in _WRITER_NEEDS):
        return False
    codec, fieldwriter = writer.codec, writer.fieldwriter
    return (isinstance(fieldwriter, W3FieldWriter)
            and all(hasattr(codec, name) for name in _CODEC_NEEDS)
            and all(hasattr(fieldwriter, name) for name in _FIELDWRITER_NEEDS)
            and codec._inlinelimit <= 1)


def _own_index(field: Any) -> bool:
    """Whether ``field`` indexes its own way (its terms come as bytes, not as text)."""
    return type(field).index is not FieldType.index


def _encoded(term: str | bytes) -> bytes:
    return term.encode() if isinstance(term, str) else term


def _terms(field: Any, value: Any) -> Any:
    """(term, frequency, weight, encoded value) of each term of ``value``.

    Whoosh's ``FieldType.index`` with the terms left as text (encoded once per term at
    flush instead of once per posting), without its generator around the format's.
    """
    if _own_index(field):
        return field.index(value)
    if not field.format:
        raise ValueError(f"{type(field).__name__} field {field!r} cannot index without a format")
    if not isinstance(value, str | list | tuple):
        raise ValueError(f"{value!r} is not unicode or sequence")
    return field.format.word_values(value, field.analyzer, mode="index")


class _Blocks:
    """Writes a term's postings as Whoosh 3's ``W3PostingsWriter`` does, byte for byte.

    The blocks hold ``limit`` postings (the last one fewer); each is a pickled and
    compressed (delta-encoded ids, weights, values) tuple after a pickled header of
    block statistics. Returns the term's ``W3TermInfo`` bytes for the term index.
    """

    def __init__(self, postfile: Any, limit: int, compression: int, fixed_size: int | None,
                 lengths: _BlockLengths) -> None:
        self.postfile = postfile
        self.offset = postfile.tell()  # only this object writes there until it is done
        self.limit = limit
        self.compression = compression
        self.fixed_size = fixed_size
        self.lengths = lengths

    def write(self, postings: list[Posting]) -> bytes:
        """Write one term's postings; its term info."""
        out = [WHOOSH3_HEADER_MAGIC]
        total = 0.0
        minlength: int | None = None
        maxlength = maxweight = 0
        count = len(postings)
        limit = self.limit
        compression = self.compression
        for start in range(0, count, limit):
            _, ids, weights, values = zip(*postings[start:start + limit], strict=True)
            stored = array("f", weights)
            total += sum(stored)
            heaviest = max(weights)
            if heaviest <= 0:
                heaviest = 0
            shortest, longest = self.lengths.extremes(ids)
            if minlength is None or (shortest is not None and shortest < minlength):
                minlength = shortest
            maxlength = max(maxlength, longest)
            maxweight = max(maxweight, heaviest)
            size = len(ids)
            if stored.count(1.0) == size:
                mini_weights: Any = None
            elif stored.count(stored[0]) == size:
                mini_weights = stored[0]
            else:
                mini_weights = tuple(stored)
            data = dumps(((ids[0], *map(sub, ids[1:], ids)), mini_weights,
                          self._values(values)), 2)
            if compression:
                data = zlib.compress(data, compression)
            info = dumps((size, ids[-1], heaviest, compression, length_to_byte(shortest),
                          length_to_byte(longest)), 2)
            blocklength = len(info) + len(data)
            out += (pack_int(-blocklength if start + limit >= count else blocklength), info, data)
        written = b"".join(out)
        self.postfile.write(written)
        terminfo = W3TermInfo(total, count, minlength, maxlength, maxweight, postings[0][1],
                              postings[-1][1])
        terminfo.set_extent(self.offset, len(written))
        self.offset += len(written)
        return bytes(terminfo.to_bytes())

    def _values(self, values: tuple[bytes | None, ...]) -> Any:
        present = [v for v in values if v]
        if self.fixed_size is None or self.fixed_size < 0:
            return tuple(present)
        if self.fixed_size == 0:
            return None
        return b"".join(present)


class _BlockLengths:
    """Shortest and longest field length of a block's documents, as Whoosh counts them."""

    def __init__(self, pdr: Any, fieldname: str, doc_count: int) -> None:
        self.fieldname = fieldname
        self.pdr = pdr
        self.column: bytes | None = None
        if isinstance(pdr, Lengths):
            column = pdr.lengths.get(fieldname)
            self.column = b"" if column is None else bytes(column).ljust(doc_count, b"\0")

    def extremes(self, ids: tuple[int, ...]) -> tuple[int | None, int]:
        """(shortest or None, longest or 0) over the documents with a length."""
        if self.column is not None:
            if not self.column:
                return None, 0
            known = bytes(map(self.column.__getitem__, ids)).replace(b"\0", b"")
            return (DECODED[min(known)], DECODED[max(known)] or 0) if known else (None, 0)
        if self.pdr is None:
            return None, 0
        found = [n for n in (self.pdr.doc_field_length(d, self.fieldname) for d in ids) if n]
        return (min(found), max(found)) if found else (None, 0)
