"""The project model as one more rater (issue 19 item 4; numpy only, no Flask import, and no
model loaded: the figures read the predictions stored with the newest model version,
`model_predictions`).

- **alpha with the model as an extra rater**: Krippendorff's alpha of the humans' counted labels
  (review/matrix.py), and again with the model's label added as one more rater on every unit a
  human labelled;
- **per-label F1 against adjudicated gold**: precision, recall and F1 of the model's label on
  the sentences with a reviewer's gold label, and their macro mean;
- **calibration on gold and control items**: the model's top-label confidence against whether
  that label is the known answer (gold, else the control item's answer), in BINS equal-width
  bins (as scikit-learn's ``calibration_curve(strategy="uniform")`` cuts them), with n per bin
  and the expected calibration error, ECE = sum over bins of n_b / N * |accuracy_b -
  confidence_b| (Guo et al. 2017).

A sentence the model was trained on (every gold sentence is) carries its out-of-fold
probabilities (model/predictions.py, `stored_rows`): the model is judged on labels it did not
see, as its cross-validated F1 is. `n_out_of_fold` says how many of the items were.
"""
from __future__ import annotations

import json

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..labels import label_ids
from ..models import Adjudication, ControlItem, ModelPrediction, ModelVersion, Project
from . import agreement
from .matrix import rows

BINS = 10
MODEL = ("model",)  # the model's column key in the matrix: no username is a tuple


def stored_predictions(session: Session, project: Project) -> tuple[int | None, dict]:
    """(the newest model version whose predictions are all stored, {sentence id: (label,
    out_of_fold)}), or (None, {}) before any was. The probabilities stay in the database
    (`_top_probability` reads those of the items a figure needs)."""
    newest = session.execute(select(ModelVersion.id, ModelVersion.version)
                             .where(ModelVersion.project_id == project.id,
                                    ModelVersion.predictions_ready)
                             .order_by(ModelVersion.version.desc()).limit(1)).first()
    if newest is None:
        return None, {}
    found = session.execute(select(ModelPrediction.sentence_id, ModelPrediction.label,
                                   ModelPrediction.out_of_fold)
                            .where(ModelPrediction.model_version_id == newest.id)).all()
    return newest.version, {r[0]: (r[1], bool(r[2])) for r in found}


def known_answers(session: Session, project: Project) -> tuple[dict, dict]:
    """({sentence id: gold label}, {sentence id: control item's answer})."""
    gold = dict(session.execute(select(Adjudication.sentence_id, Adjudication.label)
                                .where(Adjudication.project_id == project.id)).all())
    controls = dict(session.execute(select(ControlItem.sentence_id, ControlItem.label)
                                    .where(ControlItem.project_id == project.id)).all())
    return gold, controls


def _top_probability(session: Session, project: Project, version: int,
                     sentence_ids: set) -> dict[int, float]:
    """sentence id -> the stored top probability, for the sentences given (gold and control
    items: the only ones whose probabilities a figure needs)."""
    stmt = (select(ModelPrediction.sentence_id, ModelPrediction.probabilities)
            .join(ModelVersion, ModelVersion.id == ModelPrediction.model_version_id)
            .where(ModelVersion.project_id == project.id, ModelVersion.version == version,
                   ModelPrediction.sentence_id.in_(sorted(sentence_ids))))
    out = {}
    for sid, probs in session.execute(stmt):
        probs = json.loads(probs) if isinstance(probs, str) else probs
        out[sid] = max(probs.values())
    return out


