"""Writing the index: incremental changes, the writer lock, atomic rebuilds under load,
and keeping the index in step with a real store (catalogue.indexing)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from catalogue import indexing
from catalogue.records import Record, Title, from_json, replace, to_json
from catalogue.store import database
from catalogue.store.ingest import Ingest
from catalogue.store.tables import records as records_table
from harvesters.pmb import open_export
from indexes import (
    IndexLocked,
    IndexMissing,
    IndexWriter,
    Searcher,
    SearchRequest,
    directory,
    rebuild,
    update,
)
from tests.stores import store_url


def test_incremental_update_and_delete_seen_without_restart(
        demo_records: list[Record], tmp_path: Path) -> None:
    rebuild(demo_records[:300], tmp_path)
    with Searcher(tmp_path) as searcher:
        before = searcher.document_count()
        assert before == 300
        target = demo_records[10]
        changed = replace(target, title=Title(main="Zygomatiques inédites du quartier"))
        update(tmp_path, [changed, demo_records[400]])
        result = searcher.search("zygomatiques")
        assert [h.global_id for h in result.hits] == [target.global_id]
        assert searcher.document_count() == 301
        update(tmp_path, deletions=[target.global_id, "crpv:does-not-exist"])
        assert searcher.search("zygomatiques").total == 0
        assert searcher.document_count() == 300
        with IndexWriter(tmp_path) as writer:
            writer.upsert([target])
            writer.delete([demo_records[400].global_id])
        assert writer.report().upserted == 1 and writer.report().deleted == 1
        assert searcher.search(target.title.display()).hits[0].global_id == target.global_id


def test_a_failed_write_block_changes_nothing(demo_records: list[Record], tmp_path: Path) -> None:
    rebuild(demo_records[:50], tmp_path)
    with pytest.raises(RuntimeError), IndexWriter(tmp_path) as writer:
        writer.delete([demo_records[0].global_id])
        raise RuntimeError("boom")
    with Searcher(tmp_path) as searcher:
        assert searcher.document_count() == 50


def test_one_writer_at_a_time(demo_records: list[Record], tmp_path: Path) -> None:
    rebuild(demo_records[:20], tmp_path)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with directory.write_lock(tmp_path):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        with pytest.raises(IndexLocked):
            update(tmp_path, deletions=["crpv:1"], lock_timeout=0.2)
        with pytest.raises(IndexLocked):
            rebuild(demo_records[:5], tmp_path, lock_timeout=0.2)
    finally:
        release.set()
        thread.join()
    update(tmp_path, deletions=["crpv:1"], lock_timeout=5)


def test_missing_index_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing):
        Searcher(tmp_path / "none").search("ville")


def test_failed_rebuild_keeps_the_old_index(demo_records: list[Record], tmp_path: Path) -> None:
    rebuild(demo_records[:30], tmp_path)
    in_service = directory.current(tmp_path)

    def broken() -> object:
        yield from demo_records[:10]
        raise ValueError("store went away")

    with pytest.raises(ValueError):
        rebuild(broken(), tmp_path)  # type: ignore[arg-type]
    assert directory.current(tmp_path) == in_service
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("gen-")] == [
        in_service.name if in_service else ""]


def test_rebuild_while_threads_search_has_zero_failures(demo_records: list[Record],
                                                        tmp_path: Path) -> None:
    rebuild(demo_records[:500], tmp_path)
    searcher = Searcher(tmp_path)
    queries = ["prévention délinquance jeunes", '"politique de la ville"', "polit*",
               "titre:quartiers", "annee:2010-2020 numérique", "rixe OR harcèlement", "(((",
               "auteur:joly", "isbn:978-2"]
    failures: list[BaseException] = []
    done = threading.Event()
    counts: Counter[int] = Counter()

    def load(n: int) -> None:
        k = 0
        while not done.is_set():
            try:
                result = searcher.search(SearchRequest(
                    query=queries[(n + k) % len(queries)], facets=("doctype", "year"),
                    page=1 + k % 3))
                counts[result.total >= 0] += 1
            except BaseException as exc:
                failures.append(exc)
            k += 1

    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        generations = set()
        for size in (1500, 800, 2000):
            rebuild(demo_records[:size], tmp_path)
            generations.add(directory.current(tmp_path))
            deadline = time.monotonic() + 10
            while searcher.document_count() != size and time.monotonic() < deadline:
                time.sleep(0.01)
            assert searcher.document_count() == size
    finally:
        done.set()
        for t in threads:
            t.join()
        searcher.close()
    assert failures == []
    assert counts[True] > 20
    assert len(generations) == 3
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(kept) == 2  # the one in service and the previous one


# --- catalogue.indexing: the store and the index together ----------------------------------

def _import(engine: object, path: Path, full: bool = False) -> None:
    export = open_export(path)
    ingest = Ingest(engine, source="crpv", format=export.format, path=str(path),  # type: ignore[arg-type]
                    full=full, batch_size=200)
    ingest.add_all(export.read("crpv"))
    ingest.finish()


def test_reindex_and_update_follow_the_store(demo_export: Path, tmp_path: Path) -> None:
    from catalogue import demo

    engine = database.open_store(store_url(tmp_path, "store"))
    small = tmp_path / "small.mrc"
    demo.write_export(small, count=400, seed=1)
    _import(engine, small)
    index_dir = tmp_path / "index"
    run = indexing.reindex(engine, index_dir)
    # every record once; nothing was stamped meanwhile, so nothing to catch up
    assert run.indexed == 400 and run.caught_up == 0 and run.watermark is not None
    assert indexing.update_index(engine, index_dir).indexed == 0
    with Searcher(index_dir) as searcher:
        assert searcher.document_count() == 400
        facets = searcher.search(SearchRequest(facets=("doctype",), facet_limit=50)).facets[0]
        with engine.connect() as conn:
            stored: dict[str, int] = dict(conn.execute(
                select(records_table.c.doc_type, func.count())
                .where(records_table.c.deleted.is_(False)).group_by(records_table.c.doc_type)
            ).all())
            # Periodicals and their issues are the type "s" (Périodique) to readers.
            serials = sum(from_json(row[0]).bib_level == "s" for row in conn.execute(
                select(records_table.c.data).where(records_table.c.deleted.is_(False))))
        assert serials > 0
        stored["a"] -= serials
        stored["s"] = serials
        assert {v.value: v.count for v in facets.values} == stored

        # a full re-import of fewer records tombstones the rest; the update removes them
        fewer = tmp_path / "fewer.mrc"
        demo.write_export(fewer, count=300, seed=1)
        _import(engine, fewer, full=True)
        indexing.update_index(engine, index_dir)
        assert searcher.document_count() == 300
        assert searcher.search(SearchRequest(query="", page_size=5)).total == 300

        # growing again: records come back
        _import(engine, small)
        changed = indexing.update_index(engine, index_dir)
        assert changed.indexed >= 100
        assert searcher.document_count() == 400
    engine.dispose()


def test_warm_loads_columns_before_the_first_search(demo_records: list[Record],
                                                    tmp_path: Path) -> None:
    rebuild(demo_records[:200], tmp_path)
    with Searcher(tmp_path) as searcher:
        searcher.warm()
        result = searcher.search(SearchRequest(query="ville", facets=("doctype", "year"),
                                               sort="title"))
        assert result.total > 0 and len(result.facets) == 2


def test_large_update_in_segments_replaces_across_them(demo_records: list[Record],
                                                       tmp_path: Path) -> None:
    rebuild(demo_records[:50], tmp_path)
    changed = replace(demo_records[120], title=Title(main="Zygomatiques du second segment"))
    with IndexWriter(tmp_path, segment_docs=100) as writer:
        writer.upsert(demo_records[:250])  # 50 re-indexed, 200 new: three segments
        writer.upsert([changed])  # its first version sits in an already committed segment
        writer.delete([demo_records[0].global_id])
    assert writer.report().upserted == 251
    with Searcher(tmp_path) as searcher:
        assert searcher.document_count() == 249
        assert [h.global_id for h in searcher.search("zygomatiques").hits] == [changed.global_id]


def test_field_lengths_from_memory_write_the_same_postings(demo_records: list[Record],
                                                           tmp_path: Path) -> None:
    from whoosh import index as whoosh_index  # type: ignore[import-untyped]

    from indexes.whoosh import writer as writer_module

    def postings(folder: Path) -> list[tuple[object, ...]]:
        found: list[tuple[object, ...]] = []
        with whoosh_index.open_dir(str(directory.current(folder))).reader() as reader:
            for fieldname, text in reader.all_terms():
                info = reader.term_info(fieldname, text)
                found.append((fieldname, text, info.min_length(), info.max_length(),
                              info.weight(), tuple(reader.postings(fieldname, text).all_ids())))
        return found

    rebuild(demo_records[:400], tmp_path / "memory", segment_docs=150)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer_module, "remember_lengths", lambda writer: None)
        rebuild(demo_records[:400], tmp_path / "files", segment_docs=150)
    assert postings(tmp_path / "memory") == postings(tmp_path / "files")


# --- several writer processes (indexes.whoosh.parallel) -------------------------------------------

def _stored_ids(folder: Path) -> Counter[str]:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(directory.current(folder)))
    with ix.searcher() as searcher:
        return Counter(fields["id"] for fields in searcher.all_stored_fields())


def test_two_processes_replace_and_delete_across_committed_segments(
        demo_records: list[Record], tmp_path: Path) -> None:
    import multiprocessing

    rebuild(demo_records[:600], tmp_path, segment_docs=250)  # three committed segments
    changed = replace(demo_records[300], title=Title(main="Zygomatiques des deux processus"))
    # Deletions, like replacements, reach committed documents: 700 was committed at 800.
    gone = [demo_records[n].global_id for n in (0, 299, 599, 700)]
    with IndexWriter(tmp_path, segment_docs=400, procs=2) as writer:
        writer.upsert(demo_records[:1000])  # 600 re-indexed, 400 new: segments of 400 each
        writer.upsert([changed])  # its first version was just committed by a process
        writer.delete(gone)
    assert writer.report().upserted == 1001 and writer.report().deleted == 4
    ids = _stored_ids(tmp_path)
    assert max(ids.values()) == 1
    assert set(ids) == {r.global_id for r in demo_records[:1000]} - set(gone)
    with Searcher(tmp_path) as searcher:
        assert searcher.document_count() == 996
        assert [h.global_id for h in searcher.search("zygomatiques").hits] == [changed.global_id]
        title = demo_records[900].title.display()
        assert demo_records[900].global_id in [h.global_id for h in searcher.search(title).hits]
    assert multiprocessing.active_children() == []


def test_two_processes_in_one_commit_replace_what_was_committed_before(
        demo_records: list[Record], tmp_path: Path) -> None:
    rebuild(demo_records[:500], tmp_path)
    with IndexWriter(tmp_path, procs=2) as writer:
        writer.upsert(demo_records[200:800])
        writer.delete([demo_records[0].global_id])
    ids = _stored_ids(tmp_path)
    assert max(ids.values()) == 1 and len(ids) == 799
    assert demo_records[0].global_id not in ids


def test_an_exception_cancels_the_processes_work_and_frees_the_lock(
        demo_records: list[Record], tmp_path: Path) -> None:
    import multiprocessing

    rebuild(demo_records[:100], tmp_path)
    generation = directory.current(tmp_path) or tmp_path

    def tables() -> set[str]:  # Whoosh's tables of contents, one per commit
        return {p.name for p in generation.iterdir() if p.suffix == ".toc"}

    before = tables()
    with pytest.raises(RuntimeError), IndexWriter(tmp_path, procs=2) as writer:
        writer.upsert(demo_records[50:900])
        writer.delete([demo_records[1].global_id])
        with pytest.raises(IndexLocked):  # the writer lock is held meanwhile
            update(tmp_path, deletions=["crpv:1"], lock_timeout=0.2)
        raise RuntimeError("boom")
    assert multiprocessing.active_children() == []
    assert tables() == before
    assert _stored_ids(tmp_path) == Counter(r.global_id for r in demo_records[:100])
    update(tmp_path, deletions=[demo_records[1].global_id], lock_timeout=0.2)
    assert len(_stored_ids(tmp_path)) == 99


def test_a_failing_writer_process_fails_the_commit(tmp_path: Path) -> None:
    import multiprocessing

    from whoosh import index as whoosh_index

    from indexes.whoosh import schema
    from indexes.whoosh.parallel import ParallelWriter, WriterProcessFailed

    ix = whoosh_index.create_in(str(tmp_path), schema.build())
    with ix.writer() as first:
        first.add_document(id="crpv:kept", all="conservé")
    writer = ParallelWriter(ix, 2, lambda w: None)
    for n in range(300):
        writer.add_document(id=f"crpv:{n}", all="texte" if n != 250 else 12345)  # not text
    with pytest.raises(WriterProcessFailed, match="12345|int|attribute"):
        writer.commit()
    assert multiprocessing.active_children() == []
    with ix.searcher() as searcher:
        assert [f["id"] for f in searcher.all_stored_fields()] == ["crpv:kept"]
    with ix.writer() as after:  # Whoosh's own lock was released too
        after.add_document(id="crpv:next", all="suivant")
    assert ix.doc_count() == 2


def test_large_updates_use_the_processes_and_keep_update_semantics(
        demo_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from catalogue import demo

    monkeypatch.setattr(indexing, "PARALLEL_FROM", 250)  # the size a test can afford
    engine = database.open_store(store_url(tmp_path, "store"))
    small = tmp_path / "small.mrc"
    demo.write_export(small, count=400, seed=1)
    _import(engine, small)
    index_dir = tmp_path / "index"
    assert indexing.update_index(engine, index_dir, procs=2).indexed == 400
    fewer = tmp_path / "fewer.mrc"
    demo.write_export(fewer, count=300, seed=1)
    _import(engine, fewer, full=True)  # 300 re-stamped (a full import), 100 tombstoned
    run = indexing.update_index(engine, index_dir, procs=2)
    assert run.deleted == 100
    ids = _stored_ids(index_dir)
    assert max(ids.values()) == 1 and len(ids) == 300
    with engine.connect() as conn:
        live = {f"{s}:{i}" for s, i in conn.execute(
            select(records_table.c.source, records_table.c.source_id)
            .where(records_table.c.deleted.is_(False)))}
    assert set(ids) == live
    engine.dispose()


@pytest.mark.parametrize("engine_name", ["tantivy", "whoosh"])
def test_an_update_in_processes_streams_its_changes_as_one_process_applies_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine_name: str) -> None:
    """The changes of an update reach the writer as one stream (documents' text read a
    few records at a time, tombstones removed at the end): with processes, the same
    documents, deletions and watermark as one process applying them."""
    from catalogue import demo

    monkeypatch.setattr(indexing, "PARALLEL_FROM", 250)  # the size a test can afford
    monkeypatch.setattr(indexing, "UPSERT_BATCH", 37)  # several text reads in the stream
    exports = {count: tmp_path / f"{count}.mrc" for count in (400, 300)}
    for count, path in exports.items():
        demo.write_export(path, count=count, seed=count)  # other seed: other contents
    runs, found = {}, {}
    for procs in (1, 2):
        engine = database.open_store(store_url(tmp_path, f"store{procs}"))
        index_dir = tmp_path / f"index{procs}"
        _import(engine, exports[400])
        first = indexing.update_index(engine, index_dir, procs=procs, engine_name=engine_name)
        _import(engine, exports[300], full=True)  # changes, additions and tombstones
        again = indexing.update_index(engine, index_dir, procs=procs)
        with engine.connect() as conn:
            live = conn.execute(select(func.count()).select_from(records_table)
                                .where(records_table.c.deleted.is_(False))).scalar()
        runs[procs] = (first.indexed, again.indexed, again.deleted, live)
        with Searcher(index_dir) as searcher:
            assert searcher.engine() == engine_name
            pages = [searcher.search(SearchRequest(query="", sort="title", page=page,
                                                   page_size=100, facets=("doctype", "year")))
                     for page in (1, 2, 3)]
        found[procs] = ([h.global_id for r in pages for h in r.hits], pages[0].total,
                        pages[0].facets)
        engine.dispose()
    assert runs[2] == runs[1]
    built, changed, deleted, live = runs[2]
    assert built == 400 and changed >= 250 and deleted > 0
    ids, total, facets = found[2]
    assert (total, facets) == found[1][1:] and total == live == len(set(ids))
    if engine_name == "tantivy":  # one indexing thread: the same order, ties included
        assert ids == found[1][0]
    else:  # Whoosh's writer processes each take their share: ties may come out swapped
        assert sorted(ids) == sorted(found[1][0])


# --- postings grouped per field and flushed in blocks (indexes.whoosh.segment) --------------------

def _everything(folder: Path) -> dict[str, Any]:
    """All Whoosh reads of an index: per field its lexicon, each term's statistics and
    postings (ids, weights, values), the field lengths; the columns and stored fields."""
    from whoosh import index as whoosh_index

    from indexes.whoosh import schema

    ix = whoosh_index.open_dir(str(directory.current(folder)))
    found: dict[str, Any] = {}
    with ix.reader() as reader:
        docs = list(reader.all_doc_ids())
        found["docs"] = (reader.doc_count_all(), docs)
        found["segments"] = [(s.doc_count_all(), s.deleted_count()) for s in ix._segments()]
        fields = schema.build()
        for fieldname in fields.names():
            terms = []
            for text in reader.lexicon(fieldname) if fields[fieldname].indexed else ():
                info = reader.term_info(fieldname, text)
                matcher = reader.postings(fieldname, text)
                postings = []
                while matcher.is_active():
                    postings.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                terms.append((text, info.weight(), info.doc_frequency(), info.min_length(),
                              info.max_length(), info.max_weight(), info.min_id(),
                              info.max_id(), postings))
            lengths = [reader.doc_field_length(d, fieldname) for d in docs]
            column = (list(reader.column_reader(fieldname)) if reader.has_column(fieldname)
                      else None)
            found[fieldname] = (terms, lengths, column)
        found["stored"] = [reader.stored_fields(d) for d in docs]
    return found


def test_grouped_postings_read_as_whooshs_own(demo_records: list[Record], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from indexes.whoosh import writer as writer_module

    changed = replace(demo_records[10], title=Title(main="Zygomatiques regroupées"))

    def build(folder: Path, grouped: bool) -> dict[str, Any]:
        monkeypatch.setattr(writer_module, "GROUPED", grouped)
        rebuild(demo_records[:900], folder, segment_docs=400)  # segments of 400, 400, 100
        update(folder, [changed, *demo_records[850:1000]],
               deletions=[demo_records[n].global_id for n in (3, 401, 899)])
        for n in range(1000, 1012, 2):  # small segments, that Whoosh's MERGE_SMALL merges
            update(folder, demo_records[n:n + 2], deletions=[demo_records[n - 1].global_id])
        return _everything(folder)

    ours = build(tmp_path / "grouped", True)
    whooshs = build(tmp_path / "whoosh", False)
    assert ours == whooshs
    terms, _, _ = ours["all"]
    assert len(terms) > 500 and any(len(t[-1]) > 128 for t in terms)  # several blocks
    assert len(ours["segments"]) < 3 + 1 + 6  # the small ones were merged


def test_grouped_postings_past_the_memory_budget_go_to_whooshs_pool(
        demo_records: list[Record], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from indexes.whoosh import writer as writer_module

    monkeypatch.setattr(writer_module, "LIMIT_MB", 1)  # about 5,000 postings kept in lists
    monkeypatch.setattr(writer_module, "GROUPED", True)
    rebuild(demo_records[:300], tmp_path / "grouped")
    monkeypatch.setattr(writer_module, "GROUPED", False)
    rebuild(demo_records[:300], tmp_path / "whoosh")
    assert _everything(tmp_path / "grouped") == _everything(tmp_path / "whoosh")


def test_a_failed_document_leaves_no_grouped_postings(tmp_path: Path) -> None:
    from whoosh import index as whoosh_index

    from indexes.whoosh import schema
    from indexes.whoosh.segment import GroupedSegmentWriter

    ix = whoosh_index.create_in(str(tmp_path), schema.build())
    writer = GroupedSegmentWriter(ix)
    writer.add_document(id="crpv:1", all="premier document")
    with pytest.raises(ValueError):
        writer.add_document(id="crpv:2", all="second", title=12345)  # not text
    writer.add_document(id="crpv:3", all="troisième document")
    writer.commit()
    stems = [t.text for t in schema.build()["all"].analyzer("second document")]
    with ix.searcher() as searcher:
        assert [f["id"] for f in searcher.all_stored_fields()] == ["crpv:1", "crpv:3"]
        assert stems[0].encode() not in set(searcher.lexicon("all"))
        assert list(searcher.postings("all", stems[1].encode()).all_ids()) == [0, 1]


def test_two_processes_write_what_one_writes(demo_records: list[Record], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from whoosh import index as whoosh_index

    from indexes.whoosh import writer as writer_module

    def by_record(folder: Path) -> dict[tuple[str, bytes], list[tuple[object, ...]]]:
        """Each term's postings keyed by record (the processes number documents their way)."""
        found: dict[tuple[str, bytes], list[tuple[object, ...]]] = {}
        with whoosh_index.open_dir(str(directory.current(folder))).reader() as reader:
            ids = {d: reader.stored_fields(d)["id"] for d in reader.all_doc_ids()}
            for fieldname, text in reader.all_terms():
                matcher = reader.postings(fieldname, text)
                postings = []
                while matcher.is_active():
                    postings.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                    matcher.next()
                found[fieldname, text] = sorted(postings)
        return found

    monkeypatch.setattr(writer_module, "GROUPED", True)
    rebuild(demo_records[:700], tmp_path / "two", procs=2, segment_docs=400)
    monkeypatch.setattr(writer_module, "GROUPED", False)
    rebuild(demo_records[:700], tmp_path / "one", segment_docs=400)
    assert by_record(tmp_path / "two") == by_record(tmp_path / "one")


