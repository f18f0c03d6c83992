"""Covers on the public catalogue, against a real image server on 127.0.0.1.

Each fault a cover source has (broken bytes, 404, slow, a byte at a time, a pixel bomb,
too heavy, a script served as an image) ends in the same neutral placeholder, without
delaying the page; good images are re-encoded, cached on disk and served from our URL;
the ISBN service is only called when configured. What is checked is what goes on the
wire: raw HTTP answers of our app and the requests the image server received.
"""

from __future__ import annotations

import http.client
import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html
from PIL import Image
from sqlalchemy import select

from catalogue.covers import fetching
from catalogue.covers.cache import CoverCache
from catalogue.covers.service import Covers
from catalogue.covers.settings import CoverSettings
from catalogue.records import Identifier, Record, Title, from_json
from catalogue.store.tables import records as records_table
from tests.covers_site import ISBNS, KNOWN_ISBNS, ImageServer, fill_covers
from tests.web_site import WebSite, start_site

COVERS = """[covers]
thumbnails = true
private_hosts = true
isbn_url = "{root}/isbn/{{isbn}}.jpg"
timeout_seconds = 1
max_kb = 256
"""


@pytest.fixture(scope="module")
def images() -> Iterator[ImageServer]:
    server = ImageServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_export: Path,
         images: ImageServer) -> Iterator[WebSite]:
    running = start_site(tmp_path_factory.mktemp("covers"), demo_export,
                         fill=fill_covers(images), covers=COVERS.format(root=images.root))
    yield running
    running.serving.stop()
    running.engine.dispose()


def _records(site: WebSite) -> list[Record]:
    with site.engine.connect() as conn:
        return [from_json(r[0]) for r in conn.execute(select(records_table.c.data))]


def _with_thumbnail(site: WebSite, images: ImageServer, path: str) -> Record:
    return next(r for r in _records(site) if r.thumbnail == images.url(path))


def _with_isbn(site: WebSite, isbn: str) -> Record:
    return next(r for r in _records(site) if isbn in r.isbns())


def _raw_get(site: WebSite, path: str) -> tuple[int, dict[str, str], bytes, float]:
    """GET ``path`` from the running app over a socket: status, headers, body, seconds."""
    parts = urlsplit(site.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    started = time.monotonic()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    took = time.monotonic() - started
    headers = {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    return response.status, headers, body, took


def _cover_path(record: Record) -> str:
    return f"/couverture/{record.source}/{record.source_id}"


def _is_placeholder(status: int, headers: dict[str, str], body: bytes) -> bool:
    return (status == 200 and headers["content-type"].startswith("image/svg+xml")
            and body.startswith(b"<svg") and b"script" not in body)


def test_a_good_thumbnail_is_re_encoded_cached_and_served_from_our_url(
        site: WebSite, images: ImageServer) -> None:
    record = _with_thumbnail(site, images, "/good.jpg")
    response = site.client().get(f"/notice/{record.source}/{record.source_id}")
    # Only our own images: the thumbnail's server is never named to the browser.
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]
    assert images.root.encode() not in response.data
    page = html.fromstring(response.data)
    (img,) = page.xpath("//aside//p[@class='cover']/img")
    assert img.get("src") == _cover_path(record)
    assert img.get("alt") == f"Couverture de « {record.title.display()} »"
    before = images.hits["/good.jpg"]
    status, headers, body, _ = _raw_get(site, img.get("src"))
    assert status == 200 and headers["content-type"] == "image/jpeg"
    assert headers["x-content-type-options"] == "nosniff"
    assert "max-age=86400" in headers["cache-control"]
    assert body != images.bodies["/good.jpg"]  # ours, not the source's bytes
    with Image.open(io.BytesIO(body)) as picture:
        assert picture.format == "JPEG" and picture.size == (320, 480)
    again = _raw_get(site, img.get("src"))
    assert again[2] == body
    assert images.hits["/good.jpg"] - before <= 1  # fetched once, then read from disk
    cached = list((site.settings.covers.dir).glob("*.jpg"))
    assert any(p.read_bytes() == body for p in cached)


@pytest.mark.parametrize("path", ["/broken.jpg", "/missing.jpg", "/huge.png", "/heavy.jpg",
                                  "/script.svg"])
def test_a_bad_source_gives_the_placeholder_and_is_not_asked_again(
        site: WebSite, images: ImageServer, path: str) -> None:
    record = _with_thumbnail(site, images, path)
    first = _raw_get(site, _cover_path(record))
    assert _is_placeholder(*first[:3]), first[:2]
    asked = images.hits[path]
    assert asked == 1
    second = _raw_get(site, _cover_path(record))
    assert _is_placeholder(*second[:3])
    assert images.hits[path] == asked  # the failure is cached (retry_minutes)


def test_a_slow_or_dripping_source_never_delays_the_page(
        site: WebSite, images: ImageServer) -> None:
    for path in ("/slow.jpg", "/drip.jpg"):
        record = _with_thumbnail(site, images, path)
        status, _, body, took = _raw_get(site, f"/notice/{record.source}/{record.source_id}")
        # the page names the cover, never fetches it (the source answers after 3 s at best;
        # the bound leaves a loaded machine room, it measures no speed)
        assert status == 200 and took < ImageServer.delay - 0.5, (path, took)
        assert _cover_path(record).encode() in body
        status, headers, body, took = _raw_get(site, _cover_path(record))
        assert _is_placeholder(status, headers, body)
        assert took < ImageServer.delay - 0.1, (path, took)  # timeout_seconds = 1, not 3 s


def test_transparency_is_kept_as_png(site: WebSite, images: ImageServer) -> None:
    record = _with_thumbnail(site, images, "/alpha.png")
    status, headers, body, _ = _raw_get(site, _cover_path(record))
    assert status == 200 and headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(body)) as picture:
        assert picture.mode == "RGBA"


