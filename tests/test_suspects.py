"""Suspected label errors (issue 19 item 3): confident learning on the training's out-of-fold
probabilities, checked by hand and against scikit-learn; planted errors found on the labelled
corpus; the flags stored with the model, in the review queue and as the `suspects` export."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from annotator import export, labelling
from annotator.hints.lexicon import DEFAULT_LEXICON
from annotator.labelling import LabelInput
from annotator.labels import DEFAULT_LABELS, label_ids
from annotator.model import store, training
from annotator.model.features import build_pipeline
from annotator.model.flagged import REASON, latest_flags
from annotator.model.suspects import confident_errors
from annotator.models import Sentence
from annotator.review import adjudication
from annotator.review.queue_filters import FilterError, QueueFilters, parse
from helpers import login
from model_corpus import corpus, flip_random, flip_systematic, labelled_project, precision_at_top

SCHEME = label_ids(DEFAULT_LABELS)


def _by_hand(y, proba, classes):
    """Confident learning written out with plain loops: thresholds, the calibrated confident
    joint, and per flagged label the posterior probability that it is wrong."""
    n, k = proba.shape
    g = [classes.index(label) for label in y]
    thr = [np.mean([proba[i, j] for i in range(n) if g[i] == j]) for j in range(k)]
    joint = [[0.0] * k for _ in range(k)]
    for i in range(n):
        sure = [j for j in range(k) if proba[i, j] >= thr[j] - 1e-6]
        if sure:
            joint[g[i]][max(sure, key=lambda j: proba[i, j])] += 1
    for j in range(k):
        joint[j][j] = max(joint[j][j], 1)
    for i in range(k):
        total, count = sum(joint[i]), g.count(i)
        joint[i] = [c / total * count for c in joint[i]]
    noise = [[joint[i][j] / sum(joint[r][j] for r in range(k)) for j in range(k)] for i in range(k)]
    top = max(thr)
    want = {}
    for i in range(n):
        others = [j for j in range(k) if j != g[i]]
        if proba[i, g[i]] < thr[g[i]] and any(proba[i, j] >= thr[j] for j in others):
            w = [(proba[i, j] - thr[j] + top) * noise[g[i]][j] for j in range(k)]
            want[i] = (1 - w[g[i]] / sum(w), classes[max(others, key=lambda j: w[j])])
    return thr, joint, want


def test_flags_follow_the_rule_by_hand():
    """Per-label threshold = mean self-confidence; flagged where the given label is below its
    threshold and another label is at or above its own; ranked by the probability that the
    given label is wrong (Bayes' rule over the threshold-adjusted probabilities and the noise
    the calibrated confident joint estimates)."""
    rng = np.random.default_rng(3)
    classes = ["a", "b", "c"]
    proba = rng.dirichlet([1, 1, 1], size=80)
    y = [classes[i] for i in rng.integers(0, 3, size=80)]
    found = confident_errors(y, proba, classes)
    thr, joint, want = _by_hand(y, proba, classes)
    assert list(found.thresholds.values()) == pytest.approx(thr)
    assert found.joint == pytest.approx(np.array(joint))
    assert set(found.index.tolist()) == set(want) and len(want) > 5
    assert found.score.tolist() == pytest.approx([want[i][0] for i in found.index])
    assert found.predicted == [want[i][1] for i in found.index]
    assert list(found.score) == sorted(found.score, reverse=True)
    assert all(0 < x <= 1 for x in found.score)


@pytest.mark.parametrize("seed", range(4))
def test_thresholds_and_confident_joint_are_cleanlabs(seed):
    """The reference implementation of confident learning (cleanlab, test-only) computes the
    same per-label thresholds and confident joint, uncalibrated exactly and calibrated up to
    its rounding to whole counts; with the thresholds taken off, its normalised-margin label
    quality puts the labels in the order our prior does."""
    from cleanlab.count import calibrate_confident_joint, compute_confident_joint, get_confident_thresholds

    _texts, y = corpus()
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(y), 300, replace=False)
    labels = [y[i] for i in pick]
    proba = rng.dirichlet([2, 2, 2], size=300) * 0.5
    for row, label in zip(proba, labels):  # the given label somewhat more probable
        row[SCHEME.index(label)] += 0.5
    given = np.asarray([SCHEME.index(label) for label in labels])
    found = confident_errors(labels, proba, SCHEME)
    thr = get_confident_thresholds(given, proba)
    assert list(found.thresholds.values()) == pytest.approx(thr)
    raw = compute_confident_joint(given, proba, calibrate=False)
    calibrated = calibrate_confident_joint(raw, given)
    assert found.joint.sum(axis=1) == pytest.approx(calibrated.sum(axis=1))
    assert np.abs(found.joint - calibrated).max() <= 1.0
    mine = found.joint / found.joint.sum(axis=1, keepdims=True) * raw.sum(axis=1, keepdims=True)
    assert mine == pytest.approx(raw)


def test_out_of_fold_probabilities_are_scikit_learns_own():
    """fit's out-of-fold probabilities are cross_val_predict's for the whole pipeline on the
    training's own folds: no sentence is judged by a model that saw its label."""
    texts, y = corpus()
    texts, y = texts[::3], y[::3]
    fitted = training.fit(texts, y, SCHEME, DEFAULT_LEXICON)
    want = cross_val_predict(build_pipeline(DEFAULT_LEXICON), texts, y, method="predict_proba",
                             cv=StratifiedKFold(fitted.folds, shuffle=True, random_state=training.SEED))
    assert fitted.oof_proba == pytest.approx(want, abs=1e-6)
    assert fitted.oof_proba.sum(axis=1) == pytest.approx(np.ones(len(y)))