def test_an_update_applies_each_change_once_and_a_late_batch_still(demo_export: Path,
                                                                    tmp_path: Path) -> None:
    """The next update re-applies nothing already applied (it used to re-index the last
    five minutes of changes at every run, for ever), yet a batch stamped before the
    watermark but committed after the update read the store is applied by the next one."""
    from catalogue import demo

    engine = database.open_store(store_url(tmp_path, "store"))
    small = tmp_path / "small.mrc"
    demo.write_export(small, count=300, seed=1)
    _import(engine, small)
    index_dir = tmp_path / "index"
    assert indexing.update_index(engine, index_dir).indexed == 300
    assert indexing.update_index(engine, index_dir).indexed == 0
    assert indexing.update_index(engine, index_dir).indexed == 0
    state = indexing.read_state(index_dir)
    assert state.mark is not None and sum(state.seen.values()) == 300

    # A batch in flight while the update read: stamped before the watermark, visible only
    # now (written here by hand with an old stamp, as its commit would have left it).
    with engine.begin() as conn:
        row = conn.execute(select(records_table).where(records_table.c.deleted.is_(False))
                           .order_by(records_table.c.id).limit(1)).one()._asdict()
        late = state.mark - timedelta(seconds=1)
        record = replace(from_json(row["data"]), source_id="late-1")
        row.update(id=None, source_id="late-1", data=to_json(record), datestamp=late,
                   first_seen=late)
        conn.execute(records_table.insert().values(**{k: v for k, v in row.items() if v is not None}))
    run = indexing.update_index(engine, index_dir)
    assert run.indexed == 1
    with Searcher(index_dir) as searcher:
        assert searcher.document_count() == 301
    assert indexing.update_index(engine, index_dir).indexed == 0

    # A watermark file of the earlier version (the datestamp alone): its margin once, then
    # nothing.
    (index_dir / indexing.WATERMARK).write_text(state.mark.isoformat(), encoding="utf-8")
    assert indexing.update_index(engine, index_dir).indexed == 301
    assert indexing.update_index(engine, index_dir).indexed == 0
    engine.dispose()


