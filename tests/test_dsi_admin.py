"""The documentalist's DSI pages: curate, subscribers (one and CSV), preview, past issues."""

from __future__ import annotations

import io
from pathlib import Path

from catalogue.dsi import profiles
from catalogue.people import accounts
from catalogue.web import create_app
from tests.account_support import csrf_token, sign_in_with_link
from tests.dsi_support import MONDAY, days, ingest, person, record, run, setup


def test_curate_subscribe_preview_and_issues(config_path: Path) -> None:
    settings, engine = setup(config_path)
    app = create_app(settings, engine=engine, clock=lambda: MONDAY)
    client = app.test_client()
    public = person(engine, "lecteur@example.org", MONDAY)
    sign_in_with_link(app, client, public)
    assert client.get("/admin/dsi/").status_code == 403
    staff = accounts.create(engine, MONDAY, email="doc@example.org", role="librarian",
                            confirmed=True)
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    token = csrf_token(client, "/admin/dsi/liste")
    bad = client.post("/admin/dsi/liste", data={"csrf_token": token, "slug": "x",
                                                "name": "Jeunesse", "equations": "zz=1"})
    assert bad.status_code == 422 and "ne peut plus" in bad.get_data(True)
    made = client.post("/admin/dsi/liste", data={
        "csrf_token": token, "slug": "jeunesse", "name": "Jeunesse – nouveautés",
        "equations": "q=jeunesse", "period": "weekly", "weekday": "0", "cap": "10",
        "active": "oui"})
    assert made.status_code == 303
    listed = profiles.by_slug(engine, "jeunesse")
    assert listed is not None and listed.cap == 10
    page = f"/admin/dsi/liste/{listed.id}/abonnes"
    csv_file = (io.BytesIO("email,name\nzoe@example.org,Zoé\nnope,X\n".encode()), "a.csv")
    answer = client.post(page, data={"csrf_token": csrf_token(client, page),
                                     "fichier": csv_file}, content_type="multipart/form-data")
    text = answer.get_data(True)
    assert "1 comptes créés, 1 abonnements ajoutés" in text and "Ligne 3" in text
    ingest(engine, [record("Jeunesse et sport")], MONDAY)
    preview = client.get(f"/admin/dsi/liste/{listed.id}/apercu").get_data(True)
    assert "Jeunesse et sport" in preview
    run(engine, settings, MONDAY + days(7))
    assert "n° 1" in client.get(f"/admin/dsi/liste/{listed.id}/numeros").get_data(True)
    assert "Rien de nouveau" in client.get(f"/admin/dsi/liste/{listed.id}/apercu").get_data(True)
    assert "Jeunesse – nouveautés" in client.get("/admin/dsi/").get_data(True)
