"""The staff import page over real HTTP: the form as served, the upload queued (and nothing
imported by the request), the scheduler's job importing it into a temporary store and a
real index, the report page, re-sending without duplicates, and every bad input answered
beside its field, in French, with nothing queued."""

from __future__ import annotations

import html
import io
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from catalogue.demo.generator import write_export
from catalogue.formats import dublincore, unimarc
from catalogue.scheduler import QuietJobs
from catalogue.settings import SettingsError, load
from catalogue.store.tables import records
from catalogue.uploads.job import import_uploads
from tests.imports_site import READER, ImportSite, start
from tests.imports_site import isite as isite

HARRY = "unimarc/bnf/serie-HarryPotter.pan"
PMB_XML = "unimarc/pmb-xml-generated/kentika_fixed.pmbxml.utf-8.xml"


def _row(page: str, name: str) -> str:
    found = re.search(rf'<tr id="envoi-[^"]+">(?:(?!</tr>).)*{re.escape(name)}.*?</tr>',
                      page, re.S)
    assert found, page[-3000:]
    return found.group(0)


def _error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert found, page[-3000:]
    return html.unescape(found.group(1))


def _finished(site: ImportSite, session: requests.Session, name: str, n: int = 1
              ) -> Callable[[], bool]:
    """Whether ``n`` uploads named ``name`` show their import run on the page."""
    def check() -> bool:
        page = session.get(site.url + "/admin/imports/", timeout=10).text
        rows = re.findall(rf'<tr id="envoi-[^"]+">(?:(?!</tr>).)*?{re.escape(name)}.*?</tr>',
                          page, re.S)
        return sum("Import n°" in r for r in rows) >= n
    return check



