"""The annotate loop through the REST API against a real `annotator serve` (issue 9).

    python bench/loop.py [--sentences 2000] [--eight 500] [--runs 3] [--serve-args "..."] [--no-write]

A fresh SQLite database in a temporary directory (`annotator init`; 100 articles x 20 body
sentences = 2,000 sentences, bulk-inserted with SQLAlchemy Core; project overlap 3), nine
annotators, each with its own token from `annotator token NAME`. Then `annotator serve` with its
defaults, on 127.0.0.1, and:

1. start-up: seconds from launching the command to the first 200, and resident memory idle;
2. warm-up: four other annotators, 100 cycles each at once, in a separate project;
3. one annotator labels all 2,000 sentences, next -> label, one after the other: labels/s,
   p50/p95/p99 of a cycle (GET next + PUT label, measured in the client), and the p50 of the
   first and of the last 200 labels (does it slow down as labels pile up?);
4. eight annotators at once, 500 labels each (the remaining slots of overlap 3);
5. resident memory after the run; every acknowledged label is checked to be stored once.

The whole run is repeated (`--runs`, each on a fresh database and server) and the table shows
medians with their range: on a shared two-core machine single runs vary by a third.

The client is an asyncio HTTP/1.1 keep-alive client (bench/common.py) in this process, on the
same two cores as the server. Figures go to docs/benchmarks.md between <!-- bench:loop -->
and <!-- /bench:loop --> (other sections are left as they are).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (Server, cli, machine, make_corpus, make_users, ms, pct,  # noqa: E402
                    run_annotators, setup_app, verify, wait_quiet, write_section)

GOALS = {"one": 430, "eight": 360, "eight_p99": 0.050, "drift": 0.20, "startup": 1.0, "rss": 100}


def _project_id(app, slug):
    from sqlalchemy import select

    from annotator.models import Project

    with app.extensions["annotator.sessionmaker"]() as s:
        return s.scalar(select(Project.id).where(Project.slug == slug))


def measure(args) -> dict:
    """One whole run on a fresh database: every figure of the table, raw."""
    tmp = Path(tempfile.mkdtemp(prefix="annotator-loop-"))
    instance = tmp / "instance"
    url = f"sqlite:///{tmp / 'annotator.db'}"
    app = setup_app(url, instance)
    cli(app, "init")
    cli(app, "create-project", "bench", "--overlap", "3")
    cli(app, "create-project", "warm", "--overlap", "4")
    engine = app.extensions["annotator.engine"]
    per = 20
    n = make_corpus(engine, _project_id(app, "bench"), args.sentences // per, per)
    make_corpus(engine, _project_id(app, "warm"), 5, 20, seed=2, start=10_000)
    tokens = make_users(app, ["solo"] + [f"a{i}" for i in range(1, 9)] + [f"w{i}" for i in range(4)])
    warm = {f"w{i}": tokens.pop(f"w{i}") for i in range(4)}
    solo = {"solo": tokens.pop("solo")}
    engine.dispose()

    quiet = wait_quiet()
    server = Server(url, instance, shlex.split(args.serve_args))
    startup = server.start()
    time.sleep(1.0)
    idle = server.rss_mib()
    host, port = "127.0.0.1", server.port
    try:
        # The warm-up right before the measured run (no idle pause in between, which lets
        # the CPUs slow down and the first labels look slower than the last).
        asyncio.run(run_annotators(host, port, warm, "warm", 100, 60))
        cpu0 = server.cpu_seconds()
        [one], one_wall = asyncio.run(run_annotators(host, port, solo, "bench", n, 600))
        cpu1 = server.cpu_seconds()
        eight, eight_wall = asyncio.run(run_annotators(host, port, tokens, "bench", args.eight, 600,
                                                       offset=1))
        cpu2 = server.cpu_seconds()
        after = server.rss_mib()
    finally:
        server.stop()
    problems = verify(app.extensions["annotator.engine"], "bench", [one] + eight)
    app.extensions["annotator.engine"].dispose()
    if args.keep:
        print(f"kept {tmp}", file=sys.stderr)
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)

    eight_cycles = [c for r in eight for c in r.cycles]
    statuses: dict = {}
    for r in [one] + eight:
        for k, v in r.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    return {
        "n": n, "labels_one": len(one.cycles), "quiet": quiet, "problems": problems,
        "statuses": statuses,
        "one_rate": len(one.cycles) / one_wall,
        "one_p50": pct(one.cycles, 50), "one_p95": pct(one.cycles, 95), "one_p99": pct(one.cycles, 99),
        "first": pct(one.cycles[:200], 50), "last": pct(one.cycles[-200:], 50),
        "eight_rate": len(eight_cycles) / eight_wall,
        "eight_p50": pct(eight_cycles, 50), "eight_p95": pct(eight_cycles, 95),
        "eight_p99": pct(eight_cycles, 99),
        "eight_req_p50": pct([x for r in eight for x in r.requests], 50),
        "eight_req_p99": pct([x for r in eight for x in r.requests], 99),
        "cpu_one": (cpu1 - cpu0) / max(1, len(one.cycles)),
        "cpu_eight": (cpu2 - cpu1) / max(1, len(eight_cycles)),
        "startup": startup, "idle_master": idle["master"], "idle_worker": max(idle["workers"] or [0]),
        "after_master": after["master"], "after_worker": max(after["workers"] or [0]),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--eight", type=int, default=500, help="labels per annotator, eight at once")
    ap.add_argument("--runs", type=int, default=3, help="whole runs; the table shows medians")
    ap.add_argument("--serve-args", default="", help="extra `annotator serve` options")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = ap.parse_args(argv)

    runs = []
    for i in range(args.runs):
        runs.append(measure(args))
        r = runs[-1]
        print(f"run {i + 1}: one {r['one_rate']:.0f} labels/s (p50 {ms(r['one_p50'])}), eight "
              f"{r['eight_rate']:.0f} labels/s (p99 {ms(r['eight_p99'])}), CPU idle {r['quiet']:.0%}",
              flush=True)

    def med(key):
        return statistics.median(r[key] for r in runs)

    def span(key, fmt):
        values = [r[key] for r in runs]
        if len(values) == 1:
            return fmt(values[0])
        return f"{fmt(med(key))} ({fmt(min(values))}–{fmt(max(values))})"

    def rate(x):
        return f"{x:,.0f}"

    def ok(good):
        return "met" if good else "**missed**"

    drift = med("last") / med("first") - 1
    rows = [
        ("one annotator, labels/s", span("one_rate", rate),
         f">= {GOALS['one']}: {ok(med('one_rate') >= GOALS['one'])}"),
        ("one annotator, cycle p50", span("one_p50", ms),
         f"< 3 ms: {ok(med('one_p50') < 0.003)}"),
        ("one annotator, cycle p95 / p99", f"{ms(med('one_p95'))} / {ms(med('one_p99'))}", ""),
        ("one annotator, p50 of first 200 / last 200 labels", f"{ms(med('first'))} / {ms(med('last'))}",
         f"no more than 20% slower: {ok(drift <= GOALS['drift'])} ({drift:+.0%})"),
        ("eight annotators, labels/s", span("eight_rate", rate),
         f">= {GOALS['eight']}: {ok(med('eight_rate') >= GOALS['eight'])}"),
        ("eight annotators, cycle p50 / p95", f"{ms(med('eight_p50'))} / {ms(med('eight_p95'))}", ""),
        ("eight annotators, cycle p99", span("eight_p99", ms),
         f"< 50 ms: {ok(med('eight_p99') < GOALS['eight_p99'])}"),
        ("eight annotators, request p50 / p99",
         f"{ms(med('eight_req_p50'))} / {ms(med('eight_req_p99'))}", ""),
        ("server CPU per label: one / eight annotators",
         f"{ms(med('cpu_one'))} / {ms(med('cpu_eight'))}", "all worker processes, user + system"),
        ("start-up to first 200", span("startup", lambda x: f"{x:.2f} s"),
         f"< 1 s: {ok(med('startup') < GOALS['startup'])}"),
        ("RSS idle: master / largest worker", f"{med('idle_master'):.0f} / {med('idle_worker'):.0f} MiB",
         f"< 100 MiB per worker: {ok(med('idle_worker') < GOALS['rss'])}"),
        ("RSS after the runs: master / largest worker",
         f"{med('after_master'):.0f} / {med('after_worker'):.0f} MiB", ""),
    ]
    statuses: dict = {}
    for r in runs:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    problems = [p for r in runs for p in r["problems"]]
    serve_cmd = "annotator serve" + (f" {args.serve_args}" if args.serve_args else "")
    quiet = ", ".join(f"{r['quiet']:.0%}" for r in runs)
    text = "\n".join([
        "## Annotate loop through the REST API (SQLite, `annotator serve`)",
        "",
        f"`python bench/loop.py` — {_dt.date.today().isoformat()}; {machine()}.",
        "",
        f"`{serve_cmd}` (defaults: 2 workers x 4 threads) on 127.0.0.1, a fresh SQLite database "
        f"of {runs[0]['n']:,} sentences (overlap 3), each annotator with its own token. A cycle is "
        f"`GET /next` + `PUT /annotation`, timed in the client (an asyncio keep-alive client on the "
        f"same two cores). After a warm-up in another project (four annotators, 100 labels each, "
        f"so that both workers have served), one annotator labels all "
        f"{runs[0]['labels_one']:,} sentences; then eight annotators label {args.eight} each at once. "
        f"{len(runs)} whole runs, each on a fresh database: medians, with the range in brackets. "
        f"The machine is shared; other processes left {quiet} of its CPU idle just before the runs.",
        "",
        "| measurement | value | goal |",
        "| --- | ---: | --- |",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        f"Statuses: {dict(sorted(statuses.items()))}; every acknowledged label stored exactly "
        f"once: {'yes' if not problems else 'NO: ' + '; '.join(problems[:5])}.",
    ])
    print(text)
    if not args.no_write:
        write_section("loop", text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