@pytest.mark.parametrize("flip", [flip_random, flip_systematic], ids=["random", "systematic"])
def test_planted_errors_lead_the_flags(flip):
    """5% of the corpus's labels flipped (at random, or contested_framing -> neutral_fact):
    on average over five draws at least half of the top 5% flagged are planted errors
    (bench/suspects.py prints each draw: 0.56-0.77 random, 0.49-0.64 systematic)."""
    texts, y = corpus()
    got = []
    for seed in range(5):
        noisy, planted = flip(y, 0.05, seed)
        assert len(planted) == round(0.05 * len(y)) and all(noisy[i] != y[i] for i in planted)
        fitted = training.fit(texts, noisy, SCHEME, DEFAULT_LEXICON)
        found = confident_errors(noisy, fitted.oof_proba, fitted.labels)
        got.append(precision_at_top(found.index, planted, len(y), 0.05))
    assert np.mean(got) >= 0.5, got


@pytest.fixture
def flipped(db, make_user):
    """A project of 240 corpus sentences, one annotator, 12 contested_framing labels changed to
    neutral_fact; returns (project, annotator, {sentence id: true label}, flipped ids)."""
    ann = make_user("ann")
    p, truth = labelled_project(db, ann, n=240)
    contested = [sid for sid, label in truth.items() if label == "contested_framing"]
    changed = contested[::7][:12]
    for sid in changed:
        labelling.save(db, p, db.get(Sentence, sid), ann, LabelInput("neutral_fact"), held_only=False)
    db.commit()
    return p, ann, truth, set(changed)


