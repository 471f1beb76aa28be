"""Benchmark of the project model (annotator.model): training and predictions.

    python bench/model.py [--train 10000] [--predict 100000] [--no-write]

Data: the labelled news sentences of tests/data/labelled_sentences.tsv, varied into as many
sentences as asked (a time, a place, a name or a number added at a random word; every
variant keeps its sentence's label, since none of the additions attributes or frames).
Measures, on this machine:

* training on `--train` labelled sentences: `model.training.fit`, i.e. counting the features
  once, 5-fold stratified cross-validation of the weighting and the classifier, and the final
  fit (what `annotator model train` and the worker run, less reading the labels);
* predictions for `--predict` sentences: the fitted pipeline's predict_proba in the chunks
  the `predictions` export uses (model.predictions.CHUNK);
* the pickled model's size, and calibration: the expected calibration error (10 bins of the
  top probability) of out-of-fold probabilities on the real corpus (no variants).

* ordering a queue of `--predict` sentences by `uncertainty_diversity`: the ranking alone
  (model.ordering.rank, given their probabilities and features), and the worker's whole
  reordering (model.queue.reorder) of a SQLite project of that many open sentences whose
  predictions a training stored;
* training on a news-like vocabulary too (made-up names and words put into the corpus
  sentences, about 2 word types per sentence as in wire copy).

Goals (issue 19): training on 10,000 labelled sentences under 5 s, predictions for 100,000
under 10 s, ordering 100,000 under 1 s, on 2 cores. Prints the figures and writes them to docs/benchmarks.md between
<!-- bench:model --> and <!-- /bench:model -->.
"""
from __future__ import annotations

import argparse
import os
import pickle
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
from scipy import sparse  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_predict  # noqa: E402

from annotator.hints.lexicon import DEFAULT_LEXICON  # noqa: E402
from annotator.labels import DEFAULT_LABELS, label_ids  # noqa: E402
from annotator.model import training  # noqa: E402
from annotator.model.features import build_pipeline  # noqa: E402
from annotator.model.ordering import model_features, rank  # noqa: E402
from annotator.model.predictions import CHUNK  # noqa: E402
from model_corpus import corpus  # noqa: E402

ADDITIONS = ["on Monday", "on Tuesday", "late on Friday", "this week", "in 2023", "near Odesa",
             "in the north", "in Nairobi", "again", "for the second time", "by 14%", "Mr. Alvarez",
             "at about 6 a.m.", "near the border", "in Lagos", "in March", "overnight", "by 2,300"]


def variants(n: int, seed: int, vocabulary: int = 0) -> tuple[list[str], list[str]]:
    """n sentences of the corpus, each with one to three ADDITIONS put in; with `vocabulary`,
    two to four words drawn from that many made-up names and words instead, so that the
    sentences have as many word types as news text of their size (10,000 sentences of wire
    copy: about 20,000; the corpus variants alone: about 3,000)."""
    texts, labels = corpus()
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words_ = [("".join(rng.choice(letters) for _ in range(rng.randint(4, 10)))) for _ in range(vocabulary)]
    words_ = [w.capitalize() if i % 3 == 0 else w for i, w in enumerate(words_)]
    out_t, out_l = [], []
    for _ in range(n):
        i = rng.randrange(len(texts))
        words = texts[i].split()
        for _k in range(rng.randint(2, 4) if vocabulary else rng.randint(1, 3)):
            words.insert(rng.randrange(1, len(words)), rng.choice(words_ or ADDITIONS))
        out_t.append(" ".join(words))
        out_l.append(labels[i])
    return out_t, out_l