def test_the_page_is_for_staff_and_serves_the_form(isite: ImportSite) -> None:
    site = isite
    anonymous = requests.get(site.url + "/admin/imports/", timeout=10, allow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/connexion" in anonymous.headers["Location"]
    assert site.http(READER).get(site.url + "/admin/imports/", timeout=10).status_code == 403
    reader_post = site.http(READER).post(site.url + "/admin/imports/", timeout=10,
                                         files={"file": ("a.mrc", b"x")},
                                         allow_redirects=False)
    assert reader_post.status_code == 403 and site.queued_files() == []
    # Over the app's 1 Mo limit: a reader (or an anonymous client) is refused before
    # the body is received - the upload limit is raised for staff only.
    big = b"0" * (int(1.5 * 1024 * 1024))
    assert site.http(READER).post(site.url + "/admin/imports/", timeout=30,
                                  files={"file": ("a.mrc", big)},
                                  allow_redirects=False).status_code in (403, 413)
    assert requests.post(site.url + "/admin/imports/", timeout=30, files={"file": ("a.mrc", big)},
                         allow_redirects=False).status_code in (302, 303, 413)
    assert site.queued_files() == []

    staff = site.http()
    assert "/admin/imports/" in staff.get(site.url + "/compte", timeout=10).text
    page = staff.get(site.url + "/admin/imports/", timeout=10)
    assert page.status_code == 200
    html = page.text
    form = re.search(r'<form class="upload-form" method="post" action="/admin/imports/" '
                     r'enctype="multipart/form-data" novalidate>(.*?)</form>', html, re.S)
    assert form, html
    assert 'name="csrf_token"' in form.group(1)
    assert '<input type="file" id="import-file" name="file" required' in form.group(1)
    assert '<label for="import-file">Fichier</label>' in form.group(1)
    options = re.findall(r'<option value="([^"]*)"', form.group(1))
    assert options == ["", "crpv", "bnf"]  # the file sources; never the OAI partner
    assert "200 Mo" not in html and "1 Mo au plus" in html  # [import] upload_max_mb
    assert "Aucun fichier envoyé pour l'instant." in html
    # [import] upload_seconds = 1: a singular, in both languages.
    assert "importé dans la seconde qui suit" in html and "1 secondes" not in html
    english = staff.get(site.url + "/admin/imports/", timeout=10, cookies={"lang": "en"}).text
    assert "Import a file" in english and "No file sent yet." in english
    assert "within the next second;" in english and "1 seconds" not in english

    # Without the form's token nothing is queued.
    forged = staff.post(site.url + "/admin/imports/", timeout=10, allow_redirects=False,
                        data={"source": "crpv"}, files={"file": ("a.mrc", b"00000")})
    assert forged.status_code == 400 and "Le formulaire a expiré" in forged.text
    assert site.queued_files() == []


def test_a_real_bnf_export_and_a_real_pmb_xml_file(isite: ImportSite,
                                                    shared_data: Path) -> None:
    site = isite
    staff = site.http()
    harry = (shared_data / HARRY).read_bytes()
    sent = site.send(staff, "serie-HarryPotter.pan", harry, source="bnf")
    assert sent.status_code == 303 and sent.headers["Location"] == "/admin/imports/"
    page = html.unescape(staff.get(site.url + "/admin/imports/", timeout=10).text)
    assert "« serie-HarryPotter.pan » est en file d'attente" in page
    row = _row(page, "serie-HarryPotter.pan")
    assert "en attente" in row and "Documentaliste Martin" in row and "bnf" in row
    assert "14\u00a0ko" in row and "UNIMARC ISO 2709" in row
    # The request only stored the file: nothing in the store, nothing in the index.
    queued = [p for p in site.queued_files() if "/queue/bnf/" in str(p)]
    assert len(queued) == 1 and queued[0].read_bytes() == harry
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.mrc", queued[0].name)
    assert site.count("bnf") == 0
    search = requests.get(site.url + "/recherche", params={"q": "Harry Potter"}, timeout=10)
    assert "serie-HarryPotter" not in search.text and "à l'école des sorciers" not in search.text

    site.run_scheduler_until(_finished(site, staff, "serie-HarryPotter.pan"))
    assert site.count("bnf") == 7
    page = staff.get(site.url + "/admin/imports/", timeout=10).text
    row = _row(page, "serie-HarryPotter.pan")
    assert "importé" in row and "7 ajoutées, 0 modifiées, 0 inchangées, 0 rejetées" in row
    run = re.search(r'href="/admin/moissons/import/(\d+)"', row)
    assert run, row
    report = staff.get(f"{site.url}/admin/moissons/import/{run.group(1)}", timeout=10).text
    assert "Import n° " in report and "<dd>7</dd>" in report and "terminé" in report
    # The job brought the index up to date: the records are found.
    found = requests.get(site.url + "/recherche", params={"q": "Harry Potter"}, timeout=10)
    assert found.status_code == 200 and "sorciers" in found.text.lower()

    # The same file again: the importer sees nothing new, so nothing is duplicated.
    assert site.send(staff, "serie-HarryPotter.pan", harry, source="bnf").status_code == 303
    site.run_scheduler_until(_finished(site, staff, "serie-HarryPotter.pan", 2))
    assert site.count("bnf") == 7
    page = staff.get(site.url + "/admin/imports/", timeout=10).text
    assert "0 ajoutées, 0 modifiées, 7 inchangées, 0 rejetées" in _row(page, "serie-HarryPotter.pan")

    # A real PMB XML export (PMB 7.0's own converter), into the source that takes any format.
    pmb = (shared_data / PMB_XML).read_bytes()
    assert site.send(staff, "export PMB été.xml", pmb).status_code == 303
    site.run_scheduler_until(_finished(site, staff, "export PMB été.xml"))
    row = _row(staff.get(site.url + "/admin/imports/", timeout=10).text, "export PMB été.xml")
    assert "XML UNIMARC de PMB" in row and "importé" in row
    assert site.count("crpv") == 29
    # crpv is a `full = true` drop-folder source, yet an upload deletes nothing.
    assert site.count("bnf") == 7 and "0 rejetées" in row
    # Newest first.
    page = staff.get(site.url + "/admin/imports/", timeout=10).text
    assert page.index("export PMB été.xml") < page.index("serie-HarryPotter.pan")


def _broken_export(folder: Path) -> tuple[bytes, int]:
    """A generated UNIMARC export of 12 records whose 5th record lost three field
    terminators (shorter than its leader says: truncated)."""
    path = folder / "demo.mrc"
    write_export(path, count=12, seed=4)
    parts = path.read_bytes().split(b"\x1d")
    parts[4] = parts[4].replace(b"\x1e", b"", 3)
    return b"\x1d".join(parts), 12


def test_a_broken_record_is_reported_and_the_others_imported(
        isite: ImportSite, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = isite
    staff = site.http()
    data, total = _broken_export(tmp_path)
    assert site.send(staff, "export-pmb.iso", data).status_code == 303
    quiet = QuietJobs()
    executor_log = logging.getLogger("apscheduler.executors.default")
    executor_log.addFilter(quiet)  # as `catalogue scheduler` does
    try:
        with caplog.at_level(logging.INFO):
            site.run_scheduler_until(_finished(site, staff, "export-pmb.iso"))
    finally:
        executor_log.removeFilter(quiet)
    logged = [r.getMessage() for r in caplog.records]
    assert "upload crpv: export-pmb.iso done (import run 1)" in logged
    assert any(m.startswith("uploads: index: 11 updated") for m in logged), logged
    # No "Running job" / "executed successfully" pair every few seconds.
    assert not [r for r in caplog.records if r.name.startswith("apscheduler.executors")
                and "staff uploads" in r.getMessage()]
    page = staff.get(site.url + "/admin/imports/", timeout=10).text
    row = _row(page, "export-pmb.iso")
    assert f"{total - 1} ajoutées, 0 modifiées, 0 inchangées, 1 rejetées" in row
    assert site.count("crpv") == total - 1
    run = re.search(r'href="/admin/moissons/import/(\d+)"', row)
    assert run
    report = staff.get(f"{site.url}/admin/moissons/import/{run.group(1)}", timeout=10).text
    problem = re.search(r"<tbody><tr><td>(\d+)</td><td>([^<]*)</td><td><strong>rejetée"
                        r"</strong></td><td>([^<]+)</td>", report)
    assert problem, report[-2000:]
    assert problem.group(1) == "5" and "notice tronquée" in problem.group(3)
    assert problem.group(2) == "–"  # no identifier could be read from it
    assert "importé" in row


MB = 1024 * 1024


@pytest.mark.parametrize(("name", "data", "source", "field", "message"), [
    ("vide.mrc", b"", "crpv", "file", "Le fichier est vide"),
    ("rapport.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\x00\x01\x02\x03\x04\x05\x06"
     b"\x07\x08\x0e\x0f\x10\x11\x12" * 20, "crpv", "file",
     "Ce fichier n'est pas un export bibliographique"),
    ("notes.txt", "Liste des achats de l'année\nÉtude, rapport\n".encode() * 30, "crpv",
     "file", "Ce fichier n'est pas un export bibliographique"),
    ("page.html", b"<!DOCTYPE html><html><body>Bonjour</body></html>", "crpv", "file",
     "Ce fichier n'est pas un export bibliographique"),
    ("pmb.xml", b'<?xml version="1.0" encoding="utf-8"?><unimarc><notice></notice></unimarc>',
     "bnf", "file", "Ce fichier est au format XML UNIMARC de PMB, alors que la source "
     "attend le format UNIMARC ISO 2709."),
    ("../../../etc/cron.d/x.mrc", None, "crpv", "file", "Le nom de ce fichier est refusé"),
    ("export\x01.mrc", None, "crpv", "file", "Le nom de ce fichier est refusé"),
    ("a" * 300 + ".mrc", None, "crpv", "file", "Le nom de ce fichier est refusé"),
    ("export.mrc", None, None, "source", "Choisissez la source"),
    ("export.mrc", None, "", "source", "Choisissez la source"),
    ("export.mrc", None, "lyon", "source", "Cette source n'existe pas ou ne reçoit pas"),
    ("export.mrc", None, "../crpv", "source", "Cette source n'existe pas ou ne reçoit pas"),
    ("gros.mrc", "1.5 MB", "crpv", "file", "Le fichier dépasse la taille maximale de 1 Mo."),
    ("énorme.mrc", "3 MB", "crpv", "file", "Le fichier dépasse la taille maximale de 1 Mo."),
])
def test_bad_input_is_answered_beside_its_field(isite: ImportSite, tmp_path: Path,
                                                name: str, data: bytes | str | None,
                                                source: str | None, field: str,
                                                message: str) -> None:
    site = isite
    staff = site.http()
    good, _ = _broken_export(tmp_path)
    if data is None:
        body = good
    elif isinstance(data, str):  # a size: a real export padded past the limit
        size = int(float(data.split()[0]) * MB)
        body = (good * (size // len(good) + 1))[:size]
    else:
        body = data
    answer = site.send(staff, name, body, source=source)
    assert answer.status_code in (400, 413), answer.text[:500]
    assert "Traceback" not in answer.text
    assert message in _error(answer.text, field)
    assert 'aria-invalid="true"' in answer.text
    assert site.queued_files() == []  # nothing queued, nothing left half-written
    assert import_uploads(site.engine, site.settings) == []
    assert site.count("crpv") == 0


def test_english_messages_and_no_file(isite: ImportSite) -> None:
    site = isite
    staff = site.http()
    staff.cookies.set("lang", "en")
    token = site.token(staff)
    answer = staff.post(site.url + "/admin/imports/", timeout=10, allow_redirects=False,
                        data={"csrf_token": token, "source": "crpv"})
    assert answer.status_code == 400 and _error(answer.text, "file") == "Choose a file."
    empty = site.send(staff, "vide.mrc", b"", source="crpv")
    assert "The file is empty" in _error(empty.text, "file")
    assert site.queued_files() == []


def test_the_delay_is_said_in_the_plural(tmp_path: Path) -> None:
    site = start(tmp_path, every=5)
    try:
        staff = site.http()
        page = html.unescape(staff.get(site.url + "/admin/imports/", timeout=10).text)
        assert "importé dans les 5 secondes qui suivent" in page
        english = staff.get(site.url + "/admin/imports/", timeout=10, cookies={"lang": "en"})
        assert "within the next 5 seconds;" in english.text
    finally:
        site.stop()


def test_without_file_sources_the_page_says_so(tmp_path: Path) -> None:
    site = start(tmp_path, sources="""
[[sources]]
slug = "lyon"
name = "Centre de Lyon"
kind = "oai"
url = "http://127.0.0.1:9/oai"
""")
    try:
        staff = site.http()
        page = staff.get(site.url + "/admin/imports/", timeout=10).text
        assert "Aucune source de fichiers n'est configurée" in page
        assert '<input type="file"' not in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get(
            site.url + "/compte", timeout=10).text)
        answer = site.send(staff, "export.mrc", b"00000nam", source="lyon",
                           token=token.group(1) if token else "")
        assert answer.status_code == 400 and site.queued_files() == []
    finally:
        site.stop()


def test_an_upload_to_a_source_removed_since_fails_saying_why(isite: ImportSite,
                                                                tmp_path: Path) -> None:
    site = isite
    staff = site.http()
    data, _ = _broken_export(tmp_path)
    assert site.send(staff, "export.mrc", data).status_code == 303
    # The source leaves config.toml before the scheduler gets to the file.
    (site.uploads_dir / "queue" / "crpv").rename(site.uploads_dir / "queue" / "ancienne")
    meta = next((site.uploads_dir / "meta").glob("*.json"))
    meta.write_text(meta.read_text(encoding="utf-8").replace('"crpv"', '"ancienne"'),
                    encoding="utf-8")
    assert import_uploads(site.engine, site.settings) == ["upload ancienne: export.mrc failed"]
    row = _row(staff.get(site.url + "/admin/imports/", timeout=10).text, "export.mrc")
    assert "échoué" in row and "sa source n’est plus dans config.toml" in html.unescape(row)
    assert site.count("crpv") == 0


@pytest.mark.parametrize(("line", "error"), [
    ("upload_max_mb = 0", "'import.upload_max_mb' must be between 1 and 4096"),
    ("upload_max_mb = \"200\"", "'import.upload_max_mb' must be an integer"),
    ("upload_seconds = 0", "'import.upload_seconds' must be between 1 and 3600"),
    ("upload_keep_days = 0", "'import.upload_keep_days' must be between 1 and 3650"),
    ("upload_keep_days = 3651", "'import.upload_keep_days' must be between 1 and 3650"),
    ("upload_keep_days = 1.5", "'import.upload_keep_days' must be an integer"),
    ("upload_second = 5", "unknown key 'import.upload_second' (did you mean "
                          "'import.upload_seconds'?)"),
])
def test_the_upload_keys_are_checked(tmp_path: Path, line: str, error: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[import]\n{line}\n\n[[sources]]\nslug = "crpv"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as raised:
        load(config, env={})
    assert error in str(raised.value)
    config.write_text('[[sources]]\nslug = "crpv"\n', encoding="utf-8")
    defaults = load(config, env={}).uploads
    assert (defaults.upload_max_mb, defaults.upload_seconds,
            defaults.upload_keep_days) == (200, 5, 90)


def test_iso_5426_marcxml_and_dublin_core_in_one_pass(isite: ImportSite,
                                                      tmp_path: Path, shared_data: Path) -> None:
    """Every format the page names: a generated export re-encoded in ISO 5426 (PMB's
    historical character set), a real MARCXML collection and a Dublin Core record, sent
    together and imported by one run of the job."""
    site = isite
    staff = site.http()
    utf8 = tmp_path / "utf8.mrc"
    write_export(utf8, count=6, seed=9)
    latin = b"".join(unimarc.to_iso2709(p.record, "iso-5426")
                     for p in unimarc.read(io.BytesIO(utf8.read_bytes()), "x")
                     if p.record is not None)
    assert latin != utf8.read_bytes()
    dc = (f'<oai_dc:dc xmlns:oai_dc="{dublincore.OAI_DC}" xmlns:dc="{dublincore.DC}">'
          "<dc:title>Guide de la médiation sociale</dc:title><dc:type>Texte</dc:type>"
          "<dc:subject>Médiation</dc:subject></oai_dc:dc>").encode()
    assert site.send(staff, "notices-5426.iso", latin, source="bnf").status_code == 303
    assert site.send(staff, "utf8.mrc", utf8.read_bytes()).status_code == 303
    marcxml = (shared_data / "marc21/marc-perl/batch.xml").read_bytes()
    assert site.send(staff, "batch.xml", marcxml).status_code == 303
    assert site.send(staff, "guide.xml", dc).status_code == 303
    lines = import_uploads(site.engine, site.settings)
    assert sorted(lines) == sorted([
        "upload bnf: notices-5426.iso done (import run 1)",
        "upload crpv: utf8.mrc done (import run 2)",
        "upload crpv: batch.xml done (import run 3)",
        "upload crpv: guide.xml done (import run 4)"])
    assert (site.count("bnf"), site.count("crpv")) == (6, 6 + 10 + 1)
    page = html.unescape(staff.get(site.url + "/admin/imports/", timeout=10).text)
    assert "MARCXML" in _row(page, "batch.xml") and "Dublin Core" in _row(page, "guide.xml")
    # The ISO 5426 file reads as the UTF-8 one: the same titles, accents and all.
    with site.engine.connect() as conn:
        titles = {source: sorted(conn.execute(select(records.c.title).where(
            records.c.source == source, records.c.format == "unimarc")).scalars())
                  for source in ("bnf", "crpv")}
    assert titles["bnf"] and titles["bnf"] == titles["crpv"]
    assert any(not t.isascii() for t in titles["bnf"])


@pytest.mark.parametrize(("lang", "name", "data", "source", "said", "english"), [
    ("fr", "rapport.pdf", b"%PDF-1.4\n\x00\x01\x02\x03" * 40, "crpv",
     "(format non reconnu : on dirait un fichier binaire, pas un export de catalogue)",
     "looks like a binary file"),
    ("en", "rapport.pdf", b"%PDF-1.4\n\x00\x01\x02\x03" * 40, "crpv",
     "This file is not a bibliographic export (UNIMARC or MARC ISO 2709, PMB XML, MARCXML "
     "or Dublin Core). (unrecognised format: this looks like a binary file, not a catalogue "
     "export)", None),
    ("fr", "notes.txt", b"Liste des achats\n" * 30, "crpv",
     "(format non reconnu : ni ISO 2709 (pas de longueur de notice en 5 chiffres au début) "
     "ni XML)", "neither ISO 2709"),
    ("fr", "page.html", b"<!DOCTYPE html><html><body>Bonjour</body></html>", "crpv",
     "(du XML dont l’élément racine <html> n’est pas un format de catalogue)",
     "root element"),
    ("en", "page.html", b"<!DOCTYPE html><html><body>Bonjour</body></html>", "crpv",
     "(XML whose root element <html> is not a catalogue format)", None),
    ("fr", "utf16.xml", '<?xml version="1.0"?><collection/>'.encode("utf-16"), "crpv",
     "(c’est du texte UTF-16 (un XML enregistré en « Unicode » ?) : enregistrez-le de "
     "nouveau en UTF-8, le codage des exports de PMB et de MARCXML)", "re-save"),
    # A MARC 21 file sent to a UNIMARC source: none of its records has a UNIMARC title.
    ("fr", "camel.usmarc", "marc21/marc-perl/camel.usmarc", "bnf",
     "(le format unimarc ne convient pas : le fichier semble être du marc21 et aucune de "
     "ses ", "does not fit"),
])
def test_the_reader_s_reason_is_said_in_the_page_s_language(
        isite: ImportSite, shared_data: Path, lang: str, name: str, data: bytes | str,
        source: str, said: str, english: str | None) -> None:
    site = isite
    staff = site.http()
    staff.cookies.set("lang", lang)
    body = (shared_data / data).read_bytes() if isinstance(data, str) else data
    answer = site.send(staff, name, body, source=source)
    assert answer.status_code == 400, answer.text[:500]
    error = _error(answer.text, "file")
    assert said in error, error
    if english is not None:
        assert english not in error and '<span lang="en">' not in answer.text
    assert site.queued_files() == []
