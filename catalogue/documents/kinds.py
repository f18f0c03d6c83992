"""What a file is, read from its bytes (never from its name), and the media type it is served as.

A file whose extension or announced type says otherwise is reported (its name lies),
then read and served as what its content is.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

PDF, ODT, DOCX, HTML, TEXT, OTHER, EMPTY = "pdf", "odt", "docx", "html", "text", "other", "empty"
PNG, JPEG, GIF, WEBP = "png", "jpeg", "gif", "webp"
#: Images, known by their first bytes (served as what they are, shown inline by browsers).
IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG), (b"GIF87a", GIF),
               (b"GIF89a", GIF))

MEDIA_TYPES = {
    PDF: "application/pdf",
    ODT: "application/vnd.oasis.opendocument.text",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    HTML: "text/html; charset=utf-8",
    TEXT: "text/plain; charset=utf-8",
    OTHER: "application/octet-stream",
    EMPTY: "application/octet-stream",
    PNG: "image/png",
    JPEG: "image/jpeg",
    GIF: "image/gif",
    WEBP: "image/webp",
}
EXTENSIONS = {
    ".pdf": PDF, ".odt": ODT, ".docx": DOCX, ".html": HTML, ".htm": HTML, ".txt": TEXT,
    ".text": TEXT, ".md": TEXT, ".csv": TEXT, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG,
    ".gif": GIF, ".webp": WEBP,
}
LABELS = {PDF: "PDF", ODT: "ODT", DOCX: "DOCX", HTML: "HTML", TEXT: "texte",
          OTHER: "autre", EMPTY: "vide", PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WebP"}
#: Kinds whose text is extracted.
READABLE = frozenset({PDF, ODT, DOCX, HTML, TEXT})
#: Why a file is refused (:func:`refusal`): it is empty, or it is a program.
REFUSED_EMPTY, REFUSED_PROGRAM = "empty", "program"
#: Names of programs a reader's system would run on a double click.
PROGRAM_EXTENSIONS = frozenset({".exe", ".msi", ".bat", ".js", ".sh", ".com", ".scr"})
#: First bytes of programs: Windows (MZ), Linux (ELF), scripts (``#!``).
PROGRAM_MAGIC = (b"MZ", b"\x7fELF", b"#!")
#: Media types browsers show without running anything: served inline, others as attachments.
#: Not PDF: every download carries a sandboxing CSP (``sandbox; default-src 'none'``),
#: under which Chromium's PDF viewer (a plugin, ``object-src``) does not open, so an
#: inline PDF would be a blocked page where an attachment is a file the reader keeps.
SHOWN_INLINE = frozenset({"text/plain", "image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True, slots=True)
class Kind:
    """The kind read from the content, and the one the file's name announced (if any)."""

    kind: str
    announced: str = ""

    @property
    def lies(self) -> bool:
        """The name announces a kind the content is not."""
        return bool(self.announced) and self.announced != self.kind

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200 and archive.read("mimetype").strip() == \
                        b"application/vnd.oasis.opendocument.text":
                    return ODT
            if "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return OTHER
    return OTHER


def refusal(path: Path, filename: str = "") -> str:
    """Why the file at ``path`` may not be attached ("" if it may).

    An empty file holds nothing to read, and a program (by its name or its first bytes)
    would be offered to readers' machines from the catalogue's origin: both are refused
    at the door rather than recorded with a problem.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        return REFUSED_EMPTY
    if PurePath(filename).suffix.lower() in PROGRAM_EXTENSIONS or head.startswith(PROGRAM_MAGIC):
        return REFUSED_PROGRAM
    return ""


def shown_inline(media_type: str) -> bool:
    """Whether browsers show files of ``media_type`` safely (plain text, images)."""
    return media_type.split(";")[0].strip().lower() in SHOWN_INLINE


def sniff(path: Path, filename: str = "") -> Kind:
    """The kind of the file at ``path``; ``filename``: the name it came with."""
    announced = EXTENSIONS.get(PurePath(filename).suffix.lower(), "") if filename else ""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        return Kind(EMPTY, announced)
    if b"%PDF-" in head[:1024]:
        return Kind(PDF, announced)
    for magic, image in IMAGE_MAGIC:
        if head.startswith(magic):
            return Kind(image, announced)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind(WEBP, announced)
    if head.startswith(b"PK\x03\x04"):
        return Kind(_zip_kind(path), announced)
    lowered = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered[:512]:
        return Kind(HTML, announced)
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return Kind(TEXT, announced)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the 4096-byte window
                return Kind(TEXT, announced)
            if all(b >= 0x20 or b in b"\t\r\n\f" for b in head):
                return Kind(TEXT, announced)  # Latin-1 / Windows-1252 text
    return Kind(OTHER, announced)
