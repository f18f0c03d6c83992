"""The record page's "Sur le rayon à côté" (shelf browse by call number), item notes and
section / location labels (issue 17, point 5), on the demo catalogue through the app."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import html
from sqlalchemy import select

from catalogue.formats import unimarc
from catalogue.opac.description import copy
from catalogue.opac.shelf import SIDE, natural_key
from catalogue.records import Item, Record, from_json, replace
from catalogue.settings import SettingsError, load
from catalogue.store.tables import items, records
from tests.oai_site import split_export
from tests.web_site import WebSite, _import, start_site


def test_call_numbers_sort_as_a_shelf_reads() -> None:
    shuffled = ["A 10", "ev 12", "362.8 ABC", "A 2", "374.013 JOL", "362.71 DUP", "Év 3",
                "362.7 ZZZ", "362.71 abc", "B"]
    assert sorted(shuffled, key=natural_key) == [
        "362.7 ZZZ", "362.71 abc", "362.71 DUP", "362.8 ABC", "374.013 JOL", "A 2", "A 10",
        "B", "Év 3", "ev 12"]


def shelf_order(site: WebSite) -> list[tuple[str, str]]:
    """(call number, global id) of crpv's records in shelf order, each at its first copy."""
    with site.engine.connect() as conn:
        rows = conn.execute(select(items.c.call_number, records.c.source_id).join(
            records, records.c.id == items.c.record_id).where(
            records.c.source == "crpv", records.c.deleted.is_(False),
            items.c.call_number != "", items.c.withdrawn.is_(False))).all()
    first: dict[str, str] = {}
    for call, sid in sorted(rows, key=lambda r: (natural_key(r[0]), r[0])):
        first.setdefault(f"crpv:{sid}", call)
    return sorted(((c, g) for g, c in first.items()), key=lambda p: (natural_key(p[0]), p[0]))


def shelf_of(doc: Any) -> list[tuple[str, str | None, bool]]:
    out = []
    for li in doc.xpath("//section[@id='rayon']//ol/li"):
        call = li.xpath("string(span[@class='call-number'])").strip()
        link = li.xpath("a/@href")
        out.append((call, link[0] if link else None, li.get("aria-current") == "true"))
    return out


def test_shelf_shows_the_neighbours_by_call_number_and_pages(web_site: WebSite) -> None:
    order = shelf_order(web_site)
    middle = len(order) // 2
    call, global_id = order[middle]
    sid = global_id.split(":", 1)[1]
    doc = html.fromstring(web_site.client().get(f"/notice/crpv/{sid}").data)
    shown = shelf_of(doc)
    assert len(shown) == 2 * SIDE + 1
    assert shown[SIDE][2] and shown[SIDE][0] == call and shown[SIDE][1] is None
    expected = order[middle - SIDE:middle + SIDE + 1]
    assert [c for c, _, _ in shown] == [c for c, _ in expected]
    assert [h for _, h, _ in shown if h] == [f"/notice/crpv/{g.split(':')[1]}"
                                           for _, g in expected if g != global_id]
    # paging right then left
    nxt = doc.xpath("//section[@id='rayon']//a[contains(., 'suivants')]/@href")[0]
    assert urlsplit(nxt).path == f"/notice/crpv/{sid}"
    right = html.fromstring(web_site.client().get(nxt).data)
    start = middle + SIDE + 1
    assert [c for c, _, _ in shelf_of(right)] == [c for c, _ in order[start:start + 2 * SIDE + 1]]
    assert not any(current for _, _, current in shelf_of(right))
    back = right.xpath("//section[@id='rayon']//a[contains(., 'précédents')]/@href")[0]
    assert shelf_of(html.fromstring(web_site.client().get(back).data)) == shown


def test_shelf_ends_and_bad_offsets(web_site: WebSite) -> None:
    order = shelf_order(web_site)
    call, first = order[0]
    sid = first.split(":", 1)[1]
    doc = html.fromstring(web_site.client().get(f"/notice/crpv/{sid}").data)
    shown = shelf_of(doc)
    assert shown[0][2] and not doc.xpath("//section[@id='rayon']//a[contains(., 'précédents')]")
    for bad in ("-5", "abc", "99999999999999999999", "²", str(len(order) + 50)):
        page = web_site.client().get(f"/notice/crpv/{sid}?rayon={bad}")
        assert page.status_code == 200
        assert len(shelf_of(html.fromstring(page.data))) == 2 * SIDE + 1


def test_no_shelf_without_a_call_number(web_site: WebSite) -> None:
    with web_site.engine.connect() as conn:
        rows = conn.execute(select(records.c.source_id, records.c.data).where(
            records.c.source == "crpv")).all()
    bare = next(sid for sid, data in rows if not from_json(data).items)
    page = web_site.client().get(f"/notice/crpv/{bare}").get_data(as_text=True)
    assert "Sur le rayon à côté" not in page


def stored(site: WebSite, predicate: Any) -> Record:
    with site.engine.connect() as conn:
        for (data,) in conn.execute(select(records.c.data).where(records.c.source == "crpv")):
            record = from_json(data)
            if predicate(record):
                return record
    raise AssertionError("no such record")


