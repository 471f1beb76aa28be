"""Training the project model from the final labels, with its cross-validated scores
(no Flask import).

The training set is what review.adjudication.project_final_labels gives: body sentences with a
gold label, else with the majority (or Dawid-Skene) label at the project's threshold. Control
items are left out there, as everywhere in the review, so they are here too: their known answers
are the quality check of the annotators, not training data.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed, parallel_config
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from ..review.adjudication import project_final_labels
from .errors import TooFewLabels, too_few
from .features import Counts, classifier

FOLDS = 5
SEED = 0
CV_THREADS = 2       # folds fitted side by side (scipy's sparse products release the GIL)


@dataclass
class Fitted:
    pipeline: Pipeline
    labels: list[str]       # the classes, in the order of predict_proba's columns
    folds: int
    macro_f1: float         # mean over the folds of each fold's macro-F1
    per_label_f1: dict      # label -> mean over the folds of its F1
    n_labels: int
    seconds: float
    oof_proba: np.ndarray   # n x k out-of-fold probabilities (columns in `labels` order)


def training_data(session, project) -> tuple[list[str], list[str]]:
    """(sentences, final labels) of the project, in reading order."""
    texts, labels, _ids = training_records(session, project)
    return texts, labels


def training_records(session, project) -> tuple[list[str], list[str], list[int]]:
    """(sentences, final labels, sentence ids) of the project, in reading order."""
    texts, labels, ids = [], [], []
    for rec in project_final_labels(session, project):
        texts.append(rec["text"])
        labels.append(rec["label"])
        ids.append(rec["sentence_id"])
    return texts, labels, ids


def check_counts(y: list[str], scheme: list[str]) -> int:
    """The number of folds for these labels; TooFewLabels with the counts where too few."""
    counts = Counter(y)
    why = too_few(counts, scheme)
    if why:
        raise TooFewLabels(why)
    return min(FOLDS, min(counts[label] for label in scheme))


def fold_scores(labels: list[str]):
    """A cross_validate scorer: each fold's macro-F1 and the F1 of every label."""
    def score(estimator, X, y) -> dict:
        per = f1_score(y, estimator.predict(X), labels=labels, average=None, zero_division=0)
        return {"macro_f1": float(np.mean(per)), **{f"f1_{i}": float(v) for i, v in enumerate(per)}}
    return score


def fit(texts: list[str], y: list[str], scheme: list[str], lexicon: dict | None = None,
        seed: int = SEED) -> Fitted:
    """Cross-validate (stratified k-fold, shuffled with `seed`) and fit on all labels.

    The counts step learns nothing, so it runs once for all sentences; what is fitted (the
    TF-IDF weighting and the classifier) is refitted per fold. The scores are those of
    cross_val_score(build_pipeline(lexicon), texts, y, cv=StratifiedKFold(k, shuffle=True,
    random_state=seed), scoring="f1_macro"); tests/test_model.py checks it. The same folds'
    models give every label its out-of-fold probabilities (`oof_proba`, what
    model/suspects.py judges the labels by) at no extra fit."""
    started = time.perf_counter()
    k = check_counts(y, scheme)
    counts = Counts(lexicon)
    X = counts.transform(texts)
    y_arr = np.asarray(y, dtype=object)
    folds = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y_arr))
    # The k fold models and the final one, fitted side by side: k + 1 fits on CV_THREADS
    # threads (the final fit no longer waits for the folds).
    with parallel_config(backend="threading", n_jobs=CV_THREADS):
        fitted = Parallel()(delayed(_fit)(seed, X[rows], y_arr[rows])
                            for rows in [train for train, _ in folds] + [np.arange(len(y))])
    *fold_models, final = fitted
    pipeline = Pipeline([("counts", counts), *final.steps])
    classes = [str(c) for c in pipeline.classes_]
    oof = np.zeros((len(y), len(classes)))
    per_fold = []
    for est, (_, test) in zip(fold_models, folds):
        # every training fold holds every label (k <= the rarest label's count), so each fold
        # model's columns are the final model's
        oof[test] = est.predict_proba(X[test])
        predicted = np.asarray(classes, dtype=object)[oof[test].argmax(axis=1)]
        per_fold.append(f1_score(y_arr[test], predicted, labels=scheme, average=None, zero_division=0))
    per_label = np.mean(per_fold, axis=0)
    return Fitted(pipeline=pipeline, labels=classes, folds=k, oof_proba=oof,
                  macro_f1=float(np.mean([np.mean(f) for f in per_fold])),
                  per_label_f1={label: float(per_label[i]) for i, label in enumerate(scheme)},
                  n_labels=len(y), seconds=time.perf_counter() - started)


def _fit(seed: int, X, y) -> Pipeline:
    return classifier(seed).fit(X, y)
