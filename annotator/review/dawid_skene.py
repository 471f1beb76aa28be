"""Dawid & Skene (1979): each annotator's confusion matrix and each unit's true label, learnt
together by EM from the labels alone; and the bootstrap intervals of the annotators'
accuracies (numpy only; no Flask, no database).

The model depends on a unit only through its row of labels, so EM runs over the *distinct*
rows, each weighted by how often it occurs. The same engine fits a batch of weightings at
once: the bootstrap's resamples of units are multinomial weights over those rows
(:mod:`.intervals`), refitted together, each warm-started from the full fit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import intervals
from .agreement import MISSING, label_counts

__all__ = ["DSResult", "dawid_skene", "accuracy_intervals", "fit_intervals", "DS_RESAMPLES"]

DS_RESAMPLES = 200  # each resample is a refit, so fewer than the 1,000 of a plain share
MAX_ITER, TOL, SMOOTHING = 100, 1e-6, 0.01
_CHUNK = 2_000_000  # floats per (resamples x labels given x k) array: bounds memory


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


@dataclass(frozen=True)
class _Ratings:
    """The labels of distinct rows as flat arrays, sorted two ways for grouped sums."""

    rows: int
    raters: int
    k: int
    row: np.ndarray        # (Q,) row of each label, ascending
    rater: np.ndarray      # (Q,)
    given: np.ndarray      # (Q,)
    cell: np.ndarray       # (Q,) rater * k + given
    row_by_cell: np.ndarray  # (Q,) the row of each label, in by_cell order
    row_starts: np.ndarray  # where each row's labels begin (every row has one)
    by_cell: np.ndarray    # order of the labels by (rater, given)
    cells: np.ndarray      # the (rater * k + given) cells that occur, ascending
    cell_starts: np.ndarray
    by_rater: np.ndarray   # the raters that occur and where their labels begin in by_cell
    rater_starts: np.ndarray


def _ratings(rows: np.ndarray, k: int) -> _Ratings:
    row, rater = np.nonzero(rows >= 0)
    given = rows[row, rater]
    cell = rater * k + given
    by_cell = np.argsort(cell, kind="stable")
    cells, cell_starts = np.unique(cell[by_cell], return_index=True)
    by_rater, rater_starts = np.unique(rater[by_cell], return_index=True)
    return _Ratings(rows.shape[0], rows.shape[1], k, row, rater, given, cell, row[by_cell],
                    np.flatnonzero(np.r_[True, row[1:] != row[:-1]]), by_cell, cells,
                    cell_starts, by_rater, rater_starts)


def _em(d: _Ratings, W: np.ndarray, T: np.ndarray, max_iter: int, tol: float,
        smoothing: float):
    """EM for a batch of B weightings of the rows: ``W`` (B, rows) weights, ``T`` (B, k, rows)
    starting posteriors (true labels on the middle axis, so that sums over them are sums of
    whole slices). A weighting leaves the batch once its log-likelihood has settled.
    Returns the posteriors, priors, confusion [b, true, rater, given], the iterations of the
    slowest, whether all settled, and the log-likelihoods."""
    B, k, R = W.shape[0], d.k, d.raters
    out_T, out_priors = np.empty((B, k, d.rows)), np.empty((B, k))
    out_conf, out_ll = np.empty((B, k, R, k)), np.empty(B)
    todo = np.arange(B)
    prev = np.full(B, -np.inf)
    it, settled = 0, np.ones(0, dtype=bool)
    for it in range(1, max_iter + 1):
        # M-step: priors and confusion rows from the weighted posteriors (smoothed)
        total = W.sum(axis=1)
        priors = (np.einsum("bp,btp->bt", W, T) + smoothing) / (total[:, None] + k * smoothing)
        rows = d.row_by_cell  # np.take: a gather along one axis, faster than fancy indexing
        X = np.take(W, rows, axis=1)[:, None, :] * np.take(T, rows, axis=2)  # (b, k, labels)
        counts = np.full((len(todo), k, R * k), smoothing)           # [b, true, rater*k+given]
        counts[:, :, d.cells] += np.add.reduceat(X, d.cell_starts, axis=2)
        confusion = counts.reshape(len(todo), k, R, k)
        confusion = confusion / confusion.sum(axis=3, keepdims=True)
        # E-step: posteriors from the priors x each rater's confusion entry for the label given
        logc = np.log(confusion).reshape(len(todo), k, R * k)
        logp = np.log(priors)[:, :, None] + np.add.reduceat(
            np.take(logc, d.cell, axis=2), d.row_starts, axis=2)
        mx = logp.max(axis=1)
        e = np.exp(logp - mx[:, None, :])
        z = e.sum(axis=1)
        T = e / z[:, None, :]
        loglik = (W * (np.log(z) + mx)).sum(axis=1)
        settled = np.abs(loglik - prev) <= tol * np.maximum(1.0, np.abs(loglik))
        done = settled | (it == max_iter)
        out_T[todo[done]], out_priors[todo[done]] = T[done], priors[done]
        out_conf[todo[done]], out_ll[todo[done]] = confusion[done], loglik[done]
        if done.all():
            break
        keep = ~done
        todo, W, T, prev = todo[keep], W[keep], T[keep], loglik[keep]
    return out_T, out_priors, out_conf, it, bool(settled.all()), out_ll


def _accuracy(d: _Ratings, W: np.ndarray, T: np.ndarray) -> np.ndarray:
    """(B, raters): each rater's weighted mean posterior of the labels they gave; NaN for a
    rater with no weight."""
    w = W[:, d.row]
    hit = (w * T[:, d.given, d.row])[:, d.by_cell]
    w = w[:, d.by_cell]
    num = np.zeros((W.shape[0], d.raters))
    den = np.zeros((W.shape[0], d.raters))
    num[:, d.by_rater] = np.add.reduceat(hit, d.rater_starts, axis=1)
    den[:, d.by_rater] = np.add.reduceat(w, d.rater_starts, axis=1)
    out = np.full(den.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def dawid_skene(
    M, k: int, max_iter: int = MAX_ITER, tol: float = TOL, smoothing: float = SMOOTHING
) -> DSResult:
    """Dawid & Skene (1979) EM over per-annotator confusion matrices.

    Starts from the soft majority vote (each unit's label shares), then alternates the M-step
    (priors and confusion rows from the posteriors, with ``smoothing`` pseudo-counts so that no
    probability is exactly zero) and the E-step (posteriors from priors x the product of each
    rater's confusion entries). Stops when the log-likelihood changes by less than
    ``tol * max(1, |loglik|)``. Runs over the distinct rows of labels, weighted by their counts.
    """
    C = label_counts(M, k)
    M = np.asarray(M)
    k = int(k)
    n_units, n_raters = M.shape
    rated = C.sum(axis=1) > 0
    if not rated.any():
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
    rows, counts, _, inverse = intervals.patterns(M[rated])
    d = _ratings(rows, k)
    Cr = label_counts(rows, k)
    W = counts[None, :].astype(np.float64)
    T, priors, confusion, it, converged, loglik = _em(
        d, W, (Cr / Cr.sum(axis=1, keepdims=True)).T[None], max_iter, tol, smoothing)
    posteriors = np.tile(priors[0], (n_units, 1))
    posteriors[rated] = T[0].T[inverse]
    labels = np.full(n_units, MISSING, dtype=np.int64)
    labels[rated] = posteriors[rated].argmax(axis=1)
    return DSResult(
        labels=labels,
        posteriors=posteriors,
        confusion=confusion[0].transpose(1, 0, 2),
        accuracy=_accuracy(d, W, T)[0],
        priors=priors[0],
        iterations=it,
        converged=converged,
        log_likelihood=float(loglik[0]),
    )


def accuracy_intervals(M, k: int, fit: DSResult, resamples: int = DS_RESAMPLES,
                       seed: int = intervals.SEED) -> list[tuple[float, float] | None]:
    """Each rater's 95% percentile-bootstrap interval of Dawid–Skene accuracy over units
    (fit_intervals)."""
    return fit_intervals(M, k, fit, resamples, seed)[0]


def fit_intervals(M, k: int, fit: DSResult, resamples: int = DS_RESAMPLES,
                  seed: int = intervals.SEED) -> tuple[list, np.ndarray]:
    """95% percentile-bootstrap intervals over units of each rater's Dawid–Skene accuracy and
    of each cell of their confusion matrix: (accuracy intervals, one per rater, None where
    undefined; confusion intervals (raters, k, k, 2), NaN where undefined).

    A resample draws the units with replacement and refits the model on them; the rater's
    figures there are one bootstrap estimate (a rater with no unit in a resample has none).
    Every refit starts from ``fit``'s posteriors: a warm start, so that EM settles in few
    iterations and the true labels keep their order instead of switching places.
    """
    M = np.asarray(M)
    k = int(k)
    rated = (M >= 0).any(axis=1)
    empty = np.full((M.shape[1], k, k, 2), np.nan)
    if resamples <= 0 or not rated.any():
        return [None] * M.shape[1], empty
    rows, counts, first, _ = intervals.patterns(M[rated])
    d = _ratings(rows, k)
    start = fit.posteriors[rated][first].T
    weights = intervals.resample_weights(counts, resamples, seed).astype(np.float64)
    per_chunk = max(1, _CHUNK // max(1, d.row.size * k))
    accuracy, confusion = [], []
    for lo in range(0, resamples, per_chunk):
        W = weights[lo:lo + per_chunk]
        T, _, conf, *_ = _em(d, W, np.broadcast_to(start, (W.shape[0], *start.shape)),
                             MAX_ITER, TOL, SMOOTHING)
        acc = _accuracy(d, W, T)
        # A rater absent from a resample has only the smoothing there: no estimate.
        present = np.zeros_like(acc, dtype=bool)
        present[:, d.by_rater] = np.add.reduceat(W[:, d.row_by_cell], d.rater_starts, axis=1) > 0
        conf = conf.transpose(0, 2, 1, 3).copy()  # [b, rater, true, given]
        conf[~present] = np.nan
        accuracy.append(acc)
        confusion.append(conf)
    acc, conf = np.concatenate(accuracy), np.concatenate(confusion)
    out = empty.copy()
    for r in range(M.shape[1]):
        for t in range(k):
            for g in range(k):
                ci = intervals.percentile_interval(conf[:, r, t, g])
                if ci is not None:
                    out[r, t, g] = ci
    return [intervals.percentile_interval(acc[:, r]) for r in range(M.shape[1])], out
