"""Article extraction on the news-page corpus: annotator and trafilatura side by side.

    python bench/extract.py [--pages tests/data/pages] [--no-write]

The corpus (tests/data/pages/) holds news pages of many outlets' shapes, each with a sidecar
NAME.json: the headline, the snippets that must reach the labelling queue ("must": the
article's paragraphs and standfirst) and the snippets that must not ("must_not": comments,
newsletter and paywall boxes, bios, related stories, tags, captions and credits, the next
article of an infinite-scroll page ...).

annotator's queue is the units of kind "body" of ``segment(parse_file(page))``; trafilatura's
is its whole text output (it has no kinds), from the same bytes; a third row measures building
on trafilatura instead: the body units of ``segment(trafilatura's text)``. A snippet is reached when its
text (white space collapsed) is a substring of the queue's text, its units joined by spaces.
Figures, weighted by characters:

* must-text in body: the share of "must" text reached (goal >= 97%);
* furniture in body: the share of "must_not" text reached (goal <= 8%);
* articles lost: pages where less than half of the "must" text is reached (goal 0);
* pages refused: an import error (goal 0); headlines: the title equals the sidecar's.

It also times ``segment`` on single lines of 5 MB (issue 16: linear time, under 10 s each) and
reports the longest unit (the length cap: 1,000 characters).

Prints the figures and writes them to docs/benchmarks.md between <!-- bench:extract --> and
<!-- /bench:extract -->. tests/test_pages_corpus.py asserts annotator's goals on the same
corpus with the same scoring (``score_corpus``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotator.ingest import IngestError, parse_file  # noqa: E402
from annotator.segment import segment  # noqa: E402

PAGES = ROOT / "tests" / "data" / "pages"
GOALS = {"must": 0.97, "furniture": 0.08}


@dataclass
class PageScore:
    name: str
    must: int = 0  # characters of "must" snippets
    must_hit: int = 0
    furniture: int = 0  # characters of "must_not" snippets
    furniture_hit: int = 0
    refused: str | None = None
    title_ok: bool = False
    missed: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)

    @property
    def lost(self) -> bool:
        return self.refused is not None or self.must_hit < 0.5 * self.must


@dataclass
class CorpusScore:
    pages: list[PageScore]

    def share(self, hit: str, total: str) -> float:
        whole = sum(getattr(p, total) for p in self.pages)
        return sum(getattr(p, hit) for p in self.pages) / whole if whole else 0.0

    @property
    def must(self) -> float:
        return self.share("must_hit", "must")

    @property
    def furniture(self) -> float:
        return self.share("furniture_hit", "furniture")

    @property
    def lost(self) -> list[str]:
        return [p.name for p in self.pages if p.lost]

    @property
    def refused(self) -> list[str]:
        return [p.name for p in self.pages if p.refused is not None]

    @property
    def titles(self) -> float:
        return sum(p.title_ok for p in self.pages) / len(self.pages) if self.pages else 0.0


def _flat(text: str) -> str:
    return " ".join(text.split())


def load_corpus(pages: Path = PAGES) -> list[tuple[str, bytes, dict]]:
    """(file name, page bytes, sidecar) for every NAME.html with a NAME.json."""
    out = []
    for html_path in sorted(pages.glob("*.html")):
        side = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
        out.append((html_path.name, html_path.read_bytes(), side))
    return out


def annotator_queue(name: str, data: bytes) -> tuple[str, str]:
    """(title, body text as queued) for one page; IngestError when refused."""
    [article] = parse_file(name, data)
    units = segment(article.text, title=article.title)
    return article.title, " ".join(u.text for u in units if u.kind == "body")


def trafilatura_queue(name: str, data: bytes) -> tuple[str, str]:
    import trafilatura  # a dev dependency: the benchmark's yardstick, not the product's

    doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    if doc is None:
        raise IngestError(name, "trafilatura found no text")
    return doc.title or "", doc.text or ""


def trafilatura_with_kinds_queue(name: str, data: bytes) -> tuple[str, str]:
    """Building on trafilatura instead: its text, segmented, with annotator's kinds."""
    title, text = trafilatura_queue(name, data)
    return title, " ".join(u.text for u in segment(text, title=title) if u.kind == "body")


def score_page(name: str, data: bytes, side: dict, queue) -> PageScore:
    s = PageScore(name)
    s.must = sum(len(_flat(x)) for x in side["must"])
    s.furniture = sum(len(_flat(x)) for x in side["must_not"])
    try:
        title, body = queue(name, data)
    except IngestError as err:
        s.refused = str(err)
        return s
    body = _flat(body)
    s.title_ok = _flat(title) == _flat(side["title"])
    for x in side["must"]:
        if _flat(x) in body:
            s.must_hit += len(_flat(x))
        else:
            s.missed.append(x)
    for x in side["must_not"]:
        if _flat(x) in body:
            s.furniture_hit += len(_flat(x))
            s.leaked.append(x)
    return s


def score_corpus(queue=annotator_queue, pages: Path = PAGES) -> CorpusScore:
    return CorpusScore([score_page(n, d, side, queue) for n, d, side in load_corpus(pages)])


