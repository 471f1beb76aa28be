"""Active learning: how many labels each queue order needs (issue 19 item 2).

    python bench/active.py [--seeds 5] [--batch 20] [--copies 3] [--no-write]

Simulated annotators label the sentences of a pool in the order a project's `order` setting
gives (annotator.model.ordering.rank, as the queue uses it), `--batch` at a time; after each
batch the project model (annotator.model.features.build_pipeline, as trained in production)
is refitted on the labels so far and scored (macro-F1) on a held-out part. The labels given
are the corpus's own (tests/data/labelled_sentences.tsv, labelled by the guidelines'
decision procedure), so the simulation asks: which order teaches the model most per label?

News repeats itself: one wire story runs in several outlets with small edits. The pool holds
each corpus sentence `--copies` times, lightly varied (a time, a place or a number added; the
label kept), which is where margin sampling alone wastes labels on near-duplicates.

Per order and seed: macro-F1 against the number of labels. Reported: each order's final
macro-F1 (mean over seeds) and the labels it needs to reach random order's final macro-F1.
Goal: `uncertainty_diversity` reaches it with at least 30% fewer labels than random. Writes the
curves as docs/active_learning.svg and the table to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from annotator.hints.lexicon import DEFAULT_LEXICON  # noqa: E402
from annotator.model.features import build_pipeline  # noqa: E402
from annotator.model.ordering import ORDERS, model_features, rank  # noqa: E402
from model import ADDITIONS  # noqa: E402  (bench/model.py: the same variations)
from model_corpus import corpus  # noqa: E402

ORDERS_RUN = [o for o in ORDERS if o != "reading"]  # the pool has no reading order of its own
SVG = ROOT / "docs" / "active_learning.svg"
COLOURS = {"random": "#777777", "uncertainty": "#d55e00", "uncertainty_diversity": "#0072b2"}


def pool_with_copies(texts, labels, copies: int, seed: int):
    """Each sentence `copies` times: itself and lightly varied copies, shuffled."""
    rng = random.Random(seed)
    out = []
    for t, y in zip(texts, labels):
        out.append((t, y))
        for _ in range(copies - 1):
            words = t.split()
            words.insert(rng.randrange(1, len(words)), rng.choice(ADDITIONS))
            out.append((" ".join(words), y))
    rng.shuffle(out)
    return [t for t, _ in out], [y for _, y in out]


def run(order: str, pool_t, pool_y, test_t, test_y, batch: int, start: int, seed: int):
    """Macro-F1 on the held-out part after each batch: [(labels, f1), ...]."""
    rng = np.random.default_rng(seed)
    y = np.asarray(pool_y, dtype=object)
    labelled = list(rng.choice(len(pool_t), size=start, replace=False))  # a random start
    curve = []
    while True:
        pipe = build_pipeline(DEFAULT_LEXICON, seed=seed)
        pipe.fit([pool_t[i] for i in labelled], y[labelled])
        curve.append((len(labelled), f1_score(test_y, pipe.predict(test_t), average="macro")))
        rest = np.setdiff1d(np.arange(len(pool_t)), labelled)
        if len(rest) == 0:
            return curve
        texts = [pool_t[i] for i in rest]
        proba = pipe.predict_proba(texts) if order != "random" else None
        feats = model_features(pipe, texts) if order == "uncertainty_diversity" else None
        position = rank(order, len(rest), proba, feats, seed=seed + len(labelled), head=batch)
        labelled += list(rest[np.argsort(position)[:batch]])


def labels_to_reach(curve, target: float) -> int | None:
    for n, f1 in curve:
        if f1 >= target:
            return n
    return None


def svg(curves: dict[str, list[list[tuple[int, float]]]], target: float) -> str:
    """Mean macro-F1 against labels per order, one line each, the target dashed."""
    w, h, left, bottom = 640, 360, 56, 40
    xs = [n for c in curves.values() for run_ in c for n, _ in run_]
    x_max = max(xs)
    lo = min(f for c in curves.values() for run_ in c for _, f in run_)
    y_min, y_max = max(0.0, np.floor(lo * 10) / 10), 1.0

    def px(n):
        return left + (w - left - 16) * n / x_max

    def py(f):
        return h - bottom - (h - bottom - 16) * (f - y_min) / (y_max - y_min)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">',
             f'<title>Held-out macro-F1 against labels, per queue order (mean over seeds)</title>',
             f'<line x1="{left}" y1="{h - bottom}" x2="{w - 16}" y2="{h - bottom}" stroke="#333"/>',
             f'<line x1="{left}" y1="16" x2="{left}" y2="{h - bottom}" stroke="#333"/>',
             f'<text x="{(w + left) / 2}" y="{h - 8}" text-anchor="middle">labels</text>',
             f'<text x="14" y="{(h - bottom) / 2}" transform="rotate(-90 14 {(h - bottom) / 2})" text-anchor="middle">macro-F1</text>',
             f'<line x1="{left}" y1="{py(target):.1f}" x2="{w - 16}" y2="{py(target):.1f}" stroke="#777" stroke-dasharray="4 4"/>']
    for k in range(6):
        f = y_min + (y_max - y_min) * k / 5
        parts.append(f'<text x="{left - 6}" y="{py(f) + 4:.1f}" text-anchor="end">{f:.2f}</text>')
    for k in range(6):
        n = x_max * k / 5
        parts.append(f'<text x="{px(n):.1f}" y="{h - bottom + 16}" text-anchor="middle">{n:.0f}</text>')
    for i, (order, runs) in enumerate(curves.items()):
        ns = [n for n, _ in runs[0]]
        mean = np.mean([[f for _, f in r] for r in runs], axis=0)
        pts = " ".join(f"{px(n):.1f},{py(f):.1f}" for n, f in zip(ns, mean))
        parts.append(f'<polyline fill="none" stroke="{COLOURS[order]}" stroke-width="2" points="{pts}"/>')
        parts.append(f'<text x="{w - 20}" y="{h - bottom - 14 - 16 * i}" text-anchor="end" fill="{COLOURS[order]}">{order}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--copies", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    texts, labels = corpus()
    started = time.perf_counter()
    curves: dict[str, list] = {o: [] for o in ORDERS_RUN}
    for seed in range(args.seeds):
        # Held out by corpus sentence, so no copy of a test sentence is in the pool.
        tr_t, te_t, tr_y, te_y = train_test_split(texts, labels, test_size=0.3, stratify=labels,
                                                  random_state=seed)
        pool_t, pool_y = pool_with_copies(tr_t, tr_y, args.copies, seed)
        for order in ORDERS_RUN:
            curves[order].append(run(order, pool_t, pool_y, te_t, te_y, args.batch,
                                     start=args.batch, seed=seed))
            print(f"seed {seed} {order:<22} final {curves[order][-1][-1][1]:.3f}", flush=True)
    target = float(np.mean([c[-1][1] for c in curves["random"]]))
    rows, needed = [], {}
    for order, runs in curves.items():
        reach = [labels_to_reach(c, target) for c in runs]
        mean_curve = [(n, float(np.mean([r[i][1] for r in runs]))) for i, (n, _) in enumerate(runs[0])]
        needed[order] = labels_to_reach(mean_curve, target)
        rows.append((order, float(np.mean([c[-1][1] for c in runs])), needed[order],
                     ", ".join("—" if r is None else str(r) for r in reach)))
    pool_n = len(curves["random"][0]) and curves["random"][0][-1][0]
    saving = None if not needed.get("uncertainty_diversity") else 1 - needed["uncertainty_diversity"] / needed["random"]
    table = "\n".join([
        "| order | final macro-F1 (mean of seeds) | labels to reach random's final (mean curve) | per seed |",
        "| --- | --- | --- | --- |",
        *[f"| `{o}` | {f:.3f} | {'—' if n is None else n} | {s} |" for o, f, n, s in rows]])
    verdict = ("not reached" if saving is None else
               f"{saving:.0%} fewer labels than random ({'met' if saving >= 0.3 else 'not met'}: goal 30%)")
    text = (f"## Active learning: labels needed per queue order (`bench/active.py`)\n\n"
            f"{len(texts)} labelled corpus sentences; per seed 30% held out (by sentence), the rest "
            f"in the pool {args.copies} times each (lightly varied copies, as wire stories recur), "
            f"{pool_n} pool sentences; {args.batch} labels per round, the model refitted each round; "
            f"{args.seeds} seeds. Random order's final macro-F1 (all pool labels): {target:.3f}. "
            f"`uncertainty_diversity` reaches it with {verdict}. "
            f"{platform.python_version()}, {os.cpu_count()} cores, {time.perf_counter() - started:.0f} s.\n\n"
            f"{table}\n\n![macro-F1 against labels](active_learning.svg)\n")
    print(text)
    if not args.no_write:
        from common import write_section

        SVG.write_text(svg(curves, target), encoding="utf-8")
        write_section("active", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
