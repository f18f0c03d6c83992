"""Files an answer sends: checked (count, type, emptiness), kept with the answer that
sent them (``question_attachments``), attached to its mail and downloaded from the
asker's follow-up page or the staff's question page.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, func, select

from catalogue.questions.model import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENTS,
    AttachedFile,
    QuestionError,
    Upload,
)
from catalogue.questions.tables import question_attachments


def clean_uploads(uploads: Sequence[Upload]) -> list[tuple[str, str, bytes]]:
    """(file name, MIME type, bytes) of each non-empty upload, or a QuestionError."""
    files = [u for u in uploads if u.filename or u.content]
    if len(files) > MAX_ATTACHMENTS:
        raise QuestionError(f"Joignez {MAX_ATTACHMENTS} fichiers au plus.", "attachments")
    out = []
    for upload in files:
        name = "".join(c for c in upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
                       if c.isprintable() and c not in '"<>|:*?')[-120:].strip(" .")
        kind = ATTACHMENT_TYPES.get(name.rpartition(".")[2].lower()) if "." in name else None
        if not name or kind is None:
            raise QuestionError("Joignez des fichiers PDF, ODT, ODS, DOCX, XLSX, CSV, TXT, "
                                "PNG ou JPG.", "attachments")
        if not upload.content:
            raise QuestionError(f"Le fichier {name} est vide.", "attachments")
        out.append((name, kind, upload.content))
    return out


def listed(engine: Engine, question_id: int) -> list[AttachedFile]:
    """The files the answers to this question sent, without their bytes."""
    with engine.connect() as conn:
        return [AttachedFile(r.id, r.event_id, r.filename, r.mime, r.size) for r in
                conn.execute(select(question_attachments.c.id, question_attachments.c.event_id,
                                    question_attachments.c.filename,
                                    question_attachments.c.mime,
                                    func.length(question_attachments.c.content).label("size"))
                             .where(question_attachments.c.question_id == question_id)
                             .order_by(question_attachments.c.id))]


def content(engine: Engine, question_id: int,
            attachment_id: int) -> tuple[str, str, bytes] | None:
    """(file name, MIME type, bytes) of one file an answer to this question sent."""
    with engine.connect() as conn:
        row = conn.execute(select(question_attachments).where(
            question_attachments.c.id == attachment_id,
            question_attachments.c.question_id == question_id)).first()
    return (row.filename, row.mime, bytes(row.content)) if row is not None else None
