"""`make run`'s demo shows covers without any network call: `catalogue documents
demo-covers` draws images (Pillow) and attaches them to some books of the local source.

Before it, the demo's only covers were 896 thumbnails on the centre's Internet host, which
the demo (rightly) never fetches, so no page of `make run` showed a cover.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html
from PIL import Image
from sqlalchemy import func, select

from catalogue.cli import main
from catalogue.store.document_tables import documents
from tests.web_site import WebSite, start_site

CONFIGS: dict[int, Path] = {}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path) -> Iterator[WebSite]:
    folder = tmp_path_factory.mktemp("demo-covers")
    site = start_site(folder, demo_export)
    CONFIGS[id(site)] = folder / "config.toml"
    yield site
    site.serving.stop()
    site.engine.dispose()


def run(site: WebSite, *args: str) -> str:
    config = CONFIGS[id(site)]
    done = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.output


def test_demo_covers_are_attached_shown_and_served_as_images(site: WebSite) -> None:
    before = site.client().get("/notice/crpv/2")
    assert not html.fromstring(before.data).xpath("//p[@class='cover']/img")

    assert "3 demo covers attached" in run(site, "documents", "demo-covers", "--count", "3")
    with site.engine.connect() as conn:
        rows = conn.execute(select(documents.c.record_id, documents.c.access,
                                   documents.c.filename)).all()
    assert len(rows) == 3 and {r.access for r in rows} == {"public"}

    page = site.client().get("/notice/crpv/2")
    (img,) = html.fromstring(page.data).xpath("//p[@class='cover']/img")
    assert img.get("alt").startswith("Couverture de « ")
    served = site.client().get(img.get("src"))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(served.data)) as picture:
        assert picture.size[0] >= 100 and picture.size[1] > picture.size[0]

    # Once more: the same drawn images, so nothing is stored twice.
    run(site, "documents", "demo-covers", "--count", "3")
    with site.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(documents)).scalar() == 3


def test_only_printed_books_are_dressed(site: WebSite) -> None:
    run(site, "documents", "demo-covers", "--count", "8")
    from catalogue.store.opac import entries
    from catalogue.store.tables import records

    with site.engine.connect() as conn:
        ids = [f"{r.source}:{r.source_id}" for r in conn.execute(
            select(records.c.source, records.c.source_id).join(
                documents, documents.c.record_id == records.c.id))]
    assert len(ids) == 8
    for entry in entries(site.engine, ids).values():
        assert entry.record.source == "crpv"
        assert entry.record.shown_type == "a" and not entry.record.parent_ids()


def test_cover_text_never_drawn_as_empty_boxes() -> None:
    """Pillow's default font has no "é": the demo's covers showed "l'▯ducation". The
    text is drawn with a font that has the glyphs, or folded to ASCII when none is."""
    from PIL import ImageFont

    from catalogue.demo.covers import drawable, font
    title = "L’éducation populaire : œuvre et synthèse"
    bare = ImageFont.load_default(size=26)
    assert drawable(bare, title) == "L'education populaire : oeuvre et synthese"
    face = font(26)
    shown = drawable(face, title)
    missing = face.getmask("\uffff").getbbox()
    assert all(face.getmask(c).getbbox() != missing for c in shown if not c.isspace())
    if isinstance(getattr(face, "path", None), str):  # a system font file was found
        assert shown == title
