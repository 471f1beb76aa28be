"""Queue orders from the project model (issue 19 item 2): margin sampling, and margin with a
diversity term that keeps near-duplicates apart."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from annotator.model.ordering import ORDERS, margins, model_features, rank
from annotator.model.features import build_pipeline


def test_every_order_is_a_permutation_and_reading_is_the_identity():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet([1, 1, 1], size=50)
    feats = sparse.csr_matrix(rng.random((50, 8)))
    for order in ORDERS:
        pos = rank(order, 50, proba, feats)
        assert sorted(pos) == list(range(50))
    assert list(rank("reading", 50)) == list(range(50))
    assert list(rank("random", 50, seed=1)) == list(rank("random", 50, seed=1))
    assert list(rank("random", 50, seed=1)) != list(rank("random", 50, seed=2))
    with pytest.raises(ValueError, match="order"):
        rank("alphabetical", 3)
    with pytest.raises(ValueError, match="probabilities"):
        rank("uncertainty", 3)


def test_uncertainty_puts_the_smallest_margin_first():
    proba = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.5, 0.5, 0.0], [0.7, 0.2, 0.1]])
    assert margins(proba) == pytest.approx([0.85, 0.05, 0.0, 0.5])
    pos = rank("uncertainty", 4, proba)
    assert list(np.argsort(pos)) == [2, 1, 3, 0]


def test_diversity_keeps_near_duplicates_apart():
    """Three copies of one uncertain sentence and three different, slightly less uncertain
    sentences: margin alone takes the three copies first; with the diversity term the first
    picks are one copy and the three others."""
    texts = ["The ministry said the village was liberated after the provocations.",
             "The ministry said the village was liberated after the provocations on Monday.",
             "The ministry said on Monday the village was liberated after the provocations.",
             "Prices of bread rose by 14% in March.",
             "Rebels shelled the so-called security zone overnight.",
             "The court will rule on the appeal next week."]
    proba = np.array([[0.34, 0.33, 0.33]] * 3 + [[0.4, 0.3, 0.3]] * 3)
    pipe = build_pipeline().fit(texts * 2, ["attributed_claim", "contested_framing", "neutral_fact",
                                            "neutral_fact", "contested_framing", "neutral_fact"] * 2)
    feats = model_features(pipe, texts)
    plain = np.argsort(rank("uncertainty", 6, proba))
    assert set(plain[:3]) == {0, 1, 2}
    diverse = np.argsort(rank("uncertainty_diversity", 6, proba, feats, head=4))
    assert len(set(diverse[:4]) & {0, 1, 2}) == 1 and set(diverse[:4]) >= {3, 4, 5}
    norms = np.sqrt(np.asarray(feats.multiply(feats).sum(axis=1))).ravel()
    assert norms == pytest.approx(np.ones(6))