def test_training_stores_flags_and_the_queue_shows_them(app, db, make_user, flipped):
    p, ann, truth, changed = flipped
    assert adjudication.disagreements(db, p)["total"] == 0  # one annotator: nothing disputed
    assert app.test_cli_runner().invoke(args=["model", "train", "m"]).exit_code == 0
    db.rollback()  # a new read: the training committed in its own session
    flags = latest_flags(db, p)
    assert flags and {f.model_version for f in flags.values()} == {1}
    assert len(changed & set(flags)) >= 3  # planted errors among the flags
    queue = adjudication.disagreements(db, p, per_page=200)
    items = {it["sentence_id"]: it for it in queue["items"]}
    assert set(items) == set(flags) and queue["total"] == len(flags)
    scores = [it["suspect"]["score"] for it in queue["items"]]
    assert scores == sorted(scores, reverse=True)  # all share 1 annotator: most suspect first
    for sid, it in items.items():
        sus = it["suspect"]
        assert it["reasons"] == [REASON]
        assert sus["label"] == it["majority"] and sus["predicted"] != sus["label"]
        assert sum(sus["probabilities"].values()) == pytest.approx(1)
        assert 0 < sus["score"] <= 1  # the probability that the label is wrong
    only = adjudication.disagreements(db, p, per_page=200, filters=QueueFilters(reason="suspect"))
    assert [it["sentence_id"] for it in only["items"]] == [it["sentence_id"] for it in queue["items"]]
    assert adjudication.disagreements(db, p, filters=QueueFilters(reason="disagreement"))["total"] == 0
    # A reviewer's gold label settles a flag: it leaves the open queue.
    first = queue["items"][0]["sentence_id"]
    adjudication.set_gold(db, p, db.get(Sentence, first), make_user("rev", "reviewer"), truth[first])
    db.commit()
    assert first not in {it["sentence_id"] for it in adjudication.disagreements(db, p, per_page=200)["items"]}
    # New labels since the training that change the majority leave a flag out too.
    second = queue["items"][1]["sentence_id"]
    other = next(label for label in SCHEME if label != items[second]["majority"])
    labelling.save(db, p, db.get(Sentence, second), ann, LabelInput(other), held_only=False)
    db.commit()
    assert second not in {it["sentence_id"] for it in adjudication.disagreements(db, p, per_page=200)["items"]}


def test_a_disputed_sentence_keeps_both_reasons(app, db, make_user, flipped):
    p, ann, truth, changed = flipped
    store.train(db, p)
    sid = next(iter(latest_flags(db, p)))
    label = next(label for label in SCHEME if label != latest_flags(db, p)[sid].label
                 and label != latest_flags(db, p)[sid].predicted)
    second = make_user("ann2")
    labelling.save(db, p, db.get(Sentence, sid), second, LabelInput(label), held_only=False)
    db.commit()  # 1-1: a tie, so no majority label for the model's flag to judge
    it = next(i for i in adjudication.disagreements(db, p, per_page=200)["items"] if i["sentence_id"] == sid)
    assert it["reasons"] == ["disagreement"] and it["suspect"] is None


def test_the_page_and_its_twin_show_the_reason(app, db, client, make_user, flipped):
    p, *_ = flipped
    store.train(db, p)
    make_user("rev", "reviewer")
    login(client, "rev")
    twin = client.get("/projects/m/disagreements?format=json&reason=suspect").get_json()
    assert twin["total"] == len(latest_flags(db, p)) and twin["filters"]["reason"] == "suspect"
    assert all(it["reasons"] == [REASON] and it["suspect"] for it in twin["items"])
    html = client.get("/projects/m/disagreements?reason=suspect").get_data(as_text=True)
    assert html.count('class="suspect-note"') == len(twin["items"]) + 1  # + the one-at-a-time view
    r = client.get("/projects/m/disagreements?reason=maybe", headers={"Accept": "application/json"})
    assert r.status_code == 400 and "reason" in r.get_json()["error"]["message"]