def reorder_path(n: int, pipeline, labels: list[str]) -> tuple[float, float, int]:
    """The worker's reordering of a project of `n` open body sentences (model.queue.reorder:
    the stored probabilities read, the queue ranked by uncertainty_diversity, every place
    written), on a SQLite file as `annotator init` makes it, with the model's predictions
    stored as a training stores them. Returns (seconds, CPU seconds, sentences ranked)."""
    import tempfile

    from sqlalchemy import insert, select

    from annotator import create_app, projects
    from annotator.db import make_engine, upgrade
    from annotator.model.predictions import stored_rows
    from annotator.model.queue import reorder
    from annotator.model.store import store_predictions
    from annotator.models import Article, ModelVersion, Sentence

    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'order.db'}"
    upgrade(make_engine(url))
    (tmp / "instance").mkdir()
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench"})
    texts, _ = variants(n, seed=3, vocabulary=30_000)
    with app.app_context():
        db = app.extensions["annotator.sessionmaker"]()
        p = projects.create_project(db, "order", "Order", overlap=2,
                                    settings_={"order": "uncertainty_diversity"})
        db.commit()
        per = 40  # sentences per article
        db.execute(insert(Article), [{"project_id": p.id, "title": f"A{a}", "text": "", "text_hash": str(a)}
                                     for a in range(n // per)])
        arts = db.scalars(select(Article.id).where(Article.project_id == p.id).order_by(Article.id)).all()
        db.execute(insert(Sentence), [{"article_id": arts[i // per], "project_id": p.id, "position": i % per,
                                       "start": 0, "end": len(t), "text": t, "kind": "body"}
                                      for i, t in enumerate(texts)])
        mv = ModelVersion(project_id=p.id, version=1, n_labels=0, label_count=0, folds=5, macro_f1=0.0,
                          per_label_f1={}, labels=labels, seconds=0.0,
                          pipeline=pickle.dumps(pipeline, protocol=pickle.HIGHEST_PROTOCOL))
        db.add(mv)
        db.commit()
        store_predictions(db, p, mv.id, stored_rows(db, p, pipeline, {}))
        db.close()
        db = app.extensions["annotator.sessionmaker"]()
        p = projects.by_slug(db, "order")
        started, cpu = time.perf_counter(), time.process_time()
        out = reorder(db, p)
        took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
        db.close()
    return took, took_cpu, out["ranked"]


def ece(proba: np.ndarray, y: np.ndarray, classes: np.ndarray, bins: int = 10) -> float:
    top = proba.max(axis=1)
    right = classes[proba.argmax(axis=1)] == y
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (top > lo) & (top <= hi)
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - top[inside].mean())
    return float(total)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", type=int, default=10_000)
    ap.add_argument("--predict", type=int, default=100_000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    scheme = label_ids(DEFAULT_LABELS)

    texts, y = variants(args.train, seed=1)
    started, cpu = time.perf_counter(), time.process_time()
    fitted = training.fit(texts, y, scheme, DEFAULT_LEXICON)
    train_s, train_cpu = time.perf_counter() - started, time.process_time() - cpu
    size = len(pickle.dumps(fitted.pipeline, protocol=pickle.HIGHEST_PROTOCOL))
    news, news_y = variants(args.train, seed=1, vocabulary=30_000)
    news_types = len({w for t in news for w in t.split()})
    started, cpu = time.perf_counter(), time.process_time()
    training.fit(news, news_y, scheme, DEFAULT_LEXICON)
    news_s, news_cpu = time.perf_counter() - started, time.process_time() - cpu

    unseen, _ = variants(args.predict, seed=2)
    started, cpu = time.perf_counter(), time.process_time()
    for lo in range(0, len(unseen), CHUNK):
        fitted.pipeline.predict_proba(unseen[lo:lo + CHUNK])
    predict_s, predict_cpu = time.perf_counter() - started, time.process_time() - cpu
    # Ordering the queue (annotator.model.ordering): from the model's probabilities and
    # features of every sentence (what a prediction computes anyway), the queue positions.
    proba = np.vstack([fitted.pipeline.predict_proba(unseen[lo:lo + CHUNK])
                       for lo in range(0, len(unseen), CHUNK)])
    feats = sparse.vstack([model_features(fitted.pipeline, unseen[lo:lo + CHUNK])
                           for lo in range(0, len(unseen), CHUNK)], format="csr")
    started, cpu = time.perf_counter(), time.process_time()
    rank("uncertainty_diversity", len(unseen), proba, feats)
    order_s, order_cpu = time.perf_counter() - started, time.process_time() - cpu
    path_s, path_cpu, ranked = reorder_path(args.predict, fitted.pipeline, fitted.labels)

    real_t, real_y = corpus()
    cv = StratifiedKFold(5, shuffle=True, random_state=training.SEED)
    oof = cross_val_predict(build_pipeline(DEFAULT_LEXICON), real_t, real_y, cv=cv, method="predict_proba")
    calibration = ece(oof, np.asarray(real_y), np.asarray(sorted(scheme)))
    real = training.fit(real_t, real_y, scheme, DEFAULT_LEXICON)

    load = os.getloadavg()[0]
    rows = [
        ("training, {:,} labelled sentences (5-fold CV + final fit), corpus variants ({:,} word types)"
         .format(args.train, len({w for t in texts for w in t.split()})),
         f"{train_s:.2f} s ({train_cpu:.2f} s CPU, both threads)", "< 5 s"),
        ("training, {:,} labelled sentences, a news-like vocabulary ({:,} word types)".format(args.train, news_types),
         f"{news_s:.2f} s ({news_cpu:.2f} s CPU, both threads)", "< 5 s"),
        ("predictions, {:,} sentences".format(args.predict), f"{predict_s:.2f} s ({predict_cpu:.2f} s CPU)", "< 10 s"),
        ("ordering a queue of {:,} sentences, `uncertainty_diversity`, the ranking alone (from their probabilities and features)".format(args.predict),
         f"{order_s:.2f} s ({order_cpu:.2f} s CPU)", ""),
        ("ordering a queue of {:,} sentences as the worker does it (`model.queue.reorder`: the stored margins read with the sentences, the candidates' features, every place written; SQLite)".format(ranked),
         f"{path_s:.2f} s ({path_cpu:.2f} s CPU)", "< 1 s"),
        ("pickled model", f"{size / 1e6:.1f} MB", ""),
        (f"cross-validated macro-F1, the {len(real_t)} corpus sentences", f"{real.macro_f1:.3f}", ""),
        ("expected calibration error, out-of-fold, corpus", f"{calibration:.3f}", ""),
    ]
    table = "\n".join(["| measure | value | goal |", "| --- | --- | --- |",
                       *[f"| {a} | {b} | {c} |" for a, b, c in rows]])
    text = (f"### The project model (`bench/model.py`)\n\n"
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
            f"load average {load:.1f} at the end of the run: other work on the machine slows the wall "
            f"times, so the CPU time this process used is given too. Training sentences are variants of the labelled corpus "
            f"(tests/data/labelled_sentences.tsv), so the cross-validated macro-F1 of the 10,000 "
            f"({fitted.macro_f1:.3f}) says nothing of quality; the corpus's own is in the table.\n\n"
            f"{table}\n\nOn an idle machine the wall time of the predictions (one thread) is about "
            f"their CPU time, and that of the training at most its CPU time (its folds run on "
            f"two threads).\n")
    print(text)
    if not args.no_write:
        from common import write_section

        write_section("model", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
