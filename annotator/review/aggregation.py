"""Final labels from several annotators: majority vote with a threshold, Dawid–Skene EM, and
the spans most annotators agree on.

Pure numpy over the units x raters matrix of :mod:`annotator.review.agreement` (label indices
``0 .. k-1``, :data:`~annotator.review.agreement.MISSING` for no rating), or plain lists of one
sentence's labels and spans. No Flask, no database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .agreement import MISSING, label_counts

__all__ = ["MISSING", "DSResult", "majority", "dawid_skene", "majority_of", "agreed_spans"]


def majority(M, k: int, threshold: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Majority label per unit and the share of its annotators agreeing with it.

    The label is the unit's unique most frequent label ("strict": a tie for first place gives
    no label) provided its share of the unit's ratings is at least ``threshold``; otherwise
    :data:`MISSING`. The share (top count / ratings) is returned for every unit with a rating,
    tied or not, so it can order a disagreement queue; it is NaN for a unit without ratings.
    """
    C = label_counts(M, k)
    m = C.sum(axis=1)
    top = C.max(axis=1) if C.shape[0] else np.zeros(0, dtype=np.int64)
    unique = (C == top[:, None]).sum(axis=1) == 1
    share = np.full(C.shape[0], np.nan)
    rated = m > 0
    share[rated] = top[rated] / m[rated]
    ok = rated & unique & (share >= threshold)
    labels = np.where(ok, C.argmax(axis=1) if C.shape[0] else 0, MISSING).astype(np.int64)
    return labels, share


@dataclass(frozen=True)
class DSResult:
    """Dawid–Skene estimates.

    labels:      (units,) most probable true label, MISSING for a unit without ratings
    posteriors:  (units, k) P(true label | ratings); the priors for a unit without ratings
    confusion:   (raters, k, k) P(given label = column | true label = row)
    accuracy:    (raters,) expected share of the rater's own labels that are correct
                 (mean posterior of the label they gave); NaN for a rater without ratings
    priors:      (k,) estimated share of each true label
    iterations:  EM iterations run
    converged:   whether the log-likelihood settled within ``tol`` before ``max_iter``
    log_likelihood: of the ratings under the final estimates
    """

    labels: np.ndarray
    posteriors: np.ndarray
    confusion: np.ndarray
    accuracy: np.ndarray
    priors: np.ndarray
    iterations: int
    converged: bool = False
    log_likelihood: float = float("nan")


def dawid_skene(
    M, k: int, max_iter: int = 100, tol: float = 1e-6, smoothing: float = 0.01
) -> DSResult:
    """Dawid & Skene (1979) EM over per-annotator confusion matrices.

    Starts from the soft majority vote (each unit's label shares), then alternates the M-step
    (priors and confusion rows from the posteriors, with ``smoothing`` pseudo-counts so that no
    probability is exactly zero) and the E-step (posteriors from priors x the product of each
    rater's confusion entries). Stops when the log-likelihood changes by less than
    ``tol * max(1, |loglik|)``. Vectorised over units; loops only over raters.
    """
    C = label_counts(M, k)
    M = np.asarray(M)
    k = int(k)
    n_units, n_raters = M.shape
    m = C.sum(axis=1)
    rated = m > 0
    Mr = M[rated]
    nr = Mr.shape[0]
    if nr == 0:
        priors = np.full(k, 1.0 / k)
        return DSResult(
            labels=np.full(n_units, MISSING, dtype=np.int64),
            posteriors=np.tile(priors, (n_units, 1)),
            confusion=np.tile(np.eye(k), (n_raters, 1, 1)),
            accuracy=np.full(n_raters, np.nan),
            priors=priors,
            iterations=0,
            converged=True,
            log_likelihood=0.0,
        )
    T = C[rated] / m[rated][:, None]
    valid = [Mr[:, r] >= 0 for r in range(n_raters)]
    cols = [Mr[:, r] for r in range(n_raters)]
    confusion = np.empty((n_raters, k, k))
    prev = -np.inf
    loglik = -np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        # M-step
        priors = (T.sum(axis=0) + smoothing) / (nr + k * smoothing)
        for r in range(n_raters):
            v = valid[r]
            counts = np.zeros((k, k))
            if v.any():
                onehot = np.zeros((int(v.sum()), k))
                onehot[np.arange(onehot.shape[0]), cols[r][v]] = 1.0
                counts = T[v].T @ onehot
            counts += smoothing
            confusion[r] = counts / counts.sum(axis=1, keepdims=True)
        # E-step
        logp = np.tile(np.log(priors), (nr, 1))
        for r in range(n_raters):
            # a zero column appended at index k: MISSING (-1) picks it, adding nothing
            L = np.concatenate([np.log(confusion[r]), np.zeros((k, 1))], axis=1)
            logp += L[:, cols[r]].T
        mx = logp.max(axis=1, keepdims=True)
        e = np.exp(logp - mx)
        z = e.sum(axis=1, keepdims=True)
        T = e / z
        loglik = float((np.log(z[:, 0]) + mx[:, 0]).sum())
        if abs(loglik - prev) <= tol * max(1.0, abs(loglik)):
            converged = True
            break
        prev = loglik

    posteriors = np.tile(priors, (n_units, 1))
    posteriors[rated] = T
    labels = np.full(n_units, MISSING, dtype=np.int64)
    labels[rated] = T.argmax(axis=1)
    accuracy = np.full(n_raters, np.nan)
    for r in range(n_raters):
        v = valid[r]
        if v.any():
            accuracy[r] = float(T[v, cols[r][v]].mean())
    return DSResult(
        labels=labels,
        posteriors=posteriors,
        confusion=confusion,
        accuracy=accuracy,
        priors=priors,
        iterations=it,
        converged=converged,
        log_likelihood=loglik,
    )


def majority_of(labels: list[str]) -> tuple[str | None, float | None]:
    """The strict plurality label and the share of annotators giving it; (None, None) on a tie,
    since no label is the majority for anyone to agree with."""
    if not labels:
        return None, None
    (top, n), *rest = Counter(labels).most_common()
    if rest and rest[0][1] == n:
        return None, None
    return top, n / len(labels)


def agreed_spans(span_lists: list[list[dict]]) -> list[dict]:
    """Spans given by at least half of the annotators (all of them when only one)."""
    if not span_lists:
        return []
    need = (len(span_lists) + 1) // 2
    counts = Counter()
    for spans in span_lists:
        counts.update({(s["start"], s["end"], s["label"], s.get("voice")) for s in spans})
    return [{"start": a, "end": b, "label": l, **({"voice": v} if v else {})}
            for (a, b, l, v), n in sorted(counts.items()) if n >= need]
