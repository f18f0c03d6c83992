"""Documents QA fixes over real HTTP: sizes as readers read them, the upload's message,
empty files and programs refused at upload, and the download headers as served."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests import document_files as files
from tests.documents_site import DocumentsSite, start

STAFF, READER = "doc@crpv.example.fr", "lecteur@example.fr"
NBSP = "\u00a0"


def _document_id(response: requests.Response) -> int:
    assert response.status_code == 303, response.text[:800]
    found = re.search(r"/document/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def _raw_head(site: DocumentsSite, path: str, session: requests.Session) -> bytes:
    """The status line and headers exactly as the server wrote them."""
    parts = urlsplit(site.url)
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    request = (f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookies}\r\n"
               "Connection: close\r\n\r\n").encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        for _ in range(1000):  # bounded: the head is far smaller than 1000 chunks
            chunk = conn.recv(4096)
            received += chunk
            if not chunk or b"\r\n\r\n" in received:
                break
    head, sep, _ = received.partition(b"\r\n\r\n")
    assert sep, received[:300]
    return head


def _header(head: bytes, name: str) -> list[str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return [v.strip() for n, _, v in (line.partition(":") for line in lines)
            if n.lower() == name.lower()]


@pytest.fixture()
def bigsite(tmp_path: Path) -> object:
    running = start(tmp_path, max_upload_mb=2)
    yield running
    running.stop()


def test_sizes_read_as_french_and_english_readers_read_them(bigsite: DocumentsSite) -> None:
    site = bigsite
    staff = site.http(STAFF)
    big = _document_id(site.upload(staff, "gros.txt", b"mot " * (1258291 // 4) + b"fin",
                                   level="public"))
    small = _document_id(site.upload(staff, "moyen.txt", b"x" * (350 * 1024), level="public"))
    tiny = _document_id(site.upload(staff, "petit.txt", b"douze octets", level="public"))
    big_page = staff.get(f"{site.url}/document/{big}", timeout=10).text
    assert f"<dd>1,2{NBSP}Mo</dd>" in big_page and "octets</dd>" not in big_page
    assert f"<dd>350{NBSP}ko</dd>" in staff.get(f"{site.url}/document/{small}", timeout=10).text
    assert f"<dd>12{NBSP}octets</dd>" in staff.get(f"{site.url}/document/{tiny}",
                                                  timeout=10).text
    # The public record page says the same, to an anonymous reader.
    record = requests.get(site.url + "/notice/crpv/1", timeout=10).text
    assert f"(texte, 1,2{NBSP}Mo)" in record and f"(texte, 350{NBSP}ko)" in record
    assert "Ko)" not in record
    english = site.http(STAFF)
    english.cookies.set("lang", "en")
    page = english.get(f"{site.url}/document/{big}", timeout=10).text
    assert f"<dd>1.2{NBSP}MB</dd>" in page
    assert f"350{NBSP}kB" in english.get(site.url + "/notice/crpv/1", timeout=10).text


def test_the_staff_are_told_what_the_upload_did(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    read = _document_id(site.upload(staff, "Étude été.pdf", files.pdf(["Texte lisible"])))
    page = staff.get(f"{site.url}/document/{read}", timeout=10).text
    flashed = re.search(r'<div class="flash" role="status" id="doc-flash">(.*?)</div>', page, re.S)
    assert flashed, page[:2000]
    assert "« Étude été.pdf » est joint ; son texte a été extrait" in flashed.group(1)
    # Shown once: the next visit of the page has no message.
    assert 'id="doc-flash"' not in staff.get(f"{site.url}/document/{read}", timeout=10).text

    unread = _document_id(site.upload(staff, "chiffre.pdf", files.pdf(["x"], password="s")))
    page = staff.get(f"{site.url}/document/{unread}", timeout=10).text
    assert "« chiffre.pdf » est joint, mais son texte n&#39;a pas été extrait" in page
    assert "Le PDF est chiffré" in page.split('id="doc-flash"')[1].split("</div>")[0]

    english = site.http(STAFF)
    english.cookies.set("lang", "en")
    done = _document_id(site.upload(english, "note.txt", b"une note lisible"))
    page = english.get(f"{site.url}/document/{done}", timeout=10).text
    assert "The file “note.txt” is attached; its text was extracted" in page


REFUSED = {
    "vide.pdf": (b"", "Le fichier est vide"),
    "outil.exe": (b"Ceci n'est pas du texte", "Les programmes"),
    "installe.msi": (b"contenu", "Les programmes"),
    "lance.bat": (b"echo bonjour", "Les programmes"),
    "script.js": (b"alert(1)", "Les programmes"),
    "script.sh": (b"ls", "Les programmes"),
    "vieux.com": (b"contenu", "Les programmes"),
    "ecran.scr": (b"contenu", "Les programmes"),
    "rapport.pdf": (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "Les programmes"),
    "notes.txt": (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "Les programmes"),
    "lisez-moi.txt": (b"#!/bin/sh\nrm -rf ~\n", "Les programmes"),
}


def test_empty_files_and_programs_are_refused_at_upload(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    for name, (data, said) in REFUSED.items():
        answer = site.upload(staff, name, data, level="staff")
        assert answer.status_code == 400, name
        error = re.search(r'<p class="field-error" id="file-error">([^<]*)</p>', answer.text)
        assert error and said in error.group(1), (name, answer.text[:1500])
        assert 'aria-invalid="true" aria-describedby="file-error"' in answer.text
        # The rest of the form is kept: the record and the access level chosen.
        assert 'name="notice" value="crpv:1"' in answer.text
        assert '<option value="staff" selected>' in answer.text
    listed = requests.get(site.url + "/api/records/crpv/1", timeout=10).json()
    assert listed["documents"] == []
    # Nothing of the refused files stays in the store.
    assert [p for p in site.settings.documents.dir.rglob("*") if p.is_file()] == []
    # A harmless file is still welcome.
    _document_id(site.upload(staff, "note.txt", b"une note"))


def test_download_headers_as_served(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    kinds = {
        "rapport.pdf": (files.pdf(["Rapport"]), "attachment", "application/pdf"),
        "note.txt": (b"une note", "inline", "text/plain; charset=utf-8"),
        "page.html": (files.html("<p>page</p><script>alert(1)</script>"), "attachment",
                      "text/html; charset=utf-8"),
        "texte.docx": (files.docx(["Un paragraphe"]), "attachment",
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "image.png": (b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 40, "inline", "image/png"),
        "photo.jpg": (b"\xff\xd8\xff\xe0" + b"\x00\x01" * 40, "inline", "image/jpeg"),
        "donnees.bin": (b"\x00\x01\x02\x03" * 20, "attachment", "application/octet-stream"),
    }
    for name, (data, disposition, media_type) in kinds.items():
        doc_id = _document_id(site.upload(staff, name, data))
        head = _raw_head(site, f"/document/{doc_id}/fichier", staff)
        assert head.startswith(b"HTTP/1.1 200"), head
        assert _header(head, "Content-Disposition") == [f"{disposition}; filename={name}"], head
        assert _header(head, "Content-Type") == [media_type], head
        assert _header(head, "X-Content-Type-Options") == ["nosniff"], head
        assert _header(head, "Content-Security-Policy") == ["sandbox; default-src 'none'"]


def test_a_drop_folder_refuses_them_too(docsite: DocumentsSite, tmp_path: Path) -> None:
    from catalogue.documents.folder import import_folder
    from tests.documents_site import NOW, documents_of

    folder = tmp_path / "depot"
    folder.mkdir()
    for name, data in (("vide.pdf", b""), ("outil.exe", b"contenu"),
                       ("rapport.pdf", b"MZ\x90\x00" + b"\x00" * 60)):
        (folder / name).write_bytes(data)
        (folder / f"{name}.notice").write_text("notice = 1\n", encoding="utf-8")
    report = import_folder(documents_of(docsite.app), folder, "crpv", NOW)
    assert report.attached == 0 and report.failed == 3
    text = "\n".join(report.lines)
    assert text.count("refusé : Les programmes") == 2 and "refusé : Le fichier est vide" in text
    assert requests.get(docsite.url + "/api/records/crpv/1", timeout=10).json()["documents"] == []
