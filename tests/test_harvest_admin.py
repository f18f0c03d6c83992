"""The harvest admin page: staff see each source, every harvest (pyoai's server over real
HTTP, and a partner that is down) and file import with its counts, and a run's page lists
the records it rejected with their position and reason."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from catalogue.formats.base import Parsed
from catalogue.harvesting import harvest_source
from catalogue.people import accounts
from catalogue.store.ingest import Ingest
from catalogue.store.tables import import_problems
from catalogue.web import create_app
from tests.account_support import sign_in_with_link
from tests.dsi_support import MONDAY
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records
from tests.harvest_support import Sleeps, deployment, partner


def test_staff_see_sources_runs_and_rejected_records(tmp_path: Path) -> None:
    repository = PartnerRepository()
    for record in demo_records(12):
        repository.put(record, past=True)
    with PyoaiServer(repository, page_size=5) as server:
        _, settings, engine = deployment(
            tmp_path, partner("lyon", server.url, schedule="0 2 * * *")
            + partner("lille", "http://127.0.0.1:9/oai"))
        done = harvest_source(engine, settings, settings.source("lyon"), sleep=Sleeps())
        down = harvest_source(engine, settings, settings.source("lille"), sleep=Sleeps())
    assert (done.status, done.added, down.status) == ("completed", 12, "failed")

    job = Ingest(engine, source="crpv", path="export-pmb.iso", format="unimarc")
    [good] = demo_records(1, seed=3)
    job.add(Parsed(position=1, offset=0, raw=b"x", record=good, source_id="k1"))
    job.add(Parsed(position=2, offset=120, raw=b"\x00broken", error="leader: not a number"))
    imported = job.finish()

    app = create_app(settings, engine=engine, clock=lambda: MONDAY)
    page = "/admin/moissons/"
    assert app.test_client().get(page).status_code in (302, 303)  # sign in first
    reader = accounts.create(engine, MONDAY, email="lecteur@example.org", confirmed=True)
    client = app.test_client()
    sign_in_with_link(app, client, reader)
    assert client.get(page).status_code == 403

    staff = accounts.create(engine, MONDAY, email="doc@example.org", role="librarian",
                            confirmed=True)
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    assert "/admin/moissons/" in client.get("/compte").get_data(True)
    text = client.get(page).get_data(True)
    assert "Partner lyon" in text and server.url in text and "0 2 * * *" in text
    # The schedule in words; each partner's last successful harvest, or that there is none.
    lyon = re.search(r'source=lyon">.*?</tr>', text, re.S)
    lille = re.search(r'source=lille">.*?</tr>', text, re.S)
    assert lyon is not None and lille is not None
    assert "À 02:00" in lyon.group(0) and "moisson réussie" in lyon.group(0)
    # MONDAY is the app's clock: the next 02:00 in Paris is the next night's
    upcoming = (MONDAY + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris"))
    assert f"prochain passage : {upcoming:%d/%m/%Y} 02:00" in lyon.group(0)
    assert "prochain passage" not in lille.group(0)  # no schedule
    assert "aucune moisson réussie" in lille.group(0)
    assert '/recherche?source=lyon">12<' in lyon.group(0)  # its records, in the catalogue
    row = re.search(rf'moisson/{done.run_id}">.*?</tr>', text, re.S)
    assert row is not None and "terminée" in row.group(0) and ">12</td>" in row.group(0)
    row = re.search(rf'moisson/{down.run_id}">.*?</tr>', text, re.S)
    assert row is not None and "<strong>échouée</strong>" in row.group(0)
    row = re.search(rf'import/{imported.run_id}">.*?</tr>', text, re.S)
    assert row is not None and "export-pmb.iso" in row.group(0)
    # A harvest's own import run is not listed twice.
    assert f"import/{done.import_run}\"" not in text

    failed = client.get(f"/admin/moissons/moisson/{down.run_id}").get_data(True)
    assert "127.0.0.1:9" in failed and "échouée" in failed
    detail = client.get(f"/admin/moissons/import/{imported.run_id}").get_data(True)
    assert "leader: not a number" in detail and "<td>2</td>" in detail and "rejetée" in detail
    assert "<dt>Ajoutées</dt><dd>1</dd>" in detail and "<dt>Rejetées</dt><dd>1</dd>" in detail
    harvested = client.get(f"/admin/moissons/moisson/{done.run_id}").get_data(True)
    assert "<dt>Ajoutées</dt><dd>12</dd>" in harvested and "Partner lyon" not in harvested
    # A record the harvest rejected, stored in English (as rows written before the pages
    # translated them): the harvest's page says it in French, or in English on request.
    with engine.begin() as conn:
        conn.execute(import_problems.insert().values(
            run_id=done.import_run, position=13, offset=4, source_id="", severity="error",
            message="XML is not well-formed: Opening and ending tag mismatch: f line 3 and "
                    "notice (line 4)"))
    harvested = client.get(f"/admin/moissons/moisson/{done.run_id}").get_data(True)
    assert ("<td>13</td><td>–</td><td><strong>rejetée</strong></td><td>XML mal formé : "
            "balises mal appariées : &lt;f&gt;, ouverte à la ligne 3, est fermée par "
            "&lt;/notice&gt; (ligne 4)</td>") in harvested
    client.set_cookie("lang", "en")
    harvested = client.get(f"/admin/moissons/moisson/{done.run_id}").get_data(True)
    assert ("<td>XML is not well-formed: opening and ending tag mismatch: &lt;f&gt;, opened "
            "at line 3, is closed by &lt;/notice&gt; (line 4)</td>" in harvested)
    client.set_cookie("lang", "fr")
    only = client.get(page + "?source=lille").get_data(True)
    assert f"moisson/{down.run_id}\"" in only and f"moisson/{done.run_id}\"" not in only
    assert client.get("/admin/moissons/moisson/999999").status_code == 404
    assert client.get("/admin/moissons/import/999999").status_code == 404