def item_rows(site: WebSite, record: Record) -> list[dict[str, str]]:
    doc = html.fromstring(site.client().get(f"/notice/crpv/{record.source_id}").data)
    heads = [" ".join(th.text_content().split()) for th in doc.xpath("//table[@class='items']//th")]
    return [dict(zip(heads, (" ".join(td.text_content().split()) for td in tr.xpath("td")),
                     strict=True))
            for tr in doc.xpath("//table[@class='items']/tbody/tr")]


def test_item_notes_are_shown(web_site: WebSite) -> None:
    record = stored(web_site, lambda r: any(i.note for i in r.items))
    rows = item_rows(web_site, record)
    assert [r["Remarque"] for r in rows] == [i.note for i in record.items]


def test_sections_and_locations_are_labels_never_codes(web_site: WebSite) -> None:
    codes = {"a", "j", "u", "CRPV", "CDOC", "ESP", "RES"}
    checked = 0
    with web_site.engine.connect() as conn:
        for (data,) in conn.execute(select(records.c.data).where(records.c.source == "crpv")
                                    .limit(120)):
            record = from_json(data)
            if not record.items:
                continue
            for row in item_rows(web_site, record):
                assert row["Section"] not in codes and row["Localisation"] not in codes, row
                checked += 1
    assert checked > 100
    bare = stored(web_site, lambda r: any(i.section == "j" and not i.section_label
                                          and not i.location for i in r.items))
    rows = item_rows(web_site, bare)
    assert "Jeunesse" in [r["Section"] for r in rows]
    assert "Centre de ressources politique de la ville" in [r["Localisation"] for r in rows]
    english = web_site.client()
    english.set_cookie("lang", "en")
    doc = html.fromstring(english.get(f"/notice/crpv/{bare.source_id}").data)
    assert "Youth" in doc.xpath("string(//table[@class='items'])")


def test_labels_from_siblings_and_from_config() -> None:
    labelled = Item(section="a", section_label="Adultes", location="Réserve",
                    location_code="RES", owner="CRPV", holder="CRPV")
    bare = Item(section="a", owner="CRPV", holder="CRPV", location_code="RES")
    shown = copy(bare, "available", siblings=(labelled, bare))
    assert (shown.section, shown.location) == ("Adultes", "Réserve")
    alone = copy(Item(section="z9", owner="CRPV", holder="CRPV"), "available",
                 sections={"z9": "Fonds ancien"}, locations={"CRPV": "Salle de lecture"},
                 centre="Le centre")
    assert (alone.section, alone.location, alone.section_code) == ("Fonds ancien",
                                                                   "Salle de lecture", "")
    unknown = copy(Item(section="q", owner="XYZ"), "available", centre="Le centre")
    assert (unknown.section, unknown.location, unknown.section_code) == ("", "Le centre", "q")


def test_label_tables_are_validated(tmp_path: Path) -> None:
    base = '[catalogue]\nname = "x"\n[web.sections]\n'
    good = tmp_path / "good.toml"
    good.write_text(base + 'a = "Adultes"\n[web.locations]\nCDOC = "Centre de documentation"\n',
                    encoding="utf-8")
    loaded = load(good, env={})
    assert loaded.web.sections == {"a": "Adultes"}
    assert loaded.web.locations == {"CDOC": "Centre de documentation"}
    for bad in ('a = 3\n', 'a = ""\n', 'a = "x"\n[web.location]\nb = "y"\n'):
        path = tmp_path / "bad.toml"
        path.write_text(base + bad, encoding="utf-8")
        with pytest.raises(SettingsError):
            load(path, env={})


def test_english_shelf_heading(web_site: WebSite) -> None:
    call, global_id = shelf_order(web_site)[10]
    client = web_site.client()
    client.set_cookie("lang", "en")
    text = client.get(f"/notice/crpv/{global_id.split(':')[1]}").get_data(as_text=True)
    assert "On the shelf nearby" in text
    assert re.search(r"Next on the shelf", text)
    assert parse_qs("") == {}


def test_numbers_sort_by_value_whatever_their_length_or_script() -> None:
    huge = "9" * 5000  # int() refuses more than 4,300 digits
    shuffled = [f"{huge} Z", "0010 B", "9 A", "\u0663\u0664 X", "١٢ W", f"1{huge} Y", "362.71"]
    assert sorted(shuffled, key=natural_key) == [
        "9 A", "0010 B", "١٢ W", "\u0663\u0664 X", "362.71", f"{huge} Z", f"1{huge} Y"]


def test_a_monstrous_call_number_does_not_break_the_centre_s_pages(
        tmp_path: Path, demo_export: Path) -> None:
    records = [r for r in (next(unimarc.read(io.BytesIO(c), "crpv")).record
                           for c in split_export(demo_export.read_bytes())[:40])
               if r is not None and r.items and r.items[0].call_number]
    odd, shown = records[0], records[1]
    odd = replace(odd, items=(replace(odd.items[0], call_number="7" * 5000), *odd.items[1:]))

    def fill(engine: Any, export: Path) -> None:
        _import(engine, "crpv", b"".join(unimarc.to_iso2709(r) for r in (odd, *records[1:])))

    site = start_site(tmp_path, demo_export, fill=fill)
    try:
        page = site.client().get(f"/notice/crpv/{shown.source_id}")
        assert page.status_code == 200
        assert html.fromstring(page.data).xpath("//section[contains(@class, 'shelf')]//li")
    finally:
        site.serving.stop()
        site.engine.dispose()
