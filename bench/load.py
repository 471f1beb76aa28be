"""Many annotators at once through the REST API, on SQLite and PostgreSQL (issue 7).

    python bench/load.py [--db sqlite,postgresql] [--annotators 32] [--labels 150]
                         [--seconds 30] [--no-big] [--serve-args "..."] [--no-write]

1. Load: a fresh database per engine (SQLite file in a temporary directory; PostgreSQL in a
   private schema of ANNOTATOR_PG_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test,
   dropped afterwards) with 5,000 sentences (overlap 2) and `--annotators` annotators, each
   with its own token. `annotator serve` (defaults) on 127.0.0.1; every annotator runs
   GET /next -> PUT /annotation until it has `--labels` labels, the queue is empty or
   `--seconds` have passed (it stops by itself). Reported: labels/s, requests/s, latency of
   requests and of whole cycles (p50/p95/p99), status codes; then checked: every label
   acknowledged with a 2xx is stored exactly once with the acknowledged label, no sentence
   has more than k labels, n_labels matches the rows, no 5xx, no "database is locked".
2. Scale (`--no-big` skips it): 100,000 sentences and 500,000 annotations stored (overlap 6:
   80,000 sentences full with 6 labels by 20 annotators, 20,000 with one), then one of those
   annotators (25,000 labels already) runs 500 next -> label cycles: p50/p95 of a cycle.
   The query plans of the statements of a cycle (EXPLAIN QUERY PLAN / EXPLAIN) are printed.

Figures go to docs/benchmarks.md between <!-- bench:load --> and <!-- /bench:load -->.
`run_load` is also what tests/test_load_small.py runs, small, as a correctness check.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import os
import random
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (LABELS, Database, Result, Server, busy_seconds, cli, machine, make_corpus, make_users, ms,  # noqa: E402
                    pct, run_annotators, setup_app, verify, wait_quiet, write_section)

GOALS = {"postgresql": 300, "sqlite": 150, "p99_pg": 0.100, "big_p50": 0.010}


def cpu_split(run: LoadRun) -> str:
    """Where a label's CPU went. With two cores, 2,000 ms / (machine CPU per label) bounds
    the labels/s that any amount of concurrency can reach."""
    n = max(1, len(run.cycles))
    rest = run.machine_cpu - run.server_cpu - run.client_cpu
    return (f"{ms(run.machine_cpu / n)} on the machine = {ms(run.server_cpu / n)} server "
            f"workers + {ms(run.client_cpu / n)} simulated annotators + {ms(rest / n)} database "
            f"server and the rest")


def project_id(app, slug: str) -> int:
    from sqlalchemy import select

    from annotator.models import Project

    with app.extensions["annotator.sessionmaker"]() as s:
        return s.scalar(select(Project.id).where(Project.slug == slug))


# ---------------------------------------------------------------------------------------------
# 1. Load
# ---------------------------------------------------------------------------------------------
@dataclass
class LoadRun:
    results: list[Result]
    wall: float
    startup: float
    problems: list[str] = field(default_factory=list)
    quiet: float | None = None  # idle share of the machine's CPU just before the run
    server_cpu: float = 0.0  # seconds of CPU the server used during the run
    client_cpu: float = 0.0  # seconds of CPU the simulated annotators (this process) used
    machine_cpu: float = 0.0  # seconds of CPU the whole machine used (database server included)

    @property
    def cycles(self):
        return [c for r in self.results for c in r.cycles]

    @property
    def requests(self):
        return [x for r in self.results for x in r.requests]

    @property
    def statuses(self) -> dict:
        out: dict = {}
        for r in self.results:
            for k, v in r.statuses.items():
                out[k] = out.get(k, 0) + v
        return dict(sorted(out.items()))

    @property
    def errors(self) -> list[str]:
        return [e for r in self.results for e in r.errors]


def prepare(app, slug: str, annotators: int, articles: int, per_article: int = 20,
            overlap: int = 2) -> dict[str, str]:
    """A project with `articles` x `per_article` sentences and annotators with tokens."""
    cli(app, "create-project", slug, "--overlap", str(overlap))
    make_corpus(app.extensions["annotator.engine"], project_id(app, slug), articles, per_article)
    return make_users(app, [f"{slug}{i:02d}" for i in range(annotators)])


def run_load(app, database_url: str, instance: Path, *, annotators: int, labels: int,
             seconds: float, articles: int = 250, overlap: int = 2, slug: str = "load",
             serve_args: list[str] | None = None, quiet: bool = False) -> LoadRun:
    """Prepare, serve, load, verify. `app` is an app on `database_url` (for the set-up).
    With quiet=True it first waits for the machine's other processes to calm down."""
    tokens = prepare(app, slug, annotators, articles, overlap=overlap)
    server = Server(database_url, instance, serve_args)
    startup = server.start()
    idle = wait_quiet() if quiet else None
    try:
        cpu0, own0, busy0 = server.cpu_seconds(), time.process_time(), busy_seconds()
        results, wall = asyncio.run(
            run_annotators("127.0.0.1", server.port, tokens, slug, labels, seconds))
        cpu, own = server.cpu_seconds() - cpu0, time.process_time() - own0
        busy = busy_seconds() - busy0
    finally:
        server.stop()
    run = LoadRun(results, wall, startup, quiet=idle, server_cpu=cpu, client_cpu=own,
                  machine_cpu=busy)
    run.problems = verify(app.extensions["annotator.engine"], slug, results)
    log = Path(server.log).read_text(errors="replace") if Path(server.log).exists() else ""
    if "database is locked" in log:
        run.problems.append("the server log mentions 'database is locked'")
    return run


