"""Where the French analysis should run for tantivy: in Python (today) or in tantivy's Rust.

Usage: python bench/analysis_cost.py [--records 20000] [--repeat 3]

The tantivy engine indexes words that :mod:`indexes.analysis` produced in the preparing
processes (the ``whitespace`` tokenizer reads them back), so that both engines index the
same terms. Moving the analysis into tantivy (a tokenizer, lowercase, ASCII folding,
French stop words and stemmer registered on the index) would take it out of Python,
which is where a harvest's CPU goes (#15 point 7). This measures what it would save, on
the same demo records (generated, not timed), CPU time per record, one indexing thread:

- ``prepare``: what a preparing process does (canonical JSON -> Record -> document ->
  tantivy JSON), with our analysis (stems, simplified words, phrase pairs) or without it
  (the fields' raw text: what tantivy would analyse itself; no pairs);
- ``index``: tantivy's ``add_json`` + commit of those documents: pre-analysed words on
  the whitespace tokenizer, or raw text through tantivy's own French analyzer with its
  ``regex`` tokenizer (our word pattern) or its ``simple`` one (split at any
  non-alphanumeric character: ``aujourd'hui`` becomes two words); positions kept on the
  catch-all field then, since phrases could no longer be looked up as pairs;
- the sum, the whole cost per record for the index.

Then how many distinct words of those records tantivy's analyzer turns into another term
than ours (elisions, ``aujourd'hui``, stemmer variants...): the hits that would differ.

Medians of ``--repeat`` interleaved runs; prints a markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import msgspec  # noqa: E402
import tantivy  # noqa: E402

import indexes.documents as documents  # noqa: E402
import indexes.tantivy.schema as tschema  # noqa: E402
from catalogue import demo  # noqa: E402
from catalogue.formats import unimarc  # noqa: E402
from catalogue.records import from_json, to_json  # noqa: E402
from indexes.analysis import ELISIONS, STOP_WORDS, WORD, normalise  # noqa: E402
from indexes.schema import ALL  # noqa: E402

ENCODER = msgspec.json.Encoder()


def prepare_ours(stored: list[str]) -> list[str]:
    """Today's preparing step, record by record."""
    return [tschema.as_json(documents.document(from_json(data))) for data in stored]


def prepare_raw(stored: list[str]) -> list[str]:
    """The same without our analysis: raw text in the text fields, no phrase pairs."""
    swapped: tuple[tuple[Any, str, Any], ...] = ((documents, "pairs", lambda text: []), (tschema, "stemmed", str),
               (tschema, "simplified", str))
    saved = [(module, name, getattr(module, name)) for module, name, _ in swapped]
    for module, name, stand_in in swapped:
        setattr(module, name, stand_in)
    try:
        return [ENCODER.encode(tschema.fields(documents.document(from_json(data)))).decode()
                for data in stored]
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


def analyzer(tokenizer: str, stem: bool) -> Any:
    """tantivy's French chain: ``tokenizer``, lowercase, ASCII folding, and for stemmed
    fields our stop words (elided articles included: the tokenizer splits them off)
    and the Snowball French stemmer."""
    start = (tantivy.Tokenizer.regex(WORD.pattern) if tokenizer == "regex"
             else tantivy.Tokenizer.simple())
    builder = tantivy.TextAnalyzerBuilder(start).filter(tantivy.Filter.lowercase()).filter(
        tantivy.Filter.ascii_fold())
    if stem:
        builder = builder.filter(tantivy.Filter.custom_stopword(sorted(STOP_WORDS | ELISIONS)))
        builder = builder.filter(tantivy.Filter.stemmer("french"))
    return builder.build()


def index(docs: list[str], folder: Path, tokenizer: str | None) -> None:
    """``docs`` into a fresh index in ``folder`` (one indexing thread), committed."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    own = tokenizer is not None  # tantivy's analyzers, positions on the catch-all
    ix = tantivy.Index(tschema.build("fr", "fr_words", "position") if own
                       else tschema.build(), str(folder))
    if tokenizer is not None:
        ix.register_tokenizer("fr", analyzer(tokenizer, True))
        ix.register_tokenizer("fr_words", analyzer(tokenizer, False))
    writer = ix.writer(256 * 1024 * 1024, 1)
    for doc in docs:
        writer.add_json(doc)
    writer.commit()
    writer.wait_merging_threads()


def cpu_per_record(task: Callable[[], Any], count: int) -> tuple[float, Any]:
    """CPU seconds of the process (tantivy's threads included) per record, µs."""
    start = time.process_time()
    out = task()
    return (time.process_time() - start) / count * 1e6, out


def differing_words(stored: list[str], tokenizer: str) -> tuple[int, int, list[str]]:
    """(distinct words, words analysed differently, a few examples)."""
    fr = analyzer(tokenizer, True)
    seen: set[str] = set()
    for data in stored:
        doc = documents.document(from_json(data))
        seen.update(WORD.findall(str(doc[ALL])))
    differ = []
    for word in sorted(seen):
        ours = normalise(word)
        theirs = fr.analyze(word)
        if [ours] != theirs and not (ours is None and not theirs):
            differ.append(f"{word}: {ours} / {' '.join(theirs) or '-'}")
    return len(seen), len(differ), differ[:: max(1, len(differ) // 6)][:6]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        export = work / "demo.mrc"
        demo.write_export(export, count=args.records, seed=1)
        with open(export, "rb") as fh:
            stored = [to_json(p.record) for p in unimarc.read(fh, "bench")
                      if p.record is not None]
        n = len(stored)
        rows: dict[str, list[list[float]]] = {}
        for _ in range(args.repeat):
            ours_us, ours = cpu_per_record(lambda: prepare_ours(stored), n)
            raw_us, raw = cpu_per_record(lambda: prepare_raw(stored), n)
            for label, prep_us, docs, tokenizer in (
                    ("ours (Python analysis, pre-analysed words)", ours_us, ours, None),
                    ("tantivy's analysis, regex tokenizer", raw_us, raw, "regex"),
                    ("tantivy's analysis, simple tokenizer", raw_us, raw, "simple")):
                index_us, _ = cpu_per_record(partial(index, docs, work / "ix", tokenizer), n)
                rows.setdefault(label, []).append([prep_us, index_us, prep_us + index_us])
        print(f"### {n:,} demo records, CPU µs per record, medians of {args.repeat}\n")
        print("| analysis | prepare | index | total |\n|---|---:|---:|---:|")
        for label, runs in rows.items():
            cells = [statistics.median(run[i] for run in runs) for i in range(3)]
            print(f"| {label} | " + " | ".join(f"{c:.0f}" for c in cells) + " |")
        print()
        for tokenizer in ("regex", "simple"):
            total, count, examples = differing_words(stored, tokenizer)
            print(f"- {tokenizer} tokenizer: {count} of {total} distinct words analysed "
                  f"differently, e.g. {'; '.join(examples)}")


if __name__ == "__main__":
    main()
