"""Runs and previews select in the public index among the new records: the same records
as a throw-away index of those records alone (the path every run took before), on the
test engine (``CATALOGUE_TEST_ENGINE=tantivy`` runs these on tantivy), including records
the index does not hold yet or holds in an older version."""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from catalogue.clock import utcnow
from catalogue.dsi import picks, profiles
from catalogue.dsi.matching import Matcher, candidates
from catalogue.dsi.runs import preview_issue
from catalogue.indexing import reindex, update_index
from catalogue.lending.states import AVAILABLE
from catalogue.people import accounts
from catalogue.records import Agent, Descriptor, Item, Publication, Record, Title
from catalogue.settings import Settings
from catalogue.web import create_app
from indexes import Searcher
from tests.account_support import sign_in_with_link
from tests.dsi_support import MONDAY, days, ingest, person, received, run, setup
from tests.stores import ENGINE

TOPICS = ["Délinquance", "Parentalité", "Justice des mineurs", "Prévention spécialisée",
          "Éducation populaire", "Égalité des chances", "Médiation sociale", "Illettrisme",
          "Renouvellement urbain", "Santé mentale"]
TITLES = ["L'école et les {}", "Les {} d'aujourd'hui", "Écoles, familles et {}",
          "Quelle place pour l'{} ?", "Jeunesse : {} et territoires", "Politique des {}"]
WORDS = ["adolescents", "parents", "éducateurs", "habitants", "élèves", "aînés",
         "quartiers", "collèges", "mineurs", "enfants"]
AUTHORS = [("Dupré", "Hélène"), ("Lefèvre", "Jérôme"), ("N'Diaye", "Aïssatou"),
           ("O'Neill", "Siobhán"), ("Martin", "Éric")]
PLACES = ["Villeurbanne (69)", "Grenoble (38)", "Rhône (69)"]
#: 80 words beginning with "zor": over the whole index the prefix expands to the 64 most
#: frequent of them, which need not be those of the week's records.
ZOR = ["zor" + a + b for a, b in itertools.product("abcdefghij", "klmnopqr")]
SINCE = MONDAY - days(7)
#: Equations of every kind the run meets: words with accents and elisions, phrases,
#: field queries, prefixes, negation, OR, years, facets (on the public index's own
#: columns, and on those it holds live).
EQUATIONS = [
    "q=délinquance", "q=DELINQUANCE", "q=l'école", "q=ecoles", "q=parentalité+familles",
    'q="justice des mineurs"', "q=titre:écoles", "q=auteur:dupré", "q=auteur:n'diaye",
    "q=sujet:médiation", "q=parent*", "q=édu*", "q=zor*", "q=zorak+OR+zorbl",
    "q=jeunesse+-adolescents", "q=annee:2012-2016", "q=territoires&descriptor=Illettrisme",
    "descriptor=Justice+des+mineurs", "descriptor=Parentalité&descriptor=Délinquance",
    "territory=Rhône (69)", "language=fre", "doctype=a&q=politique",
    f"availability={AVAILABLE}", "availability=on_loan&q=jeunesse", "q=", "q=éléphant",
]
_IDS = itertools.count(1)


def _record(rng: random.Random, source_id: str | None = None) -> Record:
    topic, other = rng.sample(TOPICS, 2)
    word = rng.choice(WORDS)
    surname, forename = rng.choice(AUTHORS)
    geo = (Descriptor(rng.choice(PLACES), tag="607"),) if rng.random() < 0.3 else ()
    return Record(
        source="crpv", source_id=source_id or f"g{next(_IDS)}",
        title=Title(rng.choice(TITLES).format(word) + f" : {topic.lower()}"),
        agents=(Agent(name=surname, rest=forename),),
        publications=(Publication(dates=(str(rng.randrange(2005, 2025)),)),),
        descriptors=(Descriptor(topic), Descriptor(other), *geo),
        abstracts=(f"Étude sur {other.lower()} et {rng.choice(WORDS)} {rng.choice(ZOR)}.",),
        languages=("fre",),
        items=(Item(barcode=f"B{next(_IDS)}"),) if rng.random() < 0.5 else ())


class Catalogue:
    """A generated store and its index: old records, a week of new ones indexed, then
    records imported and changed after the index's last update."""

    def __init__(self, config_path: Path) -> None:
        self.settings, self.engine = setup(config_path)
        rng = random.Random(7)
        for n in range(4):  # a month ago, in four imports
            ingest(self.engine, [_record(rng) for _ in range(60)], MONDAY - days(40 - n))
        self.indexed_new: list[str] = []
        for n in range(5):  # this week
            self.indexed_new += ingest(self.engine, [_record(rng) for _ in range(30)],
                                       MONDAY - days(6 - n))
        reindex(self.engine, self.settings.index.dir, engine_name=ENGINE)
        # Since the index's last update: new records, and records changed (their old
        # version is what the index holds), this week's and an old one.
        self.unindexed = ingest(self.engine, [_record(rng) for _ in range(25)],
                                MONDAY - timedelta(hours=3))
        changed = [_record(rng, gid.split(":")[1]) for gid in self.indexed_new[:8]]
        self.changed = ingest(self.engine, changed, MONDAY - timedelta(hours=2))

    def searcher(self) -> Searcher:
        return Searcher(self.settings.index.dir)


