"""A list's attachment, as the subscriber's mail client receives it, reads back into
exactly the records the digest lists: UNIMARC ISO 2709 through our reader and pymarc,
RIS through its tags."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from pymarc import MARCReader

from catalogue.dsi import profiles
from catalogue.formats.unimarc import reader
from tests.dsi_support import MONDAY, days, ingest, person, received, record, run, setup

TITLES = ["Prévention de la délinquance à Saint-Étienne", "Délinquance et « médiation »",
          "Délinquance : œuvres et pratiques", "Délinquance des mineurs"]


def _scene(config_path: Path, smtp_sink: Any, attachment: str) -> tuple[Any, Any]:
    settings, engine = setup(config_path, smtp_sink)
    start = MONDAY - days(7)
    who = person(engine, "lecteur@example.org", start, "Lecteur")
    listed = profiles.save_list(engine, start, slug="prevention", name="Prévention – nouveautés",
                                equation_params=["q=délinquance"], cap=3,
                                attachment=attachment)
    profiles.subscribe(engine, start, who.id, listed.id)
    ingest(engine, [record(t, subjects=["Délinquance"], abstract="Étude de terrain.")
                    for t in TITLES] + [record("Urbanisme", subjects=["Logement"])],
           MONDAY - days(3))
    report = run(engine, settings, MONDAY)
    assert report.sent == 1
    [msg] = smtp_sink.messages_to("lecteur@example.org")
    return msg, received([msg])


def _attachment(msg: Any) -> tuple[str, str, bytes]:
    [part] = list(msg.iter_attachments())
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True)


def _listed_ids(counts: Any) -> list[str]:
    """The source ids of the records the digest lists (from their record URLs)."""
    return sorted(url.rsplit("/", 1)[1] for _, url in counts)


def test_unimarc_attachment_reads_back_into_the_digest_records(config_path: Path,
                                                               smtp_sink: Any) -> None:
    msg, counts = _scene(config_path, smtp_sink, "unimarc")
    name, mime, data = _attachment(msg)
    assert name.endswith(".mrc") and mime == "application/marc"
    listed = _listed_ids(counts)
    assert len(listed) == 3  # the cap: the attachment carries what the mail lists
    ours = [p for p in reader.read(io.BytesIO(data), "crpv")]
    assert [p.error for p in ours] == ["", "", ""]
    assert sorted(p.source_id for p in ours) == listed
    text = msg.get_body(("plain",)).get_content()
    for parsed in ours:
        assert parsed.record is not None and parsed.record.title.main in TITLES
        assert parsed.record.title.main in text and parsed.charset == "utf-8"
    marc = list(MARCReader(data, to_unicode=True, force_utf8=True))
    assert sorted(r["001"].data for r in marc) == listed
    assert sorted(r["200"]["a"] for r in marc) == sorted(
        p.record.title.main for p in ours if p.record is not None)


def test_ris_attachment_reads_back_into_the_digest_records(config_path: Path,
                                                           smtp_sink: Any) -> None:
    msg, counts = _scene(config_path, smtp_sink, "ris")
    name, mime, data = _attachment(msg)
    assert name.endswith(".ris") and mime == "application/x-research-info-systems"
    text = data.decode("utf-8")
    entries = re.split(r"^ER  - *\r?$", text, flags=re.M)
    entries = [e for e in entries if e.strip()]
    assert len(entries) == len(_listed_ids(counts)) == 3
    titles = sorted(re.search(r"^TI  - (.+?)\r?$", e, re.M).group(1)  # type: ignore[union-attr]
                    for e in entries)
    body = msg.get_body(("plain",)).get_content()
    assert all(t in TITLES and t in body for t in titles)
    assert all(re.search(r"^TY  - \w+", e, re.M) for e in entries)
