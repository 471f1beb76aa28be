"""A large JSONL import, streamed, while annotators label (issue 21 items 2 and 3).

    nice -n 10 python bench/import_stream.py [--db sqlite|pg] [--mb 1024] [--small-mb MB] [--kb 5] [--no-write]

For each of two sizes (--small-mb, default a tenth of --mb, then --mb) a JSONL file of
synthetic wire articles (bench/import.py's generator) is written, and a fresh SQLite project
is seeded with 100 articles to label. `annotator serve` runs on it; four simulated annotators
label through the API (next, then label, then 0.25 s of reading) first for BASELINE seconds
alone, then while `annotator import news FILE` (a subprocess: the streamed import) runs.

Reported per size: wall time and throughput of the import, its peak RSS (VmHWM of the import
process; its segmenting workers separately, sampled every 0.2 s) to show that memory does not
grow with the file, and the annotate loop's latency (p50/p95/max of a label write and of
`next`) alone and during the import, with any 5xx or "database is locked".

Figures go to docs/benchmarks.md between <!-- bench:import_stream --> and
<!-- /bench:import_stream --> (SQLite), or <!-- bench:import_stream_pg --> ... (--db pg).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import importlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (ANNOTATOR_BIN, LABELS, ROOT, Database, HttpClient, HttpError, Server,  # noqa: E402
                    _children, cli, machine, make_users, pct, setup_app, wait_quiet, write_section)

article = importlib.import_module("import").article  # bench/import.py (a keyword as a name)
ANNOTATORS, THINK, BASELINE = 4, 0.25, 10.0


def write_jsonl(path: Path, mb: float, kb: float, seed: int, start: int = 0) -> int:
    """Articles until the file holds `mb` MiB; returns how many."""
    rng = random.Random(seed)
    limit, n = int(mb * 2**20), 0
    with open(path, "w", encoding="utf-8") as fh:
        while fh.tell() < limit:
            fh.write(json.dumps(article(rng, start + n, int(kb * 1024)), ensure_ascii=False) + "\n")
            n += 1
    return n


def _status(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak memory of a process (VmHWM) and of its children (largest VmRSS seen)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.main_kib, self.child_kib, self.children = pid, 0, 0, 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.2):
            self.main_kib = max(self.main_kib, _status(self.pid, "VmHWM:"))
            kids = _children(self.pid)
            self.children = max(self.children, len(kids))
            for k in kids:
                self.child_kib = max(self.child_kib, _status(k, "VmRSS:"))


async def annotator(port: int, token: str, who: int, stop: asyncio.Event, writes: list, nexts: list,
                    errors: list) -> None:
    http = HttpClient("127.0.0.1", port, {"Authorization": f"Bearer {token}"})
    clock = time.perf_counter
    try:
        while not stop.is_set():
            t0 = clock()
            status, body = await http.request("GET", "/api/v1/projects/news/next")
            nexts.append(clock() - t0)
            if status != 200:
                errors.append(f"next {status} {body[:120]!r}")
                break
            sentence = json.loads(body)["sentence"]
            if sentence is None:
                errors.append("the queue ran out: seed more articles")
                break
            t1 = clock()
            status, body = await http.request("PUT", f"/api/v1/sentences/{sentence['id']}/annotation",
                                              {"label": LABELS[(sentence["id"] + who) % 3], "seconds": 1.0})
            writes.append(clock() - t1)
            if status not in (200, 201) or b"database is locked" in body:
                errors.append(f"label {status} {body[:120]!r}")
            await asyncio.sleep(THINK)
    except HttpError as err:
        errors.append(str(err))
    finally:
        http.close()


async def label_while(port: int, tokens: dict, done) -> dict:
    """Annotators label until done() is true; their latencies."""
    stop = asyncio.Event()
    writes, nexts, errors = [], [], []
    tasks = [asyncio.create_task(annotator(port, tok, i, stop, writes, nexts, errors))
             for i, tok in enumerate(tokens.values())]
    t0 = time.perf_counter()
    while not done(time.perf_counter() - t0):
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*tasks)
    return {"writes": writes, "nexts": nexts, "errors": errors}


def one_size(mb: float, kb: float, tmp: Path, kind: str) -> dict:
    database = Database(kind, tmp)
    try:
        return _one_size(mb, kb, tmp, database.url)
    finally:
        database.drop()


def _one_size(mb: float, kb: float, tmp: Path, url: str) -> dict:
    app = setup_app(url, tmp / "instance")
    cli(app, "init")
    cli(app, "create-project", "news", "--overlap", "2")
    tokens = make_users(app, [f"a{i}" for i in range(ANNOTATORS)])
    seed = tmp / "seed.jsonl"
    write_jsonl(seed, 0.5, kb, seed=1, start=10**7)
    cli(app, "import", "news", str(seed))
    app.extensions["annotator.engine"].dispose()
    path = tmp / "big.jsonl"
    n_articles = write_jsonl(path, mb, kb, seed=2)
    size = path.stat().st_size
    env = {**os.environ, "ANNOTATOR_DATABASE_URL": url, "ANNOTATOR_INSTANCE_PATH": str(tmp / "instance"),
           "PYTHONPATH": str(ROOT)}
    server = Server(url, tmp / "instance", ["--workers", "1"], env={"PYTHONPATH": str(ROOT)})
    server.start()
    try:
        alone = asyncio.run(label_while(server.port, tokens, lambda t: t >= BASELINE))
        wait_quiet(threshold=0.5, max_wait=30)
        t0 = time.perf_counter()
        proc = subprocess.Popen([ANNOTATOR_BIN, "import", "news", str(path)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        sampler = Sampler(proc.pid)
        sampler.start()
        during = asyncio.run(label_while(server.port, tokens, lambda t: proc.poll() is not None))
        out, err = proc.communicate()
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        if proc.returncode != 0:
            raise SystemExit(f"annotator import failed: {err.decode(errors='replace')[-2000:]}")
    finally:
        server.stop()
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM articles")).scalar()
        units = conn.execute(text("SELECT count(*) FROM sentences")).scalar()
    engine.dispose()
    return {"mb": size / 2**20, "articles": n_articles, "stored": stored, "units": units,
            "wall": wall, "main_mib": sampler.main_kib / 1024, "child_mib": sampler.child_kib / 1024,
            "children": sampler.children, "alone": alone, "during": during,
            "out": out.decode(errors="replace").strip()}


def _lat(xs: list) -> str:
    if not xs:
        return "-"
    return f"{pct(xs, 50) * 1000:.1f} / {pct(xs, 95) * 1000:.1f} / {max(xs) * 1000:.0f} ms"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=1024.0, help="size of the larger file (MiB)")
    ap.add_argument("--small-mb", type=float, default=None, help="the smaller (default: a tenth)")
    ap.add_argument("--kb", type=float, default=5.0, help="size of an article's text")
    ap.add_argument("--db", choices=("sqlite", "pg"), default="sqlite",
                    help="pg: a private schema on ANNOTATOR_PG_URL's server")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    sizes = [args.small_mb or args.mb / 10, args.mb]
    results = []
    for mb in sizes:
        tmp = Path(tempfile.mkdtemp(prefix="annotator-import-stream-"))
        try:
            r = one_size(mb, args.kb, tmp, args.db)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(r["out"])
        print({k: v for k, v in r.items() if k not in ("alone", "during", "out")}, flush=True)
        results.append(r)

    rows = []
    for r in results:
        errs = r["alone"]["errors"] + r["during"]["errors"]
        published = r["out"].rsplit("(published in ", 1)[-1].rstrip(")") if "published in" in r["out"] else "-"
        rows.append(
            f"| {r['mb']:,.0f} MiB, {r['articles']:,} articles, {r['units']:,} units | {r['wall']:,.0f} s | "
            f"{r['mb'] / r['wall']:.2f} MiB/s, {r['articles'] / r['wall']:,.0f} articles/s | {published} | "
            f"{r['main_mib']:.0f} MiB | {r['child_mib']:.0f} MiB ({r['children']} workers) | "
            f"{_lat(r['alone']['writes'])} | {_lat(r['during']['writes'])} | "
            f"{_lat(r['during']['nexts'])} | {len(r['during']['writes']):,} | "
            f"{len(errs)}{': ' + errs[0][:80] if errs else ''} |")
    small, large = results
    growth = large["main_mib"] - small["main_mib"]
    per = growth * 2**20 / max(1, large["articles"] - small["articles"])
    database = "SQLite" if args.db == "sqlite" else "PostgreSQL"
    text = "\n".join([
        f"## Streamed import of a large JSONL file while annotators label ({database})",
        "",
        f"`nice -n 10 python bench/import_stream.py --db {args.db} --mb {args.mb:g}"
        + (f" --small-mb {args.small_mb:g}" if args.small_mb else "")
        + f"` — {_dt.date.today().isoformat()}; {machine()}.",
        "",
        f"Two files of synthetic wire articles (about {args.kb:g} KB of text each), each imported "
        f"into a fresh {database} project (seeded with 0.5 MiB of articles to label) by `annotator "
        "import news FILE` in a subprocess, while `annotator serve --workers 1` serves "
        f"{ANNOTATORS} simulated annotators (next, label, {THINK} s reading; latencies are the "
        f"client's). 'Alone' is the same loop for {BASELINE:.0f} s before the import. Peak RSS is the "
        "import process's VmHWM; its segmenting workers (a process pool) are sampled apart. "
        "'Publication' is the one transaction that makes the import visible.",
        "",
        "| file (units: all in the database) | wall | throughput | publication | peak RSS, import | peak RSS, each worker "
        "| label write p50 / p95 / max, alone | label write, during import | next, during import "
        "| labels during import | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *rows,
        "",
        f"The file grew {large['mb'] / small['mb']:.1f}x; the import's peak RSS grew by {growth:+.0f} MiB "
        f"({small['main_mib']:.0f} -> {large['main_mib']:.0f} MiB), {per:,.0f} bytes per added "
        "article: the duplicate check's digests (text, id, URL) and the stored ids. The text "
        "itself is held one batch (200 articles) at a time.",
    ])
    print(text)
    if not args.no_write:
        write_section("import_stream" if args.db == "sqlite" else "import_stream_pg", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
