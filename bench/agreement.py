"""Benchmark of the agreement statistics (pure computation, no database).

    python bench/agreement.py [--units 100000] [--raters 5] [--missing 0.2] [--no-write]

Data: units x raters with `--missing` of the ratings left out, 3 labels, annotators who agree
with a hidden true label 70% of the time. Prints the figures and writes them to
docs/benchmarks.md between the markers <!-- bench:agreement --> and <!-- /bench:agreement -->
(the file is created if missing; other sections are left as they are).

Goals (issue 5): nominal alpha no slower than the `krippendorff` package on the same data,
the 1,000-resample bootstrap interval under 0.3 s, all statistics together under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import statistics as _stats
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from annotator import agreement as ag  # noqa: E402
from annotator.aggregate import dawid_skene, majority  # noqa: E402

BEGIN = "<!-- bench:agreement -->"
END = "<!-- /bench:agreement -->"
LABELS = ["attributed_claim", "contested_framing", "neutral_fact"]


def make_data(n_units: int, n_raters: int, missing: float, seed: int = 5):
    rng = np.random.default_rng(seed)
    k = len(LABELS)
    truth = rng.choice(k, size=n_units, p=[0.3, 0.2, 0.5])
    agree = rng.random((n_units, n_raters)) < 0.7
    M = np.where(agree, truth[:, None], rng.integers(0, k, (n_units, n_raters)))
    M[rng.random((n_units, n_raters)) < missing] = ag.MISSING
    names = [f"annotator{r + 1}" for r in range(n_raters)]
    secs = np.round(rng.gamma(2.0, 3.0, (n_units, n_raters)), 1)
    records = [
        (u, names[r], LABELS[M[u, r]], float(secs[u, r]))
        for u in range(n_units)
        for r in range(n_raters)
        if M[u, r] != ag.MISSING
    ]
    return M.astype(np.int64), names, records


def timeit(fn, repeat: int):
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return _stats.median(times), min(times), result


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def run(args) -> tuple[list[tuple[str, float, float, str]], dict]:
    M, names, records = make_data(args.units, args.raters, args.missing)
    k = len(LABELS)
    rows: list[tuple[str, float, float, str]] = []  # (what, median, best, goal/note)
    info: dict = {"annotations": len(records)}
    rep = args.repeat

    med, best, ours = timeit(lambda: ag.krippendorff_alpha(M, k), rep)
    rows.append(("nominal alpha (ours, from the matrix)", med, best, ""))
    info["alpha"] = ours
    try:
        import krippendorff
    except ImportError:
        krippendorff = None
    if krippendorff is not None:
        data = np.where(M == ag.MISSING, np.nan, M).astype(float).T  # raters x units
        kmed, kbest, theirs = timeit(
            lambda: krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"),
            max(3, rep // 2),
        )
        ratio = kmed / med
        info["alpha_ratio"] = ratio
        info["alpha_diff"] = abs(float(theirs) - ours)
        rows.append(
            (
                "nominal alpha (`krippendorff` package, same data)",
                kmed,
                kbest,
                f"ours is {ratio:.1f}x faster; abs. difference {info['alpha_diff']:.1e}",
            )
        )
        rows[0] = (rows[0][0], med, best, f"goal: no slower than the package ({ratio:.1f}x: "
                   f"{'met' if ratio >= 1 else 'MISSED'})")

    med, best, ci = timeit(lambda: ag.alpha_bootstrap_ci(M, k, n=1000), rep)
    info["ci"] = ci
    rows.append(("95% interval, 1,000 bootstrap resamples", med, best,
                 f"goal < 300 ms: {'met' if med < 0.3 else 'MISSED'}"))

    med, best, full = timeit(lambda: ag.matrix_statistics(M, LABELS, names), rep)
    rows.append(("all statistics, from a prepared matrix (`matrix_statistics`)", med, best,
                 f"goal < 1 s: {'met' if med < 1 else 'MISSED'}"))
    info["stats"] = full

    med, best, _ = timeit(lambda: ag.build_matrix(records, LABELS), max(3, rep // 2))
    rows.append(("records -> matrix (`build_matrix`)", med, best, ""))
    med, best, _ = timeit(lambda: ag.statistics(records, LABELS), max(3, rep // 2))
    rows.append(("all statistics, from records incl. seconds (`statistics`)", med, best,
                 f"goal < 1 s: {'met' if med < 1 else 'MISSED'}"))

    med, best, _ = timeit(lambda: majority(M, k, threshold=0.6), rep)
    rows.append(("majority vote with threshold (`aggregate.majority`)", med, best, ""))
    med, best, ds = timeit(lambda: dawid_skene(M, k), max(3, rep // 2))
    rows.append(("Dawid-Skene EM (`aggregate.dawid_skene`)", med, best,
                 f"{ds.iterations} iterations"))
    return rows, info


def machine() -> str:
    return (
        f"nproc {os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, krippendorff {version('krippendorff')}"
    )


def section(args, rows, info) -> str:
    today = _dt.date.today().isoformat()
    ci = info["ci"]
    lines = [
        BEGIN,
        "## Agreement statistics (pure computation)",
        "",
        f"`python bench/agreement.py` — {today}; {machine()}.",
        "",
        f"Data: {args.units:,} units x {args.raters} annotators, {args.missing:.0%} of ratings "
        f"missing ({info['annotations']:,} annotations), 3 labels. Times are the median of "
        f"{args.repeat} runs (best in brackets); the interval resamples count patterns with "
        "multinomial weights.",
        "",
        "| measurement | median | best | note |",
        "| --- | ---: | ---: | --- |",
    ]
    for what, med, best, note in rows:
        lines.append(f"| {what} | {fmt(med)} | {fmt(best)} | {note} |")
    lines += [
        "",
        f"alpha = {info['alpha']:.6f}, 95% interval [{ci[0]:.6f}, {ci[1]:.6f}].",
        END,
    ]
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    if path.exists():
        old = path.read_text(encoding="utf-8")
        start, end = old.find(BEGIN), old.find(END)
        if start != -1 and end != -1 and end > start:
            new = old[:start] + text + old[end + len(END):]
        else:
            new = old.rstrip("\n") + "\n\n" + text + "\n"
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = "# Benchmarks\n\nFigures recorded by the scripts in `bench/`.\n\n" + text + "\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=100_000)
    p.add_argument("--raters", type=int, default=5)
    p.add_argument("--missing", type=float, default=0.2)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)

    rows, info = run(args)
    print(machine())
    print(f"{args.units:,} units x {args.raters} annotators, {args.missing:.0%} missing, "
          f"{info['annotations']:,} annotations, 3 labels")
    width = max(len(r[0]) for r in rows)
    for what, med, best, note in rows:
        print(f"  {what:<{width}}  {fmt(med):>9}  (best {fmt(best):>9})  {note}")
    print(f"  alpha = {info['alpha']:.6f}, 95% CI {info['ci']}")
    if not args.no_write:
        write(args.output, section(args, rows, info))
        print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
