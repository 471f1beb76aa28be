"""The project model as a rater (issue 19 item 4): alpha with the model as an extra rater
against the `krippendorff` package, per-label F1 against gold against scikit-learn's
f1_score, the calibration bins against scikit-learn's calibration_curve; the predictions are
the ones stored with the model (out-of-fold where it was trained on the sentence)."""
from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import f1_score
from sqlalchemy import func, select

from annotator import ingest, labelling, projects
from annotator.articles import add_articles
from annotator.labelling import LabelInput
from annotator.model import store
from annotator.models import (Adjudication, ControlItem, ModelPrediction, ModelVersion, Sentence)
from annotator.review import figures
from annotator.review.model_rater import calibration, model_vs_humans
from annotator.review.stats import project_stats
from model_corpus import labelled_project

LABELS = ["attributed_claim", "contested_framing", "neutral_fact"]


def _setup(db, make_user, n=90, seed=5):
    rng = np.random.default_rng(seed)
    p = projects.create_project(db, "r", "R", overlap=3)
    db.commit()
    text = "Title\n\n" + " ".join(f"Sentence number {i} was written." for i in range(n))
    add_articles(db, p, ingest.parse_file("a.txt", text.encode()), "a.txt")
    sids = db.scalars(select(Sentence.id).where(Sentence.project_id == p.id, Sentence.kind == "body")
                      .order_by(Sentence.position)).all()
    truth = {s: LABELS[int(rng.integers(3))] for s in sids}
    people = [make_user(f"h{i}") for i in range(3)]
    reviewer = make_user("rev", "reviewer")
    controls = set(sids[:15])
    for s in sids[:15]:
        db.add(ControlItem(sentence_id=s, project_id=p.id, label=truth[s], explanation=""))
    gold = set(sids[10:55])  # five of them control items too
    for s in gold:
        db.add(Adjudication(sentence_id=s, project_id=p.id, reviewer_id=reviewer.id, label=truth[s]))
    db.commit()
    labels = {}
    for u in people:
        for s in sids:
            if rng.random() < 0.2:
                continue  # missing ratings
            lab = truth[s] if rng.random() < 0.7 else LABELS[int(rng.integers(3))]
            labelling.save(db, p, db.get(Sentence, s), u, LabelInput(lab), held_only=False)
            labels[(s, u.username)] = lab
    mv = ModelVersion(project_id=p.id, version=1, n_labels=0, label_count=0, folds=2, macro_f1=0.5,
                      per_label_f1={}, labels=LABELS, seconds=0.0, pipeline=b"", predictions_ready=True)
    db.add(mv)
    db.flush()
    probs = {}
    for s in sids:
        alpha = [4.0 if l == truth[s] else 1.0 for l in LABELS]
        pr = rng.dirichlet(alpha)
        probs[s] = pr
        db.add(ModelPrediction(model_version_id=mv.id, project_id=p.id, sentence_id=s,
                               label=LABELS[int(pr.argmax())],
                               probabilities=dict(zip(LABELS, pr.tolist())),
                               out_of_fold=s in gold))
    db.commit()
    return p, sids, truth, labels, probs, controls, gold


