"""Where the staff import page receives a file's body, over real HTTP: on the queue's
disk (``uploads/incoming/``) through Werkzeug's public form-parser hook, or, when the
app's request class was replaced by someone else, where Werkzeug spools by default
(``TMPDIR``). Either way the upload is queued whole. The body is sent in two halves on
a raw socket, and the server's open files are read between them."""

from __future__ import annotations

import http.client
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import flask
import pytest
import requests

from catalogue.demo.generator import write_export
from catalogue.web.imports import SpoolingRequest
from tests.imports_site import ImportSite
from tests.imports_site import isite as isite


def _spooled_in(folder: Path) -> set[str]:
    """This process's open files (the server runs in a thread of it) in ``folder``."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if os.path.dirname(target) == str(folder):
            found.add(target)
    return found


def _export(folder: Path, size: int) -> bytes:
    """A real UNIMARC export of at least ``size`` bytes."""
    path = folder / "gros.mrc"
    count = 40
    while True:
        write_export(path, count=count, seed=3)
        if path.stat().st_size >= size:
            return path.read_bytes()
        count *= 2


@pytest.mark.parametrize("replaced", [False, True], ids=["queue-disk", "werkzeug-default"])
def test_the_body_is_spooled_where_expected_and_queued(isite: ImportSite, tmp_path: Path,
                                                      replaced: bool) -> None:
    site = isite
    assert site.app.request_class is SpoolingRequest
    if replaced:  # a deployment (or an extension) that brings its own request class
        site.app.request_class = flask.Request
    expected = Path(tempfile.gettempdir()) if replaced else site.uploads_dir / "incoming"
    elsewhere = site.uploads_dir / "incoming" if replaced else Path(tempfile.gettempdir())
    staff = site.http()
    data = _export(tmp_path, 900 * 1024)
    assert len(data) < 1024 * 1024  # the test site's upload_max_mb = 1
    prepared = staff.prepare_request(requests.Request(
        "POST", site.url + "/admin/imports/",
        data={"csrf_token": site.token(staff), "source": "crpv"},
        files={"file": ("gros.mrc", data)}))
    before = _spooled_in(expected) | _spooled_in(elsewhere)  # pytest's own capture files
    body = prepared.body
    assert isinstance(body, bytes)
    half = body.index(data) + 650 * 1024  # past Werkzeug's 500 Ko in-memory spool
    url = urlsplit(site.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        conn.putrequest("POST", "/admin/imports/")
        for name, value in prepared.headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        conn.send(body[:half])
        deadline = time.monotonic() + 20
        while not _spooled_in(expected) - before:
            assert time.monotonic() < deadline, "no spooled file in " + str(expected)
            time.sleep(0.05)
        spooled = _spooled_in(expected) - before
        assert all(t.endswith("(deleted)") for t in spooled), spooled  # anonymous files
        assert not _spooled_in(elsewhere) - before
        conn.send(body[half:])
        answer = conn.getresponse()
        assert answer.status == 303, answer.read()[:500]
        assert answer.getheader("Location") == "/admin/imports/"
    finally:
        conn.close()
    queued = [p for p in site.queued_files() if "/queue/crpv/" in str(p)]
    assert len(queued) == 1 and queued[0].read_bytes() == data
    # Nothing left behind in incoming/ (the spool file was anonymous, the copy renamed).
    assert list((site.uploads_dir / "incoming").iterdir()) == []
