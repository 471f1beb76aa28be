"""Final-label aggregation: majority vote with threshold, Dawid–Skene EM."""

from __future__ import annotations

import contextlib
import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.review.aggregation import DSResult, dawid_skene, majority
from annotator.review.agreement import MISSING


@contextlib.contextmanager
def strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield


# --------------------------------------------------------------------------------------- majority


def test_majority_threshold_and_ties():
    M = np.array(
        [
            [0, 0, 1],  # 2/3 for 0
            [0, 1, MISSING],  # tie
            [2, 2, 2],  # unanimous
            [MISSING, MISSING, MISSING],  # unrated
            [1, MISSING, MISSING],  # single rating: 1/1
            [0, 1, 2],  # three-way tie
        ]
    )
    with strict():
        labels, share = majority(M, 3)
    assert labels.tolist() == [0, MISSING, 2, MISSING, 1, MISSING]
    np.testing.assert_allclose(share[[0, 1, 2, 4, 5]], [2 / 3, 1 / 2, 1, 1, 1 / 3])
    assert np.isnan(share[3])
    with strict():
        labels, _ = majority(M, 3, threshold=0.7)
    assert labels.tolist() == [MISSING, MISSING, 2, MISSING, 1, MISSING]
    with strict():
        labels, _ = majority(M, 3, threshold=2 / 3)  # reaching the threshold is enough
    assert labels.tolist()[0] == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 8),
    st.integers(2, 5),
    st.integers(0, 60),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 0.5, 0.6, 0.75, 1.0]),
)
def test_majority_matches_naive(R, k, N, seed, threshold):
    rng = np.random.default_rng(seed)
    M = rng.integers(0, k, (N, R))
    M[rng.random((N, R)) < 0.3] = MISSING
    with strict():
        labels, share = majority(M, k, threshold)
    for u, row in enumerate(M):
        counts = Counter(int(v) for v in row if v != MISSING).most_common()
        if not counts:
            assert labels[u] == MISSING and np.isnan(share[u])
            continue
        top = counts[0][1] / sum(c for _, c in counts)
        assert share[u] == pytest.approx(top)
        tied = len(counts) > 1 and counts[1][1] == counts[0][1]
        expected = MISSING if tied or top < threshold else counts[0][0]
        assert labels[u] == expected


def test_majority_empty():
    with strict():
        labels, share = majority(np.zeros((0, 3), dtype=int), 3)
    assert labels.shape == (0,) and share.shape == (0,)


# ----------------------------------------------------------------------------------- Dawid–Skene


def simulate(accuracies, k, n, missing, seed, priors=None):
    """Items with a true label; each annotator is right with its accuracy, else uniformly wrong."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(k, size=n, p=priors)
    R = len(accuracies)
    right = rng.random((n, R)) < np.asarray(accuracies)
    wrong = (truth[:, None] + rng.integers(1, k, (n, R))) % k
    M = np.where(right, truth[:, None], wrong)
    M[rng.random((n, R)) < missing] = MISSING
    return M, truth


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dawid_skene_recovers_known_accuracies(seed):
    acc = [0.95, 0.85, 0.7, 0.6, 0.55]
    M, truth = simulate(acc, 3, 2000, 0.2, seed)
    with strict():
        res = dawid_skene(M, 3)
    assert isinstance(res, DSResult)
    assert res.converged and res.iterations < 100
    np.testing.assert_allclose(res.accuracy, acc, atol=0.05)
    # the estimated confusion diagonals too
    for r, a in enumerate(acc):
        np.testing.assert_allclose(np.diag(res.confusion[r]), a, atol=0.07)
    np.testing.assert_allclose(res.priors, 1 / 3, atol=0.04)
    rated = (M != MISSING).any(axis=1)
    ds_acc = np.mean(res.labels[rated] == truth[rated])
    mv, _ = majority(M, 3)
    mv_acc = np.mean(mv[rated] == truth[rated])  # ties count as wrong
    assert ds_acc >= mv_acc
    assert res.posteriors.shape == (2000, 3)
    np.testing.assert_allclose(res.posteriors.sum(axis=1), 1.0)


def test_dawid_skene_skewed_priors_and_unrated_units():
    acc = [0.9, 0.8, 0.75]
    M, truth = simulate(acc, 4, 2000, 0.3, 11, priors=[0.6, 0.2, 0.15, 0.05])
    M[:10] = MISSING
    with strict():
        res = dawid_skene(M, 4)
    np.testing.assert_allclose(res.accuracy, acc, atol=0.05)
    np.testing.assert_allclose(res.priors, [0.6, 0.2, 0.15, 0.05], atol=0.04)
    assert (res.labels[:10] == MISSING).all()
    np.testing.assert_allclose(res.posteriors[:10], np.tile(res.priors, (10, 1)))


def test_dawid_skene_degenerate():
    with strict():
        empty = dawid_skene(np.zeros((0, 2), dtype=int), 3)
        unrated = dawid_skene(np.full((4, 2), MISSING), 3)
        same = dawid_skene(np.zeros((5, 3), dtype=int), 2)
        one = dawid_skene(np.array([[1], [0], [MISSING]]), 2)
    assert empty.labels.shape == (0,) and empty.iterations == 0
    assert (unrated.labels == MISSING).all() and np.isnan(unrated.accuracy).all()
    assert (same.labels == 0).all()
    assert one.labels.tolist() == [1, 0, MISSING]
    for res in (same, one):
        assert np.isfinite(res.posteriors).all() and np.isfinite(res.confusion).all()


def test_dawid_skene_rejects_bad_labels():
    with pytest.raises(ValueError):
        dawid_skene(np.array([[0, 5]]), 3)
