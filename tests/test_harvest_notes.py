"""A failed harvest keeps the notes its listing gathered (restarts after refused tokens),
bounded, and says once that the next run resumes: pyoai's server over real HTTP, refusing
resumption tokens."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from catalogue.harvesting import MAX_NOTES, HarvestReport, harvest_source
from catalogue.settings import Settings
from catalogue.web import create_app
from catalogue.web.reasons import translated
from tests.harvest_servers import PartnerRepository, PyoaiServer, demo_records, oai_error
from tests.harvest_support import Sleeps, StepClock, deployment, partner

RECORDS = demo_records(60)


def refusing(after_cursor: int) -> Callable[[int, dict[str, str]], object]:
    """A fault refusing every resumption token at or beyond ``after_cursor``."""
    def fault(_n: int, params: dict[str, str]) -> object:
        token = params.get("resumptionToken", "")
        found = re.search(r"cursor(?:=|%3D)(\d+)", token)
        if found and int(found.group(1)) >= after_cursor:
            return 200, {}, oai_error("badResumptionToken", "expired")
        return None
    return fault


def run(tmp_path: Path, page_size: int, after_cursor: int,
        max_restarts: int) -> tuple[HarvestReport, Settings, Engine]:
    repository = PartnerRepository()
    for record in RECORDS:
        repository.put(record, past=False)  # distinct datestamps: each restart moves on
    with PyoaiServer(repository, page_size=page_size) as server:
        server.fault = refusing(after_cursor)  # type: ignore[assignment]
        _, settings, engine = deployment(tmp_path, partner("p1", server.url))
        settings = dataclasses.replace(settings, harvest=dataclasses.replace(
            settings.harvest, max_restarts=max_restarts))
        report = harvest_source(engine, settings, settings.source("p1"), clock=StepClock(),
                                sleep=Sleeps())
    return report, settings, engine


def test_a_failed_harvest_keeps_its_restart_notes_and_resumes_once(tmp_path: Path) -> None:
    report, settings, engine = run(tmp_path, page_size=7, after_cursor=14, max_restarts=2)
    assert report.status == "failed"
    message = report.message
    notes = message.split("; ")
    restarts = [n for n in notes if n.startswith("badResumptionToken after page ")]
    assert len(restarts) == 2, message
    assert re.fullmatch(r"badResumptionToken after page 2: restarted from \S+ \(in datestamp "
                        r"order\)", restarts[0]), message
    assert message.count("the next run resumes") == 1, message
    assert message.endswith(f"p1: the partner refused resumption tokens 3 times (expired); "
                            f"every committed page is kept and the next run resumes "
                            f"({report.pages} page(s) committed)"), message
    assert report.pages == 6 and report.restarts == 3
    app = create_app(settings, engine=engine)
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        said = translated(message)
    assert said is not None
    assert said.count("jeton de reprise refusé après la page") == 2, said
    assert ("le partenaire a refusé 3 fois le jeton de reprise (« expired ») ; toutes les "
            "pages enregistrées sont gardées et la prochaine moisson reprendra là "
            "(6 page(s) enregistrée(s))") in said, said
    assert said.count("reprendra là") == 2  # once in the message, once in the advice
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        english = translated(message)
    assert english is not None and english.count("the next run resumes") == 1, english


def test_the_notes_kept_are_bounded(tmp_path: Path) -> None:
    report, settings, engine = run(tmp_path, page_size=3, after_cursor=3,
                                   max_restarts=MAX_NOTES + 3)
    assert report.status == "failed"
    message = report.message
    notes = message.split("; ")
    restarts = [n for n in notes if n.startswith("badResumptionToken after page ")]
    assert len(restarts) == MAX_NOTES, message
    assert "3 more note(s) left out" in notes, message
    assert message.count("the next run resumes") == 1, message
    app = create_app(settings, engine=engine)
    with app.test_request_context(headers={"Cookie": "lang=fr"}):
        said = translated(message)
    assert said is not None and "3 remarque(s) de plus non reprise(s) ici" in said, said