def test_model_as_rater_against_independent_implementations(db, make_user):
    p, sids, truth, labels, probs, controls, gold = _setup(db, make_user)
    out = model_vs_humans(db, p)
    assert out["model_version"] == 1
    counted = [s for s in sids if s not in controls and any((s, f"h{i}") in labels for i in range(3))]
    idx = {l: i for i, l in enumerate(LABELS)}
    humans = np.array([[idx[labels[(s, f"h{i}")]] if (s, f"h{i}") in labels else np.nan
                        for s in counted] for i in range(3)])
    model_row = np.array([[probs[s].argmax() for s in counted]], dtype=float)
    want_h = krippendorff.alpha(reliability_data=humans, level_of_measurement="nominal")
    want_m = krippendorff.alpha(reliability_data=np.vstack([humans, model_row]),
                                level_of_measurement="nominal")
    assert out["alpha_humans"] == pytest.approx(want_h, abs=1e-9)
    assert out["alpha_with_model"] == pytest.approx(want_m, abs=1e-9)
    assert out["units"] == len(counted)

    g = sorted(gold)
    y_true = [truth[s] for s in g]
    y_pred = [LABELS[int(probs[s].argmax())] for s in g]
    per = f1_score(y_true, y_pred, labels=LABELS, average=None, zero_division=0)
    vs = out["vs_gold"]
    assert [vs["per_label"][l]["f1"] for l in LABELS] == pytest.approx(per.tolist())
    assert vs["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, labels=LABELS, average="macro",
                                                    zero_division=0))
    assert vs["n"] == len(gold) and vs["n_out_of_fold"] == len(gold)

    known = sorted(gold | controls)
    conf = np.array([probs[s].max() for s in known])
    correct = np.array([LABELS[int(probs[s].argmax())] == truth[s] for s in known])
    prob_true, prob_pred = calibration_curve(correct, conf, n_bins=10, strategy="uniform")
    cal = out["calibration"]
    filled = [b for b in cal["bins"] if b["n"]]
    assert [b["accuracy"] for b in filled] == pytest.approx(prob_true.tolist())
    assert [b["confidence"] for b in filled] == pytest.approx(prob_pred.tolist())
    counts, _ = np.histogram(conf, bins=np.linspace(0, 1, 11))
    assert [b["n"] for b in cal["bins"]] == counts.tolist()
    ece = sum(abs(a - c) * n for a, c, n in zip(prob_true, prob_pred, counts[counts > 0])) / len(known)
    assert cal["ece"] == pytest.approx(ece)
    assert (cal["n"], cal["n_gold"], cal["n_control"]) == (len(known), len(gold), len(controls - gold))
    # in the statistics contract (API, `annotator stats --json`, the dashboard)
    assert project_stats(db, p)["model"] == out


def test_calibration_by_hand():
    cal = calibration([0.05, 0.1, 0.15, 0.95, 1.0, 0.55], [0, 1, 1, 1, 0, 1], bins=10)
    assert [b["n"] for b in cal["bins"]] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]  # 0.1 in (0, 0.1]
    assert cal["bins"][9]["accuracy"] == 0.5 and cal["bins"][9]["confidence"] == pytest.approx(0.975)
    want = (2 * abs(0.5 - 0.075) + abs(1 - 0.15) + abs(1 - 0.55) + 2 * abs(0.5 - 0.975)) / 6
    assert cal["ece"] == pytest.approx(want)
    assert calibration([], [])["ece"] is None


def test_no_model_yet(db, project):
    assert model_vs_humans(db, project) == {"model_version": None, "reason": "no model trained yet"}


def test_reliability_diagram_draws_every_bin(db, make_user):
    p, *_ = _setup(db, make_user, n=60)
    cal = model_vs_humans(db, p)["calibration"]
    fig = figures.reliability_diagram(cal)
    assert fig["id"] == "calibration"
    bars = [s for s in fig["shapes"] if s["el"] == "rect" and "bar" in s["cls"]]
    assert len(bars) == sum(1 for b in cal["bins"] if b["n"])
    assert [r[0] for r in fig["table"]["rows"]] == [f"{b['from']:.1f}–{b['to']:.1f}" for b in cal["bins"]]
    assert f"ECE {cal['ece']:.3f}" in fig["desc"]


def test_training_stores_out_of_fold_predictions(db, make_user):
    """Every body sentence gets the newest model's prediction; the ones trained on keep their
    out-of-fold probabilities, the rest the final model's; an older version's rows go."""
    ann = make_user("ann")
    p, given = labelled_project(db, ann, n=150)
    extra = "Extra\n\nThe council said the budget passed. Critics called it a disgrace."
    add_articles(db, p, ingest.parse_file("e.txt", extra.encode()), "e.txt")
    store.train(db, p)
    store.train(db, p)
    rows = db.scalars(select(ModelPrediction)).all()
    body = db.scalar(select(func.count()).select_from(Sentence)
                     .where(Sentence.project_id == p.id, Sentence.kind == "body"))
    newest = db.scalar(select(ModelVersion.id).where(ModelVersion.version == 2))
    assert len(rows) == body and {r.model_version_id for r in rows} == {newest}
    trained = {r.sentence_id: r for r in rows if r.sentence_id in given}
    assert len(trained) == len(given) and all(r.out_of_fold for r in trained.values())
    assert sum(not r.out_of_fold for r in rows) == body - len(given) > 0
    for r in rows:
        assert r.label == max(r.probabilities, key=r.probabilities.get)
        assert sum(r.probabilities.values()) == pytest.approx(1, abs=1e-4)
    _version, pipeline = store.latest(db, p)
    fresh = [r for r in rows if not r.out_of_fold]
    want = pipeline.predict_proba([db.get(Sentence, r.sentence_id).text for r in fresh])
    classes = [str(c) for c in pipeline.classes_]
    got = np.array([[r.probabilities[c] for c in classes] for r in fresh])
    assert got == pytest.approx(want, abs=1e-6)