def test_the_isbn_service_gives_covers_to_records_without_a_thumbnail(
        site: WebSite, images: ImageServer) -> None:
    known = _with_isbn(site, ISBNS[9])
    unknown = _with_isbn(site, ISBNS[10])
    status, headers, _, _ = _raw_get(site, _cover_path(known))
    assert status == 200 and headers["content-type"] == "image/jpeg"
    assert images.hits[f"/isbn/{KNOWN_ISBNS[0]}.jpg"] == 1
    assert _is_placeholder(*_raw_get(site, _cover_path(unknown))[:3])
    assert images.hits[f"/isbn/{ISBNS[10]}.jpg"] == 1


def test_results_pages_show_covers_with_a_text_alternative(
        site: WebSite, images: ImageServer) -> None:
    records = _records(site)
    named = {r.global_id for r in records if r.thumbnail or r.isbns()}
    seen: dict[str, str] = {}
    for page in range(1, 10):
        doc = html.fromstring(site.client().get(f"/recherche?sort=title&page={page}").data)
        for hit in doc.xpath("//li[@class='hit']"):
            href = hit.xpath(".//h3/a/@href")[0]
            gid = href.removeprefix("/notice/").replace("/", ":", 1)
            imgs = hit.xpath(".//img[@class='hit-cover']")
            if imgs:
                title = " ".join(hit.xpath(".//h3/a")[0].text_content().split())
                assert imgs[0].get("alt") == f"Couverture de « {title} »"
                assert imgs[0].get("loading") == "lazy"
                seen[gid] = imgs[0].get("src")
            else:
                seen[gid] = ""
        if not doc.xpath("//a[@rel='next']"):
            break
    assert len(seen) == len(records)
    assert {g for g, src in seen.items() if src} == named
    assert all(src == f"/couverture/{g.replace(':', '/', 1)}" for g, src in seen.items() if src)
    assert len(named) < len(records)  # records without a source of cover name none


def test_no_isbn_service_means_no_call(tmp_path: Path, images: ImageServer) -> None:
    record = Record(source="crpv", source_id="x", title=Title(main="Sans service"),
                    identifiers=(Identifier("isbn", KNOWN_ISBNS[0]),))
    before = sum(n for p, n in images.hits.items() if p.startswith("/isbn/"))
    service = Covers(CoverSettings(dir=tmp_path / "covers"))  # the defaults
    assert service.urls(record) == [] and not service.may_have(record)
    assert service.cover(record) is None
    assert sum(n for p, n in images.hits.items() if p.startswith("/isbn/")) == before
    thumb = Record(source="crpv", source_id="y", title=Title(main="Vignette"),
                   thumbnail=images.url("/good.jpg"))
    hits = images.hits["/good.jpg"]
    assert service.cover(thumb) is None  # thumbnails are off by default as well
    assert images.hits["/good.jpg"] == hits


