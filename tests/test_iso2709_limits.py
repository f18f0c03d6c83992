"""ISO 2709 splitting under hostile sizes: an oversized record is reported with its real
size and offset and skipped while only its first bytes are held, whatever the read size;
the records after it keep their exact offsets and bytes; control bytes are removed from
the fields that carry them, with a note, never from the raw payload."""

from __future__ import annotations

import io

import pytest

from catalogue.formats import iso2709, unimarc
from catalogue.records import MarcField

UTF8 = MarcField(tag="100", subfields=(("a", "20240101u        u  u0frey5003    ba"),))


def _iso(sid: str, title: str) -> bytes:
    return unimarc.fields_to_iso2709("00000nam0 22     1 450 ", [
        MarcField(tag="001", data=sid), UTF8,
        MarcField(tag="200", indicators="1 ", subfields=(("a", title),))], "utf-8")


@pytest.mark.parametrize("block", [1000, 4096, 1 << 20])
@pytest.mark.parametrize("terminated", [True, False])
def test_an_oversized_record_is_skipped_in_bounded_memory_and_offsets_hold(
        monkeypatch: pytest.MonkeyPatch, block: int, terminated: bool) -> None:
    monkeypatch.setattr(iso2709, "_BLOCK", block)
    monkeypatch.setattr(iso2709, "MAX_RECORD_BYTES", 20_000)
    first, last = _iso("a", "Avant"), _iso("z", "Après")
    huge = b"00000nam0 2200037   450 " + b"x" * 50_000 + (b"\x1d" if terminated else b"")
    data = first + b"\r\n" + huge + (last if terminated else b"")
    chunks = list(iso2709.split(io.BytesIO(data)))
    assert [(offset, size) for offset, _, size in chunks][:2] == [
        (0, len(first)), (len(first) + 2, len(huge))]
    assert all(len(chunk) <= 20_000 for _, chunk, _ in chunks)
    items = list(unimarc.read(io.BytesIO(data), "x"))
    assert items[1].error == (f"record of {len(huge)} bytes: more than the 20000 a record may "
                              "have (ISO 2709 allows 99,999); skipped")
    assert items[1].offset == len(first) + 2 and items[1].position == 2
    if terminated:
        assert len(items) == 3 and items[2].ok and items[2].source_id == "z"
        assert items[2].offset == len(first) + 2 + len(huge) and items[2].raw == last
    else:
        assert len(items) == 2


def test_control_bytes_leave_the_fields_but_not_the_raw_payload() -> None:
    data = _iso("c", "Sauts\x07 de\x00 ligne\x0b")
    (parsed,) = list(unimarc.read(io.BytesIO(data), "x"))
    assert parsed.ok and parsed.record is not None
    assert parsed.record.title.main == "Sauts de ligne"
    assert parsed.raw == data  # the payload stays byte for byte what the file held
    assert "field 200: 3 control byte(s) (0x00, 0x07, 0x0B) removed" in parsed.warnings
