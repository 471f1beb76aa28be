"""The headline alpha interval resamples whole articles (issue 20 item 6)."""
from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from sqlalchemy import select

from annotator import assign, ingest, labelling
from annotator.articles import add_articles
from annotator.labelling import LabelInput
from annotator.models import Sentence
from annotator.review import agreement as ag
from annotator.review.matrix import label_matrix
from annotator.review.stats import project_stats

K, R, PER_ARTICLE = 3, 3, 10


def simulate(rng, articles: int):
    """Units nested in articles with article-level effects: each article has its own mix of
    labels (its topic) and its own difficulty (how often annotators see the true label);
    otherwise an annotator picks a label at random."""
    prevalence = rng.dirichlet([0.7] * K, size=articles)
    accuracy = rng.beta(4, 2, size=articles)
    truth = np.concatenate([rng.choice(K, size=PER_ARTICLE, p=p) for p in prevalence])
    follows = rng.random((articles * PER_ARTICLE, R)) < np.repeat(accuracy, PER_ARTICLE)[:, None]
    M = np.where(follows, truth[:, None], rng.integers(0, K, size=(articles * PER_ARTICLE, R)))
    return M, np.repeat(np.arange(articles), PER_ARTICLE)


def test_the_article_interval_covers_the_true_alpha_at_its_nominal_rate():
    """200 replications of 40 articles: the cluster bootstrap covers the population alpha
    (from 1,000,000 units of the same process) in 93-97% of them; the bootstrap over units,
    treating sentences as independent, falls well short."""
    big, _ = simulate(np.random.default_rng(1), 100_000)
    true = ag.krippendorff_alpha(big, K)
    rng = np.random.default_rng(7)
    over_articles = over_units = 0
    for rep in range(200):
        M, articles = simulate(rng, 40)
        lo, hi = ag.alpha_cluster_bootstrap_ci(M, K, articles, n=1000, seed=rep)
        over_articles += lo <= true <= hi
        lo, hi = ag.alpha_bootstrap_ci(M, K, n=1000, seed=rep)
        over_units += lo <= true <= hi
    assert 0.93 <= over_articles / 200 <= 0.97
    assert over_units / 200 < 0.88


def test_statistics_put_the_article_interval_first_and_the_unit_interval_beside():
    M, articles = simulate(np.random.default_rng(3), 30)
    labels = ["a", "b", "c"]
    records = [(u, f"r{r}", labels[M[u, r]]) for u in range(len(M)) for r in range(R)]
    s = ag.statistics(records, labels, clusters={u: f"article-{articles[u]}" for u in range(len(M))})
    assert s["krippendorff_alpha_ci95_over"] == "articles"
    assert s["krippendorff_alpha_ci95"] == list(ag.alpha_cluster_bootstrap_ci(M, K, articles))
    assert s["krippendorff_alpha_ci95_units"] == list(ag.alpha_bootstrap_ci(M, K))
    assert s["krippendorff_alpha"] == pytest.approx(krippendorff.alpha(
        reliability_data=M.T.astype(float), level_of_measurement="nominal"))
    lo_a, hi_a = s["krippendorff_alpha_ci95"]
    lo_u, hi_u = s["krippendorff_alpha_ci95_units"]
    assert lo_a <= s["krippendorff_alpha"] <= hi_a and hi_a - lo_a > hi_u - lo_u
    plain = ag.statistics(records, labels)
    assert plain["krippendorff_alpha_ci95_over"] == "units"
    assert plain["krippendorff_alpha_ci95"] == plain["krippendorff_alpha_ci95_units"]


def test_one_article_falls_back_to_the_units_interval():
    M, _ = simulate(np.random.default_rng(4), 1)
    labels = ["a", "b", "c"]
    records = [(u, f"r{r}", labels[M[u, r]]) for u in range(len(M)) for r in range(R)]
    s = ag.statistics(records, labels, clusters=dict.fromkeys(range(len(M)), 1))
    assert s["krippendorff_alpha_ci95_over"] == "units"
    assert s["krippendorff_alpha_ci95"] == s["krippendorff_alpha_ci95_units"] is not None
    assert ag.alpha_cluster_bootstrap_ci(M, K, np.ones(len(M))) is None



def test_the_project_statistics_resample_its_articles(db, project, make_user):
    more = "\n\n".join(f"Article {i}\n\nThe minister said the talks failed. Troops liberated "
                        f"the town of Dren. The bridge is 12 km long." for i in range(3))
    add_articles(db, project, ingest.parse_file("more.md", more.encode()), "more.md")
    people = [make_user(n) for n in ("a", "b", "c")]
    for i, u in enumerate(people):
        n = 0
        while (s := assign.next_sentence(db, project, u)) is not None:
            lab = ("attributed_claim", "contested_framing", "neutral_fact")[(n + (i and n % 2)) % 3]
            labelling.save(db, project, s, u, LabelInput(lab), held_only=False)
            n += 1
    stats = project_stats(db, project)
    lm = label_matrix(db, project)
    article_of = dict(db.execute(select(Sentence.id, Sentence.article_id)).all())
    articles = [article_of[int(sid)] for sid in lm.sentence_ids]
    assert len(set(articles)) >= 2
    assert stats["krippendorff_alpha_ci95_over"] == "articles"
    assert stats["krippendorff_alpha_ci95"] == list(
        ag.alpha_cluster_bootstrap_ci(lm.M, len(lm.labels), articles))
    assert stats["krippendorff_alpha_ci95_units"] == list(ag.alpha_bootstrap_ci(lm.M, len(lm.labels)))
