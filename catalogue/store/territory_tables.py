"""Which territories a record is about (same metadata as ``tables``).

One row per record and territory it concerns: those its geographic subjects (UNIMARC
607) name and every wider one they lie in (:func:`catalogue.territories.placed`), keyed
``com-69266``, ``epci-200046977``, ``dep-69``, ``reg-84`` (see
:mod:`catalogue.store.territory_sets`). Written by the ingest path with the record, in
the same transaction, so that the OAI provider's ``territoire:<key>`` set is an indexed
lookup per row of its (datestamp, id) keyset walk instead of decoding JSON per page.
Rows stay with a tombstone: a deleted record is announced in the sets it was in.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from catalogue.store.tables import metadata

record_territories = Table(
    "record_territories",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"),
           primary_key=True, autoincrement=False),
    Column("territory", String(20), primary_key=True),
    Index("ix_record_territories_territory", "territory", "record_id"),
)