@pytest.fixture()
def catalogue(config_path: Path) -> Iterator[Catalogue]:
    made = Catalogue(config_path)
    yield made
    made.engine.dispose()


def _ids(engine: Engine, global_ids: list[str]) -> set[int]:
    found = candidates(engine, SINCE - days(60))
    return {c.record_id for c in found.values() if c.global_id in global_ids}


def test_every_equation_selects_the_same_records_on_both_paths(catalogue: Catalogue) -> None:
    found = candidates(catalogue.engine, SINCE)
    assert len(found) == 150 + 25  # the week's records, changed ones counted once
    with catalogue.searcher() as index, Matcher(found, engine_name=ENGINE) as before, \
            Matcher(found, engine_name=ENGINE, index=index, store=catalogue.engine) as now:
        # The index holds this week's unchanged records as the store does, not the others.
        assert now.settled == _ids(catalogue.engine, catalogue.indexed_new[8:])
        sizes = {}
        for params in EQUATIONS:
            expected = before.match(params)
            assert now.match(params) == expected, params
            sizes[params] = len(expected)
        # Only what the public index cannot answer exactly went to the week's own index:
        # the 64-word prefix and the live availability facet.
        assert now.fallbacks == 1 and now.evaluations == before.evaluations == len(EQUATIONS)
    # The week's own 64 most frequent "zor" words, as runs always selected (the public
    # index's 64 are others): not every record.
    assert 0 < sizes["q=zor*"] < len(found) and sizes["q="] == len(found)
    assert sizes["q=éléphant"] == 0 and sizes["availability=on_loan&q=jeunesse"] == 0
    assert all(sizes[p] > 0 for p in EQUATIONS[:22]), sizes
    assert sizes["q=délinquance"] == sizes["q=DELINQUANCE"]


def test_records_not_yet_indexed_or_changed_since_are_matched_by_the_store(
        catalogue: Catalogue) -> None:
    found = candidates(catalogue.engine, SINCE)
    fresh = _ids(catalogue.engine, catalogue.unindexed + catalogue.changed)
    with catalogue.searcher() as index, \
            Matcher(found, engine_name=ENGINE, index=index, store=catalogue.engine) as now:
        # The changed records match by their new words (the index still holds the old).
        hits = set().union(*(now.match(p) for p in EQUATIONS if "availability" not in p))
        assert fresh <= hits
        assert not fresh & now.settled
    update_index(catalogue.engine, catalogue.settings.index.dir)
    with catalogue.searcher() as index, Matcher(found, engine_name=ENGINE) as before, \
            Matcher(found, engine_name=ENGINE, index=index, store=catalogue.engine) as now:
        assert now.settled == set(found)  # once indexed, the public index answers for all
        for params in EQUATIONS:
            assert now.match(params) == before.match(params), params


def test_no_index_or_an_index_of_another_store_changes_nothing(catalogue: Catalogue,
                                                                tmp_path: Path) -> None:
    found = candidates(catalogue.engine, SINCE)
    with Searcher(tmp_path / "none") as missing, Matcher(found, engine_name=ENGINE) as before, \
            Matcher(found, engine_name=ENGINE, index=missing, store=catalogue.engine) as now:
        assert now.settled == frozenset()
        assert [now.match(p) for p in EQUATIONS] == [before.match(p) for p in EQUATIONS]
    other = tmp_path / "other"  # an index whose watermark covers the stamps, not the records
    reindex(catalogue.engine, other, engine_name=ENGINE)
    with Searcher(other) as index:
        for gid in catalogue.indexed_new[:3]:
            assert index.holding([gid]) == {gid}
        assert index.holding(["crpv:absent", ""]) == frozenset()


def _lists(settings: Settings, engine: Engine) -> list[profiles.Profile]:
    made = [profiles.save_list(engine, SINCE, slug=f"liste-{n}", name=f"Liste {n}",
                               equation_params=params, novelty=novelty)
            for n, (params, novelty) in enumerate([
                (["q=délinquance", 'q="justice des mineurs"'], "first_seen"),
                (["descriptor=Parentalité", "q=auteur:n'diaye", "q=zor*"], "first_seen"),
                (["q=l'école&territory=Rhône (69)", "q=parent*"], "update"),
                ([f"availability={AVAILABLE}&q=politique"], "first_seen"),
            ])]
    return made


