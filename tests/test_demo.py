"""The demo PMB export: deterministic, well-formed ISO 2709, realistic in shape."""

from __future__ import annotations

import collections
import gc
import pathlib
import re
import subprocess
import sys

import pymarc
import pytest

from catalogue import demo

ROOT = pathlib.Path(__file__).resolve().parent.parent
KINDS = {"m0": "monograph", "s1": "serial", "s2": "issue", "a2": "article"}


@pytest.fixture(scope="module")
def default_file(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("demo") / "demo.mrc"
    assert demo.write_export(path) == 2000
    return path


@pytest.fixture(scope="module")
def records(default_file: pathlib.Path) -> list[pymarc.Record]:
    out: list[pymarc.Record] = []
    with open(default_file, "rb") as fh:
        reader = pymarc.MARCReader(fh, force_utf8=True, to_unicode=True)
        for record in reader:
            assert record is not None, reader.current_exception
            out.append(record)
    return out


def _kind(record: pymarc.Record) -> str:
    return KINDS[str(record.leader)[7:9]]


def _values(record: pymarc.Record, tag: str, code: str) -> list[str]:
    return [v for f in record.get_fields(tag) for v in f.get_subfields(code)]


def _nines(field: pymarc.Field) -> dict[str, str]:
    return dict(v.split(":", 1) for v in field.get_subfields("9"))


def test_same_count_and_seed_give_the_same_bytes(tmp_path: pathlib.Path) -> None:
    first, second, other = tmp_path / "a.mrc", tmp_path / "b.mrc", tmp_path / "c.mrc"
    demo.write_export(first, 300, seed=4)
    demo.write_export(second, 300, seed=4)
    demo.write_export(other, 300, seed=5)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_a_smaller_file_is_a_prefix_of_a_bigger_one(tmp_path: pathlib.Path) -> None:
    small, big = tmp_path / "small.mrc", tmp_path / "big.mrc"
    demo.write_export(small, 130, seed=3)
    demo.write_export(big, 400, seed=3)
    assert big.read_bytes().startswith(small.read_bytes())
    assert [r.as_marc() for r in demo.generate(60, seed=3)] == [
        demo.record_at(k, seed=3).as_marc() for k in range(60)
    ]


def test_the_file_reads_back_without_errors(
    default_file: pathlib.Path, records: list[pymarc.Record]
) -> None:
    assert len(records) == 2000
    assert default_file.read_bytes().count(b"\x1d") == 2000


def test_charset_is_flagged_in_100_and_leader_09_stays_blank(
    default_file: pathlib.Path, records: list[pymarc.Record]
) -> None:
    for record in records:
        assert record["100"]["a"][26:30] == "50  "
        assert str(record.leader)[9] == " "
        assert str(record.leader)[20:24] == "450 "
    raw = default_file.read_bytes().split(b"\x1d")[:-1]
    assert {chunk[9:10] for chunk in raw} == {b" "}
    assert {chunk[5:9].decode() for chunk in raw} >= {"nam0", "nas1", "nas2", "naa2", "ngm0"}


def test_every_barcode_is_unique(records: list[pymarc.Record]) -> None:
    barcodes = [b for r in records for b in _values(r, "995", "f")]
    assert len(barcodes) == len(set(barcodes)) > 2000
    assert all(re.fullmatch(r"CR\d{6}", b) for b in barcodes)
    for record in records:
        assert set(_values(record, "996", "f")) <= set(_values(record, "995", "f"))
        assert len(set(_values(record, "995", "k"))) <= 1  # items share the call number


def test_accented_french_survives_the_round_trip(records: list[pymarc.Record]) -> None:
    by_id = {r["001"].data: r for r in records}
    assert by_id["1"]["200"]["a"] == "Cahiers de la cohésion urbaine"
    written = [r["200"]["a"] for r in demo.generate(2000)]
    read = [r["200"]["a"] for r in records]
    assert read == written
    text = " ".join(read + [v for r in records for v in _values(r, "330", "a")])
    for needle in ("é", "è", "ç", "œ", "« ", "’", "l'"):
        assert needle in text
    authors = {v for r in records for v in _values(r, "700", "b")}
    assert {"Hélène", "Jérôme", "Bénédicte"} & authors


def test_distribution_looks_like_a_resource_centre(records: list[pymarc.Record]) -> None:
    kinds = collections.Counter(_kind(r) for r in records)
    assert kinds["serial"] == demo.N_SERIALS
    assert kinds["issue"] == 2 * demo.N_SERIALS
    assert 0.15 <= (kinds["serial"] + kinds["issue"] + kinds["article"]) / len(records) <= 0.3
    assert {str(r.leader)[6] for r in records} == {"a", "g", "l", "r", "m"}

    area_of = {label: a for a, labels in enumerate(demo.DESCRIPTORS) for label in labels}
    areas = collections.Counter(area_of[r["606"]["a"]] for r in records if r.get_fields("606"))
    assert set(areas) == {0, 1, 2}
    assert min(areas.values()) > 0.25 * sum(areas.values())

    monographs = [r for r in records if _kind(r) == "monograph"]
    assert sum(bool(r.get_fields("995")) for r in monographs) > 0.8 * len(monographs)
    items = sum(len(r.get_fields("995")) for r in records)
    dumps = sum(len(r.get_fields("996")) for r in records)
    assert 0.2 * items < dumps < 0.4 * items
    assert 0.05 * len(records) < sum(bool(r.get_fields("897")) for r in records)
    years = [int(r["210"]["d"][:4]) for r in monographs]
    assert min(years) >= 1995 and max(years) <= 2025


def test_items_carry_status_and_loan_flag(records: list[pymarc.Record]) -> None:
    dumps = [f for r in records for f in r.get_fields("996")]
    flags = {(f["1"], f["3"]) for f in dumps}
    assert ("Consultation sur place", "0") in flags
    assert ("Disponible", "1") in flags
    for f in dumps:
        nine = _nines(f)
        assert nine["expl_cb"] == f["f"] and nine["expl_cote"] == f["k"]
        assert nine["pret_flag"] == f["3"]


def test_articles_and_issues_link_to_records_in_the_file(records: list[pymarc.Record]) -> None:
    ids = {r["001"].data: r for r in records}
    for record in records:
        if _kind(record) in {"issue", "article"}:
            serial = ids[_nines(record["461"])["id"]]
            assert _kind(serial) == "serial"
            assert record["461"]["t"] == serial["200"]["a"]
            assert record["461"]["x"] == serial["011"]["a"]
        if _kind(record) == "article":
            issue = ids[_nines(record["463"])["id"] + "-bull"]
            assert issue["200"]["h"] == record["463"]["v"]
            assert _nines(record["463"])["lnk"] == "bull"


def test_isbn_and_issn_check_digits_are_valid(records: list[pymarc.Record]) -> None:
    isbns = [v for r in records for v in _values(r, "010", "a")]
    assert any("-" in v for v in isbns) and any("-" not in v for v in isbns)
    for value in isbns:
        digits = value.replace("-", "")
        assert len(digits) == 13 and digits.startswith("9782")
        assert sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    issns = [v for r in records for v in _values(r, "011", "a") + _values(r, "225", "x")]
    assert issns
    for value in issns:
        digits = value.replace("-", "")
        total = sum(int(d) * (8 - i) for i, d in enumerate(digits[:7]))
        total += 10 if digits[7] == "X" else int(digits[7])
        assert total % 11 == 0


def test_urls_stay_on_example_domains(records: list[pymarc.Record]) -> None:
    urls = [v for r in records for tag, code in (("856", "u"), ("896", "a"), ("897", "a"))
            for v in _values(r, tag, code)]
    assert urls
    assert all(re.match(r"https://(www\.example\.org|centre-ressources\.example\.fr)/", u)
               for u in urls)


def _live_records() -> int:
    return sum(isinstance(o, pymarc.Record) for o in gc.get_objects())


def test_ten_thousand_records_stream_without_being_held() -> None:
    before = _live_records()
    stream = demo.generate(10_000, seed=2)
    assert iter(stream) is stream
    seen, last = 0, ""
    for k, record in enumerate(stream):
        seen, last = seen + 1, record["001"].data or ""
        if k % 2500 == 2499:
            assert _live_records() - before <= 1  # only the record in hand is alive
    assert seen == 10_000
    assert last == demo.record_at(9_999, seed=2)["001"].data


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        demo.generate(-1)


def test_command_line_writes_the_same_file(tmp_path: pathlib.Path) -> None:
    out, expected = tmp_path / "cli.mrc", tmp_path / "api.mrc"
    done = subprocess.run(
        [sys.executable, "-m", "catalogue.demo", str(out), "--count", "25", "--seed", "9"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert "25 records" in done.stdout
    demo.write_export(expected, 25, seed=9)
    assert out.read_bytes() == expected.read_bytes()
    assert demo.main([str(tmp_path / "main.mrc"), "--count", "3"]) == 0
    assert (tmp_path / "main.mrc").read_bytes().count(b"\x1d") == 3


def test_the_partner_export_shares_a_third_of_the_books_and_numbers_its_own(
        records: list[pymarc.Record]) -> None:
    from catalogue.demo.partner import BARCODE_PREFIX, SHARED_EVERY, SHARED_IDS

    partner = list(demo.generate_partner(300))
    ours = {r["001"].data: r for r in records[:300]}
    def theirs(r: pymarc.Record) -> bool:  # numbered from SHARED_IDS: the centre's books
        return r["001"].data.isdigit() and int(r["001"].data) > SHARED_IDS

    shared = [r for r in partner if theirs(r)]
    assert 40 <= len(shared) <= 300 // SHARED_EVERY
    for r in shared:  # the centre's book: same ISBN and title, the partner's copies
        k = int(r["001"].data) - SHARED_IDS - 1
        mine = ours[str(k + 1)]
        assert k % SHARED_EVERY == 0 and r["010"]["a"] == mine["010"]["a"] != ""
        assert r["200"]["a"] == mine["200"]["a"]
        assert all(f["f"].startswith(BARCODE_PREFIX) for f in r.get_fields("995"))
    own = [r for r in partner if not theirs(r)]
    def digits(isbn: str) -> str:
        return isbn.replace("-", "")

    isbns = {digits(f["a"]) for r in records[:300] for f in r.get_fields("010") if f.get("a")}
    assert own and not any(digits(f.get("a") or "") in isbns
                           for r in own for f in r.get_fields("010"))
    ids = [r["001"].data for r in partner]
    assert len(set(ids)) == len(ids)
    barcodes = [f["f"] for r in partner for f in r.get_fields("995")]
    assert len(set(barcodes)) == len(barcodes)
    assert [r.as_marc() for r in demo.generate_partner(300)] == [r.as_marc() for r in partner]
