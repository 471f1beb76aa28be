"""Benchmark of the agreement statistics: pure computation, then from database rows to JSON.

    python bench/agreement.py [--units 100000] [--raters 5] [--missing 0.2] [--no-db] [--no-write]

Data: units x raters with `--missing` of the ratings left out, 3 labels, annotators who agree
with a hidden true label 70% of the time. Prints the figures and writes them to
docs/benchmarks.md between the markers <!-- bench:agreement --> and <!-- /bench:agreement -->
(the file is created if missing; other sections are left as they are).

Goals (issue 5): nominal alpha no slower than the `krippendorff` package on the same data,
the 1,000-resample bootstrap interval under 0.3 s, all statistics together under 1 s, and from
database rows to JSON under 3 s on SQLite: the same data is bulk-inserted with SQLAlchemy Core
into a temporary SQLite database (created with `annotator.db.make_engine` + `upgrade`, so the
schema and indexes are the real ones), then `annotator.review.stats.project_stats` + `json.dumps` are
timed, as the stats API and `annotator stats --json` run them.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import tempfile
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

from annotator.review import agreement as ag  # noqa: E402
from annotator.review.aggregation import dawid_skene, majority  # noqa: E402
from annotator.review.dawid_skene import DS_RESAMPLES, accuracy_intervals  # noqa: E402

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
    return M.astype(np.int64), names, records, secs


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
    M, names, records, secs = make_data(args.units, args.raters, args.missing)
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
    med, best, cis = timeit(lambda: accuracy_intervals(M, k, ds), max(3, rep // 2))
    rows.append((f"Dawid-Skene accuracy intervals, {DS_RESAMPLES} warm-started refits "
                 "(`accuracy_intervals`)", med, best,
                 f"goal < 1 s: {'met' if med < 1 else 'MISSED'}; widest "
                 f"{max(hi - lo for lo, hi in cis) * 100:.1f} points"))
    if not args.no_db:
        db_rows, db_info = run_db(args, M, names, secs)
        rows += db_rows
        info.update(db_info)
        same = db_info["db_stats"]["krippendorff_alpha"] == full["krippendorff_alpha"]
        info["db_same"] = same
    return rows, info


# ------------------------------------------------------------------- from database rows to JSON


def build_db(M: np.ndarray, names: list[str], secs: np.ndarray, path: Path):
    """A temporary SQLite database holding M as a project: 100 sentences per article."""
    from sqlalchemy import insert

    from annotator import projects
    from annotator.db import make_engine, make_sessionmaker, upgrade
    from annotator.models import Annotation, Article, Sentence, User

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    session = make_sessionmaker(engine)()
    project = projects.create_project(session, "bench", "Bench", overlap=M.shape[1])
    session.commit()
    pid = project.id
    n_units, n_raters = M.shape
    per_article = 100
    now = _dt.datetime(2026, 11, 25, 9, 0)
    with engine.begin() as conn:
        conn.execute(insert(User), [
            {"id": r + 1, "username": n, "role": "annotator", "active": True, "created_at": now}
            for r, n in enumerate(names)])
        n_articles = -(-n_units // per_article)
        conn.execute(insert(Article), [
            {"id": a + 1, "project_id": pid, "title": f"Article {a + 1}", "text": "x",
             "text_hash": f"{a:064x}", "created_at": now} for a in range(n_articles)])
        m = (M >= 0).sum(axis=1)
        conn.execute(insert(Sentence), [
            {"id": u + 1, "article_id": u // per_article + 1, "project_id": pid,
             "position": u % per_article, "start": 0, "end": 1, "text": "x", "kind": "body",
             "n_labels": int(m[u]), "full": bool(m[u] >= n_raters)} for u in range(n_units)])
        uu, rr = np.nonzero(M >= 0)
        batch = 50_000
        for lo in range(0, len(uu), batch):
            conn.execute(insert(Annotation), [
                {"sentence_id": int(u) + 1, "user_id": int(r) + 1, "project_id": pid,
                 "label": LABELS[M[u, r]], "spans": [], "seconds": float(secs[u, r]),
                 "created_at": now + _dt.timedelta(seconds=int(u)),
                 "updated_at": now + _dt.timedelta(seconds=int(u))}
                for u, r in zip(uu[lo:lo + batch].tolist(), rr[lo:lo + batch].tolist())])
    return engine, session, project


def run_db(args, M: np.ndarray, names: list[str], secs: np.ndarray):
    from annotator.review import adjudication
    from annotator.review.matrix import rows as stat_rows
    from annotator.review.stats import project_stats, review_figures

    rows: list[tuple[str, float, float, str]] = []
    info: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        engine, session, project = build_db(M, names, secs, Path(tmp) / "bench.db")
        info["db_build"] = time.perf_counter() - t0
        rep = max(3, args.repeat // 2)

        def to_json():
            session.rollback()  # a fresh read transaction, as a request would have
            return json.dumps(project_stats(session, project))

        med, best, out = timeit(to_json, rep)
        info["db_stats"] = json.loads(out)
        rows.append(("SQLite rows -> `project_stats` -> JSON (all statistics)", med, best,
                     f"goal < 3 s: {'met' if med < 3 else 'MISSED'}"))
        med, best, _ = timeit(lambda: (session.rollback(), list(stat_rows(session, project)))[1], rep)
        rows.append(("  of which: reading the label rows (`matrix.rows`)", med, best, ""))
        med, best, _ = timeit(lambda: (session.rollback(), review_figures(
            session, project))[1], rep)
        rows.append(("dashboard extras: Dawid-Skene + agreement over time (`review_figures`)",
                     med, best, ""))
        med, best, _ = timeit(lambda: (session.rollback(), adjudication.disagreements(
            session, project, 1, 20))[1], rep)
        rows.append(("disagreement queue, first page of 20 (`adjudication.disagreements`)", med, best, ""))

        def gold():
            session.rollback()
            n = 0
            for _ in adjudication.final_labels(session, project, "majority", 0.6):
                n += 1
            return n

        med, best, n = timeit(gold, rep)
        rows.append(("gold export, majority >= 0.6, streamed (`adjudication.final_labels`)", med,
                     best, f"{n:,} records"))
        session.close()
        engine.dispose()
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
        "## Agreement statistics",
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
    ]
    if "db_build" in info:
        lines += [
            "",
            "The database rows are the same ratings bulk-inserted (SQLAlchemy Core) into a "
            "temporary SQLite file created with `make_engine` + `upgrade` "
            f"({info['db_build']:.1f} s to build, not timed); `project_stats` reads them back "
            "through the ORM query of the API and computes every statistic; the alpha from the "
            f"database {'equals' if info['db_same'] else 'DIFFERS FROM'} the alpha from the matrix.",
        ]
    lines.append(END)
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    """Replace this script's section of docs/benchmarks.md (bench/common.py does the splicing)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import write_section

    write_section("agreement", text.strip().removeprefix(BEGIN).removesuffix(END), path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=100_000)
    p.add_argument("--raters", type=int, default=5)
    p.add_argument("--missing", type=float, default=0.2)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--no-db", action="store_true", help="skip the database measurements")
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
