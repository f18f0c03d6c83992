"""Everything the index's preparing step produces, one line per record, to compare two trees.

Run once with each checkout's interpreter and diff the outputs (``--compare``): the
engine-neutral document (:func:`indexes.documents.document`), the tantivy fields and JSON
(:mod:`indexes.tantivy.schema`), the Whoosh analyzers' tokens over every text field, and
the public functions of :mod:`indexes.analysis` over every text, for:

- the records of a store (``--db``, the 20,000-record demo store of ``bench/harvest.py``);
- every record the project's readers get out of the files under ``--data``
  (/work/shared/data: UNIMARC, MARC21, MARCXML, PMB XML, oai_dc responses);
- hostile variants of those records: each text replaced by decomposed accents, apostrophe
  variants, ligatures, digits, empty or blank values, very long values, non-Latin
  scripts, control characters, " ; " edges.

Usage::

    cd /work/main && .venv/bin/python /path/to/bench/prep_outputs.py --root /work/main \\
        --db bench.db --data /work/shared/data old.txt
    .venv/bin/python bench/prep_outputs.py --root . --db bench.db --data ... new.txt
    python bench/prep_outputs.py --compare old.txt new.txt
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Fragments mixed into the hostile variants.
HOSTILE = (
    "É\u0301cole e\u0301le\u0300ve Œuvre Ærø ßtraße ﬁn ẞ İstanbul",
    "l’école l`arbre l'ʼaube qu’il jusqu'ʼà aujourd'hui l''a 'a a' ' ’ ʼ",
    "1/2 ½ ² 2024 07.76 N°3 3e XXe 1er 00042 ① ٣",
    "", "   ", "\t\n\r", " ; ", " ;  ; ; ", ";", " ;", "; ", "\x1f", "a\x1fb",
    "ΟΔΥΣΣΕΥΣ Σ σ ς ΣΑΣ. ͺ ; ΑΣ ; Москва Ёлка ; كتاب الطبخ ; 東京大学 ; עברית ; हिन्दी",
    "\u1112\u1161\u11ab\u1100\u116e\u11a8 한국 ; ไทย ; 😀👍🏽 ; a\u200bb ; a\u00adb ; x\u2060y",
    "\x01\x02\x07\x0b\x0c\x0e\x1b\x7f\x85\u2028\u2029 a\u00a0b\u202fc\u3000d",
    "\u0301début ; \u0301 ; ;\u0301 ; x ;\u0301y ; a \u037e b ; a\u037eb",
    "snake_case __init__ a_ _a l'_x d'été ; D’Été ; L'ÉTÉ ; DE LA ; à la",
    "«Les» [Le] (La) \"L'\" un une des the a an ",
)


def hostile(text: str, n: int) -> str:
    """A hostile variant of ``text`` (the ``n``-th kind)."""
    kind = n % 8
    frag = HOSTILE[n % len(HOSTILE)]
    if kind == 0:
        return unicodedata.normalize("NFD", text) + " " + frag
    if kind == 1:
        return frag + text.replace("'", "’").replace("e", "ʼe")
    if kind == 2:
        return frag
    if kind == 3:
        return (text + " ; " + frag + " ") * 40
    if kind == 4:
        return text.replace(" ", " ; ").upper() + frag
    if kind == 5:
        return unicodedata.normalize("NFKD", frag + text)
    if kind == 6:
        return text.replace(" ", "\u00a0") + "\u0301" + frag
    return text + frag


#: Keys whose values stay as they are (they select code paths, not text).
KEEP = frozenset({"tag", "scheme", "marc_flavour", "source", "kind", "level", "indicators",
                  "doc_type", "bib_level", "hier_level", "record_status", "created",
                  "loanable", "has_dump", "invalid", "type"})


def mutate(value: Any, n: list[int]) -> Any:
    if isinstance(value, dict):
        return {k: (v if k in KEEP else mutate(v, n)) for k, v in value.items()}
    if isinstance(value, list):
        return [mutate(v, n) for v in value]
    if isinstance(value, str):
        n[0] += 1
        return hostile(value, n[0])
    return value


def records(db: Path | None, data: Path | None, hostile_count: int) -> Iterator[tuple[str, Any]]:
    """(label, record) of every input, in a fixed order."""
    import msgspec

    from catalogue.formats.detect import reader, resolve
    from catalogue.records import from_json

    samples: list[Any] = []
    if db is not None:
        rows = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
            "select id, data from records order by id").fetchall()
        for ident, text in rows:
            record = from_json(text)
            if len(samples) < hostile_count // 2:
                samples.append(record)
            yield f"db:{ident}", record
    if data is not None:
        for path in sorted(p for p in data.rglob("*") if p.is_file()):
            head = path.read_bytes()[:65536]
            try:
                fmt = resolve("auto", head)
            except Exception:  # not a records file
                continue
            fmts = ("unimarc", "marc21") if fmt in ("unimarc", "marc21") else (fmt,)
            for each in fmts:
                try:
                    with path.open("rb") as stream:
                        parsed = list(reader(each)(stream, "s", "auto"))
                except Exception as exc:  # a file the reader rejects
                    print(f"{path} {each}: {exc.__class__.__name__}", file=sys.stderr)
                    continue
                for p in parsed:
                    if p.record is not None:
                        samples.append(p.record)
                        yield f"{path.relative_to(data)}:{each}:{p.position}", p.record
    counter = [0]
    made = 0
    for round_ in range(max(1, hostile_count // max(1, len(samples)) + 1)):
        for n, record in enumerate(samples):
            if made >= hostile_count:
                return
            counter[0] = round_ * 7 + n
            tree = msgspec.json.decode(msgspec.json.encode(record))
            try:
                variant = from_json(msgspec.json.encode(mutate(tree, counter)))
            except Exception as exc:  # a variant the model refuses
                print(f"hostile {round_}/{n}: {exc.__class__.__name__}", file=sys.stderr)
                continue
            made += 1
            yield f"hostile:{round_}:{n}", variant


def outputs(record: Any) -> Any:
    """What the preparing step and the analysis make of ``record``."""
    from indexes import analysis, documents
    from indexes.tantivy import schema
    from indexes.whoosh.analyzers import FoldingAnalyzer, FrenchAnalyzer, ValuesAnalyzer

    def places(label: str) -> tuple[str, ...]:
        return (label.upper(), "Rhône (69)")

    added = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    doc = documents.document(record, lambda r: "available", added,
                             None, {"public": record.title.main}, places)
    plain = documents.document(record)
    texts = [v for v in doc.values() if isinstance(v, str)]
    funcs: list[tuple[str, Callable[[str], Any]]] = [
        ("fold", analysis.fold), ("stems", analysis.stems),
        ("stem_tuple", analysis.stem_tuple), ("joined", analysis.joined_stems),
        ("pairs", analysis.pairs), ("words", analysis.words), ("nfc", analysis.nfc),
        ("title_key", documents.title_key), ("sort_title", documents.sort_title),
        ("identifier_key", documents.identifier_key),
    ]
    per_text = [(name, f(t)) for t in texts for name, f in funcs]
    per_word = [(analysis.normalise(w), analysis.simplify(w))
                for t in texts for w in analysis.words(t)]
    tokens = []
    for analyzer in (FrenchAnalyzer(), FoldingAnalyzer(), ValuesAnalyzer()):
        for t in texts:
            tokens.append([(k.text, k.pos, k.startchar, k.endchar)
                           for k in analyzer(t, positions=True, chars=True)])
            tokens.append([k.text for k in analyzer(t, tokenize=False)])
    fields = list(schema.fields(doc).items())
    # again without what the analysis remembers of the documents just built (if it does)
    getattr(analysis, "_COMPOSED", {}).clear()
    getattr(documents, "_JOINED", {}).clear()
    afresh = list(schema.fields(doc).items())
    return (list(doc.items()), list(plain.items()), fields, afresh, schema.as_json(plain),
            per_text, per_word, tokens)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="+")
    parser.add_argument("--root", type=Path, help="the checkout whose code runs")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--hostile", type=int, default=3000)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    if args.compare:
        compare(*args.out)
        return
    sys.path.insert(0, str(args.root.resolve()))
    import indexes

    assert Path(indexes.__file__).resolve().is_relative_to(args.root.resolve())
    with open(args.out[0], "w", encoding="utf-8") as out:
        for label, record in records(args.db, args.data, args.hostile):
            text = repr(outputs(record))
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            out.write(f"{label}\t{digest}\t{text}\n")


def compare(old: str, new: str) -> None:
    with open(old, encoding="utf-8") as a, open(new, encoding="utf-8") as b:
        left, right = a.readlines(), b.readlines()
    labels = [line.split("\t", 1)[0] for line in left]
    assert labels == [line.split("\t", 1)[0] for line in right], "not the same inputs"
    differ = [(x, y) for x, y in zip(left, right, strict=True)
              if x.split("\t", 2)[1] != y.split("\t", 2)[1]]
    kinds: dict[str, int] = {}
    for label in labels:
        kind = label.split(":", 1)[0] if label.startswith(("db:", "hostile:")) else "data"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"{len(labels)} records compared {kinds}: {len(differ)} differ")
    for x, y in differ[:3]:
        print("OLD", x[:3000], "\nNEW", y[:3000])
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
