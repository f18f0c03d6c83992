"""Documents attached to records: adding a file, reading its text, who may download it.

Every way in (staff upload on the record page, the drop folder, a fetch from the centre's
own PMB) ends in :meth:`Documents.attach`: the bytes go to the content-addressed store
(the same bytes cost nothing twice), the kind is read from the content, a row links the
file to the record, then :meth:`Documents.extract` reads the text in a limited child
process and keeps it page by page. A problem (encrypted, corrupt, empty, zip bomb, a name
that lies about the type...) is recorded on the document and reported: the record and
the file stay.

Partners' documents stay links to the partner (the 897 URL), unless their source is
declared ``redistribute = true``: only records of the centre's own source or of such
sources may hold files here (:meth:`Documents.may_hold`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from catalogue.documents import access, extraction, kinds
from catalogue.documents.settings import DocumentSettings
from catalogue.documents.store import FileStore, Readable, TooLarge
from catalogue.store.document_tables import document_pages, documents
from catalogue.store.tables import records
from indexes.analysis import fold, stems

MAX_NAME = 200


class DocumentError(Exception):
    """A document that cannot be added, with a French message and the form field it concerns."""

    def __init__(self, message: str, field: str = "file", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        #: What went wrong, for the pages to say it in the reader's language ("" = see message).
        self.code = code


#: Why a file is refused (:func:`kinds.refusal`), in French (the web pages translate them).
REFUSALS = {
    kinds.REFUSED_EMPTY: "Le fichier est vide : choisissez un fichier qui a un contenu.",
    kinds.REFUSED_PROGRAM: "Les programmes (.exe, .msi, .bat, .js, .sh, .com, .scr ou "
                           "exécutables) ne peuvent pas être joints.",
}


@dataclass(frozen=True, slots=True)
class Document:
    """A file attached to a record, as the pages show it."""

    id: int
    record_id: int
    global_id: str
    sha256: str
    filename: str
    kind: str
    media_type: str
    size: int
    access: str  # the level in force (the document's own, else the [documents] default)
    own_access: str | None
    origin: str
    origin_ref: str
    problem: str
    detail: str
    warnings: tuple[str, ...]
    page_count: int
    pages_read: int
    extracted_at: datetime | None
    created_at: datetime

    @property
    def etag(self) -> str:
        """The strong validator of the bytes (their hash)."""
        return self.sha256

    @property
    def has_text(self) -> bool:
        return self.extracted_at is not None and not self.problem


@dataclass(frozen=True, slots=True)
class Passage:
    """Where a query's words were found in a record's full text."""

    document_id: int
    page: int  # 0: a document without pages
    text: str  # plain text around the first match (escaped by the template)
    words: tuple[str, ...]  # the matching words as they appear, for highlighting


def clean_filename(name: str) -> str:
    """A file name as shown and sent back: its last path part, no control characters."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) > MAX_NAME:
        suffix = PurePath(base).suffix[:16]
        base = base[:MAX_NAME - len(suffix)] + suffix
    return base or "document"


def _select() -> Any:
    return select(documents, records.c.source, records.c.source_id).join(
        records, records.c.id == documents.c.record_id)


