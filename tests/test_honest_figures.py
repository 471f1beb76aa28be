"""Honest per-annotator figures (issue 17, item 4): every figure that ranks annotators comes
with n, a 95% bootstrap interval over items and a too-few-to-judge mark below the project's
minimum; annotators of equal accuracy get overlapping intervals, different ones do not."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import scipy.stats
from sqlalchemy import select

from annotator import controls, ingest, projects, users
from annotator.articles import add_articles
from annotator.export.dataset_card import dataset_card
from annotator.models import Annotation, Sentence
from annotator.review import agreement, intervals
from annotator.review.dawid_skene import accuracy_intervals, dawid_skene
from annotator.review.stats import annotator_accuracy, project_stats
from helpers import form_values, login

LABELS = ["attributed_claim", "contested_framing", "neutral_fact"]


def simulate(accuracies, n, seed, k=3):
    """n items with a true label; each annotator labels every item, right with its accuracy,
    else one of the other labels at random."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    right = rng.random((n, len(accuracies))) < np.asarray(accuracies)
    wrong = (truth[:, None] + rng.integers(1, k, (n, len(accuracies)))) % k
    return np.where(right, truth[:, None], wrong)


def overlap(a, b) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


# ------------------------------------------------------------------------- the interval itself


@pytest.mark.parametrize("n,hits", [(30, 25), (60, 48), (200, 120), (45, 45)])
def test_interval_of_a_share_matches_scipy_bootstrap(n, hits):
    values = np.r_[np.ones(hits), np.zeros(n - hits)]
    f = intervals.figure(values, min_items=30)
    assert f.value == pytest.approx(hits / n) and f.n == n
    ref = scipy.stats.bootstrap((values,), np.mean, method="percentile", n_resamples=1000,
                                confidence_level=0.95, random_state=np.random.default_rng(3))
    # Both are Monte Carlo estimates of the same percentiles (1,000 resamples each): they
    # agree to within a step of 1/n plus the sampling noise of a 2.5% tail.
    step = 1 / n
    assert f.ci95[0] == pytest.approx(ref.confidence_interval.low, abs=2 * step + 0.01)
    assert f.ci95[1] == pytest.approx(ref.confidence_interval.high, abs=2 * step + 0.01)
    # Resampling a share is Binomial(n, share) / n: with many resamples the interval is its
    # 2.5% and 97.5% quantiles, computed by hand.
    many = intervals.figure(values, min_items=30, resamples=100_000)
    exact = scipy.stats.binom.ppf([0.025, 0.975], n, hits / n) / n
    assert many.ci95 == pytest.approx(tuple(exact), abs=step)


def test_interval_of_a_mean_of_any_values_matches_scipy():
    values = np.random.default_rng(5).gamma(2.0, 3.0, 80).round(1)
    f = intervals.figure(values, resamples=20_000)
    ref = scipy.stats.bootstrap((values,), np.mean, method="percentile", n_resamples=20_000,
                                random_state=np.random.default_rng(4)).confidence_interval
    assert f.value == pytest.approx(values.mean())
    assert f.ci95 == pytest.approx((ref.low, ref.high), abs=0.05)
    assert f.ci95[0] < f.value < f.ci95[1]


def test_the_interval_is_repeatable_and_narrows_with_more_items():
    small = intervals.figure(np.r_[np.ones(24), np.zeros(6)])
    assert intervals.figure(np.r_[np.ones(24), np.zeros(6)]) == small  # fixed seed
    large = intervals.figure(np.r_[np.ones(800), np.zeros(200)])
    assert small.value == large.value == 0.8
    assert large.ci95[1] - large.ci95[0] < (small.ci95[1] - small.ci95[0]) / 3


def test_too_few_at_the_boundary_and_the_text():
    assert intervals.figure(np.ones(29), min_items=30).too_few
    assert not intervals.figure(np.ones(30), min_items=30).too_few
    none = intervals.figure([], min_items=30)
    assert (none.value, none.n, none.ci95, none.too_few) == (None, 0, None, True)
    f = intervals.judged(0.897, 30, (0.7412, 0.9671), 30)
    assert f.fields("accuracy") == {"accuracy": 0.897, "accuracy_n": 30,
                                    "accuracy_ci95": [0.7412, 0.9671], "accuracy_too_few": False}
    assert intervals.describe_field(f.fields("accuracy"), "accuracy") == \
        "89.7% (n=30, 95% CI 74–97%)"
    few = intervals.judged(0.7, 12, (0.45, 0.88), 30)
    assert intervals.describe_field(few.fields("x"), "x") == \
        "70.0% (n=12, 95% CI 45–88%; too few to judge)"


