"""How the staff pages show instants and schedules: in the centre's time zone (the store
keeps UTC) and crontab lines in words, in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from flask import render_template_string

from catalogue.web import create_app
from catalogue.web.schedules import describe
from tests.harvest_support import deployment


def test_instants_are_shown_in_the_centres_time_zone(tmp_path: Path) -> None:
    _, settings, engine = deployment(tmp_path, "")
    app = create_app(settings, engine=engine)
    template = "{{ at | moment }}|{{ at | day }}|{{ none | moment }}|{{ d | day }}"
    with app.test_request_context("/"):
        # winter (UTC+1): late evening in UTC is already tomorrow in Paris
        shown = render_template_string(template, at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC),
                                       none=None, d=date(2026, 3, 1))
        assert shown == "16/01/2026 00:30|16/01/2026|–|01/03/2026"
        # summer (UTC+2); a naive instant (SQLite) is UTC
        shown = render_template_string("{{ at | moment }}", at=datetime(2026, 7, 1, 22, 5, tzinfo=UTC).replace(tzinfo=None))
        assert shown == "02/07/2026 00:05"
    engine.dispose()


def test_schedules_are_worded_in_the_readers_language() -> None:
    assert describe("*/15 * * * *") == "Toutes les 15 minutes"
    assert describe("30 2 * * *") == "À 02:30"
    assert describe("0 6 * * 1") == "À 06:00, uniquement le lundi"
    assert describe("0 7 1 1,7 *") == "À 07:00, le 1 du mois, uniquement en janvier et juillet"
    assert describe("0 6 * * 1", "en") == "At 06:00, only on Monday"
    assert describe("not a schedule") == "not a schedule"  # shown as written
