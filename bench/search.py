"""Search benchmark: both engines of the index, side by side, against bare Whoosh and tantivy.

Usage: python bench/search.py [--sizes 100000] [--engines whoosh,tantivy] [--queries 200]
                              [--procs 2] [--parallel] [--workdir DIR]

For each size, a demo PMB export of that many records is generated (not timed) and read
once; then, in this one run:

* build throughput and peak RSS (each build in a child process): our index on each
  engine (``rebuild`` of the records' canonical JSON, as ``catalogue reindex`` hands the
  store's over: Whoosh with one writer, and with its 2-process writer when
  ``--parallel``; tantivy with ``--procs`` preparing processes), and a bare tantivy index
  from the very same documents (``indexes.document``) with tantivy's own analysis;
* search latency over a mix of queries (common word, rare word, 2-3 word AND, phrase,
  field query, prefix), top 20:

  - each engine: ``Searcher.search`` with 5 facets and highlighting, result cache off;
    *cold* = a new Searcher (open + first query) per query on a sample, *first pass* =
    one fresh Searcher going through the mix once, *warm* = later passes;
  - bare Whoosh (when the Whoosh engine is built): the same query string through
    Whoosh's QueryParser on the same index (a phrase as the AND of its adjacent pairs),
    ``search(limit=20)``, no count, no facets, no highlighting;
  - bare tantivy: the same terms through tantivy's parser (French stemmer, ASCII
    folding), top 20 with count (the speed reference; no facets).

Prints markdown tables.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from catalogue import demo  # noqa: E402
from catalogue.demo import vocabulary  # noqa: E402
from catalogue.formats import unimarc  # noqa: E402
from catalogue.records import Record, to_json  # noqa: E402
from indexes import Searcher, SearchRequest, document, rebuild  # noqa: E402
from indexes.analysis import STOP_WORDS, fold  # noqa: E402

FACETS = ("doctype", "year", "language", "availability", "descriptor")
CATEGORIES = ("common", "rare", "and", "phrase", "field", "prefix")
SHARES = {"common": 0.2, "rare": 0.15, "and": 0.2, "phrase": 0.15, "field": 0.15, "prefix": 0.15}
FIELD_MAP = {"titre:": "title:", "auteur:": "authors:", "sujet:": "subjects:"}


def read_records(path: Path) -> Iterator[Record]:
    with open(path, "rb") as fh:
        for parsed in unimarc.read(fh, "bench"):
            if parsed.record is not None:
                yield parsed.record


# --- the query mix ----------------------------------------------------------------------

def query_mix(index_dir: Path, count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(category, query) pairs drawn from the index's own words and the demo vocabulary."""
    rng = random.Random(seed)
    freq = lexicon(index_dir)
    usable = [(df, w) for df, w in freq if len(w) >= 4 and w.isalpha() and w not in STOP_WORDS]
    usable.sort(reverse=True)
    common = [w for _, w in usable[:80]]
    rare = [w for df, w in usable if 2 <= df <= 40]
    topics = [t for area in vocabulary.TOPICS for t in area]
    phrases = [" ".join(t.split()[1:]) if t.split()[0] in {"la", "le", "les"} else t
               for t in topics]
    phrases = [p.replace("l'", "") for p in phrases if len(p.split()) >= 2]
    descriptors = [d for area in vocabulary.DESCRIPTORS for d in area if " " in d]
    surnames = list(vocabulary.SURNAMES)
    want = {c: max(1, round(count * SHARES[c])) for c in CATEGORIES}
    want["common"] += count - sum(want.values())
    out: list[tuple[str, str]] = []
    for _ in range(want["common"]):
        out.append(("common", rng.choice(common[:40])))
    for _ in range(want["rare"]):
        out.append(("rare", rng.choice(rare) if rare else rng.choice(common)))
    for _ in range(want["and"]):
        words = [w for w in fold(rng.choice(topics)).replace("'", " ").split()
                 if w not in STOP_WORDS and len(w) > 3]
        extra = rng.sample(common[:60], rng.choice((0, 1)))
        out.append(("and", " ".join((words + extra)[:3]) or rng.choice(common)))
    for _ in range(want["phrase"]):
        out.append(("phrase", f'"{rng.choice(phrases)}"'))
    for n in range(want["field"]):
        kind = n % 3
        if kind == 0:
            out.append(("field", f"titre:{rng.choice(common[:60])}"))
        elif kind == 1:
            out.append(("field", f"auteur:{fold(rng.choice(surnames))}"))
        else:
            out.append(("field", f'sujet:"{rng.choice(descriptors)}"'))
    for _ in range(want["prefix"]):
        word = rng.choice(common[:60] + rare[:40])
        out.append(("prefix", word[: rng.choice((4, 5, 6))] + "*"))
    rng.shuffle(out)
    return out[:count]