# -------------------------------------------------------------------- Dawid–Skene with intervals


def test_dawid_skene_bootstrap_refit_equals_a_fit_on_the_resampled_units():
    """One resample of the batched, warm-started refits gives the accuracy a plain fit on that
    resample's units gives (the units drawn as the resample's weights say)."""
    M = simulate([0.9, 0.75, 0.6], 150, seed=8)
    fit = dawid_skene(M, 3)
    rows, counts, _, _ = intervals.patterns(M)
    weights = intervals.resample_weights(counts, 1, intervals.SEED)[0]
    plain = dawid_skene(np.repeat(rows, weights, axis=0), 3)
    got = accuracy_intervals(M, 3, fit, resamples=1)
    for r in range(3):
        assert got[r][0] == got[r][1] == pytest.approx(plain.accuracy[r], abs=1e-3)


def test_the_motivating_case_thirty_sentences_is_not_a_ranking():
    """Two annotators equally good on 30 sentences: the point estimates differ, the intervals
    say they cannot be told apart."""
    for seed in range(5):
        M = simulate([0.83, 0.83, 0.83], 30, seed=100 + seed)
        fit = dawid_skene(M, 3)
        cis = accuracy_intervals(M, 3, fit)
        for (lo, hi), acc in zip(cis, fit.accuracy):
            assert lo <= acc <= hi and hi - lo > 0.1
        assert all(overlap(a, b) for a, b in itertools.combinations(cis, 2))


SEEDS = range(100)


def test_equal_accuracy_annotators_overlap_in_at_least_95_percent_of_seeds():
    """Three annotators of equal true accuracy (0.8) on 60 items, 100 seeds: for every pair,
    the 95% intervals of agreement with the majority and of Dawid–Skene accuracy overlap in at
    least 95% of the seeds."""
    pairs = list(itertools.combinations(range(3), 2))
    agree_overlaps = {p: 0 for p in pairs}
    ds_overlaps = {p: 0 for p in pairs}
    for seed in SEEDS:
        M = simulate([0.8, 0.8, 0.8], 60, seed)
        stats = agreement.matrix_statistics(M, LABELS)
        agree = [a["agreement_with_majority_ci95"] for a in stats["annotator_stats"]]
        ds = accuracy_intervals(M, 3, dawid_skene(M, 3))
        for i, j in pairs:
            agree_overlaps[(i, j)] += overlap(agree[i], agree[j])
            ds_overlaps[(i, j)] += overlap(ds[i], ds[j])
    for p in pairs:
        assert agree_overlaps[p] >= 0.95 * len(SEEDS), (p, agree_overlaps)
        assert ds_overlaps[p] >= 0.95 * len(SEEDS), (p, ds_overlaps)


def test_very_different_accuracies_on_many_items_do_not_overlap():
    """The same check can fail: 0.95 against 0.55 on 600 items is told apart in every seed."""
    for seed in range(10):
        M = simulate([0.95, 0.8, 0.55], 600, seed)
        stats = agreement.matrix_statistics(M, LABELS)
        agree = [a["agreement_with_majority_ci95"] for a in stats["annotator_stats"]]
        ds = accuracy_intervals(M, 3, dawid_skene(M, 3))
        assert not overlap(agree[0], agree[2])
        assert not overlap(ds[0], ds[2])


# ----------------------------------------------------------------------- the project setting


def test_the_setting_is_validated(client, db, make_user):
    assert projects.settings(projects.create_project(db, "plain"))["min_items_per_annotator"] == 30
    assert projects.validate_settings({"min_items_per_annotator": 5}, [])["min_items_per_annotator"] == 5
    for bad in (0, -3, 100_001, 2.5, True, "30", None, 10 ** 400):
        with pytest.raises(projects.ProjectError, match="settings.min_items_per_annotator"):
            projects.validate_settings({"min_items_per_annotator": bad}, [])
    db.rollback()
    make_user("boss", "admin")
    token = login(client, "boss")
    values = form_values(client, "/admin/projects/new", "project-form")
    values.update({"slug": "p2", "name": "x", "settings-min_items_per_annotator": "0"})
    resp = client.post("/admin/projects/new", data=values, follow_redirects=True)
    assert resp.status_code in (200, 400)
    assert "settings.min_items_per_annotator: a whole number" in resp.get_data(as_text=True)
    values["settings-min_items_per_annotator"] = "12"
    resp = client.post("/admin/projects/new", data=values)
    assert resp.status_code == 302
    db.expire_all()
    p = projects.by_slug(db, "p2")
    assert projects.settings(p)["min_items_per_annotator"] == 12
    # the edit page has it as a field of its own, where the other settings are
    html = client.get("/admin/projects/p2/edit").get_data(as_text=True)
    assert 'id="settings-min_items_per_annotator"' in html


