"""The text of a document, read page by page in a separate process with time and memory limits.

:func:`extract` runs ``python -m catalogue.documents.extraction PATH KIND MAX_PAGES
SECONDS MEGABYTES``, which limits itself (``RLIMIT_CPU``, ``RLIMIT_AS``, no file writes)
before importing any reader, under a wall-clock timeout,
so a hostile file (a zip bomb, a PDF whose objects loop, a 200 MB scan) ends the child,
never the web server or the import. The child prints one JSON object; the parent turns
whatever happened (exit code, signal, timeout, output) into an :class:`Extraction`
carrying a problem code that the document page and the import report explain.

Readers are maintained libraries: pypdf (PDF), odfpy (ODT), python-docx (DOCX), lxml
(HTML, hardened parser); plain text is decoded as UTF-8, else Windows-1252.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalogue.documents.kinds import DOCX, HTML, ODT, PDF, TEXT

#: Problem codes (explained in French on the pages: :mod:`catalogue.web.documents`).
ENCRYPTED, CORRUPT, EMPTY, ZIP_BOMB, TIME, MEMORY, UNSUPPORTED, NO_TEXT, TRUNCATED, FAILED = (
    "encrypted", "corrupt", "empty", "zip_bomb", "time", "memory", "unsupported", "no_text",
    "truncated", "failed")
_SPACES = re.compile(r"[ \t\u00a0]+")
#: An archive member may not inflate more than this many times, nor past this many bytes.
MAX_RATIO = 100
MAX_UNZIPPED = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Extraction:
    """Pages of text (page number -> text; page 0 for a document without pages) and problems.

    ``problem`` is empty when the text was read; ``page_count`` is the document's own
    count of pages (PDF), which may exceed the pages read (``truncated``).
    """

    pages: tuple[tuple[int, str], ...] = ()
    page_count: int = 0
    problem: str = ""
    detail: str = ""
    warnings: tuple[str, ...] = field(default=())
    seconds: float = 0.0


# --- the child ---------------------------------------------------------------------------

class Problem(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def _pdf(path: Path, max_pages: int) -> dict[str, Any]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (NotImplementedError, PdfReadError) as exc:
                raise Problem(ENCRYPTED, str(exc)[:200]) from None
            if not opened:
                raise Problem(ENCRYPTED)
        count = len(reader.pages)
        pages = []
        for number, page in enumerate(reader.pages, 1):
            if number > max_pages:
                break
            pages.append((number, _SPACES.sub(" ", page.extract_text() or "")))
    except FileNotDecryptedError:
        raise Problem(ENCRYPTED) from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, IndexError,
            AttributeError, AssertionError, RecursionError, OSError) as exc:
        raise Problem(CORRUPT, f"{type(exc).__name__}: {exc}"[:300]) from None
    return {"pages": pages, "page_count": count,
            "warnings": ["truncated"] if count > max_pages else []}


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(
                        info.compress_size, 1):
                    raise Problem(ZIP_BOMB, f"{info.filename}: {info.file_size} octets "
                                            f"pour {info.compress_size} compressés")
            if total > MAX_UNZIPPED:
                raise Problem(ZIP_BOMB, f"{total} octets décompressés")
    except zipfile.BadZipFile as exc:
        raise Problem(CORRUPT, str(exc)[:200]) from None


def _odt(path: Path) -> dict[str, Any]:
    _check_zip(path)
    from odf import teletype, text
    from odf.opendocument import load

    try:
        doc = load(str(path))
        parts = [teletype.extractText(p) for p in doc.getElementsByType(text.H)
                 + doc.getElementsByType(text.P)]
    except (KeyError, ValueError, zipfile.BadZipFile, AttributeError, TypeError) as exc:
        raise Problem(CORRUPT, f"{type(exc).__name__}: {exc}"[:300]) from None
    except Exception as exc:  # the XML parser's own errors (SAX)
        raise Problem(CORRUPT, f"{type(exc).__name__}: {exc}"[:300]) from None
    return {"pages": [(0, "\n".join(parts))], "page_count": 0, "warnings": []}


def _docx(path: Path) -> dict[str, Any]:
    _check_zip(path)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        for table in document.tables:
            parts.extend(cell.text for row in table.rows for cell in row.cells)
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Problem(CORRUPT, f"{type(exc).__name__}: {exc}"[:300]) from None
    except Exception as exc:  # lxml's XMLSyntaxError and the like
        raise Problem(CORRUPT, f"{type(exc).__name__}: {exc}"[:300]) from None
    return {"pages": [(0, "\n".join(parts))], "page_count": 0, "warnings": []}


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _html(path: Path) -> dict[str, Any]:
    from lxml import etree, html

    parser = html.HTMLParser(no_network=True, remove_comments=True, recover=True)
    try:
        root = html.document_fromstring(_decode(path.read_bytes()), parser=parser)
        for bad in root.iter("script", "style"):
            bad.text = ""
        body = " ".join(str(t) for t in root.itertext())
    except (etree.ParserError, ValueError) as exc:
        raise Problem(CORRUPT, str(exc)[:200]) from None
    return {"pages": [(0, " ".join(body.split()))], "page_count": 0, "warnings": []}


def _text(path: Path) -> dict[str, Any]:
    return {"pages": [(0, _decode(path.read_bytes()))], "page_count": 0, "warnings": []}


def read(path: Path, kind: str, max_pages: int) -> dict[str, Any]:
    """The child's work: the pages of ``path`` as a JSON-able dict (a problem as its code)."""
    if path.stat().st_size == 0:
        return {"problem": EMPTY}
    readers = {PDF: lambda: _pdf(path, max_pages), ODT: lambda: _odt(path),
               DOCX: lambda: _docx(path), HTML: lambda: _html(path), TEXT: lambda: _text(path)}
    if kind not in readers:
        return {"problem": UNSUPPORTED}
    try:
        result = readers[kind]()
    except Problem as exc:
        return {"problem": exc.code, "detail": exc.detail}
    except MemoryError:
        return {"problem": MEMORY}
    if not any(text.strip() for _, text in result["pages"]):
        result["problem"] = NO_TEXT
    return result


