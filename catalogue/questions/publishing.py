"""Publishing an answered question as an entry of the public "Questions-réponses" base.

The entry is a catalogue :class:`~catalogue.records.Record` of the source ``questions``
with its own document type (:data:`DOC_TYPE`), written through the ordinary ingest path:
the index (on its writer's next pass), the OPAC, the DSI and the OAI provider carry it
like any record. Staff rewrite the question and the answer for the public; the entry is
built from what they wrote, the field, the territory and the cited records only: the
asker's name, address and organisation never reach it.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import Engine, select, update

from catalogue.formats.base import Parsed
from catalogue.lending.availability import request_refresh
from catalogue.questions import service
from catalogue.questions.model import ANSWERED, CLOSED, MAX_TEXT, Question, QuestionError
from catalogue.questions.tables import questions
from catalogue.records import Agent, Descriptor, Link, Publication, Record, Title, to_json_bytes
from catalogue.settings import Settings
from catalogue.store import opac as store
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records

SOURCE = "questions"
SOURCE_NAME = "Questions-réponses"
#: The document type of an entry (UNIMARC leader/06 has no 'q'): its own facet value.
DOC_TYPE = "q"
#: UNIMARC 607, geographic subject: the territory asked about is the index's ``territory``
#: facet (with the territories it lies in), as the veille's are.
TERRITORY_TAG = "607"


def entry_record(settings: Settings, question: Question, title: str, asked: str,
                 answered: str, refs: list[tuple[str, str, str]]) -> Record:
    """The public record of an answered question (``refs``: source, id, title)."""
    day = (question.answered_at or question.created_at).date()
    links = [Link(url=f"{settings.base_url}/notice/{src}/{sid}", note=name)
             for src, sid, name in refs]
    links += [Link(url=url, note="Lien cité dans la réponse") for url in question.link_list]
    return Record(
        source=SOURCE, source_id=question.reference, title=Title(main=title),
        doc_type=DOC_TYPE, bib_level="m", created=day.strftime("%Y%m%d"),
        agents=(Agent(name=settings.name, kind="corporate", roles=("070",)),),
        publications=(Publication(publishers=(settings.name,), dates=(str(day.year),)),),
        abstracts=(f"Question : {asked}", f"Réponse : {answered}"),
        languages=("fre",), descriptors=(Descriptor(label=question.field_label), *(
            (Descriptor(label=question.territory, tag=TERRITORY_TAG),)
            if question.territory else ())),
        general_notes=(f"Questions-réponses du centre de documentation, "
                       f"réponse du {day.strftime('%d/%m/%Y')}.",),
        links=tuple(links),
    )


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def names_the_asker(question: Question, texts: tuple[str, ...]) -> bool:
    """Whether a text to publish holds the asker's name or address (accents, case and
    spacing ignored): a guard, not a substitute for the documentalist's rewriting."""
    published = _folded(" ".join(texts))
    return any(secret and secret in published for secret in (
        _folded(question.asker_name), question.asker_email.casefold()))


def publish(engine: Engine, settings: Settings, question_id: int, *, title: str, asked: str,
            answered: str, now: datetime) -> Record:
    """Publish (or re-publish) the rewritten entry; the index job learns it."""
    found = service.get(engine, question_id)
    if found is None or found.status not in (ANSWERED, CLOSED):
        raise QuestionError("Seule une question répondue peut être publiée.", "title")
    title, asked, answered = (" ".join(title.split()), asked.replace("\r\n", "\n").strip(),
                              answered.replace("\r\n", "\n").strip())
    if not title or len(title) > 300:
        raise QuestionError("Donnez un titre (300 caractères au plus).", "title")
    for value, name in ((asked, "asked"), (answered, "answered")):
        if not value or len(value) > MAX_TEXT:
            raise QuestionError("Réécrivez la question et la réponse pour le public.", name)
    if names_the_asker(found, (title, asked, answered)):
        raise QuestionError("Le texte à publier nomme le demandeur (nom ou adresse) : "
                            "réécrivez-le sans lui.", "asked")
    refs = [(r.source, r.source_id, r.title)
            for r in service.references(engine, question_id) if r.availability != "-"]
    record = entry_record(settings, found, title, asked, answered, refs)
    raw = to_json_bytes(record)
    ingest = Ingest(engine, source=SOURCE, source_name=SOURCE_NAME, source_kind="local",
                    format="questions", clock=lambda: now)
    ingest.add(Parsed(position=0, offset=0, raw=raw, record=record,
                      source_id=found.reference))
    ingest.finish()
    with engine.begin() as conn:
        conn.execute(update(questions).where(questions.c.id == question_id)
                     .values(published_id=found.reference))
    published = store.entry(engine, SOURCE, found.reference)
    if published is not None:
        request_refresh(engine, [published.id], now)
    with engine.begin() as conn:
        service.log_event(conn, question_id, now, "published", None, title, internal=True)
    return record


def withdraw(engine: Engine, question_id: int, *, now: datetime, by: int | None = None) -> None:
    """Take a published entry out of the public base (a text that named someone after
    all, an answer gone out of date): the record becomes a deletion, so the index drops
    it on its writer's next pass, its page answers 404, and OAI harvesters see a deleted
    header and remove their copy. The question, its answer and its exchange stay; it can
    be published again."""
    found = service.get(engine, question_id)
    if found is None or not found.published_id:
        raise QuestionError("Cette question n'est pas publiée.", "title")
    ingest = Ingest(engine, source=SOURCE, source_name=SOURCE_NAME, source_kind="local",
                    format="questions", clock=lambda: now)
    tombstone = Record(source=SOURCE, source_id=found.published_id, title=Title(main=""))
    ingest.add(Parsed(position=0, offset=0, raw=b"", record=tombstone,
                      source_id=found.published_id, deleted=True))
    ingest.finish()
    with engine.begin() as conn:
        conn.execute(update(questions).where(questions.c.id == question_id)
                     .values(published_id=""))
        service.log_event(conn, question_id, now, "withdrawn", by, found.published_id,
                          internal=True)
    gone = _record_id(engine, found.published_id)
    if gone is not None:
        request_refresh(engine, [gone], now)


def _record_id(engine: Engine, source_id: str) -> int | None:
    with engine.connect() as conn:
        found = conn.execute(select(records.c.id).where(
            records.c.source == SOURCE, records.c.source_id == source_id)).scalar()
    return None if found is None else int(found)