# One line of 5 MB made of each, as a scraper can leave it (issue 16's slow cases and worse).
LONG_LINES = {
    "abbreviations (\"Mr. Smith met Dr. Jones. \")": "Mr. Smith met Dr. Jones. ",
    "curly quotes (\"\u201cWe will not retreat,\u201d he said. \u2018Never.\u2019 \")":
        "\u201cWe will not retreat,\u201d he said. \u2018Never.\u2019 ",
    "German quotes (\"\u00bbDas Wasser stieg\u00ab, sagte er. \")": "\u00bbDas Wasser stieg\u00ab, sagte er. ",
    "no punctuation (\"word \")": "word ",
    "Chinese (\"\u5317\u4eac\u5e02\u6c14\u8c61\u53f0\u53d1\u5e03\u5bd2\u6f6e\u9884\u8b66\u3002\")":
        "\u5317\u4eac\u5e02\u6c14\u8c61\u53f0\u53d1\u5e03\u5bd2\u6f6e\u9884\u8b66\u3002",
    "a risky bracket (\"said..[111 111 \")": "said..[111 111 ",
}


def time_long_lines(size: int = 5_000_000) -> list[str]:
    rows = []
    for label, piece in LONG_LINES.items():
        text = piece * (size // len(piece))
        t0, c0 = time.perf_counter(), time.process_time()
        units = segment(text)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        rows.append(f"| {label} | {len(text) / 1e6:.1f} MB | {seconds:.1f} s | {cpu:.1f} s | {len(units):,} | "
                    f"{max(len(u.text) for u in units):,} |")
    return rows


def _row(label: str, c: CorpusScore) -> str:
    return (f"| {label} | {c.must:.1%} | {c.furniture:.1%} | {len(c.lost)} | {len(c.refused)} "
            f"| {c.titles:.0%} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=Path, default=PAGES)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="list every missed and leaked snippet")
    ap.add_argument("--line-mb", type=float, default=5.0, help="size of the long lines timed (MB)")
    args = ap.parse_args()
    corpus = load_corpus(args.pages)
    ours = score_corpus(annotator_queue, args.pages)
    rows = [_row("annotator", ours)]
    try:
        from importlib.metadata import version

        theirs = score_corpus(trafilatura_queue, args.pages)
        rows.append(_row(f"trafilatura {version('trafilatura')}", theirs))
        rows.append(_row("trafilatura + annotator's segmenter and kinds",
                         score_corpus(trafilatura_with_kinds_queue, args.pages)))
    except ImportError:
        theirs = None
    langs = sorted({side["lang"] for _n, _d, side in corpus} - {"en"})
    non_en = [n for n, _d, side in corpus if side["lang"] != "en"]
    encodings = [n for n, _d, side in corpus if side["encoding"] != "utf-8"]
    by_lang = []
    for label, c in (("annotator", ours), ("trafilatura", theirs)):
        if c is None:
            continue
        sub = CorpusScore([p for p in c.pages if p.name in non_en])
        by_lang.append(f"| {label}, non-English pages | {sub.must:.1%} | {sub.furniture:.1%} | "
                       f"{len(sub.lost)} | {len(sub.refused)} | {sub.titles:.0%} |")
    text = "\n".join([
        "## Article extraction on news pages (`bench/extract.py`)",
        "",
        f"{len(corpus)} pages in tests/data/pages/ ({len(non_en)} not in English: {', '.join(langs)}; "
        f"{len(encodings)} not in UTF-8), each with the snippets that must and must not reach the "
        "labelling queue. annotator's queue: the body units of `segment(parse_file(page))`; "
        "trafilatura's: its whole text output from the same bytes. Shares weighted by characters. "
        f"Goals (issue 16): must-text >= {GOALS['must']:.0%}, furniture <= {GOALS['furniture']:.0%}, "
        "no article lost, no page refused.",
        "",
        "| extractor | must-text in body | furniture in body | articles lost | pages refused | headline right |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        *by_lang,
        "",
        "The third row is the alternative the issue asked to measure: building on trafilatura and "
        "keeping annotator's segmenter and kinds. It keeps trafilatura's misses (its region drops "
        "standfirsts and lead paragraphs it takes for furniture) and most of its furniture (comments, "
        "bios, teaser blurbs and next articles it takes for text), so the importer keeps its own "
        "region finder and trafilatura stays a benchmark (dev) dependency. Caveat: the corpus was "
        "written by the same hand that tuned the importer (42 pages on 12 outlet shapes, 9 written "
        "one by one, the last 5 after most of the tuning, two of which led to fixes); pages from the "
        "wild will score lower.",
        "",
        f"`segment` on one line of {args.line_mb:g} MB (goal: under 10 s each, no unit over 1,000 characters); "
        f"Python {platform.python_version()}, {os.cpu_count()} cores shared with other work (load average "
        f"{os.getloadavg()[0]:.1f} when written; the CPU time is this process's own):",
        "",
        "| line made of | size | time | CPU time | units | longest unit (characters) |",
        "| --- | --- | --- | --- | --- | --- |",
        *time_long_lines(int(args.line_mb * 1e6)),
    ])
    print(text)
    if args.verbose:
        for c, label in ((ours, "annotator"), (theirs, "trafilatura")):
            for p in (c.pages if c else []):
                for x in p.missed:
                    print(f"[{label}] {p.name} MISSED: {x[:100]}")
                for x in p.leaked:
                    print(f"[{label}] {p.name} LEAKED: {x[:100]}")
                if p.refused:
                    print(f"[{label}] {p.name} REFUSED: {p.refused}")
    if not args.no_write:
        from common import write_section  # bench/common.py

        write_section("extract", text)


if __name__ == "__main__":
    main()
