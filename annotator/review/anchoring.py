"""What the assistance does to the annotators' judgement (issue 19 item 5; numpy only, no
Flask import): the `anchoring` section of the statistics.

Each label records the arm its annotator was in (annotations.assist, drawn at random per
(annotator, sentence) pair by annotator/assist.py), so the arms are comparable groups. Per arm:
n (labels, annotators, sentences), agreement with the reviewers' gold label, with the others'
majority (the strict plurality of the other annotators' labels on the sentence, in any arm),
with the newest model's label (model_predictions; in the suggestion arm, how often the shown
suggestion was taken, against how often the unassisted agree with the model anyway), the label
distribution and the time per item (median and mean seconds).

Each difference between an arm and the unassisted arm ``none`` comes with a 95% percentile
bootstrap interval that resamples whole sentences (RESAMPLES resamples, a fixed seed): the
labels of one sentence share its difficulty, so they are not independent draws. Labels from
before the experiment (no arm stored) are counted in `unassigned` and left out.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..labels import label_ids
from ..models import Adjudication, Annotation, Project
from .aggregation import majority_of
from .intervals import RESAMPLES, SEED, percentile_interval
from .matrix import rows
from .model_rater import stored_predictions

ARMS = ("none", "hints", "suggestion")
MEASURES = ("agreement_with_gold", "agreement_with_majority", "agreement_with_model")


def anchoring(records: list[tuple], labels: list[str], gold: dict[int, str],
              predicted: dict[int, str], resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """The section from plain data. `records`: (sentence id, annotator, label, arm, seconds);
    `gold`: sentence id -> gold label; `predicted`: sentence id -> the model's label."""
    unassigned = sum(1 for r in records if r[3] not in ARMS)
    recs = [r for r in records if r[3] in ARMS]
    by_sentence: dict[int, list] = defaultdict(list)
    for r in recs:
        by_sentence[r[0]].append(r)
    sids = sorted(by_sentence)
    index = {s: i for i, s in enumerate(sids)}
    S = len(sids)
    # per measure and arm: per-sentence sums of hits and counts (for the sentence bootstrap)
    hits = {m: {a: np.zeros(S) for a in ARMS} for m in MEASURES + ("seconds",)}
    count = {m: {a: np.zeros(S) for a in ARMS} for m in MEASURES + ("seconds",)}
    shares = {lab: {a: np.zeros(S) for a in ARMS} for lab in labels}
    n_arm = {a: np.zeros(S) for a in ARMS}
    seconds: dict[str, list] = {a: [] for a in ARMS}
    who: dict[str, set] = {a: set() for a in ARMS}
    for sid, group in by_sentence.items():
        i = index[sid]
        for sid_, user, label, arm, secs in group:
            n_arm[arm][i] += 1
            who[arm].add(user)
            if label in shares:
                shares[label][arm][i] += 1
            if sid in gold:
                hits["agreement_with_gold"][arm][i] += label == gold[sid]
                count["agreement_with_gold"][arm][i] += 1
            top, _ = majority_of([r[2] for r in group if r[1] != user])
            if top is not None:
                hits["agreement_with_majority"][arm][i] += label == top
                count["agreement_with_majority"][arm][i] += 1
            if sid in predicted:
                hits["agreement_with_model"][arm][i] += label == predicted[sid]
                count["agreement_with_model"][arm][i] += 1
            if secs is not None:
                hits["seconds"][arm][i] += secs
                count["seconds"][arm][i] += 1
                seconds[arm].append(secs)

    def ratio(num, den):
        d = den.sum()
        return float(num.sum() / d) if d else None

    arms = {}
    for a in ARMS:
        n = int(n_arm[a].sum())
        dist = {lab: int(shares[lab][a].sum()) for lab in labels}
        arms[a] = {
            "n": n, "annotators": len(who[a]), "sentences": int((n_arm[a] > 0).sum()),
            **{m: ratio(hits[m][a], count[m][a]) for m in MEASURES},
            **{f"{m}_n": int(count[m][a].sum()) for m in MEASURES},
            "label_distribution": dist,
            "label_share": {lab: (v / n if n else None) for lab, v in dist.items()},
            "median_seconds": float(np.median(seconds[a])) if seconds[a] else None,
            "mean_seconds": ratio(hits["seconds"][a], count["seconds"][a]),
            "seconds_n": len(seconds[a]),
        }

    # Every per-sentence column a difference needs, resampled together: the same bootstrap
    # weights for all of them (so differences are paired), drawn in chunks of resamples so that
    # memory stays flat on a large project.
    columns, where = [], {}

    def column(key, vec):
        where[key] = len(columns)
        columns.append(vec)
    for m in MEASURES + ("seconds",):
        for a in ARMS:
            column(("hit", m, a), hits[m][a])
            column(("count", m, a), count[m][a])
    for lab in labels:
        for a in ARMS:
            column(("share", lab, a), shares[lab][a])
    for a in ARMS:
        column(("n", a), n_arm[a])
    boot_sums = np.zeros((resamples, len(columns)))
    if S and resamples:
        F = np.column_stack(columns)
        rng = np.random.default_rng(seed)
        step = max(1, 4_000_000 // S)
        for lo in range(0, resamples, step):
            hi = min(resamples, lo + step)
            W = rng.multinomial(S, np.full(S, 1 / S), size=hi - lo).astype(np.float64)
            boot_sums[lo:hi] = W @ F

    def boot(num_key, den_key):
        d = boot_sums[:, where[den_key]]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(d > 0, boot_sums[:, where[num_key]] / d, np.nan)

    differences = []
    for a in ("hints", "suggestion"):
        if not arms[a]["n"] or not arms["none"]["n"]:
            continue
        diff = {"arm": a, "against": "none"}
        for m in MEASURES + ("seconds",):
            key = "mean_seconds" if m == "seconds" else m
            x, y = arms[a][key], arms["none"][key]
            diff[key] = None if x is None or y is None else x - y
            diff[f"{key}_ci95"] = None if diff[key] is None else _pair(percentile_interval(
                boot(("hit", m, a), ("count", m, a))
                - boot(("hit", m, "none"), ("count", m, "none"))))
        for lab in labels:
            x, y = arms[a]["label_share"][lab], arms["none"]["label_share"][lab]
            diff.setdefault("label_share", {})[lab] = None if x is None or y is None else x - y
            diff.setdefault("label_share_ci95", {})[lab] = _pair(percentile_interval(
                boot(("share", lab, a), ("n", a)) - boot(("share", lab, "none"), ("n", "none"))))
        differences.append(diff)
    return {"arms": arms, "differences": differences, "unassigned": unassigned,
            "resamples": resamples, "bootstrap": "sentences"}


def _pair(ci):
    return None if ci is None else [ci[0], ci[1]]


def project_anchoring(session: Session, project: Project, recs: list | None = None,
                      stored: tuple | None = None, gold: dict | None = None, **filters) -> dict:
    """The `anchoring` section of a project's statistics (the dashboard's filters apply).
    `recs` (rows() with assist and seconds), `stored` (model_rater.stored_predictions) and
    `gold`: where the caller read them already."""
    if recs is None:
        recs = rows(session, project, Annotation.assist, Annotation.seconds, **filters)
    if gold is None:
        gold = dict(session.execute(select(Adjudication.sentence_id, Adjudication.label)
                                    .where(Adjudication.project_id == project.id)).all())
    _version, preds = stored if stored is not None else stored_predictions(session, project)
    return anchoring([tuple(r) for r in recs], label_ids(project.labels), gold,
                     {s: p[0] for s, p in preds.items()})