# ------------------------------------------------------------ through the API, the CLI and pages


MINIMUM = 5


@pytest.fixture
def rated(db, project, make_user):
    """Ten body sentences; ann1 and ann2 label them all, ann3 four of them (one fewer than the
    project's minimum of 5), ann4 five (exactly the minimum). Everyone agrees, except that ann2
    gives a different label on two sentences."""
    text = "\n\n".join(f"Officials counted {i + 7} boats in the harbour on day {i + 1}."
                       for i in range(6))
    add_articles(db, project, ingest.parse_file(
        "x.jsonl", json.dumps({"title": "More", "text": text}).encode()), "x.jsonl")
    project.settings = {"min_items_per_annotator": MINIMUM}
    db.commit()
    sents = list(db.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                                   Sentence.kind == "body")
                            .order_by(Sentence.article_id, Sentence.position)))
    assert len(sents) == 10
    who = {name: make_user(name) for name in ("ann1", "ann2", "ann3", "ann4")}
    plan = {"ann1": 10, "ann2": 10, "ann3": 4, "ann4": 5}
    for name, count in plan.items():
        for i, s in enumerate(sents[:count]):
            label = LABELS[i % 3]
            if name == "ann2" and i in (7, 8):
                label = LABELS[(i + 1) % 3]
            db.add(Annotation(sentence_id=s.id, user_id=who[name].id, project_id=project.id,
                              label=label))
    db.commit()
    return who


