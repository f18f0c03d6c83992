"""The OAI-PMH provider's cache of what it disseminates (same metadata as ``tables``).

Writing a record in a metadata format (decoding its JSON, mapping, serialising) is most
of what a ListRecords page costs, and a record is written the same way every time until
its content or the writer's code changes. ``oai_disseminations`` keeps, per record and
metadataPrefix, the serialised metadata element with what it was written from: the
record's ``content_hash`` and the writer's ``key`` (a digest of the mapping code and the
format's options). A row is served only while both still match, so a re-import that
changes a record, or a new version of a mapping, makes the provider write it again;
nothing ever needs to be invalidated by hand. ``oai_record_sets`` does the same for the
curated selections (``selection:<slug>`` setSpecs) a record belongs to, under a ``rules``
digest of the configured selections.

Rows are filled lazily by the provider as it serves records; both tables can be emptied
at any time (the next harvest is then as slow as the first).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, Table, Text

from catalogue.store.tables import metadata

oai_disseminations = Table(
    "oai_disseminations",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"),
           primary_key=True),
    Column("prefix", String(60), primary_key=True),
    Column("writer_key", String(32), nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("xml", LargeBinary, nullable=False),
)

oai_record_sets = Table(
    "oai_record_sets",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"),
           primary_key=True),
    Column("rules", String(32), nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("slugs", Text, nullable=False),  # space-separated selection slugs, maybe none
)
