"""Exporting many annotations with `annotator export` (issues 7 and 9).

    python bench/export.py [--sizes 0,100000,1000000] [--db sqlite,postgresql] [--no-write]

For each size N a project of N/5 sentences (articles of 20) labelled by 5 annotators is
bulk-inserted with SQLAlchemy Core into a fresh database (SQLite file in a temporary
directory; PostgreSQL in a private schema of ANNOTATOR_PG_URL, dropped afterwards). Then
`annotator export SLUG -o FILE` runs as a subprocess: its wall time, and its peak resident
memory (ru_maxrss of that child, from wait4). Goals: 1,000,000 annotations in under 15 s,
and peak memory flat from 100,000 to 1,000,000 (and under 200 MB). The output is checked:
one line per annotation, every line JSON, `text` equal to the sentence.

Figures go to docs/benchmarks.md between <!-- bench:export --> and <!-- /bench:export -->.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (ANNOTATOR_BIN, LABELS, cli, machine, make_corpus, setup_app,  # noqa: E402
                    wait_quiet, write_section)
from load import NAMES, Database, project_id  # noqa: E402

RATERS = 5
GOALS = {"seconds": 15.0, "rss_mib": 200.0}


def build(app, slug: str, annotations: int) -> float:
    """A project with annotations/5 sentences, each labelled by the same 5 annotators."""
    from sqlalchemy import insert, select, update

    from annotator.models import Annotation, Sentence, User, utcnow

    t0 = time.perf_counter()
    engine = app.extensions["annotator.engine"]
    cli(app, "create-project", slug, "--overlap", str(RATERS))
    pid = project_id(app, slug)
    n_sentences = annotations // RATERS
    if n_sentences:
        make_corpus(engine, pid, max(1, n_sentences // 20), min(20, n_sentences), seed=11)
    names = [f"{slug}-r{i}" for i in range(RATERS)]
    with engine.begin() as conn:
        conn.execute(insert(User), [{"username": n, "role": "annotator", "active": True,
                                     "created_at": utcnow()} for n in names])
        uids = list(conn.scalars(select(User.id).where(User.username.in_(names)).order_by(User.id)))
        rng = random.Random(5)
        now = utcnow()
        batch = []
        for sid in conn.scalars(select(Sentence.id).where(Sentence.project_id == pid)).all():
            for uid in uids:
                spans = ([{"start": 0, "end": 3, "label": "source", "text": "The"}]
                         if rng.random() < 0.2 else [])
                batch.append({"sentence_id": sid, "user_id": uid, "project_id": pid,
                              "label": LABELS[rng.randrange(3)], "spans": spans,
                              "comment": "checked" if rng.random() < 0.05 else None,
                              "seconds": round(rng.uniform(1, 20), 1), "hints_shown": None,
                              "created_at": now, "updated_at": now})
            if len(batch) >= 50_000:
                conn.execute(insert(Annotation), batch)
                batch = []
        if batch:
            conn.execute(insert(Annotation), batch)
        conn.execute(update(Sentence).where(Sentence.project_id == pid)
                     .values(n_labels=RATERS, full=True))
    return time.perf_counter() - t0


def run_export(url: str, instance: Path, slug: str, out: Path) -> dict:
    env = {**os.environ, "ANNOTATOR_DATABASE_URL": url, "ANNOTATOR_INSTANCE_PATH": str(instance)}
    quiet = wait_quiet()
    t0 = time.perf_counter()
    proc = subprocess.Popen([ANNOTATOR_BIN, "export", slug, "-o", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"annotator export failed: {stderr}")
    return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime,
            "bytes": out.stat().st_size, "quiet": quiet}


def check(out: Path, expected: int) -> int:
    n = 0
    with open(out, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if n % 997 == 0:
                assert rec["text"] and rec["label"] in LABELS and rec["annotator"], rec
            n += 1
    if n != expected:
        raise AssertionError(f"{n} lines, expected {expected}")
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="0,100000,1000000")
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    rows = []
    for kind in [k.strip() for k in args.db.split(",") if k.strip()]:
        tmp = Path(tempfile.mkdtemp(prefix=f"annotator-export-{kind}-"))
        db = Database(kind, tmp)
        try:
            app = setup_app(db.url, tmp / "instance")
            cli(app, "init")
            for size in sizes:
                slug = f"x{size}"
                built = build(app, slug, size)
                if kind == "sqlite":  # as the server's checkpoints would have done by now
                    with app.extensions["annotator.engine"].connect() as conn:
                        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                out = tmp / f"{slug}.jsonl"
                res = run_export(db.url, tmp / "instance", slug, out)
                check(out, size)
                out.unlink()
                rows.append((kind, size, built, res))
                print(f"{kind} {size:>9,}: {res['wall']:.2f} s, peak RSS {res['rss_mib']:.0f} MiB "
                      f"(built in {built:.0f} s)", flush=True)
            app.extensions["annotator.engine"].dispose()
        finally:
            db.drop()
    text = report(rows)
    print(text)
    if not args.no_write:
        write_section("export", text)
    return 0


def report(rows) -> str:
    def ok(good):
        return "met" if good else "**missed**"

    lines = [
        "## Export of many annotations (`annotator export`)",
        "",
        f"`python bench/export.py` — {_dt.date.today().isoformat()}; {machine()}.",
        "",
        "Each project: N/5 sentences, 5 annotators, every sentence labelled by all five, 20% "
        "with a span, bulk-inserted with SQLAlchemy Core. `annotator export SLUG -o FILE` runs "
        "as a subprocess; peak memory is that process's ru_maxrss (from wait4). The file is read "
        "back: one JSON object per annotation.",
        "",
        "| database | annotations | wall time | rows/s | CPU | peak RSS | file | CPU idle before | goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    by_kind: dict = {}
    for kind, size, _built, res in rows:
        by_kind.setdefault(kind, {})[size] = res
    for kind, size, _built, res in rows:
        goal = ""
        if size >= 1_000_000:
            small = by_kind[kind].get(100_000)
            flat = small is not None and res["rss_mib"] <= small["rss_mib"] * 1.10 + 5
            goal = (f"< {GOALS['seconds']:.0f} s: {ok(res['wall'] < GOALS['seconds'])}; "
                    f"memory flat from 100,000: {ok(flat)}; < 200 MB: "
                    f"{ok(res['rss_mib'] < GOALS['rss_mib'])}")
        rate = f"{size / res['wall']:,.0f}" if size else "-"
        lines.append(f"| {NAMES[kind]} | {size:,} | {res['wall']:.2f} s | {rate} | "
                     f"{res['cpu']:.1f} s | {res['rss_mib']:.0f} MiB | "
                     f"{res['bytes'] / 2**20:.0f} MiB | {res['quiet']:.0%} | {goal} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
