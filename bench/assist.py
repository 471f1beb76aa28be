"""Benchmark of the assistance experiment's cost in the annotate loop (annotator.assist).

    python bench/assist.py [--sentences 10000] [--rounds 300] [--no-write]

In one process on SQLite (a file database, as `annotator serve` uses it): a project of
`--sentences` body sentences with stored predictions (model_predictions, as a training writes
them), three annotators. Measured per setting of `assist` (off, hints at share 1 and 0.5,
suggestion at share 0.5): the median and 95th percentile time of `loop.next_batch` with a
look-ahead of 10 and of `loop.label`, over `--rounds` label-and-next cycles, and the queries
each issues (SQLAlchemy's before_cursor_execute). Also the time to compute and store the
predictions of `--sentences` sentences with a trained model (what each training now adds).

Goal (issue 19 item 5): the annotate loop stays as fast with the experiment on. Prints
the figures and writes them to docs/benchmarks.md between <!-- bench:assist --> and
<!-- /bench:assist -->.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from sqlalchemy import event, insert, select  # noqa: E402

from annotator import create_app, loop, projects, users  # noqa: E402
from annotator.articles import add_articles  # noqa: E402
from annotator.db import make_engine, upgrade  # noqa: E402
from annotator.ingest import parse_jsonl  # noqa: E402
from annotator.models import ModelPrediction, ModelVersion, Sentence  # noqa: E402

LABELS = ("attributed_claim", "contested_framing", "neutral_fact")
SETTINGS = [("off", {"assist": "off"}), ("hints, share 1", {"assist": "hints", "assist_share": 1.0}),
            ("hints, share 0.5", {"assist": "hints", "assist_share": 0.5}),
            ("suggestion, share 0.5", {"assist": "suggestion", "assist_share": 0.5})]


def _articles(n: int) -> str:
    import json
    lines = []
    for a in range(n // 20):
        text = " ".join(f"The ministry said that plan {a}-{i} was approved by the council."
                        for i in range(20))
        lines.append(json.dumps({"title": f"Article {a}", "text": text}))
    return "\n".join(lines)


def _p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(make_engine(url))
    (tmp / "instance").mkdir()
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp / "instance"),
                      "SECRET_KEY": "bench"})
    engine = app.extensions["annotator.engine"]
    queries = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_a):
        queries[0] += 1

    Session = app.extensions["annotator.sessionmaker"]
    rows = []
    with app.app_context():
        db = Session()
        refs = []
        for k, ((name, cfg), i) in enumerate(zip(SETTINGS, range(len(SETTINGS)))):
            p = projects.create_project(db, f"b{k}", f"B{k}", overlap=3,
                                        settings_={"assist": "hints", "assist_share": 1.0, **cfg})
            db.commit()
            add_articles(db, p, parse_jsonl("b.jsonl", _articles(args.sentences)), "b.jsonl")
            sids = db.scalars(select(Sentence.id).where(Sentence.project_id == p.id,
                                                        Sentence.kind == "body")).all()
            mv = ModelVersion(project_id=p.id, version=1, n_labels=0, label_count=0, folds=5,
                              macro_f1=0.0, per_label_f1={}, labels=list(LABELS), seconds=0.0,
                              pipeline=b"", predictions_ready=True)
            db.add(mv)
            db.flush()
            db.execute(insert(ModelPrediction), [
                {"model_version_id": mv.id, "project_id": p.id, "sentence_id": s,
                 "label": LABELS[s % 3], "probabilities": {l: 1 / 3 for l in LABELS},
                 "out_of_fold": False} for s in sids])
            db.commit()
            user = users.create_user(db, f"u{k}", "annotator", "password123")
            db.commit()
            ref = loop.project_for(db, f"b{k}", user)
            refs.append((name, ref, user, loop.next_batch(db, ref, user, ahead=10)))
        times = {name: ([], [], [], []) for name, *_ in refs}
        # the settings take turns, round by round, so that a slower moment of the machine
        # weighs on all of them alike
        for r in range(args.rounds):
            for k, (name, ref, user, batch) in enumerate(refs):
                nexts, labels, q_next, q_label = times[name]
                s = batch["sentence"]
                q0 = queries[0]
                t0 = time.perf_counter()
                loop.label(db, ref, db.get(Sentence, s["id"]), user,
                           {"label": LABELS[r % 3], "seconds": 2.0})
                t1 = time.perf_counter()
                q1 = queries[0]
                batch = loop.next_batch(db, ref, user, ahead=10)
                t2 = time.perf_counter()
                refs[k] = (name, ref, user, batch)
                labels.append(t1 - t0)
                nexts.append(t2 - t1)
                q_label.append(q1 - q0)
                q_next.append(queries[0] - q1)
        for name, (nexts, labels, q_next, q_label) in times.items():
            rows.append((name, statistics.median(nexts) * 1000, _p(nexts, 0.95) * 1000,
                         statistics.median(labels) * 1000, _p(labels, 0.95) * 1000,
                         statistics.median(q_next), statistics.median(q_label)))
            print(f"{name:<24} next {rows[-1][1]:.2f} ms (p95 {rows[-1][2]:.2f}) "
                  f"label {rows[-1][3]:.2f} ms (p95 {rows[-1][4]:.2f}) "
                  f"queries next {rows[-1][5]:.0f} label {rows[-1][6]:.0f}")
        db.close()
    # what each training adds: the predictions of every sentence, computed and stored
    from annotator.hints.lexicon import DEFAULT_LEXICON
    from annotator.model import training
    from annotator.model.predictions import stored_rows
    from annotator.model.store import PREDICTION_BATCH, store_predictions
    from model_corpus import corpus

    texts, y = corpus()
    fitted = training.fit(texts, y, list(LABELS), DEFAULT_LEXICON)
    with app.app_context():
        db = Session()
        p = projects.by_slug(db, "b0")
        t0 = time.perf_counter()
        predicted = stored_rows(db, p, fitted.pipeline, {})
        t1 = time.perf_counter()
        db.commit()
        version_id = db.scalar(select(ModelVersion.id).where(ModelVersion.project_id == p.id))
        db.execute(ModelPrediction.__table__.delete().where(
            ModelPrediction.project_id == p.id))  # as a first training finds it
        db.commit()
        t_store = time.perf_counter()
        store_predictions(db, p, version_id, predicted)
        t2 = time.perf_counter()
        db.close()
    predict_s, store_s = t1 - t0, t2 - t_store
    print(f"predictions of {len(predicted):,} sentences: {predict_s:.2f} s computed, "
          f"{store_s:.2f} s stored")
    took = time.perf_counter() - started
    table = ["| assist | next (ahead 10), median ms | p95 | label, median ms | p95 | queries per next | per label |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    table += [f"| {n} | {a:.2f} | {b:.2f} | {c:.2f} | {d:.2f} | {e:.0f} | {f:.0f} |"
              for n, a, b, c, d, e, f in rows]
    text = "\n".join([
        "### Assistance arms in the annotate loop (`bench/assist.py`)", "",
        f"One process, SQLite file database, per setting a project of {len(predicted):,} body "
        f"sentences with stored predictions and one annotator: {args.rounds} cycles of "
        f"`loop.label` then `loop.next_batch(ahead=10)` (the API's label and next), the settings "
        f"taking turns round by round. Python "
        f"{platform.python_version()}, {took:.0f} s; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores at the end (a shared machine: compare the rows, not the "
        f"absolute times).", "", *table, "",
        f"What each training adds: the predictions of {len(predicted):,} sentences computed in "
        f"{predict_s:.2f} s and stored in {store_s:.2f} s, in write transactions of "
        f"{PREDICTION_BATCH:,} rows (a label write waits for one batch at most).", "",
        "Goal: the loop as fast with the experiment on. Where it is on (a share below 1, or "
        "suggestions), `next` reads the arms its leases kept and keeps those of sentences shown "
        "the first time (two queries, so that each label is recorded in the arm it was shown in); "
        "the suggestion arm adds one query to `next` (the stored suggestions of the whole batch) "
        "and one to the label write (whether the sentence had a suggestion). Hints for everyone "
        "(the default) and off add none.",
    ])
    if not args.no_write:
        from common import write_section
        write_section("assist", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