def test_an_update_after_an_import_indexes_the_records_that_changed(tmp_path: Path) -> None:
    """Records updated since the last update left their old stamps with fewer rows; those
    stamps were re-read whole (12 changes indexed 2,000 records). Only the changes are."""
    import io

    from catalogue import demo
    from catalogue.formats import unimarc

    engine = database.open_store(store_url(tmp_path, "store"))
    export = tmp_path / "export.mrc"
    demo.write_export(export, count=600, seed=2)
    _import(engine, export)
    index_dir = tmp_path / "index"
    assert indexing.update_index(engine, index_dir).indexed == 600
    for round_ in range(2):
        changed = bytearray()
        for n, parsed in enumerate(unimarc.read(io.BytesIO(export.read_bytes()), "crpv")):
            assert parsed.record is not None
            if n % 50 == round_:
                record = replace(parsed.record, keywords=(*parsed.record.keywords, f"r{round_}"))
                changed += unimarc.to_iso2709(record)
            else:
                changed += parsed.raw
        path = tmp_path / f"changed{round_}.mrc"
        path.write_bytes(bytes(changed))
        _import(engine, path)
        # Round 0 changes 12 records; round 1 12 others, and gives round 0's back.
        assert indexing.update_index(engine, index_dir).indexed == 12 * (round_ + 1)
        assert indexing.update_index(engine, index_dir).indexed == 0
    engine.dispose()



