"""The Whoosh schema of the fields named in :mod:`indexes.schema`."""

from __future__ import annotations

from whoosh import columns, fields  # type: ignore[import-untyped]

from indexes.schema import FACETS, FULLTEXT_FIELDS
from indexes.whoosh.analyzers import FoldingAnalyzer, FrenchAnalyzer, ValuesAnalyzer


def build() -> fields.Schema:
    """A fresh schema object (Whoosh pickles it into the index's table of contents).

    Every keyword field is ``scorable`` although only ``all`` is scored: Whoosh looks up
    each posting's field length when it writes a segment, and for a field without a
    length column it re-checks the file system every time (a ``stat`` per posting, a
    quarter of the build time). A length column costs one byte per document.
    """
    french, folding, values = FrenchAnalyzer(), FoldingAnalyzer(), ValuesAnalyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        all=fields.TEXT(analyzer=french, phrase=False),
        title=fields.TEXT(analyzer=french, phrase=True),
        authors=fields.TEXT(analyzer=folding, phrase=True, stored=True),
        subjects=fields.TEXT(analyzer=french, phrase=True),
        collection=fields.TEXT(analyzer=french, phrase=False),
        publisher=fields.TEXT(analyzer=french, phrase=False),
        words=fields.KEYWORD(analyzer=folding, scorable=True),
        ids=fields.KEYWORD(analyzer=values, scorable=True),
        pairs=fields.KEYWORD(analyzer=values, scorable=True),
        title_key=fields.KEYWORD(analyzer=values, scorable=True),
        display_title=fields.STORED(),
        snippet=fields.STORED(),
        s_title=fields.COLUMN(columns.VarBytesColumn()),
        s_author=fields.COLUMN(columns.VarBytesColumn()),
        s_new=fields.COLUMN(columns.VarBytesColumn()),
    )
    for field in FACETS.values():
        schema.add(field, fields.KEYWORD(analyzer=values, scorable=True))
    for field in FULLTEXT_FIELDS.values():  # documents' text: matched and scored, not stored
        schema.add(field, fields.TEXT(analyzer=french, phrase=False))
    return schema