def test_a_busy_fetcher_answers_at_once(tmp_path: Path, images: ImageServer) -> None:
    service = Covers(CoverSettings(dir=tmp_path / "c", thumbnails=True, concurrent=1,
                                   timeout_seconds=2, private_hosts=True))
    slow = Record(source="crpv", source_id="s", title=Title(main="Lent"),
                  thumbnail=images.url("/slow.jpg?busy"))
    good = Record(source="crpv", source_id="g", title=Title(main="Bon"),
                  thumbnail=images.url("/good.jpg?busy"))
    worker = threading.Thread(target=service.cover, args=(slow,))
    worker.start()
    deadline = time.monotonic() + 5
    while images.hits["/slow.jpg?busy"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    assert service.cover(good) is None  # every slot taken: the placeholder, at once
    assert time.monotonic() - started < ImageServer.delay - 1  # not after the slow one
    worker.join(10)
    assert service.cache.get(images.url("/good.jpg?busy")) is None  # a busy miss is not kept


def test_the_cache_is_bounded_in_size_and_time(tmp_path: Path) -> None:
    now = [1_000_000.0]
    cache = CoverCache(tmp_path, max_bytes=25_000, max_age=3600, retry=60,
                       clock=lambda: now[0])
    for n in range(6):
        now[0] += 1
        cache.put(f"k{n}", b"x" * 10_000, "image/jpeg")
    assert cache.size() <= 25_000
    assert cache.get("k0") is None and cache.get("k5") is not None  # oldest went first
    cache.put("miss", None)
    assert cache.get("miss") is not None and cache.get("miss").data is None  # type: ignore[union-attr]
    now[0] += 61
    assert cache.get("miss") is None  # a failure is retried after retry_minutes
    now[0] += 3600
    assert cache.get("k5") is None  # a cover is fetched again after max_age_hours



def test_an_attached_public_image_is_the_cover(site: WebSite, images: ImageServer) -> None:
    from catalogue.documents.service import Documents
    from catalogue.web.documents import KEY as DOCUMENTS

    service: Documents = site.app.extensions[DOCUMENTS]
    record = next(r for r in _records(site) if not r.thumbnail and not r.isbns())
    page = html.fromstring(site.client().get(f"/notice/{record.source}/{record.source_id}").data)
    assert not page.xpath("//p[@class='cover']")  # no source of cover: none named
    record_id = service.record_id(record.source, record.source_id)
    assert record_id is not None
    out = io.BytesIO()
    Image.new("RGB", (500, 700), "#10a040").save(out, "PNG")
    out.seek(0)
    service.attach(record_id, "couverture.png", out, datetime.now(UTC), level="public",
                   extract=False)
    page = html.fromstring(site.client().get(f"/notice/{record.source}/{record.source_id}").data)
    (img,) = page.xpath("//p[@class='cover']/img")
    status, headers, body, _ = _raw_get(site, img.get("src"))
    assert status == 200 and headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(body)) as picture:
        red, green, blue = picture.convert("RGB").getpixel((10, 10))
        assert green > 140 and red < 40 and blue < 90  # the attached picture, re-encoded
        assert picture.size[1] <= 480


def test_private_hosts_are_never_asked_by_default(tmp_path: Path, images: ImageServer) -> None:
    service = Covers(CoverSettings(dir=tmp_path / "p", thumbnails=True))
    record = Record(source="partner", source_id="p", title=Title(main="Interne"),
                    thumbnail=images.url("/good.jpg?private"))
    assert service.may_have(record)  # named on the page: the placeholder, then
    assert service.cover(record) is None
    assert images.hits["/good.jpg?private"] == 0  # no request left our server
    for url in ("http://127.0.0.1/", "http://10.1.2.3/x.jpg", "http://169.254.169.254/",
                "http://[::1]/x.jpg", "http://localhost/x.jpg", "http://[fe80::1]/"):
        assert not fetching.public_host(url), url


def test_redirects_are_followed_and_checked(site: WebSite, images: ImageServer,
                                            tmp_path: Path) -> None:
    record = _with_thumbnail(site, images, "/redirect.jpg")
    status, headers, _, _ = _raw_get(site, _cover_path(record))
    assert status == 200 and headers["content-type"] == "image/jpeg"
    assert images.hits["/redirect.jpg"] == 1 and images.hits["/good.jpg?redirected"] == 1
    # A redirect target is checked as the first URL: refused, it is never asked.
    seen: list[str] = []
    body = fetching.fetch(fetching.session(), images.url("/redirect.jpg"), 2, 100_000,
                          allowed=lambda url: seen.append(url) or len(seen) == 1)
    assert body is None and seen == [images.url("/redirect.jpg"),
                                     images.url("/good.jpg?redirected")]
    assert images.hits["/good.jpg?redirected"] == 1