class Documents:
    """The documents of one deployment (its store and its ``[documents]`` settings)."""

    def __init__(self, engine: Engine, settings: DocumentSettings,
                 holders: Iterable[str] = ()) -> None:
        self.engine = engine
        self.settings = settings
        self.files = FileStore(settings.dir)
        #: Sources whose records may hold files here (the centre's own, redistributable ones).
        self.holders = frozenset(holders)

    # --- reading ------------------------------------------------------------------------

    def _document(self, row: Any) -> Document:
        own = row.access
        return Document(
            id=row.id, record_id=row.record_id, global_id=f"{row.source}:{row.source_id}",
            sha256=row.sha256, filename=row.filename, kind=row.kind, media_type=row.media_type,
            size=row.size, access=own or self.settings.access, own_access=own,
            origin=row.origin, origin_ref=row.origin_ref, problem=row.problem,
            detail=row.detail, warnings=tuple(w for w in row.warnings.split(",") if w),
            page_count=row.page_count, pages_read=row.pages_read,
            extracted_at=row.extracted_at, created_at=row.created_at)

    def get(self, document_id: int) -> Document | None:
        with self.engine.connect() as conn:
            row = conn.execute(_select().where(documents.c.id == document_id)).first()
        return self._document(row) if row is not None else None

    def of_record(self, record_id: int) -> list[Document]:
        with self.engine.connect() as conn:
            rows = conn.execute(_select().where(documents.c.record_id == record_id)
                                .order_by(documents.c.id)).all()
        return [self._document(r) for r in rows]

    def of_records(self, global_ids: Sequence[str]) -> dict[str, list[Document]]:
        """The documents of each of these records (absent ids: none)."""
        found: dict[str, list[Document]] = {}
        wanted = set(global_ids)
        if not wanted:
            return found
        sources = {g.partition(":")[0] for g in wanted}
        with self.engine.connect() as conn:
            rows = conn.execute(_select().where(records.c.source.in_(sources),
                                                records.c.deleted.is_(False))
                                .order_by(documents.c.id)).all()
        for row in rows:
            doc = self._document(row)
            if doc.global_id in wanted:
                found.setdefault(doc.global_id, []).append(doc)
        return found

    def pages(self, document_id: int) -> list[tuple[int, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(document_pages.c.page, document_pages.c.text)
                                .where(document_pages.c.document_id == document_id)
                                .order_by(document_pages.c.page)).all()
        return [(r.page, r.text) for r in rows]

    def may_hold(self, source: str) -> bool:
        """Whether records of ``source`` may hold files here (else they stay links)."""
        return source in self.holders

    def record_id(self, source: str, source_id: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(records.c.id).where(
                records.c.source == source, records.c.source_id == source_id,
                records.c.deleted.is_(False))).scalar()

    # --- adding -------------------------------------------------------------------------

    def attach(self, record_id: int, filename: str, stream: Readable, now: datetime, *,
               origin: str = "upload", origin_ref: str = "", level: str | None = None,
               extract: bool = True) -> Document:
        """Keep the file ``stream`` holds and link it to the record ``record_id``.

        Raises:
            DocumentError: the record may not hold files, the file is too large, or the
                access level is unknown. Problems of the file's content are not raised:
                they are recorded on the document.
        """
        if level is not None and level not in access.LEVELS:
            raise DocumentError("Niveau d'accès inconnu.", "access")
        with self.engine.connect() as conn:
            row = conn.execute(select(records.c.source).where(
                records.c.id == record_id, records.c.deleted.is_(False))).first()
        if row is None:
            raise DocumentError("Cette notice n'existe pas ou a été supprimée.", "record")
        if not self.may_hold(row.source):
            raise DocumentError("Les documents de ce centre partenaire restent chez lui : "
                                "sa source n'autorise pas la redistribution.", "record")
        limit = self.settings.max_upload_mb * 1024 * 1024
        try:
            stored = self.files.put(stream, limit)
        except TooLarge:
            raise DocumentError(f"Le fichier dépasse la taille maximale de "
                                f"{self.settings.max_upload_mb} Mo.") from None
        name = clean_filename(filename)
        refused = kinds.refusal(self.files.path(stored.sha256), name)
        if refused:
            if stored.new and not self._sha_used(stored.sha256):
                self.files.path(stored.sha256).unlink(missing_ok=True)
            raise DocumentError(REFUSALS[refused], "file", refused)
        kind = kinds.sniff(self.files.path(stored.sha256), name)
        warnings = ["kind_mismatch"] if kind.lies else []
        values = {"record_id": record_id, "sha256": stored.sha256, "filename": name,
                  "kind": kind.kind, "media_type": kind.media_type, "size": stored.size,
                  "access": level, "origin": origin, "origin_ref": origin_ref[:2000],
                  "problem": "", "detail": "", "warnings": ",".join(warnings),
                  "page_count": 0, "pages_read": 0, "extracted_at": None, "created_at": now}
        with self.engine.begin() as conn:
            existing = conn.execute(select(documents.c.id).where(
                documents.c.record_id == record_id,
                documents.c.sha256 == stored.sha256)).scalar()
            if existing is None:
                key = conn.execute(insert(documents).values(values)).inserted_primary_key
                assert key is not None
                document_id = int(key[0])
            else:
                document_id = int(existing)
                fresh = {"filename": name}
                if level is not None:
                    fresh["access"] = level
                conn.execute(update(documents).where(documents.c.id == document_id)
                             .values(fresh))
        if extract and existing is None:
            self.extract(document_id, now)
        self.request_index(record_id, now)
        found = self.get(document_id)
        assert found is not None
        if found.access == access.PUBLIC:
            self.announce(record_id, now)
        return found

    def _sha_used(self, sha256: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.id).where(
                documents.c.sha256 == sha256).limit(1)).first() is not None

    def extract(self, document_id: int, now: datetime) -> Document | None:
        """Read the document's text (in a limited child process) and keep it page by page."""
        doc = self.get(document_id)
        if doc is None:
            return None
        if doc.kind == kinds.EMPTY:
            result = extraction.Extraction(problem=extraction.EMPTY)
        elif doc.kind not in kinds.READABLE:
            result = extraction.Extraction(problem=extraction.UNSUPPORTED)
        else:
            result = extraction.extract(
                self.files.path(doc.sha256), doc.kind,
                seconds=self.settings.extraction_seconds,
                memory_mb=self.settings.extraction_memory_mb, max_pages=self.settings.max_pages)
        warnings = [w for w in doc.warnings if w != extraction.TRUNCATED]
        warnings += [w for w in result.warnings if w not in warnings]
        with self.engine.begin() as conn:
            conn.execute(delete(document_pages).where(document_pages.c.document_id == document_id))
            rows = [{"document_id": document_id, "page": n, "text": _storable(t)}
                    for n, t in result.pages if t.strip()]
            if rows and not result.problem:
                conn.execute(insert(document_pages), rows)
            conn.execute(update(documents).where(documents.c.id == document_id).values(
                problem=result.problem, detail=result.detail[:1000],
                warnings=",".join(warnings), page_count=result.page_count,
                pages_read=len(result.pages) if not result.problem else 0, extracted_at=now))
        self.request_index(doc.record_id, now)
        return self.get(document_id)

    def set_access(self, document_id: int, level: str | None, now: datetime) -> None:
        if level is not None and level not in access.LEVELS:
            raise DocumentError("Niveau d'accès inconnu.", "access")
        before = self.get(document_id)
        if before is not None and access.PUBLIC in (before.access, level or self.settings.access):
            self.announce(before.record_id, now)
        with self.engine.begin() as conn:
            record_id = conn.execute(update(documents).where(documents.c.id == document_id)
                                     .values(access=level).returning(documents.c.record_id)
                                     ).scalar()
        if record_id is not None:
            self.request_index(record_id, now)

    def remove(self, document_id: int, now: datetime) -> None:
        """Unlink the document from its record (the bytes stay while another row uses them)."""
        before = self.get(document_id)
        if before is not None and before.access == access.PUBLIC:
            self.announce(before.record_id, now)
        with self.engine.begin() as conn:
            found = conn.execute(select(documents.c.sha256, documents.c.record_id).where(
                documents.c.id == document_id)).first()
            sha = found.sha256 if found is not None else None
            conn.execute(delete(document_pages).where(document_pages.c.document_id == document_id))
            conn.execute(delete(documents).where(documents.c.id == document_id))
            still = sha is not None and conn.execute(select(documents.c.id).where(
                documents.c.sha256 == sha).limit(1)).first() is not None
        if sha and not still:
            self.files.path(sha).unlink(missing_ok=True)
        if found is not None:
            self.request_index(found.record_id, now)

    # --- full text ----------------------------------------------------------------------

    def fulltext(self, record_ids: Iterable[int] | None = None) -> dict[str, dict[str, str]]:
        """See :func:`stored_fulltext` (with this deployment's default access level)."""
        return stored_fulltext(self.engine, self.settings.access, record_ids=record_ids)

    def announce(self, record_id: int, now: datetime) -> None:
        """A public document of the record changed: OAI partners and DSI must see it.

        The record's datestamp moves to ``now`` (later than its previous one), so an
        incremental harvest asks for it again, and its cached OAI metadata is dropped,
        so the provider writes it again with its documents' links.
        """
        from catalogue.store.dissemination_tables import oai_disseminations

        with self.engine.begin() as conn:
            old = conn.execute(select(records.c.datestamp).where(
                records.c.id == record_id)).scalar()
            if old is None:
                return
            stamp = now if now > old else old + timedelta(seconds=1)
            conn.execute(update(records).where(records.c.id == record_id)
                         .values(datestamp=stamp))
            conn.execute(delete(oai_disseminations).where(
                oai_disseminations.c.record_id == record_id))

    def request_index(self, record_id: int, now: datetime) -> None:
        """Have the index job re-read the record (its documents changed)."""
        from catalogue.lending.availability import request_refresh

        request_refresh(self.engine, [record_id], now)

    def passage(self, docs: Sequence[Document], query: str, viewer: str,
                width: int = 220) -> Passage | None:
        """The first place the query's words appear in the text ``viewer`` may download."""
        wanted = set(stems(query))
        if not wanted:
            return None
        # A page can hold a word of a stem only if its folded text holds the stem's start:
        # a cheap test that spares stemming every word of pages that cannot match.
        starts = {w[:4] for w in wanted}
        for doc in docs:
            if not doc.has_text or not access.allows(viewer, doc.access):
                continue
            for page, text in self.pages(doc.id):
                folded = fold(text)
                if not any(start in folded for start in starts):
                    continue
                found = _first_match(text, wanted)
                if found is None:
                    continue
                start, end = found
                left = max(0, start - width // 2)
                right = min(len(text), end + width // 2)
                excerpt = " ".join(text[left:right].split())
                words = tuple(m.group(0) for m in _WORD.finditer(excerpt)
                              if set(stems(m.group(0))) & wanted)
                return Passage(doc.id, page, ("…" if left else "") + excerpt
                               + ("…" if right < len(text) else ""), words)
        return None


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def _first_match(text: str, wanted: set[str]) -> tuple[int, int] | None:
    for match in _WORD.finditer(text):
        if set(stems(match.group(0))) & wanted:
            return match.start(), match.end()
    return None


def _storable(text: str) -> str:
    """Text a database column takes (no NUL, which PostgreSQL refuses)."""
    return text.replace("\x00", "")


def documented_records(engine: Engine) -> set[int]:
    """Ids of the records with at least one document whose text was read."""
    with engine.connect() as conn:
        return set(conn.execute(select(documents.c.record_id).where(
            documents.c.problem == "", documents.c.extracted_at.is_not(None)).distinct()
        ).scalars())


def stored_fulltext(engine: Engine, default_access: str, *, record_ids: Iterable[int] | None = None,
                    where: Any = None, by_id: bool = False) -> dict[Any, dict[str, str]]:
    """Global id -> access level -> the text of the record's documents of that level.

    What the index writers take (:data:`indexes.documents.FullText`, through ``.get``):
    live records' documents whose text was read without a problem; a document without a
    level of its own has ``default_access``. ``record_ids`` or ``where`` (a condition on
    ``records``) limit it to some records; ``by_id`` keys it by record id instead.
    """
    query = (select(records.c.id, records.c.source, records.c.source_id, documents.c.access,
                    document_pages.c.text)
             .join(documents, documents.c.id == document_pages.c.document_id)
             .join(records, records.c.id == documents.c.record_id)
             .where(records.c.deleted.is_(False), documents.c.problem == "")
             .order_by(documents.c.id, document_pages.c.page))
    if record_ids is not None:
        ids = list(record_ids)
        if not ids:
            return {}
        query = query.where(documents.c.record_id.in_(ids))
    if where is not None:
        query = query.where(where)
    out: dict[Any, dict[str, list[str]]] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            level = row.access or default_access
            key = row.id if by_id else f"{row.source}:{row.source_id}"
            out.setdefault(key, {}).setdefault(level, []).append(row.text)
    return {gid: {lvl: "\n".join(t) for lvl, t in by.items()} for gid, by in out.items()}


def public_links(conn: Any, record_ids: Sequence[int], base_url: str,
                 default_access: str) -> dict[int, list[tuple[str, str, str]]]:
    """Record id -> (download URL, media type, file name) of its public documents.

    What the OAI provider announces (oai_dc ``dc:identifier``, 856 in the MARC formats)
    and DSI digests link to; anyone may download these.
    """
    if not record_ids:
        return {}
    query = (select(documents.c.id, documents.c.record_id, documents.c.media_type,
                    documents.c.filename, documents.c.access)
             .where(documents.c.record_id.in_(list(record_ids)))
             .order_by(documents.c.id))
    out: dict[int, list[tuple[str, str, str]]] = {}
    for row in conn.execute(query):
        if (row.access or default_access) != access.PUBLIC:
            continue
        url = f"{base_url.rstrip('/')}/document/{row.id}/fichier"
        out.setdefault(row.record_id, []).append(
            (url, row.media_type.split(";")[0].strip(), row.filename))
    return out


def holders(local: str, redistributable: Mapping[str, bool]) -> frozenset[str]:
    """The sources whose records may hold files: the centre's own and redistributable ones."""
    return frozenset({local, *(s for s, ok in redistributable.items() if ok)} - {""})
