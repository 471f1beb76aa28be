"""The annotate loop while the project model trains in the background (issue 19 item 7).

    nice -n 10 python bench/loop_training.py [--db sqlite|pg] [--sentences 10000] [--seconds 20] [--no-write]

One database holds two projects: `news`, where 4 simulated annotators label through the API
(next, label, 0.25 s of reading; bench/import_stream.py's loop), and `corpus`, with --sentences
labelled sentences (variants of tests/data/labelled_sentences.tsv, as bench/model.py makes
them, each labelled alike by two annotators). `annotator serve --workers 1` serves the loop;
`annotator worker` runs the trainings. The loop runs --seconds alone, then for as long as the
worker needs to run three trainings of `corpus`, queued as the admin page queues them
(model.schedule.enqueue_training, one after another). Reported: label write and `next` latency (p50 / p95
/ max) alone and during the trainings, the trainings' time, and any error.

Goal (issue 19): annotate-loop figures unchanged while a model trains in the background.
Figures go to docs/benchmarks.md between <!-- bench:loop_training --> and its closing mark.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (ANNOTATOR_BIN, ROOT, Database, Server, cli, machine, make_users, pct,  # noqa: E402
                    setup_app, wait_quiet, write_section)

stream = importlib.import_module("import_stream")  # the annotators' loop and the seed articles
model_bench = importlib.import_module("model")     # bench/model.py: the training sentences
TRAININGS = 3


def build(app, n_sentences: int, tmp: Path) -> dict:
    """The two projects, the loop's annotators (tokens) and the labelled corpus."""
    from annotator import labelling, projects, users
    from annotator.articles import add_articles
    from annotator.ingest import parse_file
    from annotator.labelling import LabelInput
    from annotator.models import Sentence

    cli(app, "init")
    cli(app, "create-project", "news", "--overlap", "2")
    tokens = make_users(app, [f"a{i}" for i in range(stream.ANNOTATORS)])
    seed = tmp / "seed.jsonl"
    stream.write_jsonl(seed, 1.0, 5, seed=1)
    cli(app, "import", "news", str(seed))
    texts, labels = model_bench.variants(n_sentences, seed=3)
    # one sentence per paragraph, 20 to an article, so that each text is one unit
    lines = "".join(json.dumps({"title": f"Corpus {a}", "text": "\n\n".join(texts[a:a + 20])}) + "\n"
                    for a in range(0, len(texts), 20))
    session = app.extensions["annotator.sessionmaker"]()
    try:
        project = projects.create_project(session, "corpus", "Corpus", overlap=2)
        raters = [users.create_user(session, name, "annotator", None) for name in ("r1", "r2")]
        session.commit()
        add_articles(session, project, parse_file("corpus.jsonl", lines.encode()), "corpus.jsonl")
        label_of = dict(zip(texts, labels))
        units = session.query(Sentence).filter_by(project_id=project.id, kind="body").all()
        for s in units:
            label = label_of.get(s.text.strip())
            if label is None:
                continue
            for rater in raters:
                labelling.save(session, project, s, rater, LabelInput(label), held_only=False)
        labelled = sum(label_of.get(s.text.strip()) is not None for s in units)
    finally:
        session.close()
    return {"tokens": tokens, "labelled": labelled}


def run(kind: str, n_sentences: int, seconds: float, tmp: Path) -> dict:
    database = Database(kind, tmp)
    try:
        app = setup_app(database.url, tmp / "instance")
        built = build(app, n_sentences, tmp)
        app.extensions["annotator.engine"].dispose()
        env = {**os.environ, "ANNOTATOR_DATABASE_URL": database.url,
               "ANNOTATOR_INSTANCE_PATH": str(tmp / "instance"), "PYTHONPATH": str(ROOT)}
        server = Server(database.url, tmp / "instance", ["--workers", "1"], env={"PYTHONPATH": str(ROOT)})
        server.start()
        worker = None
        try:
            alone = asyncio.run(stream.label_while(server.port, built["tokens"], lambda t: t >= seconds))
            wait_quiet(threshold=0.5, max_wait=30)
            app = setup_app(database.url, tmp / "instance")  # to queue trainings and count them
            t0 = time.perf_counter()
            worker = subprocess.Popen([ANNOTATOR_BIN, "worker", "--poll", "0.2"], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            done = {"n": 0, "queued": 0}

            def trained(_t: float) -> bool:
                """Queue the next training once the last is stored, as the admin page would."""
                from annotator import projects
                from annotator.model import schedule, store

                with app.extensions["annotator.sessionmaker"]() as session:
                    project = projects.by_slug(session, "corpus")
                    done["n"] = len(store.versions(session, project))
                    if done["queued"] == done["n"] and done["queued"] < TRAININGS:
                        schedule.enqueue_training(session, project)
                        done["queued"] += 1
                return done["n"] >= TRAININGS

            during = asyncio.run(stream.label_while(server.port, built["tokens"], trained))
            wall = time.perf_counter() - t0
            app.extensions["annotator.engine"].dispose()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
            server.stop()
        return {"alone": alone, "during": during, "wall": wall, "labelled": built["labelled"],
                "trainings": done["n"]}
    finally:
        database.drop()


def _lat(xs: list) -> str:
    return f"{pct(xs, 50) * 1000:.1f} / {pct(xs, 95) * 1000:.1f} / {max(xs) * 1000:.0f} ms" if xs else "-"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    ap.add_argument("--sentences", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    kind = "postgresql" if args.db == "pg" else "sqlite"
    with tempfile.TemporaryDirectory(prefix="loop-training-") as tmp:
        r = run(kind, args.sentences, args.seconds, Path(tmp))
    a, d = r["alone"], r["during"]
    errors = a["errors"] + d["errors"]
    text = f"""## The annotate loop while the model trains (`bench/loop_training.py`)

`nice -n 10 python bench/loop_training.py --db {args.db} --sentences {args.sentences}` — {machine()}.

{stream.ANNOTATORS} simulated annotators label project `news` through the API (next, label, {stream.THINK} s of reading) on `annotator serve --workers 1` ({kind}), first {args.seconds:.0f} s alone, then while `annotator worker` runs {r['trainings']} trainings of project `corpus` ({r['labelled']:,} sentences, each labelled alike by two annotators; queued one after another as the admin page queues them) in {r['wall']:.1f} s. Latencies are the client's: p50 / p95 / max.

| | label write | next | labels |
| --- | ---: | ---: | ---: |
| alone | {_lat(a['writes'])} | {_lat(a['nexts'])} | {len(a['writes']):,} |
| while the model trains | {_lat(d['writes'])} | {_lat(d['nexts'])} | {len(d['writes']):,} |

Errors (HTTP 5xx, "database is locked", refused labels): {len(errors)}{': ' + '; '.join(errors[:5]) if errors else ''}.
"""
    print(text)
    if not args.no_write:
        write_section("loop_training", text)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
