"""The documents drop folder (897 names and sidecars) and the one-time fetch from the
centre's own PMB over real HTTP, through the `catalogue documents` commands; bad files
are in the import report and on their document's page, their records kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from catalogue.cli import main
from catalogue.records import AttachedDocument, Record, Title
from catalogue.store.document_tables import documents
from tests import document_files as files
from tests.documents_site import NOW, DocumentsSite
from tests.dsi_support import ingest

REPORT = files.pdf([files.FRENCH, "Le diagnostic territorial partagé."])


class _Pmb(BaseHTTPRequestHandler):
    """PMB's doc.php: the file of an explnum id, 404 for the others."""

    served: dict[str, bytes] = {}
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = self.served.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def pmb() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pmb)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Pmb.served = {"/doc.php?explnum_id=7": REPORT, "/doc.php?explnum_id=8": files.corrupt_pdf()}
    _Pmb.hits = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _config(site: DocumentsSite, pmb: str, folder: Path) -> Path:
    text = site.settings.path.read_text(encoding="utf-8").replace(
        "[documents]\n", f'[documents]\nfolder = "{folder}"\npmb_url = "{pmb}/"\n', 1)
    config = site.settings.path.with_name("documents.toml")
    config.write_text(text, encoding="utf-8")
    return config


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "documents", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_drop_folder_by_897_name_and_sidecar(docsite: DocumentsSite, tmp_path: Path,
                                             pmb: str) -> None:
    site = docsite
    ingest(site.engine, [Record(source="crpv", source_id="10", title=Title("Diagnostic"),
                                documents=(AttachedDocument(url=f"{pmb}/doc.php?explnum_id=9",
                                                            name="Diagnostic",
                                                            filename="diagnostic-2025.pdf"),))],
           NOW)
    folder = tmp_path / "depot"
    folder.mkdir()
    (folder / "diagnostic-2025.pdf").write_bytes(REPORT)
    (folder / "bombe.docx").write_bytes(files.zip_bomb_docx())
    (folder / "bombe.docx.notice").write_text("notice = 2\nacces = public\n", encoding="utf-8")
    (folder / "inconnu.pdf").write_bytes(REPORT)
    (folder / "envoi.pdf.part").write_bytes(b"%PDF-")
    code, out, err = _run(_config(site, pmb, folder), "import")
    assert code == 0, err
    assert "crpv:10 : document" in out and "texte lu (2 pages sur 2)" in out
    assert "crpv:2 : document" in out and "bombe de décompression" in out
    assert "accès public" in out
    assert "aucune notice ne nomme ce fichier" in out
    assert "2 attached (1 with a problem), 1 not attached" in err
    assert sorted(p.name for p in (folder / "done").iterdir()) == [
        "bombe.docx", "bombe.docx.notice", "bombe.docx.report.txt", "diagnostic-2025.pdf",
        "diagnostic-2025.pdf.report.txt"]
    assert (folder / "failed" / "inconnu.pdf.report.txt").is_file()
    assert (folder / "envoi.pdf.part").is_file()  # still being written: left alone
    # The bomb's page says so; its record is still served.
    api = requests.get(site.url + "/api/records/crpv/2", timeout=10).json()
    [bomb] = api["documents"]
    page = requests.get(bomb["url"], timeout=10).text
    assert "bombe de décompression" in page
    assert requests.get(site.url + "/notice/crpv/2", timeout=10).status_code == 200


def test_fetch_once_from_our_pmb(docsite: DocumentsSite, tmp_path: Path, pmb: str) -> None:
    site = docsite
    ingest(site.engine, [
        Record(source="crpv", source_id="20", title=Title("Évaluation"), documents=(
            AttachedDocument(url=f"{pmb}/doc.php?explnum_id=7", filename="évaluation.pdf"),
            AttachedDocument(url=f"{pmb}/doc.php?explnum_id=8", filename="casse.pdf"),
            AttachedDocument(url=f"{pmb}/doc.php?explnum_id=404", filename="absent.pdf"),
            AttachedDocument(url="https://ailleurs.example.org/x.pdf", filename="x.pdf"))),
    ], NOW)
    ingest(site.engine, [Record(source="lyon", source_id="30", title=Title("Partenaire"),
                                documents=(AttachedDocument(url=f"{pmb}/doc.php?explnum_id=7",
                                                            filename="p.pdf"),))],
           NOW, source="lyon")
    config = _config(site, pmb, tmp_path / "depot")
    code, out, err = _run(config, "fetch")
    assert code == 0, err
    assert "2 fetched (1 with a problem), 1 failed" in err, (out, err)
    assert "évaluation.pdf" not in out or "crpv:20" in out
    assert "fichier endommagé" in out and "téléchargement impossible" in out
    assert "lyon:30" not in out and "ailleurs.example.org" not in out
    hits = len(_Pmb.hits)
    code, out, err = _run(config, "fetch")  # once: what was fetched is not fetched again
    assert "0 fetched" in err and len(_Pmb.hits) == hits + 1  # only the 404 is retried
    with site.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(documents)).scalar() == 2
    api = requests.get(site.url + "/api/records/crpv/20", timeout=10).json()
    assert {d["filename"] for d in api["documents"]} == {"évaluation.pdf", "casse.pdf"}
