"""The search index: French full-text search over the catalogue, derived from the store.

The boundary is engine-neutral: callers build a :class:`SearchRequest`, get a
:class:`SearchResult` of plain values, and write with :func:`rebuild`, :func:`update` or
:class:`IndexWriter` given :class:`catalogue.records.Record` objects. Whoosh
(whoosh-reloaded) is the engine behind it and no Whoosh object crosses this line, so
another engine could replace it. This package imports only ``catalogue.records`` of
ours (see ARCHITECTURE.md).
"""

from indexes.directory import IndexLocked, IndexMissing
from indexes.documents import AVAILABILITY_LABELS, LiveStatus, availability, document
from indexes.model import Facet, FacetValue, Hit, SearchRequest, SearchResult
from indexes.schema import FACETS, SORTS
from indexes.searcher import QueryError, Searcher
from indexes.writer import IndexWriter, WriteReport, rebuild, update

__all__ = [
    "AVAILABILITY_LABELS",
    "FACETS",
    "SORTS",
    "Facet",
    "FacetValue",
    "Hit",
    "IndexLocked",
    "IndexMissing",
    "IndexWriter",
    "LiveStatus",
    "QueryError",
    "SearchRequest",
    "SearchResult",
    "Searcher",
    "WriteReport",
    "availability",
    "document",
    "rebuild",
    "update",
]
