"""The desk's demo data for ``make run``: categories, forty borrowers with cards, a demo
librarian whose password is generated (never in the repository), loans with overdue ones
and a reservation; deterministic and idempotent (``make run`` twice works)."""

from __future__ import annotations

import re
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

from catalogue.cli import main
from catalogue.demo.people import BORROWERS, CATEGORIES, LISTS, RULES, STAFF_EMAIL, borrower_rows
from catalogue.dsi import profiles
from catalogue.dsi.matching import Matcher, candidates
from catalogue.dsi.runs import preview_issue
from catalogue.lending.rules import rule_for
from catalogue.people import accounts
from catalogue.settings import load
from catalogue.store import database
from catalogue.store.circulation_tables import loans, reservations
from catalogue.store.tables import records
from catalogue.web import create_app
from tests.circulation_support import write_config


def run(config: Path, *args: str) -> Any:
    answer = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert answer.exit_code == 0, answer.output
    return answer


def counts(engine: Any) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(loans)).scalar_one(),
                conn.execute(select(func.count()).select_from(reservations)).scalar_one(),
                len(accounts.search(engine, "LEC", limit=100, with_card=True)))


def test_demo_people_loans_and_librarian_twice(tmp_path: Path) -> None:
    write_config(tmp_path)
    config = tmp_path / "config.toml"
    export = tmp_path / "var" / "demo" / "pmb-export.mrc"
    run(config, "demo", "--count", "300", "--output", str(export))
    run(config, "import", str(export), "--source", "crpv", "--full")
    first = run(config, "circulation", "demo")
    secret = tmp_path / "var" / "demo" / "staff-password.txt"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    email, password = secret.read_text(encoding="utf-8").split()
    assert email == STAFF_EMAIL and f"password: {password}" in first.output
    assert f"{BORROWERS} borrowers created" in first.output
    settings = load(config, env={"CATALOGUE_SECRET_KEY": "secret de test du guichet"})
    engine = database.open_store(settings.store_url)
    staff = accounts.by_email(engine, STAFF_EMAIL)
    assert staff is not None and staff.role == "librarian"
    assert {c for c, _ in accounts.list_categories(engine)} == {c[0] for c in CATEGORIES}
    lent, reserved, borrowers = counts(engine)
    assert borrowers == BORROWERS and lent == 12 and reserved == 1
    assert "12 loans (" in first.output and "overdue" in first.output
    overdue = int(first.output.split("12 loans (")[1].split(" overdue")[0])
    assert 3 <= overdue < 12
    people = borrower_rows()
    assert sum(p.email is None for p in people) == 8  # printed letters for these
    assert len({p.card for p in people}) == BORROWERS
    # Every demo category x item type finds its rule (the students', partners' and DVDs').
    with engine.connect() as conn:
        for rule in RULES:
            category = "pv" if rule.category == "*" else rule.category
            item_type = "aa" if rule.item_type == "*" else rule.item_type
            found = rule_for(conn, settings.circulation, category, item_type)
            assert (found.loan_days, found.max_loans) == (rule.loan_days, rule.max_loans)
    # Three public curated lists, each with its category's borrowers (with an address)
    # subscribed, and equations that parse and find demo records.
    assert "3 DSI list(s) created" in first.output
    for slug, _name, _text, equations, _period, category in LISTS:
        profile = profiles.by_slug(engine, slug)
        assert profile is not None and profile.visibility == "public" and profile.active
        subscribed = {s.email for s in profiles.subscribers(engine, profile.id)}
        expected = {p.email for p in borrower_rows() if p.category == category and p.email}
        assert subscribed == expected and expected
        with Matcher(candidates(engine, datetime(2000, 1, 1, tzinfo=UTC))) as matcher:
            assert all(matcher.match(params) for params in equations), slug
    # subscribed "a week ago": the first run has the demo records as news for every list
    dry = run(config, "dsi", "run", "--dry-run").output
    for _slug, name, *_ in LISTS:
        assert re.search(rf"would send to \S+: \d+ records in 1 section\(s\): {re.escape(name)}",
                         dry), name
    for slug, *_ in LISTS:  # and the list's page already shows what its first issue holds
        profile = profiles.by_slug(engine, slug)
        assert profile is not None
        assert preview_issue(engine, settings, profile, datetime.now(UTC)), slug
    # make run again: nothing new, the password is not shown again nor changed.
    second = run(config, "circulation", "demo")
    assert "0 borrowers created, 40 kept" in second.output and "password:" not in second.output
    assert "0 DSI list(s) created" in second.output and len(profiles.lists(engine, staff=True)) == 3
    assert "already been used" in second.output and counts(engine) == (lent, reserved, borrowers)
    assert secret.read_text(encoding="utf-8").split() == [email, password]
    # The password file deleted: a new password is made and works.
    secret.unlink()
    third = run(config, "circulation", "demo")
    new_password = secret.read_text(encoding="utf-8").split()[1]
    assert new_password != password and f"password: {new_password}" in third.output
    from catalogue.people.settings import AccountSettings

    assert accounts.authenticate(engine, STAFF_EMAIL, new_password, staff.created_at,
                                 AccountSettings()).id == staff.id
    engine.dispose()


def test_make_runs_partner_demo_shows_books_held_by_both_centres(tmp_path: Path) -> None:
    """The shipped config.toml declares the demo partner; its export, imported beside the
    centre's, makes shared books one result "Dans 2 centres" with each one's availability."""
    shutil.copy(Path(__file__).resolve().parents[1] / "config.toml", tmp_path / "config.toml")
    config = tmp_path / "config.toml"
    demo_dir = tmp_path / "var" / "demo"
    run(config, "demo", "--count", "300", "--output", str(demo_dir / "pmb-export.mrc"))
    run(config, "import", str(demo_dir / "pmb-export.mrc"), "--source", "crpv", "--full")
    run(config, "demo", "--partner", "--count", "300", "--output", str(demo_dir / "p.mrc"))
    run(config, "import", str(demo_dir / "p.mrc"), "--source", "grenoble", "--full")
    settings = load(config, env={"CATALOGUE_SECRET_KEY": "secret de test"})
    engine = database.open_store(settings.store_url)
    with engine.connect() as conn:
        shared = conn.execute(
            select(records.c.source_id, records.c.title)
            .where(records.c.source == "grenoble", func.length(records.c.source_id) == 6)
            .order_by(records.c.id)).all()
    assert len(shared) >= 40
    client = create_app(settings, engine=engine).test_client()
    source_id, title = shared[0]
    page = client.get("/recherche", query_string={"q": f'"{title}"'}).get_data(True)
    first = page.split('<li class="hit">')[1]
    assert "Dans 2 centres" in first and "Grenoble (démo)" in first and "politique de la ville" in first
    record = client.get(f"/notice/grenoble/{source_id}").get_data(True)
    assert "Dans les autres centres" in record
    engine.dispose()
