"""Suspected label errors: final labels the model finds implausible (no Flask import).

Confident learning (Northcutt, Jiang and Chuang, "Confident learning: estimating uncertainty in
dataset labels", JAIR 2021) on out-of-fold probabilities: every final label is judged by the
project model's pipeline fitted on the other folds (training.fit's own stratified folds, seed
and fold models: the probabilities come with every training at no extra fit), so no sentence is
judged by a model that saw its label. Per label j the threshold t_j is the mean probability of j
over the sentences labelled j (its mean self-confidence). A sentence labelled i is suspect where
p_i < t_i and some other label j has p_j >= t_j.

Score: the probability that the given label is wrong, under the noise the labels show. The
calibrated confident joint (the paper's section 3) estimates how often each true label was
given as each other, P(given i | true j); the probabilities, with each label's threshold taken
off (cleanlab's adjust_pred_probs, so that a label the model is always less sure of is not
always suspect) are the prior over the true label; Bayes' rule gives
P(true != i | given i, x). Where the errors run one way (one annotator who misses loaded
words: framing given as neutral), that way weighs more; where they are spread out, the score
ranks as the margin does. `predicted` is the most probable true label other than the given one.

cleanlab (the reference implementation, a test-only dependency: tests/test_suspects.py checks
the thresholds and the confident joint against it) is not used here because it would bring
pandas and more for these few array operations, and the posterior score is not one of its own.

The training job stores the flags with the model version (store.save); the review queue and the
`suspects` export read them (model/flagged.py). This module imports no scikit-learn.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..labels import label_ids
from ..models import Article, Project, Sentence
from ..review.adjudication import project_final_labels
from .errors import too_few
from .flagged import latest_flags, latest_version


@dataclass
class Suspects:
    index: np.ndarray        # positions in the input, most suspect first
    predicted: list[str]     # per flagged position (in `index` order): the most probable other label
    score: np.ndarray        # P(the given label is wrong), per flagged position
    self_confidence: np.ndarray  # p(given label), per flagged position
    proba: np.ndarray        # n x k out-of-fold probabilities, columns in `classes` order
    classes: list[str]
    thresholds: dict         # label -> mean self-confidence
    joint: np.ndarray        # k x k calibrated confident joint, [given, true]


def confident_joint(given: np.ndarray, proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The calibrated confident joint, [given, true] counts: each label is counted at the label
    the model is confident of (at or above its threshold; of several, the most probable), at
    least one per diagonal cell, each row then scaled to its given label's count."""
    n, k = proba.shape
    above = proba >= thresholds - 1e-6  # cleanlab's tolerance, so the two count alike
    several = above.sum(axis=1) > 1
    true = np.where(several, proba.argmax(axis=1), above.argmax(axis=1))
    seen = above.any(axis=1)
    joint = np.zeros((k, k))
    np.add.at(joint, (given[seen], true[seen]), 1)
    joint[np.diag_indices(k)] = np.maximum(joint.diagonal(), 1)
    counts = np.bincount(given, minlength=k)
    return joint / joint.sum(axis=1, keepdims=True) * counts[:, None]


def confident_errors(y: list[str], proba: np.ndarray, classes: list[str]) -> Suspects:
    """The confident-learning flags of labels `y` given their out-of-fold `proba`."""
    col = {c: j for j, c in enumerate(classes)}
    given = np.asarray([col[label] for label in y], dtype=np.int64)
    n, k = proba.shape
    rows = np.arange(n)
    thresholds = np.array([proba[given == j, j].mean() if (given == j).any() else 1.0
                           for j in range(k)])
    self_conf = proba[rows, given]
    others = proba.copy()
    others[rows, given] = -1.0  # never above a threshold
    flagged = (self_conf < thresholds[given]) & (others >= thresholds).any(axis=1)
    joint = confident_joint(given, proba, thresholds)
    totals = joint.sum(axis=0, keepdims=True)
    channel = np.divide(joint, totals, out=np.zeros_like(joint), where=totals > 0)  # P(given | true)
    prior = proba - thresholds + thresholds.max()  # >= 0: every t_j <= max t
    weight = prior * channel[given]  # n x k, proportional to P(true = j, given | x)
    total = weight.sum(axis=1)
    right = np.divide(weight[rows, given], total, out=np.ones(n), where=total > 0)
    score = 1.0 - right
    weight[rows, given] = -1.0
    idx = np.flatnonzero(flagged)
    idx = idx[np.lexsort((idx, -score[idx]))]  # ties: input order
    return Suspects(index=idx, predicted=[classes[int(j)] for j in weight[idx].argmax(axis=1)],
                    score=score[idx], self_confidence=self_conf[idx], proba=proba,
                    classes=list(classes), joint=joint,
                    thresholds={c: float(thresholds[j]) for j, c in enumerate(classes)})


def rows_of(found: Suspects, sentence_ids: list[int], y: list[str]) -> list[dict]:
    """The flags as model_suspects rows (without the model version)."""
    return [{"sentence_id": int(sentence_ids[i]), "label": y[i], "predicted": pred,
             "score": float(score),
             "probabilities": {c: float(p) for c, p in zip(found.classes, found.proba[i])}}
            for i, pred, score in zip(found.index.tolist(), found.predicted, found.score)]


def unavailable(session: Session, project: Project) -> str | None:
    """Why the `suspects` export has nothing to give yet (too few final labels, or no model
    trained), or None."""
    if latest_version(session, project) is not None:
        return None
    scheme = label_ids(project.labels)
    why = too_few(Counter(r["label"] for r in project_final_labels(session, project)), scheme)
    if why:
        return f"kind suspects needs a model, and there are {why}"
    return (f"kind suspects needs a model and project {project.slug} has none yet: train one "
            f"(`annotator model train {project.slug}`, or Train model on the admin project page)")


def iter_suspects(session: Session, project: Project) -> Iterator[dict]:
    """The `suspects` export: one record per flagged final label of the newest model, most
    suspect first: sentence_id, label (given), predicted, score (P(label wrong)), score_kind
    (flagged.POSTERIOR, or "margin" for an older model), model_version, article_lang."""
    flags = latest_flags(session, project)
    langs = {sid: lang for sid, lang in session.execute(
        select(Sentence.id, Article.lang).join(Article, Article.id == Sentence.article_id)
        .where(Sentence.id.in_(list(flags))))} if flags else {}
    for sid, f in sorted(flags.items(), key=lambda kv: (-kv[1].score, kv[0])):
        yield {"sentence_id": sid, "label": f.label, "predicted": f.predicted, "score": f.score,
               "score_kind": f.score_kind, "model_version": f.model_version, "article_lang": langs.get(sid)}