def test_stats_api_and_cli_carry_n_interval_and_too_few(app, client, db, project, rated,
                                                        make_user):
    stats = project_stats(db, project)
    by = {a["annotator"]: a for a in stats["annotator_stats"]}
    # ann3's four sentences all have a unique majority of the others: n = 4, below 5
    assert by["ann3"]["agreement_with_majority_n"] == 4 and by["ann3"]["agreement_with_majority_too_few"]
    assert by["ann4"]["agreement_with_majority_n"] == 5
    assert not by["ann4"]["agreement_with_majority_too_few"]
    for a in by.values():
        # the DESIGN.md contract fields are still there, with the same meaning
        assert {"annotator", "annotations", "agreement_with_majority", "label_distribution",
                "median_seconds"} <= set(a)
        lo, hi = a["agreement_with_majority_ci95"]
        assert 0 <= lo <= a["agreement_with_majority"] <= hi <= 1
    # ann2 disagrees on 2 of 10: the interval is the bootstrap of its 0/1 agreements
    assert by["ann2"]["agreement_with_majority"] == pytest.approx(0.8)
    assert by["ann2"]["agreement_with_majority_ci95"] == list(
        intervals.figure(np.r_[np.ones(8), np.zeros(2)]).ci95)

    _, token = users.create_token(db, make_user("rev", "reviewer"), "t")
    db.commit()
    api = client.get(f"/api/v1/projects/{project.slug}/stats",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json() == stats
    runner = app.test_cli_runner()
    cli = runner.invoke(args=["stats", project.slug, "--json"])
    assert cli.exit_code == 0 and json.loads(cli.output) == stats
    table = runner.invoke(args=["stats", project.slug]).output
    assert "80.0% (n=10, 95% CI" in table
    assert "(n=4, 95% CI 100–100%; too few to judge)" in table

    # the minimum is the project's: at 4, ann3 is judged too
    project.settings = {"min_items_per_annotator": 4}
    db.commit()
    again = {a["annotator"]: a for a in project_stats(db, project)["annotator_stats"]}
    assert not again["ann3"]["agreement_with_majority_too_few"]


def test_dawid_skene_accuracy_has_n_interval_and_too_few(db, project, rated):
    est = {a["annotator"]: a for a in annotator_accuracy(db, project)["annotators"]}
    assert est["ann3"]["accuracy_n"] == 4 and est["ann3"]["accuracy_too_few"]
    assert est["ann4"]["accuracy_n"] == 5 and not est["ann4"]["accuracy_too_few"]

    for a in est.values():
        lo, hi = a["accuracy_ci95"]
        assert 0 <= lo <= hi <= 1 and a["accuracy_n"] == a["annotations"]


def test_dashboard_shows_n_intervals_and_marks_too_few(client, db, project, rated, make_user):
    make_user("rev", "reviewer")
    login(client, "rev")
    data = client.get(f"/projects/{project.slug}/review?format=json").get_json()
    assert data["settings"]["min_items_per_annotator"] == MINIMUM
    html = client.get(f"/projects/{project.slug}/review").get_data(as_text=True)
    for a in data["stats"]["annotator_stats"]:
        assert intervals.describe(a["agreement_with_majority"], a["agreement_with_majority_n"],
                                  a["agreement_with_majority_ci95"]) in html
    for a in data["dawid_skene"]["annotators"]:
        assert {"accuracy_ci95", "accuracy_n", "accuracy_too_few"} <= set(a)
        assert intervals.describe(a["accuracy"], a["accuracy_n"], a["accuracy_ci95"]) in html
    # ann3's two figures are marked in the table, and drawn as too few in both charts
    table = html[html.index('id="annotators-caption">Per annotator'):]
    row = table[table.index('<th scope="row">ann3</th>'):]
    row = row[:row.index("</tr>")]
    assert row.count("too few to judge") == 2
    assert 'id="agreement-intervals"' in html and 'id="accuracy-intervals"' in html
    assert html.count('class="ci-dot too-few"') == 2  # ann3 in each chart, nobody else
    assert "n=4, too few to judge" in html


def test_progress_page_shows_control_accuracy_with_interval(client, db, project, rated, make_user):
    s = db.scalars(select(Sentence).where(Sentence.project_id == project.id,
                                          Sentence.kind == "body")
                   .order_by(Sentence.article_id, Sentence.position)).first()
    controls.set_control(db, project, s, "attributed_claim")
    make_user("boss", "admin")
    login(client, "boss")
    data = client.get(f"/admin/projects/{project.slug}/progress?format=json").get_json()
    ann1 = [r for r in data["annotators"] if r["annotator"] == "ann1"][0]
    assert ann1["control_accuracy_n"] == ann1["control_answered"] == 1
    assert ann1["control_accuracy_too_few"] and ann1["control_accuracy_ci95"] == [1.0, 1.0]
    html = client.get(f"/admin/projects/{project.slug}/progress").get_data(as_text=True)
    assert "100.0% (n=1, 95% CI 100–100%)" in html and "too few to judge" in html


def test_dataset_card_shows_n_interval_and_too_few(db, project, rated):
    card = dataset_card(db, project, "annotations", "x.jsonl")
    stats = project_stats(db, project)
    for a in stats["annotator_stats"]:
        assert f"| {a['annotator']} | {a['annotations']} | " \
            f"{intervals.describe_field(a, 'agreement_with_majority')} |" in card
    assert "too few to judge" in card and f"minimum of {MINIMUM}" in card


def test_the_command_line_gives_the_accuracies_and_kappa_intervals(app, db, project, rated):
    """`annotator stats --accuracy` adds the Dawid–Skene accuracies as the dashboard gives them
    (JSON and table, with n, interval and the too-few mark), and each pair's kappa comes with
    its interval and mark."""
    runner = app.test_cli_runner()
    out = runner.invoke(args=["stats", project.slug, "--json", "--accuracy"])
    assert out.exit_code == 0, out.output
    got = json.loads(out.output)
    assert got["dawid_skene"] == json.loads(json.dumps(annotator_accuracy(db, project)))
    table = runner.invoke(args=["stats", project.slug, "--accuracy"]).output
    for e in got["dawid_skene"]["annotators"]:
        assert f"{e['annotator']:<20} {intervals.describe_field(e, 'accuracy')}" in table
    pairs = {(p["a"], p["b"]): p for p in got["cohen_kappa"]}
    assert pairs[("ann1", "ann3")]["n"] == 4 and pairs[("ann1", "ann3")]["kappa_too_few"]
    assert "too few to judge" in table.split("pair")[-1]