def lexicon(index_dir: Path) -> list[tuple[int, str]]:
    """(document frequency, word) of the ``words`` field, from either engine's index."""
    from indexes import directory, engine

    path = directory.require_current(index_dir)
    if engine.name_of(path) == "tantivy":
        import tantivy

        searcher = tantivy.Index.open(str(path)).searcher()
        return [(int(df), str(t)) for t, df in searcher.terms_with_prefix("words", "")]
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        return [(reader.doc_frequency("words", t), t.decode() if isinstance(t, bytes) else t)
                for t in reader.lexicon("words")]


# --- engines ------------------------------------------------------------------------------

def ours(index_dir: Path) -> tuple[Callable[[str], int], Searcher]:
    searcher = Searcher(index_dir, result_cache=0)

    def run(query: str) -> int:
        result = searcher.search(SearchRequest(query=query, facets=FACETS, page_size=20))
        return result.total

    return run, searcher


def bare_whoosh(index_dir: Path) -> Callable[[str], int]:
    from whoosh import index as whoosh_index
    from whoosh import query as wq
    from whoosh.qparser import QueryParser

    from indexes import directory
    from indexes.analysis import pairs
    from indexes.schema import PAIRS

    ix = whoosh_index.open_dir(str(directory.require_current(index_dir)))
    searcher = ix.searcher()
    parser = QueryParser("all", ix.schema)

    def run(query: str) -> int:
        if query.startswith('"') and query.endswith('"'):
            # The catch-all field keeps no positions: a phrase is the AND of its adjacent
            # pairs in the `pairs` field, as the index answers it.
            parsed = wq.And([wq.Term(PAIRS, p) for p in pairs(query.strip('"'))])
        else:
            for ours_name, theirs in FIELD_MAP.items():
                query = query.replace(ours_name, theirs)
            parsed = parser.parse(query)
        results = searcher.search(parsed, limit=20)
        return len([hit.docnum for hit in results])

    return run


TANTIVY_FIELDS = ("all", "title", "authors", "subjects", "words")


def in_child(job: Callable[[], tuple[int, float]],
             workers: int = 0) -> tuple[int, float, float]:
    """Run a build in a forked child: (documents, seconds, peak RSS in MB).

    With ``workers`` (the preparing processes of a tantivy build), the peak is the
    child's own plus ``workers`` times the largest of them: an upper bound of what the
    build held at once.
    """
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue()

    def target() -> None:
        count, seconds = job()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if workers else 0
        queue.put((count, seconds, (own + workers * largest) / 1024))

    child = context.Process(target=target)
    child.start()
    found: tuple[int, float, float] = queue.get()
    child.join()
    return found


def engine_build(source: Callable[[], Any], path: Path, name: str,
                 procs: int) -> Callable[[], tuple[int, float]]:
    def job() -> tuple[int, float]:
        from catalogue.lending.states import availability

        report = rebuild(source(), path, availability, procs=procs, engine_name=name)
        return report.upserted, report.seconds

    return job


