"""Full text over real HTTP: a word only on page 37 of a PDF finds its record, and the
results page says it was found in the full text, on page 37; readers-only text is found
by signed-in readers only; the extraction of generated PDF, ODT, DOCX, HTML and text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from catalogue.documents import kinds
from catalogue.documents.extraction import CORRUPT, EMPTY, ENCRYPTED, ZIP_BOMB, extract
from catalogue.indexing import update_index
from catalogue.lending.availability import apply_refreshes
from tests import document_files as files
from tests.documents_site import start

STAFF, READER = "doc@crpv.example.fr", "lecteur@example.fr"


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_word_on_page_37_finds_its_record(tmp_path: Path, engine_name: str) -> None:
    site = start(tmp_path, max_upload_mb=20, engine_name=engine_name)
    try:
        site.reindex()
        staff = site.http(STAFF)
        report = files.numbered_pdf(60, {37: "Les xylophonistes animent la fête du quartier."})
        assert site.upload(staff, "rapport-annuel.pdf", report, notice="crpv:2",
                           level="public").status_code == 303
        assert site.upload(staff, "note.odt", files.odt(["Une quasarlogie confidentielle."]),
                           notice="crpv:3", level="readers").status_code == 303
        # The index job (scheduler) re-reads the records whose documents changed.
        assert apply_refreshes(site.engine, site.settings.index.dir,
                               documents_access=site.settings.documents.access) == 2

        page = requests.get(site.url + "/recherche", params={"q": "xylophoniste"}, timeout=30)
        assert page.status_code == 200
        assert "/notice/crpv/2" in page.text
        hit = re.search(r'<p class="fulltext-hit" data-page="(\d+)">(.*?)</p>', page.text, re.S)
        assert hit, page.text[-3000:]
        assert hit.group(1) == "37"
        assert "Trouvé dans le texte intégral" in hit.group(2) and "page 37" in hit.group(2)
        assert "<mark>xylophonistes</mark>" in hit.group(2)
        assert "Texte intégral disponible" in page.text  # the facet

        # Readers-only text: nothing for the anonymous, found once signed in.
        hidden = requests.get(site.url + "/recherche", params={"q": "quasarlogie"}, timeout=30)
        assert "/notice/crpv/3" not in hidden.text
        reader = site.http(READER)
        shown = reader.get(site.url + "/recherche", params={"q": "quasarlogie"}, timeout=30)
        assert "/notice/crpv/3" in shown.text and "Trouvé dans le texte intégral" in shown.text

        # A rebuild (`catalogue reindex`) streams the text with the records: same answers;
        # so does an update that re-reads every record (an empty watermark).
        site.reindex()
        again = requests.get(site.url + "/recherche", params={"q": "xylophoniste"}, timeout=30)
        assert 'data-page="37"' in again.text
        update_index(site.engine, site.settings.index.dir, since=datetime(2000, 1, 1, tzinfo=UTC),
                     documents_access=site.settings.documents.access)
        assert "/notice/crpv/3" in reader.get(site.url + "/recherche", timeout=30,
                                              params={"q": "quasarlogie"}).text
        assert "/notice/crpv/3" not in requests.get(site.url + "/recherche", timeout=30,
                                                    params={"q": "quasarlogie"}).text
    finally:
        site.stop()


def _read(tmp_path: Path, name: str, data: bytes, **limits: int) -> tuple[str, object]:
    path = tmp_path / name
    path.write_bytes(data)
    kind = kinds.sniff(path, name)
    return kind.kind, extract(path, kind.kind, **limits)


def test_extraction_of_generated_office_and_pdf_files(tmp_path: Path) -> None:
    words = ("efficacité", "cœur", "œuvre", "éducative")
    for name, data in {"r.pdf": files.pdf([files.FRENCH, "Deuxième page : fin."]),
                       "r.odt": files.odt([files.FRENCH]), "r.docx": files.docx([files.FRENCH]),
                       "r.html": files.html(files.FRENCH), "r.txt": files.FRENCH.encode(),
                       "r-latin.txt": files.FRENCH.replace("œ", "oe").encode("cp1252")}.items():
        kind, result = _read(tmp_path, name, data)
        assert not result.problem, (name, result)  # type: ignore[attr-defined]
        text = " ".join(t for _, t in result.pages)  # type: ignore[attr-defined]
        for word in words:
            assert word in text or word.replace("œ", "oe") in text, (name, word, text)
        if kind == kinds.PDF:
            assert [n for n, _ in result.pages] == [1, 2]  # type: ignore[attr-defined]
        if kind == kinds.HTML:
            assert "scriptword" not in text


def test_bad_files_end_in_a_problem_not_a_crash(tmp_path: Path) -> None:
    cases = {"chiffre.pdf": (files.pdf(["x"], password="secret"), ENCRYPTED),
             "casse.pdf": (files.corrupt_pdf(), CORRUPT),
             "vide.pdf": (b"", EMPTY),
             "bombe.docx": (files.zip_bomb_docx(), ZIP_BOMB)}
    for name, (data, problem) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        kind = kinds.sniff(path, name).kind
        if kind == kinds.EMPTY:
            continue  # the service records it without starting a process
        assert extract(path, kind).problem == problem, name
    lie = tmp_path / "rapport.pdf"
    lie.write_bytes(files.docx(["menteur"]))
    assert kinds.sniff(lie, "rapport.pdf").lies


def test_limits_stop_a_long_extraction(tmp_path: Path) -> None:
    """A 500-page PDF is read up to max_pages (the rest reported); a file whose reading
    needs more memory than allowed ends as a memory problem in the child, not in us."""
    path = tmp_path / "long.pdf"
    path.write_bytes(files.numbered_pdf(500))
    full = extract(path, kinds.PDF, seconds=60, memory_mb=512, max_pages=100)
    assert full.page_count == 500 and len(full.pages) == 100 and "truncated" in full.warnings
    assert full.pages[36][0] == 37 and "Page 37." in full.pages[36][1]
    big = tmp_path / "enorme.txt"
    with open(big, "wb") as out:
        for _ in range(160):
            out.write(b"mot " * (256 * 1024))  # 160 MB of text
    done = extract(big, kinds.TEXT, seconds=60, memory_mb=128)
    assert done.problem == "memory" and not done.pages


def test_a_200_mb_pdf_is_kept_and_read_within_limits(tmp_path: Path) -> None:
    """Stored by streaming (hashed chunk by chunk), read in a 256 MB child: its one page of
    text is found, the big stream never loaded; over max_upload_mb it is refused politely."""
    import dataclasses

    from catalogue.documents.service import DocumentError, Documents
    from catalogue.documents.settings import DocumentSettings
    from catalogue.records import Record, Title
    from catalogue.store import database
    from tests.dsi_support import ingest
    from tests.stores import store_url

    big = tmp_path / "annexes.pdf"
    files.write_big_pdf(big, 200)
    assert big.stat().st_size > 200 * 1024 * 1024
    engine = database.open_store(store_url(tmp_path, "big"))
    ingest(engine, [Record(source="crpv", source_id="1", title=Title("Annexes"))],
           datetime(2026, 12, 6, tzinfo=UTC))
    settings = DocumentSettings(dir=tmp_path / "docs", max_upload_mb=300,
                                extraction_memory_mb=256)
    service = Documents(engine, settings, {"crpv"})
    record_id = service.record_id("crpv", "1")
    assert record_id is not None
    with open(big, "rb") as stream:
        doc = service.attach(record_id, "annexes.pdf", stream, datetime(2026, 12, 6, tzinfo=UTC))
    assert doc.size == big.stat().st_size and doc.kind == "pdf"
    assert doc.problem == "" and doc.page_count == 1, doc
    assert "volumineux" in " ".join(t for _, t in service.pages(doc.id))
    small = Documents(engine, dataclasses.replace(settings, max_upload_mb=100), {"crpv"})
    with open(big, "rb") as stream, pytest.raises(DocumentError, match="100 Mo"):
        small.attach(record_id, "annexes.pdf", stream, datetime(2026, 12, 6, tzinfo=UTC))
    engine.dispose()