# ---------------------------------------------------------------------------------------------
# 2. Scale: 100,000 sentences, 500,000 annotations
# ---------------------------------------------------------------------------------------------
BIG_SENTENCES, BIG_FULL, BIG_OVERLAP, BIG_ANNOTATORS = 100_000, 80_000, 6, 20


def make_big(app, slug: str = "big") -> dict[str, str]:
    """100,000 sentences; 500,000 annotations by 20 annotators (Core inserts)."""
    from sqlalchemy import insert, select, update

    from annotator.models import Annotation, Sentence, User, utcnow

    engine = app.extensions["annotator.engine"]
    cli(app, "create-project", slug, "--overlap", str(BIG_OVERLAP))
    pid = project_id(app, slug)
    make_corpus(engine, pid, BIG_SENTENCES // 20, 20, seed=7)
    tokens = make_users(app, [f"{slug}{i:02d}" for i in range(BIG_ANNOTATORS)])
    rng = random.Random(3)
    base = utcnow() - _dt.timedelta(days=30)
    with engine.begin() as conn:
        uids = [conn.scalar(select(User.id).where(User.username == n)) for n in tokens]
        sids = list(conn.scalars(select(Sentence.id).where(Sentence.project_id == pid)
                                 .order_by(Sentence.article_id, Sentence.position)))
        rows, n = [], 0
        for i, sid in enumerate(sids):
            if i < BIG_FULL:
                who = [(i + j * 3) % BIG_ANNOTATORS for j in range(BIG_OVERLAP)]
            else:
                who = [i % BIG_ANNOTATORS]
            for w in who:
                n += 1
                at = base + _dt.timedelta(seconds=n)
                rows.append({"sentence_id": sid, "user_id": uids[w], "project_id": pid,
                             "label": LABELS[rng.randrange(3)], "spans": [], "comment": None,
                             "seconds": round(rng.uniform(1, 9), 1), "hints_shown": None,
                             "created_at": at, "updated_at": at})
            if len(rows) >= 20_000:
                conn.execute(insert(Annotation), rows)
                rows = []
        if rows:
            conn.execute(insert(Annotation), rows)
        for i in range(0, len(sids), 5000):
            chunk = sids[i:i + 5000]
            full = [x for j, x in enumerate(chunk, i) if j < BIG_FULL]
            part = [x for j, x in enumerate(chunk, i) if j >= BIG_FULL]
            if full:
                conn.execute(update(Sentence).where(Sentence.id.in_(full))
                             .values(n_labels=BIG_OVERLAP, full=True))
            if part:
                conn.execute(update(Sentence).where(Sentence.id.in_(part))
                             .values(n_labels=1, full=False))
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return tokens


def explain(app, slug: str, username: str, token: str) -> list[tuple[str, list[str]]]:
    """The plans of the statements of one next -> label cycle, as the database shows them."""
    from sqlalchemy import func, select

    from annotator import assign, labelling, loop, progress, projects, sentences, users
    from annotator.models import Annotation, Project, Sentence, User, utcnow

    engine = app.extensions["annotator.engine"]
    pg = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        pid = conn.scalar(select(Project.id).where(Project.slug == slug))
        uid = conn.scalar(select(User.id).where(User.username == username))
        sid = conn.scalar(select(Sentence.id).where(Sentence.project_id == pid,
                                                    Sentence.full.is_(False)).limit(1))
        now = utcnow()
        # `done` between full counts: the labels newer than the newest counted (none here).
        since = conn.scalar(select(func.max(Annotation.id)).where(Annotation.user_id == uid))
        params = {"pid": pid, "uid": uid, "now": now, "k": BIG_OVERLAP, "lim": 1, "sid": sid,
                  "slug": slug, "digest": users.token_digest(token), "since": since}
        w = assign.walks(engine.dialect.name)
        params["id0"] = sid
        head = [("request: token and user", users._BY_TOKEN),
                ("next: project and membership", projects._REF_BY_SLUG),
                ("next: leases of the user", w["leases"])]
        tail = [("next: progress, done and open (total at most every 10 s per annotator)",
                 progress._ONE),
                ("next: sentences and their context", sentences._views_statement(1)),
                ("label: sentence, project and membership", loop._SENTENCE)]
        if pg:
            stmts = head + [
                ("next: pick and lock, in the current article, else anywhere (one statement)",
                 assign._PG["pick_first"]),
                ("next: lease if still free", assign._PG["lease_if_free"])] + tail + [
                ("label: insert, history, count, clear lease and skip", labelling._PG_CREATE)]
            params["exp"] = now
            params.update(label="neutral_fact", spans=[], comment=None, seconds=1.0,
                          hints_shown=None)
        else:
            stmts = head + [("next: pick in the current article", w["pick_in_article"]),
                            ("next: pick anywhere (article finished)", w["pick"])] + tail + [
                ("label: probe (label, lease, skip)", labelling._PROBE),
                ("label: n_labels", labelling._COUNT)]
        out = []
        prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " if pg else "EXPLAIN QUERY PLAN "
        for name, stmt in stmts:
            sql, values = _driver_sql(conn, stmt, {**params, "delta": 1})
            rows = conn.exec_driver_sql(prefix + sql, values).all()
            conn.rollback()  # EXPLAIN ANALYZE runs the statement: undo the UPDATE
            lines = [r[0] for r in rows] if pg else [f"{'  ' * _depth(rows, r)}{r[-1]}" for r in rows]
            out.append((name, lines))
    return out


class _Captured(Exception):
    pass


def _driver_sql(conn, stmt, params):
    """The SQL text and driver parameters SQLAlchemy would send for `stmt` (not sent)."""
    from sqlalchemy import event

    seen = {}

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        seen["sql"], seen["params"] = statement, parameters
        raise _Captured()

    event.listen(conn.engine, "before_cursor_execute", capture)
    try:
        conn.execute(stmt, params)
    except _Captured:
        pass
    except Exception as err:  # wrapped by SQLAlchemy
        if not isinstance(getattr(err, "orig", None), _Captured) and "sql" not in seen:
            raise
    finally:
        event.remove(conn.engine, "before_cursor_execute", capture)
        conn.rollback()
    return seen["sql"], seen["params"]


def _depth(rows, row) -> int:
    parents = {r[0]: r[1] for r in rows}
    d, p = 0, row[1]
    while p:
        d, p = d + 1, parents.get(p, 0)
    return d


def run_big(kind: str, tmp: Path, cycles: int, serve_args: list[str]) -> dict:
    db = Database(kind, tmp)
    try:
        app = setup_app(db.url, tmp / "instance")
        cli(app, "init")
        t0 = time.perf_counter()
        tokens = make_big(app)
        build = time.perf_counter() - t0
        name = next(iter(tokens))
        plans = explain(app, "big", name, tokens[name])
        server = Server(db.url, tmp / "instance", serve_args)
        server.start()
        quiet = wait_quiet()
        try:
            # 20 warm-up cycles, then the measured ones, by an annotator with 25,000 labels.
            asyncio.run(run_annotators("127.0.0.1", server.port, {name: tokens[name]}, "big", 20, 60))
            [res], wall = asyncio.run(run_annotators(
                "127.0.0.1", server.port, {name: tokens[name]}, "big", 20 + cycles, 300))
        finally:
            server.stop()
        problems = verify(app.extensions["annotator.engine"], "big", [res])
        app.extensions["annotator.engine"].dispose()
        return {"kind": kind, "build": build, "cycles": res.cycles, "wall": wall, "plans": plans,
                "problems": problems, "statuses": res.statuses, "quiet": quiet}
    finally:
        db.drop()


# ---------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--annotators", type=int, default=32)
    ap.add_argument("--labels", type=int, default=150, help="labels per annotator (at most)")
    ap.add_argument("--seconds", type=float, default=30, help="time limit of the load run")
    ap.add_argument("--big-cycles", type=int, default=500)
    ap.add_argument("--no-big", action="store_true", help="skip the 100,000 / 500,000 part")
    ap.add_argument("--no-load", action="store_true", help="only the 100,000 / 500,000 part")
    ap.add_argument("--serve-args", default="")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    serve_args = shlex.split(args.serve_args)
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]

    loads, bigs = {}, {}
    for kind in kinds:
        if args.no_load:
            break
        tmp = Path(tempfile.mkdtemp(prefix=f"annotator-load-{kind}-"))
        db = Database(kind, tmp)
        try:
            app = setup_app(db.url, tmp / "instance")
            cli(app, "init")
            run = run_load(app, db.url, tmp / "instance", annotators=args.annotators,
                           labels=args.labels, seconds=args.seconds, serve_args=serve_args,
                           quiet=True)
            app.extensions["annotator.engine"].dispose()
            loads[kind] = run
            print(f"{kind}: {len(run.cycles) / run.wall:.0f} labels/s, "
                  f"cycle p50 {ms(pct(run.cycles, 50))} p99 {ms(pct(run.cycles, 99))}, "
                  f"{run.statuses}, problems: {run.problems[:3]}; CPU per label {cpu_split(run)}",
                  flush=True)
        finally:
            db.drop()
    for kind in kinds:
        if not args.no_big:
            big = run_big(kind, Path(tempfile.mkdtemp(prefix=f"annotator-big-{kind}-")),
                          args.big_cycles, serve_args)
            bigs[kind] = big
            print(f"{kind} 100k/500k: cycle p50 {ms(pct(big['cycles'], 50))} "
                  f"p95 {ms(pct(big['cycles'], 95))} (built in {big['build']:.0f} s)", flush=True)

    text = report(args, loads, bigs)
    print(text)
    if not args.no_write:
        write_section("load", text)
    bad = any(r.problems for r in loads.values()) or any(b["problems"] for b in bigs.values())
    return 1 if bad else 0


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def report(args, loads: dict, bigs: dict) -> str:
    def ok(good):
        return "met" if good else "**missed**"

    lines = [
        "## Many annotators through the REST API (SQLite and PostgreSQL)",
        "",
        f"`python bench/load.py` — {_dt.date.today().isoformat()}; {machine()}.",
        "",
        f"`annotator serve` (defaults) on 127.0.0.1; {args.annotators} simulated annotators, each "
        f"with its own token and keep-alive connection, run `GET /next` -> `PUT /annotation` "
        f"until {args.labels} labels each, an empty queue or {args.seconds:.0f} s. 5,000 sentences, "
        f"overlap 2. Latencies are measured in the client (asyncio, same machine). The latency "
        f"goal is read on requests: the annotators never pause, so by Little's law a cycle (two "
        f"requests) takes on average annotators / (labels/s), 107 ms for 32 at 300 labels/s.",
        "",
        "| database | labels/s | requests/s | request p50 / p95 / p99 | cycle p50 / p95 / p99 | goal |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind, run in loads.items():
        rate = len(run.cycles) / run.wall
        reqs = run.requests
        cyc = run.cycles
        if kind == "postgresql":
            goal = f">= 300 labels/s: {ok(rate >= 300)}; request p99 < 100 ms: {ok(pct(reqs, 99) < 0.1)}"
        else:
            goal = f">= 150 labels/s: {ok(rate >= 150)}"
        lines.append(f"| {NAMES[kind]} | {rate:,.0f} | {len(reqs) / run.wall:,.0f} | "
                     f"{ms(pct(reqs, 50))} / {ms(pct(reqs, 95))} / {ms(pct(reqs, 99))} | "
                     f"{ms(pct(cyc, 50))} / {ms(pct(cyc, 95))} / {ms(pct(cyc, 99))} | {goal} |")
    lines.append("")
    for kind, run in loads.items():
        locked = sum(r.locked for r in run.results)
        fivexx = sum(v for k, v in run.statuses.items() if k >= 500)
        lines.append(
            f"- {NAMES[kind]}: {len(run.cycles):,} labels in {run.wall:.1f} s; statuses "
            f"{run.statuses}; 5xx: {fivexx}; \"database is locked\": {locked}; every acknowledged "
            f"label stored exactly once: {'yes' if not run.problems else 'NO — ' + '; '.join(run.problems[:3])}; "
            f"CPU per label: {cpu_split(run)}; CPU left idle by other processes just before "
            f"the run: {run.quiet:.0%}.")
    if bigs:
        lines += [
            "",
            "### At scale: 100,000 sentences, 500,000 annotations",
            "",
            "80,000 sentences full (6 labels each, overlap 6) and 20,000 with one label, by 20 "
            "annotators (25,000 labels each); one of them then runs next -> label cycles "
            f"({args.big_cycles} after 20 warm-up), alone.",
            "",
            "| database | cycle p50 | p95 | p99 | goal | data built in | CPU idle before |",
            "| --- | ---: | ---: | ---: | --- | ---: | ---: |",
        ]
        for kind, big in bigs.items():
            c = big["cycles"]
            lines.append(f"| {NAMES[kind]} | {ms(pct(c, 50))} | {ms(pct(c, 95))} | "
                         f"{ms(pct(c, 99))} | p50 < 10 ms: {ok(pct(c, 50) < 0.010)} | "
                         f"{big['build']:.0f} s | {big['quiet']:.0%} |")
        for kind, big in bigs.items():
            if big["problems"]:
                lines.append(f"\n{NAMES[kind]} problems: {'; '.join(big['problems'][:3])}")
        for kind, big in bigs.items():
            title = "EXPLAIN QUERY PLAN" if kind == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF)"
            lines += ["", f"{NAMES[kind]} plans ({title}) of the statements of one cycle:", "", "```"]
            for name, plan in big["plans"]:
                lines.append(f"-- {name}")
                lines += [f"   {p}" for p in plan]
            lines.append("```")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