def tantivy_build(records: Iterator[Record], path: Path) -> tuple[int, float]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in TANTIVY_FIELDS:
        builder.add_text_field(name, stored=name == "title",
                               tokenizer_name="fr_words" if name == "words" else "fr")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(path))
    _register(index)
    writer = index.writer(heap_size=512_000_000)
    start = time.perf_counter()
    count = 0
    for record in records:
        doc = document(record)
        writer.add_document(tantivy.Document(
            id=doc["id"], all=doc["all"], title=doc["title"], authors=doc["authors"],
            subjects=doc["subjects"], words=doc["words"]))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count, time.perf_counter() - start


def _register(index: Any) -> None:
    import tantivy

    def analyzer(stem: bool) -> Any:
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
            tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold())
        if stem:
            builder = builder.filter(tantivy.Filter.stopword("french")).filter(
                tantivy.Filter.stemmer("french"))
        return builder.build()

    index.register_tokenizer("fr", analyzer(True))
    index.register_tokenizer("fr_words", analyzer(False))


def tantivy_engine(path: Path) -> Callable[[str], int]:
    import tantivy

    index = tantivy.Index.open(str(path))
    _register(index)
    index.reload()
    searcher = index.searcher()
    schema = index.schema

    def run(query: str) -> int:
        if query.endswith("*") and " " not in query:
            q = tantivy.Query.regex_query(schema, "words", fold(query[:-1]) + ".*")
        else:
            for ours_name, theirs in FIELD_MAP.items():
                query = query.replace(ours_name, theirs)
            q = index.parse_query(query, ["all"], conjunction_by_default=True)
        result = searcher.search(q, 20, count=True)
        return int(result.count or 0)

    return run


# --- measuring ----------------------------------------------------------------------------

