"""Documents over real HTTP: upload by staff, downloads with and without rights, ranges,
ETags, the original name in Content-Disposition, and bad files reported, never a 500."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

import requests

from tests import document_files as files
from tests.documents_site import DocumentsSite

STAFF, READER = "doc@crpv.example.fr", "lecteur@example.fr"


def _document_id(response: requests.Response) -> int:
    assert response.status_code == 303, response.text[:800]
    found = re.search(r"/document/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def test_upload_then_download_with_rights(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    data = files.pdf([files.FRENCH, "Deuxième page"])
    name = "Étude cœur – été 2026.pdf"
    doc_id = _document_id(site.upload(staff, name, data, level="readers"))
    url = f"{site.url}/document/{doc_id}/fichier"

    anonymous = requests.get(url, timeout=10)
    assert anonymous.status_code == 403 and data not in anonymous.content
    reader = site.http(READER)
    got = reader.get(url, timeout=10)
    assert got.status_code == 200 and got.content == data
    assert got.headers["Content-Type"] == "application/pdf"
    disposition = got.headers["Content-Disposition"]
    # A PDF is downloaded: under the sandboxing CSP Chromium's viewer would not open it.
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition  # RFC 6266 / 5987
    assert got.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert got.headers["Accept-Ranges"] == "bytes"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in got.headers["Cache-Control"]

    again = reader.get(url, timeout=10, headers={"If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""

    part = reader.get(url, timeout=10, headers={"Range": "bytes=10-99"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 10-99/{len(data)}"
    assert part.content == data[10:100]
    tail = reader.get(url, timeout=10, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.content == data[-16:]
    beyond = reader.get(url, timeout=10, headers={"Range": f"bytes={len(data) + 5}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(data)}"

    # The record page lists it; the anonymous visitor sees it is reserved, without a link.
    page = requests.get(site.url + "/notice/crpv/1", timeout=10).text
    assert name.replace("–", "–") in page and f"/document/{doc_id}/fichier" not in page
    assert f"/document/{doc_id}/fichier" in reader.get(site.url + "/notice/crpv/1",
                                                       timeout=10).text


def test_staff_only_and_public_levels(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    secret = _document_id(site.upload(staff, "interne.txt", b"note interne", level="staff"))
    public = _document_id(site.upload(staff, "public.txt", b"texte public", level="public"))
    reader = site.http(READER)
    assert reader.get(f"{site.url}/document/{secret}/fichier", timeout=10).status_code == 403
    assert reader.get(f"{site.url}/document/{secret}", timeout=10).status_code == 403
    assert staff.get(f"{site.url}/document/{secret}/fichier", timeout=10).content == b"note interne"
    # Staff-only documents are not even listed to others; readers' ones invite signing in.
    assert "interne.txt" not in reader.get(site.url + "/notice/crpv/1", timeout=10).text
    api = requests.get(site.url + "/api/records/crpv/1", timeout=10).json()
    assert [d["filename"] for d in api["documents"]] == ["public.txt"]
    assert "interne.txt" in staff.get(site.url + "/notice/crpv/1", timeout=10).text
    got = requests.get(f"{site.url}/document/{public}/fichier", timeout=10)
    assert got.status_code == 200 and got.content == b"texte public"
    assert got.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert got.headers["Content-Disposition"] == "inline; filename=public.txt"
    # Staff lower the level: the anonymous copy of the URL then works, and back.
    token = site.token(staff, f"/document/{secret}")
    done = staff.post(f"{site.url}/document/{secret}/acces", timeout=10, allow_redirects=False,
                      data={"csrf_token": token, "access": "public"})
    assert done.status_code == 303
    assert requests.get(f"{site.url}/document/{secret}/fichier", timeout=10).status_code == 200
    # Unknown numbers and paths never reach the file system.
    for path in ("/document/999999/fichier", "/document/..%2F..%2Fconfig.toml/fichier",
                 "/document/99999999999999999999/fichier"):
        assert requests.get(site.url + path, timeout=10).status_code == 404


def test_same_bytes_twice_cost_nothing(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    data = files.docx([files.FRENCH])
    first = _document_id(site.upload(staff, "a.docx", data))
    second = _document_id(site.upload(staff, "b.docx", data, notice="crpv:2"))
    again = _document_id(site.upload(staff, "a-bis.docx", data))
    assert first == again and first != second
    stored = [p for p in site.settings.documents.dir.rglob("*") if p.is_file()]
    assert len(stored) == 1


def test_only_staff_upload_and_partners_stay_links(docsite: DocumentsSite) -> None:
    site = docsite
    reader = site.http(READER)
    token = site.token(reader)
    refused = reader.post(site.url + "/documents/ajout", timeout=10, allow_redirects=False,
                          data={"csrf_token": token, "notice": "crpv:1"},
                          files={"file": ("x.txt", b"x")})
    assert refused.status_code == 403
    anonymous = requests.post(site.url + "/documents/ajout", timeout=10, allow_redirects=False,
                              files={"file": ("x.txt", b"x")}, data={"notice": "crpv:1"})
    assert anonymous.status_code in (302, 303, 400)
    site = docsite
    staff = site.http(STAFF)
    partner = site.upload(staff, "lyon.txt", b"texte", notice="lyon:9")
    assert partner.status_code == 400
    assert "redistribution" in partner.text
    assert "Joindre un fichier" not in staff.get(site.url + "/notice/lyon/9", timeout=10).text


def test_bad_fields_get_french_messages(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    too_big = site.upload(staff, "gros.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    assert too_big.status_code == 400
    assert 'id="file-error"' in too_big.text and "taille maximale de 1 Mo" in too_big.text
    nothing = staff.post(site.url + "/documents/ajout", timeout=10, allow_redirects=False,
                         data={"csrf_token": site.token(staff), "notice": "crpv:1"})
    assert nothing.status_code == 400 and "Choisissez un fichier" in nothing.text
    bad_level = site.upload(staff, "n.txt", b"note", level="tout-le-monde")
    assert bad_level.status_code == 400 and 'id="access-error"' in bad_level.text
    unknown = site.upload(staff, "n.txt", b"note", notice="crpv:nope")
    assert unknown.status_code == 400 and 'id="notice-error"' in unknown.text
    huge = staff.post(site.url + "/documents/ajout", timeout=30, allow_redirects=False,
                      data={"csrf_token": site.token(staff), "notice": "crpv:1"},
                      files={"file": ("enorme.pdf", b"%PDF-" + b"1" * (3 * 1024 * 1024))})
    assert huge.status_code in (400, 413) and "Traceback" not in huge.text


def test_bad_files_are_reported_on_their_page(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    cases = {
        "chiffre.pdf": (files.pdf(["secret"], password="motdepasse"), "chiffré"),
        "casse.pdf": (files.corrupt_pdf(), "endommagé"),
        "tronque.pdf": (files.truncated_pdf(), "endommagé"),
        "bombe.docx": (files.zip_bomb_docx(), "bombe de décompression"),
    }
    for name, (data, said) in cases.items():
        doc_id = _document_id(site.upload(staff, name, data))
        page = staff.get(f"{site.url}/document/{doc_id}", timeout=10)
        assert page.status_code == 200
        assert 'id="doc-problem"' in page.text and said in page.text, name
        # The file is still there to download, and the record page still works.
        assert staff.get(f"{site.url}/document/{doc_id}/fichier", timeout=10).content == data
    liar = _document_id(site.upload(staff, "rapport.pdf", files.docx(["menteur"])))
    page = staff.get(f"{site.url}/document/{liar}", timeout=10).text
    assert 'id="doc-warning-kind_mismatch"' in page and 'id="doc-problem"' not in page
    got = staff.get(f"{site.url}/document/{liar}/fichier", timeout=10)
    assert got.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert staff.get(site.url + "/notice/crpv/1", timeout=10).status_code == 200


def test_api_lists_documents_with_download_urls_by_rights(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    public = _document_id(site.upload(staff, "public.txt", b"texte public", level="public"))
    hidden = _document_id(site.upload(staff, "lecteurs.txt", b"lecteurs", level="readers"))
    anonymous = requests.get(site.url + "/api/records/crpv/1", timeout=10).json()
    by_id = {d["id"]: d for d in anonymous["documents"]}
    assert by_id[public]["download_url"] == f"{site.url}/document/{public}/fichier"
    assert by_id[public]["media_type"] == "text/plain; charset=utf-8"
    assert "download_url" not in by_id[hidden] and by_id[hidden]["access"] == "readers"
    got = requests.get(by_id[public]["download_url"], timeout=10)
    assert got.content == b"texte public"
    signed = site.http(READER).get(site.url + "/api/records/crpv/1", timeout=10).json()
    assert all("download_url" in d for d in signed["documents"])


def test_hostile_input_never_breaks_the_document_routes(docsite: DocumentsSite) -> None:
    site = docsite
    staff = site.http(STAFF)
    doc_id = _document_id(site.upload(staff, "note.txt", b"note", level="public"))
    payloads = ["<script>alert(1)</script>", "\x00", "a" * 5000, "../../etc/passwd",
                "crpv:1\r\nSet-Cookie: x=1", "🙂"]
    for payload in payloads:
        for data in ({"notice": payload}, {"notice": "crpv:1", "access": payload}):
            answer = staff.post(site.url + "/documents/ajout", timeout=10, allow_redirects=False,
                                data={"csrf_token": site.token(staff), **data},
                                files={"file": (payload[:200] or "x", b"contenu")})
            assert answer.status_code < 500 and "Traceback" not in answer.text
            assert "<script>alert(1)</script>" not in answer.text
        answer = staff.post(f"{site.url}/document/{doc_id}/acces", timeout=10,
                            allow_redirects=False,
                            data={"csrf_token": site.token(staff, f"/document/{doc_id}"),
                                  "access": payload})
        assert answer.status_code in (303, 400)
    for path in (f"/document/{doc_id}/fichier?x=%00", "/document/-1/fichier", "/document/0",
                 f"/document/{doc_id}/fichier/../../config.toml", "/document/%00/fichier"):
        answer = requests.get(site.url + path, timeout=10)
        assert answer.status_code < 500 and "Traceback" not in answer.text, path
    for header in ("bytes=abc", "bytes=5-1", "bytes=0-0,2-3", "octets=0-10", "bytes=-0"):
        answer = requests.get(f"{site.url}/document/{doc_id}/fichier", timeout=10,
                              headers={"Range": header})
        assert answer.status_code in (200, 206, 416), header
    # The name sent back is the upload's last path part, without control characters.
    odd = _document_id(site.upload(staff, "..\\..\\dossier/sous\x01dossier/rapport final.txt",
                                   b"texte", level="public"))
    got = requests.get(f"{site.url}/document/{odd}/fichier", timeout=10)
    assert "rapport%20final.txt" in got.headers["Content-Disposition"] or \
        "rapport final.txt" in got.headers["Content-Disposition"]
    assert "\x01" not in got.headers["Content-Disposition"]
    assert ".." not in got.headers["Content-Disposition"]
