"""Per-annotator confusion matrices with intervals (issue 20 item 6): against the reviewers'
gold labels (Wilson intervals, checked against statsmodels) and from Dawid–Skene (bootstrap
refits)."""
from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select
from statsmodels.stats.proportion import proportion_confint

from annotator import assign, labelling
from annotator.labelling import LabelInput
from annotator.models import Sentence
from annotator.review.adjudication import set_gold
from annotator.review.dawid_skene import dawid_skene, fit_intervals
from annotator.review.intervals import wilson
from annotator.review.stats import annotator_accuracy


@pytest.mark.parametrize("x,n", [(0, 1), (0, 10), (3, 10), (10, 10), (37, 120), (1, 3)])
def test_wilson_matches_statsmodels(x, n):
    assert wilson(x, n) == pytest.approx(proportion_confint(x, n, alpha=0.05, method="wilson"))


def test_confusion_against_gold_counts_each_annotators_labels_on_gold_sentences(db, project, make_user):
    a, b, rev = make_user("a"), make_user("b"), make_user("rev", "reviewer")
    body = list(db.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                                  Sentence.kind == "body").order_by(Sentence.position)))
    plan = {"a": ["attributed_claim", "contested_framing", "neutral_fact", "neutral_fact"],
            "b": ["attributed_claim", "neutral_fact", "neutral_fact", "attributed_claim"]}
    for u in (a, b):
        for s, lab in zip(body, plan[u.username]):
            labelling.save(db, project, s, u, LabelInput(lab), held_only=False)
    gold = ["attributed_claim", "contested_framing", "neutral_fact"]  # the fourth has none
    for s, lab in zip(body, gold):
        set_gold(db, project, s, rev, lab)
    est = {e["annotator"]: e for e in annotator_accuracy(db, project)["annotators"]}
    ga, gb = est["a"]["against_gold"], est["b"]["against_gold"]
    assert ga["n"] == gb["n"] == 3
    assert ga["counts"]["contested_framing"] == {"attributed_claim": 0, "contested_framing": 1,
                                                 "neutral_fact": 0}
    assert gb["counts"]["contested_framing"]["neutral_fact"] == 1
    assert gb["share"]["contested_framing"]["neutral_fact"] == 1.0
    assert gb["ci95"]["contested_framing"]["neutral_fact"] == pytest.approx(
        list(proportion_confint(1, 1, method="wilson")))
    assert ga["share"]["attributed_claim"]["attributed_claim"] == 1.0
    ds = est["a"]
    for t, row in ds["confusion_ci95"].items():
        for g, ci in row.items():
            if ci is not None:
                assert ci[0] <= ci[1]


def test_dawid_skene_confusion_intervals_cover_the_planted_matrix():
    """Three annotators with known confusion matrices on 600 items: each cell's 95% interval
    from bootstrap refits holds the planted value for nearly every cell."""
    rng = np.random.default_rng(11)
    k, n = 3, 600
    truth = rng.choice(k, size=n, p=[0.5, 0.3, 0.2])
    planted = np.array([[[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]],
                        [[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]],
                        [[0.7, 0.2, 0.1], [0.05, 0.9, 0.05], [0.15, 0.15, 0.7]]])
    M = np.stack([[rng.choice(k, p=planted[r, t]) for t in truth] for r in range(3)], axis=1)
    fit = dawid_skene(M, k)
    acc, conf = fit_intervals(M, k, fit)
    assert conf.shape == (3, k, k, 2)
    inside = (conf[..., 0] <= planted) & (planted <= conf[..., 1])
    assert inside.mean() >= 0.85
    assert all(lo <= a <= hi for (lo, hi), a in zip(acc, fit.accuracy))
    # An annotator with no label has no interval, not one made of the smoothing alone.
    M2 = np.column_stack([M, np.full(n, -1)])
    acc2, conf2 = fit_intervals(M2, k, dawid_skene(M2, k), resamples=20)
    assert acc2[3] is None and np.isnan(conf2[3]).all()
