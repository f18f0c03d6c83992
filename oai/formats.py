"""The metadata formats the provider disseminates, each a prefix, a schema and a writer.

* ``oai_dc``: simple Dublin Core, the mapping documented in
  :mod:`catalogue.formats.dublincore` (every Record field, element by element).
* ``marcxml``: the record converted to MARC21, in MARC21 slim XML (Koha's and VuFind's
  format, valid against MARC21slim.xsd).
* ``unimarc``: the record in UNIMARC as imported (:func:`catalogue.formats.unimarc.to_fields`
  gives back every field the import read, unmapped ones included) in the MARC21 slim
  structure, as BnF, SUDOC and Koha's UNIMARC instances serve it.
* ``pmb_xml_unimarc``: PMB's own ``<notice>`` XML, the prefix, namespace and schema
  location PMB's OAI server uses, so a PMB OAI connector imports it as it would from
  another PMB.

MARC slim output must satisfy MARC21slim.xsd, which is stricter than what circulates
(PMB and Kentika leaders with '#', upper-case or three-character indicators): values the
schema rejects are made conformant (see :func:`slim_safe`) rather than sent invalid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from catalogue.formats import dublincore, marc21, marcxml, pmbxml, unimarc
from catalogue.records import MarcField, Record

SLIM = marcxml.SLIM
SLIM_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
PMB = "http://www.pmbservices.fr"
PMB_SCHEMA = "http://www.pmbservices.fr/notice.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True, slots=True)
class MetadataFormat:
    """One metadataPrefix: what ListMetadataFormats shows and how a record is written."""

    prefix: str
    namespace: str
    schema: str
    write: Callable[[Record], etree._Element]


_LEADER_CHAR = re.compile(r"[^\dA-Za-z ]")
_CONTROL_TAG = re.compile(r"00[1-9A-Za-z]\Z")
_DATA_TAG = re.compile(r"(0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2})\Z")
_INDICATOR = re.compile(r"[\da-z ]\Z")
_CODE = re.compile(r"[\dA-Za-z!\"#$%&'()*+,\-./:;<=>?{}_^`~\[\]\\]\Z")


def slim_leader(leader: str) -> str:
    """A leader MARC21slim.xsd accepts, keeping every position that carries meaning.

    Lengths and the base address (0-4, 12-16) are zeroed (XML has no directory), 10-11
    are the '2' of MARC, 20-23 the directory map: MARC21's '4500' or, for UNIMARC whose
    map is '450 ' (position 23 undefined), blanks, which the schema also allows.
    """
    text = _LEADER_CHAR.sub(" ", leader.ljust(24)[:24])
    entry_map = "4500" if text[20:24] == "4500" else "    "
    kind = text[6] if text[6] != " " else "a"
    return f"00000{text[5]}{kind}{text[7:10]}22     {text[17:20]}{entry_map}"


def slim_safe(fields: Iterable[MarcField]) -> list[MarcField]:
    """``fields`` without what MARC21slim.xsd rejects.

    Indicators become lower-case, or blank if still invalid ('#' means blank in
    UNIMARC); fields whose tag the schema cannot hold, and subfields with an invalid
    code, are left out.
    """
    out: list[MarcField] = []
    for f in fields:
        if f.data is not None:
            if _CONTROL_TAG.match(f.tag):
                out.append(f)
            continue
        if not _DATA_TAG.match(f.tag):
            continue
        ind = "".join(c if _INDICATOR.match(c) else " " for c in f.indicators.lower().ljust(2)[:2])
        subfields = tuple((c, v) for c, v in f.subfields if _CODE.match(c))
        if subfields:
            out.append(MarcField(tag=f.tag, indicators=ind, subfields=subfields))
    return out


def _marc21(record: Record) -> etree._Element:
    leader, fields = marc21.to_fields(record)
    return marcxml.to_element(slim_leader(str(leader)), slim_safe(fields), "marc")


def _unimarc(record: Record) -> etree._Element:
    leader, fields = unimarc.to_fields(record)
    return marcxml.to_element(slim_leader(leader), slim_safe(fields), "marc")


def _pmb(record: Record) -> etree._Element:
    plain = pmbxml.to_element(record)
    nsmap: Any = {None: PMB, "xsi": XSI}
    notice = etree.Element(f"{{{PMB}}}notice", nsmap=nsmap)
    notice.set(f"{{{XSI}}}schemaLocation", f"{PMB} {PMB_SCHEMA}")
    for element in plain.iter():
        element.tag = f"{{{PMB}}}{element.tag}"
    notice.extend(list(plain))
    return notice


FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in (
        MetadataFormat("oai_dc", dublincore.OAI_DC, "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                       dublincore.to_element),
        MetadataFormat("marcxml", SLIM, SLIM_SCHEMA, _marc21),
        MetadataFormat("unimarc", SLIM, SLIM_SCHEMA, _unimarc),
        MetadataFormat("pmb_xml_unimarc", PMB, PMB_SCHEMA, _pmb),
    )
}
"""Every format offered, in the order ListMetadataFormats lists them."""