def test_previews_and_runs_select_the_same_on_both_paths(catalogue: Catalogue) -> None:
    settings, engine = catalogue.settings, catalogue.engine
    lists = _lists(settings, engine)
    old = candidates(engine, SINCE - days(60))
    picked = next(c for c in old.values() if c.first_seen < SINCE)
    picks.add(engine, MONDAY - days(1), lists[0].id, picked.global_id)
    for n in range(12):
        who = person(engine, f"abonne{n}@example.org", SINCE)
        profiles.subscribe(engine, SINCE, who.id, lists[n % len(lists)].id)
        profiles.create_alert(engine, SINCE, who.id, name="Alerte",
                              params=EQUATIONS[n * 2 % len(EQUATIONS)])
    with catalogue.searcher() as index:
        for made in profiles.lists(engine, staff=True):
            before = preview_issue(engine, settings, made, MONDAY, use_index=False)
            now = preview_issue(engine, settings, made, MONDAY, index)
            assert [c.record_id for c in now] == [c.record_id for c in before], made.slug
            assert now, made.slug
        assert picked.record_id in {c.record_id for c in preview_issue(engine, settings, lists[0],
                                                             MONDAY, index)}
    before_run = run(engine, settings, MONDAY, dry_run=True, use_index=False)
    now_run = run(engine, settings, MONDAY, dry_run=True)  # [index] dir's index
    assert before_run.previews == now_run.previews
    assert len(now_run.previews) == 12 and now_run.evaluations == before_run.evaluations


def test_the_send_misses_nothing_and_sends_nothing_twice(catalogue: Catalogue,
                                                         smtp_sink: Any) -> None:
    settings = dataclasses.replace(catalogue.settings, mail=smtp_sink.mail_settings())
    engine = catalogue.engine
    who = person(engine, "lectrice@example.org", SINCE)
    profiles.create_alert(engine, SINCE, who.id, name="Tout", params="q=", cap=500)
    wanted = [c for c in candidates(engine, SINCE).values() if c.first_seen >= SINCE]
    assert len(wanted) == 175
    report = run(engine, settings, MONDAY)  # the index lacks 25 of them: the store has them
    assert report.sent == 1 and report.records_sent == 175
    first = received(smtp_sink.messages_to("lectrice@example.org"))
    assert len(first) == 175 and set(first.values()) == {1}
    for c in wanted:  # each record's page, once
        page = "/notice/" + c.global_id.replace(":", "/")
        assert sum(url.endswith(page) for _, url in first) == 1, c.global_id
    rng = random.Random(9)
    ingest(engine, [_record(rng) for _ in range(6)], MONDAY + days(2))
    update_index(engine, settings.index.dir)
    assert run(engine, settings, MONDAY + days(7)).sent == 1
    second = received(smtp_sink.messages_to("lectrice@example.org")[1:])
    assert len(second) == 6 and set(second.values()) == {1}  # the week's six only
    assert not set(first) & set(second)


def test_the_index_s_last_minutes_are_trusted_by_their_row_counts(config_path: Path) -> None:
    """Stamps of the index's last minutes (batches may still have been in flight when it
    read the store) are trusted as its own updates trust them: while the store holds no
    more rows of that stamp than the index applied."""
    settings, engine = setup(config_path)
    rng = random.Random(3)
    stamp = utcnow() - timedelta(minutes=1)
    ingest(engine, [_record(rng) for _ in range(10)], stamp)
    reindex(engine, settings.index.dir, engine_name=ENGINE)
    with Searcher(settings.index.dir) as index:
        found = candidates(engine, stamp - days(1))
        with Matcher(found, engine_name=ENGINE, index=index, store=engine) as now:
            assert now.settled == set(found) and len(now.match("q=")) == 10
        # A batch of the same stamp committed after the index read the store.
        late = ingest(engine, [_record(rng)], stamp)
        found = candidates(engine, stamp - days(1))
        with Matcher(found, engine_name=ENGINE, index=index, store=engine) as now, \
                Matcher(found, engine_name=ENGINE) as before:
            assert now.settled == frozenset()
            assert now.match("q=") == before.match("q=") == set(found)
            assert _ids(engine, late) <= now.match("q=")
    engine.dispose()


def test_the_staff_preview_page_lists_the_same_records(catalogue: Catalogue) -> None:
    """The aperçu page goes through the web app's own searcher of the public index."""
    settings, engine = catalogue.settings, catalogue.engine
    made = _lists(settings, engine)[0]
    app = create_app(settings, engine=engine, clock=lambda: MONDAY)
    staff = accounts.create(engine, MONDAY, email="doc@example.org", role="librarian",
                            confirmed=True)
    client = app.test_client()
    sign_in_with_link(app, client, staff)
    answer = client.get(f"/admin/dsi/liste/{made.id}/apercu")
    assert answer.status_code == 200
    served = re.findall(r'<li><a href="[^"]*/notice/([^"]+)">', answer.get_data(True))
    expected = preview_issue(engine, settings, made, MONDAY, use_index=False)
    assert served == [c.global_id.replace(":", "/") for c in expected]
    unindexed = set(catalogue.unindexed + catalogue.changed)
    assert unindexed & {c.global_id for c in expected}  # some from the store alone
