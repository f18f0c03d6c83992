"""DSI digests link the public documents of the records they list (never restricted ones)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from catalogue.documents.service import Documents
from tests.dsi_support import MONDAY, days, html_part, run, text_part
from tests.test_dsi_mail import _scene


def test_digest_links_public_documents(config_path: Path, smtp_sink: Any) -> None:
    settings, engine, who, ids = _scene(config_path, smtp_sink)
    service = Documents(engine, settings.documents, {"crpv"})
    first = service.record_id(*ids[0].split(":", 1))
    second = service.record_id(*ids[1].split(":", 1))
    assert first is not None and second is not None
    public = service.attach(first, "synthèse été.txt", io.BytesIO(b"Texte public"),
                            MONDAY - days(2), level="public")
    hidden = service.attach(second, "interne.txt", io.BytesIO(b"Texte interne"),
                            MONDAY - days(2), level="staff")
    report = run(engine, settings, MONDAY)
    assert report.sent == 1, report
    [msg] = smtp_sink.messages_to(who.email)
    text, html = text_part(msg), html_part(msg)
    url = f"http://catalogue.test/document/{public.id}/fichier"
    assert f"Télécharger le texte (synthèse été.txt) : {url}" in text
    assert f'<a href="{url}"' in html
    assert f"/document/{hidden.id}/" not in text and f"/document/{hidden.id}/" not in html
