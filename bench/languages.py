"""Language detection at import: accuracy on our own texts, and what the model costs.

    python bench/languages.py [--no-write]

The texts (tests/data/lang_texts.jsonl) were written for this project: three paragraphs of
five news-like sentences for each of the twelve languages of the segmentation golden tests
(Russian, Ukrainian, Armenian, Azerbaijani, Turkish, Arabic, Persian, Hebrew, German, French,
Spanish, Chinese) and a few for English, Italian, Polish, Georgian and Portuguese.  Each is
detected whole (an article) and sentence by sentence (the units ``segment`` cuts it into in
its true language: a few words, the hard case).

It also measures what the detector costs: the time to load its model (on the first detection,
never at start-up), its resident memory, and the time of one detection.

Prints the figures and writes them to docs/benchmarks.md between <!-- bench:languages --> and
<!-- /bench:languages -->.  tests/test_languages.py asserts the goals on the same texts with
the same scoring (``score``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotator.ingest.language import detect  # noqa: E402
from annotator.segment import segment  # noqa: E402

TEXTS = ROOT / "tests" / "data" / "lang_texts.jsonl"
GOALS = {"articles": 0.95, "sentences": 0.90}


def load_texts(path: Path = TEXTS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(rows: list[dict] | None = None) -> dict:
    """Per language and overall: (right, total) for whole texts and for their sentences."""
    rows = load_texts() if rows is None else rows
    per: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"articles": [0, 0], "sentences": [0, 0]})
    for row in rows:
        lang, text = row["lang"], row["text"]
        per[lang]["articles"][0] += detect(text) == lang
        per[lang]["articles"][1] += 1
        for unit in segment(text, lang=lang):
            per[lang]["sentences"][0] += detect(unit.text) == lang
            per[lang]["sentences"][1] += 1
    total = {k: [sum(p[k][0] for p in per.values()), sum(p[k][1] for p in per.values())]
             for k in ("articles", "sentences")}
    return {"languages": dict(per), "total": total}


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cost() -> dict:
    """Model load (first call), its memory, and one detection of a 3,000-character text."""
    before = _rss_kib()
    t0 = time.perf_counter()
    detect("A first text loads the model.")
    load = time.perf_counter() - t0
    after = _rss_kib()
    text = " ".join(r["text"] for r in load_texts())[:3000]
    t0 = time.perf_counter()
    for _ in range(20):
        detect(text)
    return {"load_s": load, "rss_mib": (after - before) / 1024, "detect_ms": (time.perf_counter() - t0) / 20 * 1000}


def report(result: dict, costs: dict) -> str:
    def pct(pair):
        return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.0%})" if pair[1] else "–"
    lines = ["## Language detection (py3langid)", "",
             "`python bench/languages.py`: the detector that gives an article its language at import "
             "when the file does not, on texts written for this project (tests/data/lang_texts.jsonl). "
             f"Goals: articles ≥ {GOALS['articles']:.0%}, single sentences ≥ {GOALS['sentences']:.0%}.", "",
             "| language | articles right | sentences right |", "| --- | --- | --- |"]
    for lang in sorted(result["languages"]):
        p = result["languages"][lang]
        lines.append(f"| {lang} | {pct(p['articles'])} | {pct(p['sentences'])} |")
    t = result["total"]
    lines += [f"| **all** | **{pct(t['articles'])}** | **{pct(t['sentences'])}** |", "",
              f"Model load on the first detection (never at start-up): {costs['load_s']:.2f} s, "
              f"{costs['rss_mib']:.0f} MiB resident; one detection of 3,000 characters: "
              f"{costs['detect_ms']:.1f} ms. Python {sys.version.split()[0]}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md")
    args = parser.parse_args()
    costs = cost()  # first: the load is measured on a fresh process
    text = report(score(), costs)
    print(text)
    if not args.no_write:
        from common import write_section  # bench/common.py, beside this script
        write_section("languages", text)


if __name__ == "__main__":
    main()
