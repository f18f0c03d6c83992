"""Documents the tests generate: PDFs in French (accents, ligatures), ODT, DOCX, HTML, bad files.

Nothing is copied from elsewhere: every file is made here, with fpdf2 (PDF), odfpy (ODT),
python-docx (DOCX) and zipfile (the zip bomb).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from docx import Document as DocxDocument
from fpdf import FPDF
from odf.opendocument import OpenDocumentText
from odf.text import P

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
#: French text with accents and the œ ligature, as reports are written.
FRENCH = ("Les acteurs de la politique de la ville évaluent l'efficacité des contrats "
          "de cohésion sociale ; le cœur du rapport décrit l'œuvre éducative des quartiers.")


def pdf(pages: Sequence[str], password: str = "") -> bytes:
    """A PDF with one page per text (a Unicode font when the system has DejaVu)."""
    doc = FPDF()
    if FONT.exists():
        doc.add_font("dejavu", "", str(FONT))
        doc.set_font("dejavu", size=11)
        clean = list(pages)
    else:  # the core fonts are Latin-1: the œ ligature becomes "oe"
        doc.set_font("helvetica", size=11)
        clean = [p.replace("œ", "oe").replace("Œ", "OE").replace("ﬁ", "fi") for p in pages]
    if password:
        doc.set_encryption(owner_password="proprietaire", user_password=password)
    for text in clean:
        doc.add_page()
        doc.multi_cell(0, 6, text)
    return bytes(doc.output())


def numbered_pdf(count: int, special: dict[int, str] | None = None) -> bytes:
    """A ``count``-page report; page n says its number, ``special`` adds words on some pages."""
    extra = special or {}
    return pdf([f"Page {n}. {FRENCH} {extra.get(n, '')}" for n in range(1, count + 1)])


def odt(paragraphs: Sequence[str]) -> bytes:
    doc = OpenDocumentText()
    for text in paragraphs:
        doc.text.addElement(P(text=text))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def docx(paragraphs: Sequence[str]) -> bytes:
    doc = DocxDocument()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def html(body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang=fr><head><meta charset=utf-8><title>Dossier</title>"
            f"<style>p {{color: red}}</style><script>var x = 'scriptword';</script></head>"
            f"<body><h1>Dossier</h1><p>{body}</p></body></html>").encode()


def zip_bomb_docx(megabytes: int = 60) -> bytes:
    """A DOCX whose document.xml inflates to ``megabytes`` MB from a few dozen kB."""
    real = zipfile.ZipFile(io.BytesIO(docx(["Bombe"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in real.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info.filename, real.read(info.filename))
        with bomb.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                         b'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
            chunk = b" " * (1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
            member.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def corrupt_pdf() -> bytes:
    """A PDF header followed by garbage: no readable cross-reference nor objects."""
    whole = pdf(["Texte perdu"])
    return whole[:40] + b"\x00\xff garbage " * 50


def truncated_pdf() -> bytes:
    whole = numbered_pdf(3)
    return whole[: len(whole) // 3]


def write_big_pdf(path: Path, megabytes: int = 200) -> None:
    """A valid PDF of ``megabytes`` MB: a one-page report plus, in an incremental update
    (PDF 1.7, 7.5.6), a large binary stream object, written without holding it in memory."""
    import os
    import re

    base = pdf(["Rapport volumineux : annexes numérisées."])
    start = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    size = int(re.findall(rb"/Size (\d+)", base)[-1])
    root = re.findall(rb"/Root (\d+ \d+ R)", base)[-1]
    length = megabytes * 1024 * 1024
    with open(path, "wb") as out:
        out.write(base)
        if not base.endswith(b"\n"):
            out.write(b"\n")
        offset = out.tell()
        out.write(f"{size} 0 obj\n<< /Length {length} >>\nstream\n".encode())
        chunk = os.urandom(1024 * 1024)
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        out.write(f"xref\n{size} 1\n{offset:010d} 00000 n \n".encode())
        out.write(b"trailer\n<< /Size " + str(size + 1).encode() + b" /Root " + root
                  + b" /Prev " + str(start).encode() + b" >>\nstartxref\n"
                  + str(xref).encode() + b"\n%%EOF\n")
