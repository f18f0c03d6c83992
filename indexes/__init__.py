"""The search index: French full-text search over the catalogue, derived from the store.

The boundary is engine-neutral: callers build a :class:`SearchRequest`, get a
:class:`SearchResult` of plain values, and write with :func:`rebuild`, :func:`update` or
:class:`IndexWriter` given :class:`catalogue.records.Record` objects (and the
availability the lending rules computed for them). Two engines sit behind it
(:mod:`indexes.engine`): Whoosh (whoosh-reloaded, pure Python, the default) and tantivy
(for large union catalogues); no engine object crosses this line. This package imports
only ``catalogue.records`` of ours (see ARCHITECTURE.md).
"""

from indexes.directory import IndexLocked, IndexMissing
from indexes.documents import Availability, Places, document
from indexes.engine import DEFAULT as DEFAULT_ENGINE
from indexes.engine import ENGINES, UnknownEngine
from indexes.meaning import Inexact
from indexes.model import Facet, FacetValue, Hit, SearchRequest, SearchResult
from indexes.schema import FACETS, SORTS
from indexes.searcher import QueryError, Searcher
from indexes.writer import IndexWriter, WriteReport, rebuild, update

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "FACETS",
    "SORTS",
    "Availability",
    "Facet",
    "FacetValue",
    "Hit",
    "IndexLocked",
    "IndexMissing",
    "IndexWriter",
    "Inexact",
    "Places",
    "QueryError",
    "SearchRequest",
    "SearchResult",
    "Searcher",
    "UnknownEngine",
    "WriteReport",
    "document",
    "rebuild",
    "update",
]
