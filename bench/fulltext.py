"""Full-text benchmark: extraction speed and index growth, on generated documents.

Usage: python bench/fulltext.py [--pdfs 20] [--pages 50] [--office 20] [--records 2000]
                                [--engines whoosh,tantivy] [--workdir DIR]

Generates (not timed) ``--pdfs`` PDFs of ``--pages`` pages each with fpdf2, and
``--office`` ODT and DOCX files of 10 pages' worth of text each: French-like text of
about 330 words a page, drawn with a Zipf law from a lexicon of 20,000 generated words
(accents and ligatures included), so the index sees a realistic vocabulary. Then:

* extraction: each file through :func:`catalogue.documents.extraction.extract` (its own
  limited child process, as in production): pages/s for PDF, files/s and words/s for
  ODT and DOCX;
* index growth: an index of ``--records`` generated records is built without full text,
  then with the extracted pages attached to as many records (public level), on each
  engine; the difference in bytes per 1,000 pages, and the build time per 1,000 pages.

Prints markdown tables (the README's *Full text* table comes from this).
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from catalogue.documents import kinds  # noqa: E402
from catalogue.documents.extraction import extract  # noqa: E402
from catalogue.records import Record, Title  # noqa: E402
from indexes import rebuild  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ONSETS = ("b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "pr", "tr",
          "br", "cl", "gr", "qu")
VOWELS = ("a", "e", "i", "o", "u", "é", "è", "ou", "ai", "an", "on", "in", "œu")
SUFFIXES = ("", "", "tion", "ment", "ité", "eur", "ique", "age", "ance", "iste", "s", "es")
COMMON = ("le", "la", "les", "de", "des", "du", "et", "en", "un", "une", "pour", "dans",
          "sur", "par", "avec", "que", "qui", "au", "aux", "est", "sont", "ville", "quartier")


def lexicon(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(1, 3)
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
        words.add(word + rng.choice(SUFFIXES))
    return sorted(words)


def page_text(words: list[str], weights: list[float], rng: random.Random, n: int = 330) -> str:
    chosen = rng.choices(words, weights, k=n)
    out = []
    for i, w in enumerate(chosen):
        out.append(rng.choice(COMMON) if i % 3 == 0 else w)
    return " ".join(out).capitalize() + "."


def make_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    if FONT.exists():
        doc.add_font("dejavu", "", str(FONT))
        doc.set_font("dejavu", size=10)
    else:
        doc.set_font("helvetica", size=10)
        pages = [p.replace("œ", "oe").encode("latin-1", "replace").decode("latin-1")
                 for p in pages]
    for text in pages:
        doc.add_page()
        doc.multi_cell(0, 5, text)
    return bytes(doc.output())


def make_odt(paragraphs: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    for text in paragraphs:
        doc.text.addElement(P(text=text))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdfs", type=int, default=20)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--office", type=int, default=20)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--engines", default="whoosh,tantivy")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    rng = random.Random(18)
    words = lexicon(20_000, rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-fulltext-"))
    work.mkdir(parents=True, exist_ok=True)

    files: list[tuple[Path, str]] = []
    for n in range(args.pdfs):
        path = work / f"rapport-{n}.pdf"
        path.write_bytes(make_pdf([page_text(words, weights, rng) for _ in range(args.pages)]))
        files.append((path, kinds.PDF))
    for n in range(args.office):
        text = [page_text(words, weights, rng) for _ in range(10)]
        (work / f"etude-{n}.odt").write_bytes(make_odt(text))
        (work / f"etude-{n}.docx").write_bytes(make_docx(text))
        files += [(work / f"etude-{n}.odt", kinds.ODT), (work / f"etude-{n}.docx", kinds.DOCX)]

    per_kind: dict[str, list[float]] = {}
    pages_of: dict[str, int] = {}
    words_of: dict[str, int] = {}
    texts: list[list[tuple[int, str]]] = []
    for path, kind in files:
        started = time.perf_counter()
        result = extract(path, kind, seconds=120, memory_mb=1024, max_pages=100_000)
        per_kind.setdefault(kind, []).append(time.perf_counter() - started)
        assert not result.problem, (path, result.problem, result.detail)
        pages_of[kind] = pages_of.get(kind, 0) + len(result.pages)
        words_of[kind] = words_of.get(kind, 0) + sum(len(t.split()) for _, t in result.pages)
        if kind == kinds.PDF:
            texts.append(list(result.pages))

    print(f"\n### Extraction ({len(files)} generated files, one limited child process each)\n")
    print("| kind | files | pages | words | seconds | pages/s | files/s | words/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, times in per_kind.items():
        total = sum(times)
        paged = kind == kinds.PDF
        pages = str(pages_of[kind]) if paged else "-"
        rate = f"{pages_of[kind] / total:.0f}" if paged else "-"
        print(f"| {kind} | {len(times)} | {pages} | {words_of[kind]:,} | {total:.2f} | "
              f"{rate} | {len(times) / total:.1f} | {words_of[kind] / total:,.0f} |")

    records = [Record(source="b", source_id=str(n), title=Title(
        f"{words[rng.randrange(2000)].capitalize()} et {words[rng.randrange(2000)]} {n}"))
        for n in range(args.records)]
    attached: dict[str, dict[str, str]] = {}
    total_pages = 0
    for n, pages in enumerate(texts):
        attached[f"b:{n}"] = {"public": "\n".join(t for _, t in pages)}
        total_pages += len(pages)
    print(f"\n### Index growth ({args.records} records, {total_pages} PDF pages attached to "
          f"{len(texts)} of them)\n")
    print("| engine | without full text | with full text | growth per 1,000 pages | "
          "build s without | build s with | extra s per 1,000 pages |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        results = []
        for with_text in (False, True):
            folder = work / f"index-{name}-{with_text}"
            shutil.rmtree(folder, ignore_errors=True)
            started = time.perf_counter()
            rebuild(records, folder, engine_name=name,
                    fulltext=attached.get if with_text else None)
            results.append((size_of(folder), time.perf_counter() - started))
        (plain, t0), (full, t1) = results
        per = 1000 / max(total_pages, 1)
        print(f"| {name} | {plain / 1e6:.1f} MB | {full / 1e6:.1f} MB | "
              f"{(full - plain) * per / 1e6:.1f} MB | {t0:.1f} | {t1:.1f} | {(t1 - t0) * per:.1f} |")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