def test_the_page_says_what_the_score_means(app, db, client, make_user, flipped):
    """A new model's score is the chance the label is wrong, and the page says so; a model
    trained before that score (migration 0025: no suspect_score) held the margin, and the page
    does not read it as a chance."""
    from sqlalchemy import update

    from annotator.models import ModelVersion

    p, *_ = flipped
    store.train(db, p)
    db.execute(update(ModelVersion).values(suspect_score=None))
    db.commit()
    make_user("rev", "reviewer")
    login(client, "rev")
    twin = client.get("/projects/m/disagreements?format=json&reason=suspect").get_json()
    assert {it["suspect"]["score_kind"] for it in twin["items"]} == {"margin"}
    html = client.get("/projects/m/disagreements?reason=suspect").get_data(as_text=True)
    assert "more plausible than" in html and "most likely instead" not in html
    assert {r["score_kind"] for r in export.records(db, p, "suspects")} == {"margin"}
    store.train(db, p)  # a new version: the new score
    twin = client.get("/projects/m/disagreements?format=json&reason=suspect").get_json()
    first = twin["items"][0]["suspect"]
    assert first["score_kind"] == "posterior" and first["model_version"] == 2
    html = client.get("/projects/m/disagreements?reason=suspect").get_data(as_text=True)
    # rounded half up, as the review script (Math.round) draws it
    assert f"wrong at {math.floor(first['score'] * 100 + 0.5)}%; most likely instead" in html
    # the export says which score it holds too, per model version
    db.rollback()
    assert {r["score_kind"] for r in export.records(db, p, "suspects")} == {"posterior"}


def test_bad_reason_names_the_field():
    assert parse({"reason": ["suspect"]}, SCHEME).reason == "suspect"
    assert parse({}, SCHEME).reason is None
    with pytest.raises(FilterError, match="reason: one of disagreement, suspect"):
        parse({"reason": ["error"]}, SCHEME)


def test_suspects_export(app, db, flipped, tmp_path):
    p, *_ = flipped
    runner = app.test_cli_runner()
    out = tmp_path / "sus.jsonl"
    r = runner.invoke(args=["export", "m", "--kind", "suspects", "-o", str(out)])
    assert r.exit_code == 1 and "needs a model" in r.output and not out.exists()
    assert runner.invoke(args=["model", "train", "m"]).exit_code == 0
    db.rollback()  # a new read: the training committed in its own session
    r = runner.invoke(args=["export", "m", "--kind", "suspects", "-o", str(out)])
    assert r.exit_code == 0, r.output
    df = pd.read_json(out, lines=True)
    assert list(df.columns) == list(export.FIELDS["suspects"])
    flags = latest_flags(db, p)
    assert sorted(df["sentence_id"]) == sorted(flags)
    assert list(df["score"]) == sorted(df["score"], reverse=True)
    for rec in df.to_dict("records"):
        f = flags[rec["sentence_id"]]
        assert (rec["label"], rec["predicted"], rec["model_version"]) == (f.label, f.predicted, 1)
        assert rec["score"] == pytest.approx(f.score) and rec["article_lang"] == "en"
        assert rec["score_kind"] == "posterior"
    csv_out = tmp_path / "sus.csv"
    assert runner.invoke(args=["export", "m", "--kind", "suspects", "-o", str(csv_out)]).exit_code == 0
    table = pd.read_csv(csv_out)
    assert list(table["sentence_id"]) == list(df["sentence_id"])
    assert list(table["predicted"]) == list(df["predicted"])
    # a deleted article's sentences leave the export (as they leave every other view)
    from annotator import deletion
    from annotator.models import Article

    gone = db.get(Article, db.get(Sentence, int(df["sentence_id"][0])).article_id)
    gone_ids = {s.id for s in gone.sentences}
    deletion.delete_article(db, gone)
    db.commit()
    left = {r["sentence_id"] for r in export.records(db, p, "suspects")}
    assert left == set(df["sentence_id"]) - gone_ids and len(left) < len(df)


def test_suspects_export_refused_with_too_few_labels(app, db, make_user, tmp_path):
    p, _ = labelled_project(db, make_user("ann"), n=12)
    out = tmp_path / "sus.jsonl"
    r = app.test_cli_runner().invoke(args=["export", "m", "--kind", "suspects", "-o", str(out)])
    assert r.exit_code == 1 and not out.exists()
    assert "too few final labels" in r.output and "12 (attributed_claim 4" in r.output, r.output
    with pytest.raises(export.ExportRefused, match="too few final labels"):
        export.records(db, p, "suspects")
