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

Every record carries the absolute URL of its page in our OPAC (its permalink, on the
announced base URL), which partners' harvesters take as the record's link back to us:

* ``oai_dc``: one more ``dc:identifier``, the last one (after ISBN/ISSN/DOI and other
  identifiers, the record's own links, public documents and attached documents): VuFind's
  oai_dc imports take every http(s) identifier as a URL, and the last place keeps the
  identifiers a partner reads first as they were;
* MARC21 slim, UNIMARC slim and PMB XML: one more 856 (ind1 '4', HTTP) with only $u, the
  last 856 (after the record's own links and, in MARC21, its documents), in tag order
  (Koha and PMB read 856 $u as the record's link).
  No $y/$z label: the surveys of PMB, Koha and VuFind recommend none (PMB's own 856 is
  $u and $q), and a French label would travel as data into partners' records.

A link the record already has to that same URL (catalogued by hand, or re-imported from
our own output) is not written twice: the permalink takes its place.

Each record's metadata is serialised on its own (:func:`dissemination`), so that the
store can keep it: :func:`writers_version` names the code that wrote it, and changes
with any change to that code; the dissemination key also names the permalinks' base URL,
so that kept metadata never serves another deployment's or an old base URL.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

import catalogue.formats
import catalogue.records
from catalogue.formats import dublincore, marc21, marcxml, pmbxml, unimarc
from catalogue.records import MarcField, Record, replace
from oai.repository import Dissemination

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
    #: The element, given the record and its permalink ('' for none).
    write: Callable[[Record, str], etree._Element]
    #: The same as bytes; by default ``write``'s element serialised by lxml.
    serialise: Callable[[Record, str], bytes] | None = None


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


def without_link(record: Record, url: str) -> Record:
    """``record`` without its links to ``url`` (the permalink is written once, in its place)."""
    if not url or not any(lk.url == url for lk in record.links):
        return record
    return replace(record, links=tuple(lk for lk in record.links if lk.url != url))


def with_856(fields: list[MarcField], url: str) -> list[MarcField]:
    """``fields`` with an 856 (HTTP, $u ``url``) after the last field of a tag up to 856:
    the last 856, in tag order (UNIMARC and MARC21 alike)."""
    if not url:
        return fields
    place = next((n for n, f in enumerate(fields) if f.tag > "856"), len(fields))
    return [*fields[:place], MarcField(tag="856", indicators="4 ", subfields=(("u", url),)),
            *fields[place:]]


def _marc21(record: Record, permalink: str = "") -> etree._Element:
    leader, fields = marc21.to_fields(without_link(record, permalink))
    return marcxml.to_element(slim_leader(str(leader)), with_856(slim_safe(fields), permalink),
                              "marc")


def _unimarc(record: Record, permalink: str = "") -> etree._Element:
    leader, fields = unimarc.to_fields(without_link(record, permalink))
    return marcxml.to_element(slim_leader(leader), with_856(slim_safe(fields), permalink),
                              "marc")


def _pmb(record: Record, permalink: str = "") -> etree._Element:
    leader, fields = unimarc.to_fields(without_link(record, permalink))
    plain = pmbxml.fields_to_element(leader, with_856(list(fields), permalink))
    nsmap: Any = {None: PMB, "xsi": XSI}
    notice = etree.Element(f"{{{PMB}}}notice", nsmap=nsmap)
    notice.set(f"{{{XSI}}}schemaLocation", f"{PMB} {PMB_SCHEMA}")
    for element in plain.iter():
        element.tag = f"{{{PMB}}}{element.tag}"
    notice.extend(list(plain))
    return notice


_DC_OPEN = (f'<oai_dc:dc xmlns:oai_dc="{dublincore.OAI_DC}" xmlns:dc="{dublincore.DC}" '
            f'xmlns:xsi="{XSI}" xsi:schemaLocation="{dublincore.SCHEMA_LOCATION}">')


_AFTER_IDENTIFIER = frozenset(dublincore.ELEMENTS[dublincore.ELEMENTS.index("identifier") + 1:])


def with_identifier(values: Iterable[tuple[str, str]], url: str) -> list[tuple[str, str]]:
    """``values`` (:func:`dublincore.dc_values`) with ``url`` as the last ``dc:identifier``,
    and as no other one."""
    out = [(name, text) for name, text in values if name != "identifier" or text != url]
    place = next((n for n, (name, _) in enumerate(out) if name in _AFTER_IDENTIFIER), len(out))
    out.insert(place, ("identifier", url))
    return out


def dc_bytes(record: Record, permalink: str = "") -> bytes:
    """``record`` as serialised ``oai_dc:dc``: the bytes lxml gives for :func:`dublincore.to_element`.

    Written as text, element by element: the provider writes one for every record of
    every oai_dc page it cannot serve from the store, and building the lxml tree only
    to serialise it cost a third of the time. The values are already XML-safe
    (:func:`dublincore.dc_values`); only markup characters need escaping. ``permalink``:
    the record's page, the last ``dc:identifier`` (see the module docstring).
    """
    parts = [_DC_OPEN]
    values: Iterable[tuple[str, str]] = dublincore.dc_values(record)
    if permalink:
        values = with_identifier(values, permalink)
    for name, text in values:
        text = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\r", "&#13;"))  # as lxml escapes text
        parts.append(f"<dc:{name}>{text}</dc:{name}>")
    parts.append("</oai_dc:dc>")
    return "".join(parts).encode("utf-8")


def _dc(record: Record, permalink: str = "") -> etree._Element:
    if not permalink:
        return dublincore.to_element(record)
    return etree.fromstring(dc_bytes(record, permalink))


FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in (
        MetadataFormat("oai_dc", dublincore.OAI_DC, "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                       _dc, dc_bytes),
        MetadataFormat("marcxml", SLIM, SLIM_SCHEMA, _marc21),
        MetadataFormat("unimarc", SLIM, SLIM_SCHEMA, _unimarc),
        MetadataFormat("pmb_xml_unimarc", PMB, PMB_SCHEMA, _pmb),
    )
}
"""Every format offered, in the order ListMetadataFormats lists them."""


def serialise(fmt: MetadataFormat, record: Record, permalink: str = "") -> bytes:
    """``record``'s metadata element in ``fmt`` as UTF-8 bytes, without XML declaration;
    with ``permalink``, the URL of its page in our OPAC."""
    if fmt.serialise is not None:
        return fmt.serialise(record, permalink)
    data: bytes = etree.tostring(fmt.write(record, permalink), encoding="UTF-8",
                                 xml_declaration=False)
    return data


def _sources() -> list[Path]:
    # Every module a writer can reach: the record model, all of catalogue.formats, this one.
    roots = [Path(p) for p in catalogue.formats.__path__]
    files = [f for root in roots for f in root.rglob("*") if f.is_file()
             and "__pycache__" not in f.parts]
    return sorted(files) + [Path(catalogue.records.__file__ or ""), Path(__file__)]


def _name(path: Path, root: Path) -> str:
    """``catalogue/records.py``: the module's path inside the installed tree."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:  # a package installed elsewhere: its own name and folder
        return "/".join(path.parts[-2:])


@cache
def writers_version() -> str:
    """A digest of the writers' code and of what else shapes their output.

    That is every module a writer can reach, lxml's version (serialisation) and the
    Unicode database's (NFC normalisation). Metadata kept in the store under another
    version is written again, so a mapping fix reaches harvesters without anyone having
    to remember to invalidate anything.
    """
    versions = f"lxml {etree.LXML_VERSION} unicode {unicodedata.unidata_version}"
    digest = hashlib.blake2b(versions.encode(), digest_size=16)
    root = Path(catalogue.__file__ or "").resolve().parent.parent
    for path in _sources():
        digest.update(f"\0{_name(path, root)}\0".encode())  # not where it is installed
        digest.update(path.read_bytes())
    return digest.hexdigest()


#: The record whose permalink stands for all in a dissemination key.
_SAMPLE = ("source", "id/1")


def dissemination(fmt: MetadataFormat, include_items: bool,
                  record_page: Callable[[str, str], str] | None = None) -> Dissemination:
    """How the repository writes ``fmt``: items removed unless ``include_items``, each
    record with its page's URL when ``record_page`` gives it (source, source id -> URL).

    The key names a sample record's page: another base URL (another deployment on the
    same store, a moved site) or another URL scheme gives another key, so metadata kept
    with the old URLs is written again rather than served.
    """
    def write(record: Record) -> bytes:
        if not include_items and record.items:
            record = replace(record, items=())
        page = record_page(record.source, record.source_id) if record_page else ""
        return serialise(fmt, record, page)

    pages = record_page(*_SAMPLE) if record_page else ""
    key = hashlib.blake2b(f"{writers_version()} items={include_items} pages={pages}".encode(),
                          digest_size=16).hexdigest()
    return Dissemination(fmt.prefix, key, write)