def _main(argv: list[str]) -> int:
    path, kind, max_pages = Path(argv[0]), argv[1], int(argv[2])
    _limits(int(argv[3]), int(argv[4]))  # before any reader is imported
    out = read(path, kind, max_pages)
    sys.stdout.write(json.dumps(out, ensure_ascii=True))
    sys.stdout.flush()
    return 0


# --- the parent --------------------------------------------------------------------------

def _limits(seconds: int, memory_mb: int) -> None:
    """Limit this (child) process: set by the child itself as it starts, not by a
    ``preexec_fn``, which is unsafe in the threaded web server that may start it."""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the child writes no file
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def extract(path: Path, kind: str, *, seconds: int = 60, memory_mb: int = 512,
            max_pages: int = 2000) -> Extraction:
    """Read ``path`` (of ``kind``, see :mod:`.kinds`) in a limited child process."""
    import time

    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH")}
    env["PYTHONHASHSEED"] = "0"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "catalogue.documents.extraction", str(path), kind,
             str(max_pages), str(seconds), str(memory_mb)],
            capture_output=True, timeout=seconds * 2 + 10, env=env,
            stdin=subprocess.DEVNULL, check=False,
        )
    except subprocess.TimeoutExpired:
        return Extraction(problem=TIME, seconds=time.perf_counter() - started)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        if done.returncode in (-9, -24) or "CPU time" in stderr:  # SIGKILL / SIGXCPU
            return Extraction(problem=TIME, seconds=elapsed)
        if "MemoryError" in stderr or "Cannot allocate" in stderr:
            return Extraction(problem=MEMORY, seconds=elapsed)
        return Extraction(problem=FAILED, detail=stderr.strip().splitlines()[-1][:300]
                          if stderr.strip() else f"exit {done.returncode}", seconds=elapsed)
    try:
        out = json.loads(done.stdout)
    except ValueError:
        return Extraction(problem=FAILED, detail="sortie illisible", seconds=elapsed)
    pages = tuple((int(n), str(text)) for n, text in out.get("pages", ()))
    return Extraction(pages=pages, page_count=int(out.get("page_count", 0)),
                      problem=str(out.get("problem", "")), detail=str(out.get("detail", "")),
                      warnings=tuple(out.get("warnings", ())), seconds=elapsed)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
