"""Demo covers: images drawn here (Pillow) and attached to some demo books.

The demo's 896 thumbnails name the centre's PMB on the Internet, which `make run` must not
call (and thumbnails are off by default), so without this the demo showed no cover at all.
An attached public image is a cover (see :mod:`catalogue.web.covers`): these are drawn
locally, deterministic for a record, and attached through the documents feature like any
file staff upload, so attaching them twice keeps one copy.
"""

from __future__ import annotations

import io
import unicodedata
import zlib
from collections.abc import Iterator
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import Engine, select

from catalogue.documents import access
from catalogue.documents.service import Documents
from catalogue.records import Record
from catalogue.store.opac import entries
from catalogue.store.tables import records

#: Background colours of the drawn covers (dark enough for white text).
PALETTE = ((31, 78, 121), (122, 38, 58), (36, 94, 64), (90, 62, 130), (150, 70, 20),
           (40, 40, 48))
#: How many candidate records are read, at most, to find the books to dress.
SCAN = 400


def _lines(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters, at spaces, five at most."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word[:width])
    return lines[:5]


#: A font with the accented letters of French (Debian's fonts-dejavu-core, which Chromium
#: brings); Pillow's own default font draws "é" as an empty box.
FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
_FOLD = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "’": "'", "«": '"',
                       "»": '"', "\u00a0": " ", "\u202f": " "})


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first of :data:`FONTS` installed, else Pillow's default font."""
    for name in FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def drawable(face: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> str:
    """``text`` as ``face`` can draw it: unchanged when it has every glyph, else folded
    to ASCII (accents dropped, "œ" as "oe") rather than drawn as empty boxes."""
    missing = face.getmask("\uffff").getbbox()
    if all(face.getmask(c).getbbox() != missing for c in set(text) if not c.isspace()):
        return text
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in folded if c.isascii())


def cover_png(title: str, author: str = "") -> bytes:
    """A 320 x 480 PNG cover showing ``title`` and ``author``; the same text, the same image."""
    colour = PALETTE[zlib.crc32(title.encode("utf-8")) % len(PALETTE)]
    image = Image.new("RGB", (320, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 303, 463), outline=(255, 255, 255), width=3)
    big, small = font(26), font(18)
    y = 60
    for line in _lines(drawable(big, title), 18):
        draw.text((32, y), line, fill=(255, 255, 255), font=big)
        y += 34
    if author:
        for line in _lines(drawable(small, author), 26)[:2]:
            draw.text((32, 400), line, fill=(235, 235, 235), font=small)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _books(engine: Engine, source: str) -> Iterator[tuple[int, Record]]:
    """The source's printed books (not periodicals, issues or articles) with a title."""
    with engine.connect() as conn:
        rows = conn.execute(select(records.c.id, records.c.source_id).where(
            records.c.source == source, records.c.deleted.is_(False))
            .order_by(records.c.id).limit(SCAN)).all()
    found = entries(engine, [f"{source}:{r.source_id}" for r in rows])
    for row in rows:
        entry = found.get(f"{source}:{row.source_id}")
        if entry is None:
            continue
        record = entry.record
        if (record.doc_type == "a" and record.bib_level == "m" and record.title.display()
                and not record.parent_ids()):
            yield row.id, record


def attach_demo_covers(service: Documents, engine: Engine, source: str, count: int,
                       now: datetime) -> int:
    """Attach a drawn cover to the first ``count`` books of ``source``; how many got one."""
    done = 0
    for record_id, record in _books(engine, source):
        if done >= count:
            break
        author = record.agents[0].display() if record.agents else ""
        image = cover_png(record.title.display(), author)
        service.attach(record_id, f"couverture-{record.source_id}.png", io.BytesIO(image),
                       now, origin="demo", level=access.PUBLIC, extract=False)
        done += 1
    return done
