"""The documents drop folder, and files fetched once from the centre's own PMB.

Files dropped in ``[documents] folder`` are attached to records: to the one named by a
sidecar ``FILE.notice`` (lines ``notice = <record id>`` and optionally ``acces = public``),
else to every record whose 897 (PMB's digital documents) names the file (its file name,
its name, or the last part of its URL). Each file then moves to ``done/`` (attached,
whatever its text gave) or ``failed/`` (no record, too large) with ``FILE.report.txt``
beside it; :func:`import_folder` returns the same lines, which ``catalogue documents
import`` prints: the import report. A bad file never stops the others, and its record is
always kept.

:func:`fetch_from_pmb` downloads, once, the files of the centre's records whose 897 URL
starts with ``[documents] pmb_url`` (never a partner's: their documents stay links).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from catalogue.documents import access, extraction
from catalogue.documents.service import DocumentError, Documents
from catalogue.records import from_json
from catalogue.store.document_tables import documents
from catalogue.store.tables import records

#: What a problem means, in the import report (the pages say it in the reader's language).
PROBLEMS = {
    extraction.ENCRYPTED: "PDF chiffré : texte illisible",
    extraction.CORRUPT: "fichier endommagé ou illisible",
    extraction.EMPTY: "fichier vide",
    extraction.ZIP_BOMB: "archive démesurée (bombe de décompression) : non lue",
    extraction.TIME: "lecture du texte trop longue (limite de temps)",
    extraction.MEMORY: "lecture du texte trop gourmande (limite de mémoire)",
    extraction.UNSUPPORTED: "type de fichier non lu",
    extraction.NO_TEXT: "aucun texte (document numérisé ?)",
    extraction.FAILED: "lecture du texte en échec",
}
WARNINGS = {
    "kind_mismatch": "l'extension ne correspond pas au contenu",
    extraction.TRUNCATED: "pages au-delà de [documents] max_pages non lues",
}
SKIPPED_SUFFIXES = (".notice", ".report.txt", ".part", ".tmp", ".crdownload")


@dataclass
class FolderReport:
    """What one pass over the folder did, file by file."""

    attached: int = 0
    failed: int = 0
    problems: int = 0
    lines: list[str] = field(default_factory=list)


def _names(url: str, *others: str) -> set[str]:
    names = {o.strip() for o in others if o.strip()}
    path = PurePosixPath(unquote(urlsplit(url).path)).name
    if path:
        names.add(path)
    return names


def _by_897(service: Documents) -> dict[str, list[int]]:
    """File name -> ids of the records (of sources that may hold files) whose 897 names it."""
    found: dict[str, list[int]] = {}
    query = select(records.c.id, records.c.data).where(
        records.c.deleted.is_(False), records.c.source.in_(sorted(service.holders)),
        records.c.data.contains('"documents"'))
    with service.engine.connect() as conn:
        for row in conn.execute(query):
            for doc in from_json(row.data).documents:
                for name in _names(doc.url, doc.filename, doc.name):
                    found.setdefault(name, []).append(row.id)
    return found


def _sidecar(path: Path) -> dict[str, str]:
    side = path.with_name(path.name + ".notice")
    if not side.is_file():
        return {}
    values = {}
    for line in side.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip().strip('"')
    return values


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(".") and not path.name.endswith(
                SKIPPED_SUFFIXES):
            yield path


def _move(path: Path, target: Path, lines: list[str]) -> None:
    target.mkdir(exist_ok=True)
    destination = target / path.name
    shutil.move(str(path), destination)
    side = path.with_name(path.name + ".notice")
    if side.is_file():
        shutil.move(str(side), target / side.name)
    (target / f"{path.name}.report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def describe(doc: Any) -> str:
    """One report line about an attached document."""
    if doc.problem:
        state = "PROBLÈME : " + PROBLEMS.get(doc.problem, doc.problem)
    elif doc.page_count:
        state = f"texte lu ({doc.pages_read} pages sur {doc.page_count})"
    else:
        state = "texte lu"
    notes = "".join(f" ; {WARNINGS.get(w, w)}" for w in doc.warnings)
    return (f"{doc.global_id} : document {doc.id} ({doc.kind}, {doc.size} octets, "
            f"accès {doc.access}) – {state}{notes}")


def import_folder(service: Documents, folder: Path, local_source: str,
                  now: datetime) -> FolderReport:
    """Attach every file of ``folder`` (see the module docstring)."""
    report = FolderReport()
    folder.mkdir(parents=True, exist_ok=True)
    index = _by_897(service)
    for path in _files(folder):
        lines = [f"{path.name} :"]
        side = _sidecar(path)
        level = side.get("acces") or side.get("access") or None
        targets: list[int] = []
        wanted = side.get("notice", "")
        if wanted:
            source, sep, source_id = wanted.partition(":")
            if not sep:
                source, source_id = local_source, wanted
            record_id = service.record_id(source, source_id)
            if record_id is not None:
                targets.append(record_id)
            else:
                lines.append(f"  aucune notice {wanted!r} (fichier {path.name}.notice)")
        else:
            targets = list(dict.fromkeys(index.get(path.name, [])))
            if not targets:
                lines.append("  aucune notice ne nomme ce fichier en 897, et pas de "
                             f"fichier {path.name}.notice")
        if level is not None and level not in access.LEVELS:
            lines.append(f"  accès inconnu {level!r} : celui par défaut est appliqué")
            level = None
        attached = False
        for record_id in targets:
            try:
                with open(path, "rb") as stream:
                    doc = service.attach(record_id, path.name, stream, now, origin="folder",
                                         origin_ref=path.name, level=level)
            except DocumentError as exc:
                lines.append(f"  refusé : {exc.message}")
                continue
            attached = True
            report.attached += 1
            report.problems += bool(doc.problem)
            lines.append("  " + describe(doc))
        if not attached:
            report.failed += 1
        _move(path, folder / ("done" if attached else "failed"), lines)
        report.lines.extend(lines)
    return report


def fetch_from_pmb(service: Documents, pmb_url: str, now: datetime, *, session: Any = None,
                   timeout: float = 60.0) -> FolderReport:
    """Download once the files of our records whose 897 URL starts with ``pmb_url``."""
    import requests

    report = FolderReport()
    if not pmb_url:
        report.lines.append("[documents] pmb_url n'est pas renseigné : rien à télécharger")
        return report
    http = session or requests.Session()
    limit = service.settings.max_upload_mb * 1024 * 1024
    with service.engine.connect() as conn:
        fetched = {r.origin_ref for r in conn.execute(
            select(documents.c.origin_ref).where(documents.c.origin == "pmb"))}
        rows = conn.execute(select(records.c.id, records.c.data).where(
            records.c.deleted.is_(False), records.c.source.in_(sorted(service.holders)),
            records.c.data.contains('"documents"'))).all()
    for row in rows:
        record = from_json(row.data)
        for doc in record.documents:
            if not doc.url.startswith(pmb_url) or doc.url in fetched:
                continue
            line = f"{record.global_id} {doc.url} :"
            try:
                with http.get(doc.url, timeout=timeout, stream=True) as answer:
                    answer.raise_for_status()
                    answer.raw.decode_content = True
                    name = doc.filename or doc.name or PurePosixPath(urlsplit(doc.url).path).name
                    attached = service.attach(row.id, name, _Capped(answer.raw, limit), now,
                                              origin="pmb", origin_ref=doc.url)
            except (requests.RequestException, OSError) as exc:
                report.failed += 1
                report.lines.append(f"{line} téléchargement impossible ({exc})")
                continue
            except DocumentError as exc:
                report.failed += 1
                report.lines.append(f"{line} refusé : {exc.message}")
                continue
            fetched.add(doc.url)
            report.attached += 1
            report.problems += bool(attached.problem)
            report.lines.append(f"{line} {describe(attached)}")
    return report


class _Capped:
    """A response body read at most ``limit`` + 1 bytes (the store then refuses it)."""

    def __init__(self, raw: Any, limit: int) -> None:
        self.raw = raw
        self.left = limit + 1

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if size < 0 else min(size, self.left)
        data: bytes = self.raw.read(want)
        self.left -= len(data)
        return data
