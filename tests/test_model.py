"""The project model (annotator.model): training from final labels, its cross-validated scores
against scikit-learn's own, versions, the CLI lines and the predictions export."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import StratifiedKFold, cross_val_score

from annotator import export, projects
from annotator.hints.lexicon import DEFAULT_LEXICON
from annotator.labels import DEFAULT_LABELS, label_ids
from annotator.model import store, training
from annotator.model.features import build_pipeline
from annotator.review.adjudication import project_final_labels
from model_corpus import corpus, labelled_project

SCHEME = label_ids(DEFAULT_LABELS)
LINE = re.compile(r"^model v(\d+) for m: (\d+) labels, macro-F1 (\d\.\d\d) \((\d)-fold\)$")


def test_the_corpus_has_every_label_well_represented():
    texts, labels = corpus()
    assert len(texts) >= 600 and len(set(texts)) == len(texts)
    counts = {label: labels.count(label) for label in SCHEME}
    assert min(counts.values()) >= len(texts) // 4, counts  # about a third each


def test_cross_validated_scores_are_scikit_learns_own():
    """macro-F1 and per-label F1 are those cross_val_score gives for the whole pipeline (texts
    in) on the same stratified folds."""
    texts, y = corpus()
    fitted = training.fit(texts, y, SCHEME, DEFAULT_LEXICON)
    assert fitted.folds == 5 and fitted.n_labels == len(y)
    cv = StratifiedKFold(5, shuffle=True, random_state=training.SEED)
    expected = cross_val_score(build_pipeline(DEFAULT_LEXICON), texts, y, cv=cv, scoring="f1_macro")
    assert fitted.macro_f1 == pytest.approx(expected.mean(), abs=1e-9)
    for label in SCHEME:
        one = make_scorer(f1_score, labels=[label], average="macro")
        want = cross_val_score(build_pipeline(DEFAULT_LEXICON), texts, y, cv=cv, scoring=one)
        assert fitted.per_label_f1[label] == pytest.approx(want.mean(), abs=1e-9), label
    # It learns the guidelines' three voices from 190 sentences well above chance (1/3).
    assert fitted.macro_f1 > 0.7
    proba = fitted.pipeline.predict_proba(texts[:5])
    assert proba.shape == (5, 3) and np.allclose(proba.sum(axis=1), 1)
    assert list(fitted.pipeline.classes_) == sorted(SCHEME)


def test_too_few_labels_is_a_clear_error():
    texts, y = corpus()
    with pytest.raises(training.TooFewLabels, match="at least 20 in all"):
        training.fit(texts[:10], y[:10], SCHEME)
    few = [t for t, l in zip(texts, y) if l != "neutral_fact"] + [texts[-1]]
    labels = [l for l in y if l != "neutral_fact"] + ["neutral_fact"]
    with pytest.raises(training.TooFewLabels, match="neutral_fact 1"):
        training.fit(few, labels, SCHEME)


def test_train_and_status_from_the_cli(app, db, make_user):
    p, truth = labelled_project(db, make_user("ann"))
    runner = app.test_cli_runner()
    r = runner.invoke(args=["model", "status", "m"])
    assert r.exit_code == 0 and r.output.strip() == "no model for m yet"
    r = runner.invoke(args=["model", "train", "m"])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    version, n, f1, folds = LINE.match(lines[0]).groups()
    finals = list(project_final_labels(db, p))
    assert (version, int(n), folds) == ("1", len(finals), "5") and len(finals) == len(truth)
    v1 = store.versions(db, p)[0]
    assert f1 == f"{v1['macro_f1']:.2f}" and set(v1["per_label_f1"]) == set(SCHEME)
    r = runner.invoke(args=["model", "train", "m"])
    assert LINE.match(r.output.strip()).group(1) == "2"
    status = runner.invoke(args=["model", "status", "m"]).output.strip().splitlines()
    assert [line.split(":")[0] for line in status] == ["model v2 for m", "model v1 for m"]
    for line in status:
        assert re.fullmatch(r"model v\d for m: \d+ labels, macro-F1 \d\.\d\d \(5-fold\), "
                            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, \d+\.\d s; F1 attributed_claim "
                            r"\d\.\d\d  contested_framing \d\.\d\d  neutral_fact \d\.\d\d", line), line


def test_too_few_labels_from_the_cli_exits_non_zero_without_a_traceback(app, db, make_user):
    labelled_project(db, make_user("ann"), n=12)
    r = app.test_cli_runner().invoke(args=["model", "train", "m"])
    assert r.exit_code == 1
    assert "too few final labels to train a model: 12" in r.output and "Traceback" not in r.output


def test_gold_labels_win_and_control_items_stay_out(app, db, make_user):
    """The training set is the final labels: a reviewer's gold over the annotator's label,
    and control items (left out of every final label) left out here too."""
    from annotator import controls
    from annotator.models import Sentence
    from annotator.review.adjudication import set_gold

    p, truth = labelled_project(db, make_user("ann"))
    sids = list(truth)
    set_gold(db, p, db.get(Sentence, sids[0]), make_user("rev", "reviewer"), "neutral_fact")
    controls.set_control(db, p, db.get(Sentence, sids[1]), truth[sids[1]], "")
    db.commit()
    texts, y = training.training_data(db, p)
    assert len(texts) == len(truth) - 1
    assert y[0] == "neutral_fact" and db.get(Sentence, sids[1]).text not in texts


def test_predictions_export(app, db, make_user, tmp_path):
    p, truth = labelled_project(db, make_user("ann"))
    runner = app.test_cli_runner()
    out = tmp_path / "pred.jsonl"
    r = runner.invoke(args=["export", "m", "--kind", "predictions", "-o", str(out)])
    assert r.exit_code == 1 and "needs a model" in r.output and not out.exists()
    assert runner.invoke(args=["model", "train", "m"]).exit_code == 0
    r = runner.invoke(args=["export", "m", "--kind", "predictions", "-o", str(out)])
    assert r.exit_code == 0, r.output
    df = pd.read_json(out, lines=True)
    assert list(df.columns) == list(export.FIELDS["predictions"])
    assert sorted(df["sentence_id"]) == sorted(truth) and set(df["model_version"]) == {1}
    for rec in df.to_dict("records"):
        probs = rec["probabilities"]
        assert set(probs) == set(SCHEME) and sum(probs.values()) == pytest.approx(1, abs=1e-5)  # stored to 6 places
        assert rec["label"] == max(probs, key=probs.get)
    # The labels it learnt from are judged out of fold (as the dashboard judges the model), and
    # the export is what the annotate page suggests: the rows stored with the version.
    from annotator import assist
    assert df["out_of_fold"].all()
    agree = np.mean([truth[s] == l for s, l in zip(df["sentence_id"], df["label"])])
    assert 0.75 < agree < 1
    db.rollback()
    assert assist.suggestions(db, p.id, list(truth)) == dict(zip(df["sentence_id"], df["label"]))
    csv_out = tmp_path / "pred.csv"
    assert runner.invoke(args=["export", "m", "--kind", "predictions", "-o", str(csv_out)]).exit_code == 0
    table = pd.read_csv(csv_out)
    assert len(table) == len(df)
    for got, want in zip(table["probabilities"], df["probabilities"]):
        assert json.loads(got) == pytest.approx(want)
    # a sentence imported after the training: that version's model applied to it
    from annotator import ingest
    from annotator.articles import add_articles
    add_articles(db, p, ingest.parse_file("late.txt", b"Late\n\nThe regime's thugs stormed the square."),
                 "late.txt")
    r = runner.invoke(args=["export", "m", "--kind", "predictions", "-o", str(out)])
    late = pd.read_json(out, lines=True).set_index("sentence_id").drop(index=list(truth))
    assert len(late) == 1 and not late["out_of_fold"].iloc[0] and late["label"].iloc[0] in SCHEME


def test_predictions_card_types_the_projects_own_labels(app, db, make_user, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = pytest.importorskip("datasets")
    labelled_project(db, make_user("ann"))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["model", "train", "m"]).exit_code == 0
    out = tmp_path / "card" / "m-predictions.jsonl"
    r = runner.invoke(args=["export", "m", "--kind", "predictions", "-o", str(out), "--card"])
    assert r.exit_code == 0, r.output
    ds = datasets.load_dataset(str(out.parent), split="train", cache_dir=str(tmp_path / "cache"))
    assert set(ds.features["probabilities"]) == set(SCHEME) and len(ds) > 150


def test_model_every_setting():
    assert projects.DEFAULT_SETTINGS["model_every"] == 200
    assert projects.validate_settings({"model_every": 0}, DEFAULT_LABELS) == {"model_every": 0}
    for bad in (-1, 1.5, True, "200", 10**7):
        with pytest.raises(projects.ProjectError, match="settings.model_every"):
            projects.validate_settings({"model_every": bad}, DEFAULT_LABELS)


def test_hint_columns_tell_the_outlets_own_voice_and_old_models_keep_theirs():
    """Contested terms outside quotation marks are the outlet's own voice (the guidelines'
    contested framing when no cue attributes them); a model stored before these columns
    unpickles with its three."""
    import pickle

    from annotator.hints.lexicon import DEFAULT_LEXICON
    from annotator.model.features import Counts

    texts = ["The regime shelled the town.",                  # own voice, no cue
             'He said "the regime shelled the town".',          # quoted, with a cue
             "The regime shelled the town, the ministry said.",  # own words, but attributed
             "The bridge is 12 km long."]
    counts = Counts(DEFAULT_LEXICON)
    h = counts.hint_counts(texts).toarray()
    assert h.shape == (4, 5)
    assert h[0, 1] >= 1 and h[0, 3] == h[0, 1] and h[0, 4] == 1
    assert h[1, 1] >= 1 and h[1, 3] == 0 and h[1, 4] == 0
    assert h[2, 3] >= 1 and h[2, 0] >= 1 and h[2, 4] == 0
    assert h[3].tolist() == [0, 0, 0, 0, 0]
    old = pickle.loads(pickle.dumps(counts))
    del old.__dict__["voice"]  # as a Counts pickled before the voice columns
    assert old.hint_counts(texts).shape == (4, 3)
    assert old.get_params()["voice"] is False