def test_dashboard_twin_and_cli_show_model_and_anchoring(app, client, db, make_user):
    import json as _json

    from helpers import login

    p, *_ = _setup(db, make_user, n=60)
    p.settings = {**(p.settings or {}), "assist": "suggestion", "assist_share": 0.5}
    db.commit()
    login(client, "rev")
    twin = client.get("/projects/r/review?format=json").get_json()
    assert twin["stats"]["model"] == model_vs_humans(db, p)
    assert set(twin["stats"]["anchoring"]["arms"]) == {"none", "hints", "suggestion"}
    html = client.get("/projects/r/review").get_data(as_text=True)
    assert 'id="calibration"' in html and "Assistance and anchoring" in html
    assert "<script" not in html.split('id="calibration"')[1].split("</figure>")[0]
    api = client.get("/api/v1/projects/r/stats").get_json()
    assert api["model"]["vs_gold"] == twin["stats"]["model"]["vs_gold"]
    out = app.test_cli_runner().invoke(args=["stats", "r", "--json"])
    assert out.exit_code == 0, out.output
    cli = _json.loads(out.output)
    assert cli["model"]["calibration"] == twin["stats"]["model"]["calibration"]
    assert cli["anchoring"]["arms"]["hints"]["n"] == twin["stats"]["anchoring"]["arms"]["hints"]["n"]
    text = app.test_cli_runner().invoke(args=["stats", "r"])
    assert "alpha with the model as a rater" in text.output and "ECE" in text.output


def test_readers_keep_the_ready_version_until_the_next_is_whole(db, make_user):
    """A version whose predictions are still being written (not ready) is not read: the
    suggestion and the figures stay on the last ready version."""
    from annotator import assist
    from annotator.model.store import store_predictions

    p, sids, truth, labels, probs, controls, gold = _setup(db, make_user, n=30)
    before = assist.suggestions(db, p.id, sids)
    mv2 = ModelVersion(project_id=p.id, version=2, n_labels=0, label_count=0, folds=2,
                       macro_f1=0.5, per_label_f1={}, labels=LABELS, seconds=0.0, pipeline=b"")
    db.add(mv2)
    db.flush()
    db.add(ModelPrediction(model_version_id=mv2.id, project_id=p.id, sentence_id=sids[0],
                           label="neutral_fact", probabilities={l: 1 / 3 for l in LABELS},
                           out_of_fold=False))
    db.commit()
    assert assist.suggestions(db, p.id, sids) == before
    assert model_vs_humans(db, p)["model_version"] == 1
    store_predictions(db, p, mv2.id, [{"sentence_id": s, "label": "contested_framing",
                                       "probabilities": {l: 1 / 3 for l in LABELS},
                                       "out_of_fold": False} for s in sids[1:]])
    after = assist.suggestions(db, p.id, sids)
    assert after == {s: ("neutral_fact" if s == sids[0] else "contested_framing") for s in sids}
    assert model_vs_humans(db, p)["model_version"] == 2
    assert db.scalar(select(func.count()).select_from(ModelPrediction)) == len(sids)  # v1's gone


def test_dashboard_follows_a_version_once_its_predictions_are_ready(client, db, make_user):
    from annotator.model.store import store_predictions
    from helpers import login

    p, sids, *_ = _setup(db, make_user, n=30)
    login(client, "rev")
    assert client.get("/projects/r/review?format=json").get_json()["stats"]["model"]["model_version"] == 1
    mv2 = ModelVersion(project_id=p.id, version=2, n_labels=0, label_count=0, folds=2,
                       macro_f1=0.5, per_label_f1={}, labels=LABELS, seconds=0.0, pipeline=b"")
    db.add(mv2)
    db.commit()
    assert client.get("/projects/r/review?format=json").get_json()["stats"]["model"]["model_version"] == 1
    store_predictions(db, p, mv2.id, [{"sentence_id": s, "label": "neutral_fact",
                                       "probabilities": {l: 1 / 3 for l in LABELS},
                                       "out_of_fold": False} for s in sids])
    assert client.get("/projects/r/review?format=json").get_json()["stats"]["model"]["model_version"] == 2