def timed(run: Callable[[str], int], mix: list[tuple[str, str]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {c: [] for c in CATEGORIES}
    for category, query in mix:
        start = time.perf_counter()
        run(query)
        times[category].append((time.perf_counter() - start) * 1000)
    return times


def merge(passes: list[dict[str, list[float]]]) -> dict[str, list[float]]:
    """Per query, the median over passes."""
    return {c: [statistics.median(v) for v in zip(*(p[c] for p in passes), strict=True)]
            for c in CATEGORIES}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def row(name: str, times: dict[str, list[float]]) -> str:
    every = [t for c in CATEGORIES for t in times[c]]
    cells = [f"{pct(every, 0.5):.1f}", f"{pct(every, 0.95):.1f}", f"{max(every):.0f}"]
    cells += [f"{pct(times[c], 0.95):.1f}" if times[c] else "-" for c in CATEGORIES]
    return f"| {name} | " + " | ".join(cells) + " |"


def bench(size: int, queries: int, parallel: bool, workdir: Path, cold: int,
          engines: tuple[str, ...], procs: int) -> list[str]:
    export = workdir / f"demo-{size}.mrc"
    if not export.exists():
        print(f"generating {size} records...", file=sys.stderr)
        demo.write_export(export, count=size, seed=1)
    start = time.perf_counter()
    records = list(read_records(export)) if size <= 200_000 else None
    parse_s = time.perf_counter() - start
    source: Callable[[], Any] = (lambda: records) if records is not None else (
        lambda: read_records(export))
    note = "" if records is not None else " (incl. reading the export)"
    lines = [f"### {size:,} records", "",
             "| build | docs | seconds | docs/s | peak RSS, MB |", "|---|---|---|---|---|"]

    def add(label: str, found: tuple[int, float, float]) -> None:
        count, seconds, rss = found
        lines.append(f"| {label}{note} | {count} | {seconds:.0f} | {count / seconds:.0f} | "
                     f"{rss:.0f} |")

    # The engines read records as `catalogue reindex` hands them over: the store's JSON.
    stored = [(to_json(r), None) for r in records] if records is not None else None
    as_stored: Callable[[], Any] = (lambda: stored) if stored is not None else (
        lambda: ((to_json(r), None) for r in read_records(export)))
    built: dict[str, Path] = {}
    for name in engines:
        ix = workdir / f"{name}-{size}"
        shutil.rmtree(ix, ignore_errors=True)
        threads = 1 if name == "whoosh" else procs
        print(f"building {name} ({threads})...", file=sys.stderr)
        add(f"{name} engine, {'1 writer' if name == 'whoosh' else f'procs={threads}'}",
            in_child(engine_build(as_stored, ix, name, threads),
                     threads if name == "tantivy" and threads > 1 else 0))
        built[name] = ix
        if parallel and name == "whoosh":
            px = workdir / f"whoosh-{size}-p2"
            shutil.rmtree(px, ignore_errors=True)
            print("building whoosh (procs=2)...", file=sys.stderr)
            add("whoosh engine, procs=2", in_child(engine_build(as_stored, px, name, 2)))
            shutil.rmtree(px, ignore_errors=True)
    tx = workdir / f"bare-tantivy-{size}"
    shutil.rmtree(tx, ignore_errors=True)
    tx.mkdir()
    print("building bare tantivy...", file=sys.stderr)
    add("bare tantivy (its own analysis, default threads)",
        in_child(lambda: tantivy_build(iter(source()), tx)))
    if records is not None:
        lines.append(f"| (reading the export, not counted above) | {size} | {parse_s:.0f} | "
                     f"{size / parse_s:.0f} | |")
    records = stored = None

    mix = query_mix(next(iter(built.values())), queries)
    print("searching...", file=sys.stderr)
    results: list[str] = []
    sample = mix[:: max(1, len(mix) // cold)][:cold]
    for name, ix in built.items():
        cold_times: dict[str, list[float]] = {c: [] for c in CATEGORIES}
        for category, query in sample:
            start = time.perf_counter()
            run, searcher = ours(ix)
            run(query)
            cold_times[category].append((time.perf_counter() - start) * 1000)
            searcher.close()
        results.append(row(f"{name}, cold (open + 1 query, {len(sample)} queries)",
                           cold_times))
        run, _ = ours(ix)
        results.append(row(f"{name}, first pass", timed(run, mix)))
        results.append(row(f"{name}, warm (5 facets + highlight)",
                           merge([timed(run, mix) for _ in range(3)])))
    if "whoosh" in built:
        bare = bare_whoosh(built["whoosh"])
        timed(bare, mix)
        results.append(row("bare Whoosh, warm (top 20 only)", merge([timed(bare, mix)
                                                                      for _ in range(3)])))
    tan = tantivy_engine(tx)
    timed(tan, mix)
    results.append(row("bare tantivy, warm (top 20 + count)", merge([timed(tan, mix)
                                                                      for _ in range(3)])))
    shown = category_counts(mix)
    header = ("| search, ms | p50 | p95 | max | " + " | ".join(
        f"{c} p95 ({shown[c]})" for c in CATEGORIES) + " |")
    lines += ["", header, "|---" * (4 + len(CATEGORIES)) + "|", *results, ""]
    return lines


def category_counts(mix: list[tuple[str, str]]) -> dict[str, int]:
    counts = dict.fromkeys(CATEGORIES, 0)
    for category, _ in mix:
        counts[category] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--parallel", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--engines", default="whoosh,tantivy",
                        help="engines to build and search, comma-separated")
    parser.add_argument("--procs", type=int, default=2, help="tantivy indexing threads")
    args = parser.parse_args(argv)
    engines = tuple(e for e in args.engines.split(",") if e)
    unknown = set(engines) - {"whoosh", "tantivy"}
    if not engines or unknown:
        parser.error(f"--engines: whoosh and/or tantivy (not {', '.join(sorted(unknown))})")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    out = ["## Search benchmark", ""]
    for size in (int(s) for s in args.sizes.split(",")):
        out += bench(size, args.queries, args.parallel, workdir, args.cold, engines,
                     args.procs)
        print("\n".join(out), file=sys.stderr)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