def per_label_f1(truth: list[str], predicted: list[str], labels: list[str]) -> dict:
    """Precision, recall, F1 and support of each label, and the macro F1 (0 where a label is
    never predicted or never true, as scikit-learn's zero_division=0)."""
    t, p = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
    out = {}
    for lab in labels:
        tp = int(np.sum((t == lab) & (p == lab)))
        fp = int(np.sum((t != lab) & (p == lab)))
        fn = int(np.sum((t == lab) & (p != lab)))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        out[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    return {"per_label": out,
            "macro_f1": float(np.mean([v["f1"] for v in out.values()])) if out and len(t) else None}


def calibration(confidence, correct, bins: int = BINS) -> dict:
    """The reliability diagram's data: per equal-width bin of confidence its range, n, mean
    confidence and accuracy (null where empty), and the expected calibration error."""
    conf = np.asarray(confidence, dtype=np.float64)
    hit = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ids = np.searchsorted(edges[1:-1], conf)  # as sklearn.calibration.calibration_curve
    n = np.bincount(ids, minlength=bins)
    conf_sum = np.bincount(ids, weights=conf, minlength=bins)
    hit_sum = np.bincount(ids, weights=hit, minlength=bins)
    out, ece = [], 0.0
    for b in range(bins):
        nb = int(n[b])
        c = float(conf_sum[b] / nb) if nb else None
        a = float(hit_sum[b] / nb) if nb else None
        if nb:
            ece += nb / len(conf) * abs(a - c)
        out.append({"from": float(edges[b]), "to": float(edges[b + 1]), "n": nb,
                    "confidence": c, "accuracy": a})
    return {"n": int(len(conf)), "bins": out, "ece": float(ece) if len(conf) else None,
            "accuracy": float(hit.mean()) if len(conf) else None,
            "mean_confidence": float(conf.mean()) if len(conf) else None}


def model_vs_humans(session: Session, project: Project, recs: list | None = None,
                    stored: tuple | None = None, known: tuple | None = None, **filters) -> dict:
    """The `model` section of the statistics: {"model_version", "alpha_humans",
    "alpha_with_model", "units", "vs_gold": {"n", "n_out_of_fold", "per_label", "macro_f1"},
    "calibration": {"n", "n_gold", "n_control", "n_out_of_fold", "bins", "ece", ...}};
    {"model_version": null, "reason"} before a model was trained. `recs` (rows()), `stored`
    (stored_predictions) and `known` (known_answers): where the caller read them already."""
    version, preds = stored if stored is not None else stored_predictions(session, project)
    if version is None:
        return {"model_version": None, "reason": "no model trained yet"}
    labels = label_ids(project.labels)
    k = len(labels)
    if recs is None:
        recs = rows(session, project, **filters)
    recs = [tuple(r[:3]) for r in recs]
    humans = sorted({r[1] for r in recs})
    units = sorted({r[0] for r in recs})
    M, _, _ = agreement.build_matrix(recs, labels, annotators=humans)
    with_model = recs + [(sid, MODEL, preds[sid][0]) for sid in units
                         if sid in preds and preds[sid][0] in labels]
    M2, _, _ = agreement.build_matrix(with_model, labels, annotators=humans + [MODEL])
    alpha_h = agreement.krippendorff_alpha(M, k) if len(recs) else None
    alpha_m = agreement.krippendorff_alpha(M2, k) if len(recs) else None

    gold, controls = known if known is not None else known_answers(session, project)
    on_gold = [sid for sid in sorted(gold) if sid in preds]
    vs_gold = per_label_f1([gold[s] for s in on_gold], [preds[s][0] for s in on_gold], labels)
    vs_gold.update(n=len(on_gold), n_out_of_fold=sum(preds[s][1] for s in on_gold))

    answers = {**controls, **gold}  # gold wins where a control item was adjudicated too
    items = [sid for sid in sorted(answers) if sid in preds]
    top = _top_probability(session, project, version, set(items)) if items else {}
    items = [s for s in items if s in top]
    cal = calibration([top[s] for s in items], [preds[s][0] == answers[s] for s in items])
    cal.update(n_gold=sum(1 for s in items if s in gold),
               n_control=sum(1 for s in items if s not in gold),
               n_out_of_fold=sum(preds[s][1] for s in items))
    return {"model_version": version, "units": len(units),
            "alpha_humans": None if alpha_h is None else float(alpha_h),
            "alpha_with_model": None if alpha_m is None else float(alpha_m),
            "vs_gold": vs_gold, "calibration": cal}