# --- the Whoosh engine's speed-ups degrade to Whoosh's public path ------------------------

def _terms_and_ids(folder: Path) -> dict[tuple[str, bytes], frozenset[str]]:
    """Each term's records (processes number documents their own way)."""
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(str(directory.current(folder))).reader() as reader:
        ids = {d: reader.stored_fields(d)["id"] for d in reader.all_doc_ids()}
        return {(f, t): frozenset(ids[d] for d in reader.postings(f, t).all_ids() if d in ids)
                for f, t in reader.all_terms()}


def test_other_writer_internals_fall_back_to_whooshs_own_writers(
        demo_records: list[Record], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Internals that are not the ones the speed-ups were written for (another codec,
    another Whoosh) mean Whoosh's own writers, with a warning: never an exception."""
    from indexes.whoosh import parallel, segment
    from indexes.whoosh import writer as writer_module

    rebuild(demo_records[:300], tmp_path / "fast", procs=2, segment_docs=200)
    monkeypatch.setattr(segment, "_FIELDWRITER_NEEDS", (*segment._FIELDWRITER_NEEDS, "_gone"))
    monkeypatch.setattr(parallel.ParallelWriter, "NEEDS", ("_no_such_method",))
    with caplog.at_level("WARNING", logger="indexes.whoosh"):
        rebuild(demo_records[:300], tmp_path / "public", procs=2, segment_docs=200)
        update(tmp_path / "public", demo_records[300:320])
    assert "Whoosh's own segment writer" in caplog.text
    assert "one writer process instead of 2" in caplog.text
    monkeypatch.setattr(writer_module, "grouped", None)  # the codec's names not importable
    update(tmp_path / "public", demo_records[320:340])
    update(tmp_path / "fast", demo_records[300:340])
    assert _terms_and_ids(tmp_path / "public") == _terms_and_ids(tmp_path / "fast")
    with Searcher(tmp_path / "public") as searcher:
        assert searcher.document_count() == 340


def test_postings_read_through_the_public_walk_give_the_same_results(
        demo_index: Path, index_engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The block reader and Whoosh's public matcher walk find the same records."""
    if index_engine != "whoosh":
        pytest.skip("Whoosh's postings only")
    from indexes.whoosh import postings

    queries = ["prévention", "politique de la ville", '"politique de la ville"', "jeunes -emploi",
               "auteur:martin", "polit*", "annee:2010-2015 insertion"]
    request = dict(facets=("doctype", "descriptor"), page_size=50)
    with Searcher(demo_index) as searcher:
        fast = [searcher.search(SearchRequest(query=q, **request)) for q in queries]  # type: ignore[arg-type]
    monkeypatch.setattr(postings, "_PUBLIC_ONLY", True)
    with Searcher(demo_index) as searcher:
        public = [searcher.search(SearchRequest(query=q, **request)) for q in queries]  # type: ignore[arg-type]
    for a, b in zip(fast, public, strict=True):
        assert (a.total, a.hits, a.facets) == (b.total, b.hits, b.facets)
    assert all(r.total for r in fast[:2])


def test_a_matcher_of_another_shape_switches_to_the_public_walk(
        demo_records: list[Record], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from indexes.whoosh import postings

    rebuild(demo_records[:200], tmp_path)
    with Searcher(tmp_path) as searcher:
        expected = searcher.search("insertion").total
    monkeypatch.setattr(postings, "_PUBLIC_ONLY", False)

    def broken(matcher: Any, weights: bool) -> Any:
        raise AttributeError("_data")  # what a renamed internal looks like
        yield  # pragma: no cover

    monkeypatch.setattr(postings, "_blocks", broken)
    with Searcher(tmp_path) as searcher:
        assert searcher.search("insertion").total == expected > 0
    assert postings._PUBLIC_ONLY


# --- tantivy: documents prepared in worker processes -------------------------------------

def test_tantivy_documents_prepared_in_processes_index_the_same(
        demo_records: list[Record], tmp_path: Path) -> None:
    """procs=2 prepares the documents in two processes (from the store's JSON): the same
    records, terms, facets and order as one process, in a rebuild and in an update."""
    from catalogue.lending.states import availability
    from catalogue.records import to_json

    as_json = [(to_json(r), None) for r in demo_records[:700]]
    rebuild(as_json, tmp_path / "two", availability, procs=2, engine_name="tantivy")
    rebuild(demo_records[:600], tmp_path / "one", availability, engine_name="tantivy")
    changed = replace(demo_records[5], title=Title(main="Zygomatiques préparées"))
    with IndexWriter(tmp_path / "one", availability, procs=1) as writer:
        writer.upsert([*demo_records[600:700], changed])
    with IndexWriter(tmp_path / "two", availability, procs=2) as writer:
        assert writer.upsert([(to_json(changed), None)]) == 1
    queries = ["", "prévention", '"politique de la ville"', "polit*", "zygomatiques",
               "auteur:martin OR jeunes", "annee:2005-2015 -insertion"]
    request = dict(facets=("doctype", "year", "descriptor", "availability"), page_size=100,
                   sort="title")
    found = {}
    for name in ("one", "two"):
        with Searcher(tmp_path / name) as searcher:
            assert searcher.engine() == "tantivy"
            found[name] = [searcher.search(SearchRequest(query=q, **request))  # type: ignore[arg-type]
                           for q in queries]
    for a, b in zip(found["one"], found["two"], strict=True):
        assert (a.total, [h.global_id for h in a.hits], a.facets) == (
            b.total, [h.global_id for h in b.hits], b.facets)
    assert found["two"][0].total == 700 and found["two"][4].total == 1


def test_a_failing_worker_fails_the_rebuild_and_keeps_the_index(
        demo_records: list[Record], tmp_path: Path) -> None:
    from catalogue.records import to_json

    rebuild(demo_records[:50], tmp_path, engine_name="tantivy")
    broken = [(to_json(r), None) for r in demo_records[:600]] + [("{not json", None)]
    with pytest.raises(Exception, match="(?i)json|decode|malformed"):
        rebuild(broken, tmp_path, procs=2, engine_name="tantivy")
    with Searcher(tmp_path) as searcher:
        assert searcher.document_count() == 50
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("gen-")]) == 1


def test_switching_engine_is_the_config_line_and_a_reindex(tmp_path: Path) -> None:
    """An index keeps the engine that built it (updates included) until `catalogue
    reindex` builds it with the configured one; a long-lived searcher follows the swap."""
    from catalogue import demo

    engine = database.open_store(store_url(tmp_path, "store"))
    export = tmp_path / "small.mrc"
    demo.write_export(export, count=300, seed=3)
    _import(engine, export)
    index_dir = tmp_path / "index"
    indexing.reindex(engine, index_dir)  # the default engine
    queries = ["prévention", '"politique de la ville"', "jeun*", "auteur:martin -jeunes"]
    request = dict(facets=("doctype", "descriptor"), page_size=100, sort="title")
    with Searcher(index_dir) as searcher:
        assert searcher.engine() == "whoosh"
        before = [searcher.search(SearchRequest(query=q, **request))  # type: ignore[arg-type]
                  for q in queries]
        selected = [searcher.select(q) for q in queries]
        demo.write_export(export, count=320, seed=3)
        _import(engine, export)
        assert indexing.update_index(engine, index_dir, engine_name="tantivy").indexed == 20
        assert searcher.engine() == "whoosh" and searcher.document_count() == 320
        run = indexing.reindex(engine, index_dir, engine_name="tantivy")
        assert run.indexed == 320
        assert searcher.engine() == "tantivy" and searcher.document_count() == 320
        indexing.update_index(engine, index_dir, engine_name="whoosh")  # tantivy's own engine
        after = [searcher.search(SearchRequest(query=q, **request))  # type: ignore[arg-type]
                 for q in queries]
        for query, old, new, ids in zip(queries, before, after, selected, strict=True):
            assert new.total >= old.total
            assert ids <= searcher.select(query), query
    assert all(r.total for r in before[:3])
    current = directory.current(index_dir)
    assert current is not None and (current / "ENGINE").read_text().strip() == "tantivy"
