"""Statistics of task shapes (issue 17 item 2; no Flask import): per-label binary alpha for
multi-label projects, and mean confidence and agreement per confidence level. Documented in
docs/statistics.md. Single-label projects without a confidence scale get none of this, and
their other figures are unchanged."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..labels import label_ids
from ..models import Annotation, Project, Sentence
from ..projects import settings
from . import agreement

STATISTIC_MULTI = "per-label binary alpha (label present vs absent per annotator per unit); overall = mean of per-label"
STATISTIC_SINGLE = "nominal Krippendorff's alpha"


def _alpha(records: list, values: list) -> float | None:
    if not records:
        return None
    M, _, _ = agreement.build_matrix(records, values)
    return agreement.krippendorff_alpha(M, len(values))


def per_label_alpha(records: list, labels: list) -> dict:
    """records: (unit, annotator, [labels chosen]). For each label, nominal alpha over the
    binary ratings present/absent of every annotator who labelled the unit."""
    return {l: _alpha([(u, a, l in chosen) for u, a, chosen in records], [False, True])
            for l in labels}


def _overall(records: list, labels: list, multi: bool) -> float | None:
    if not multi:
        return _alpha([(u, a, chosen[0]) for u, a, chosen in records], labels)
    alphas = [a for a in per_label_alpha(records, labels).values() if a is not None]
    return sum(alphas) / len(alphas) if alphas else None


def shape_stats(session: Session, project: Project) -> dict | None:
    conf = settings(project)
    multi, points = conf["task"] == "multi", conf["confidence"]
    if not multi and not points:
        return None
    labels = label_ids(project.labels)
    rows = session.execute(
        select(Annotation.sentence_id, Annotation.user_id, Annotation.label, Annotation.labels,
               Annotation.confidence)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Annotation.project_id == project.id, Sentence.kind == "body")
        .order_by(Annotation.sentence_id, Annotation.user_id)).all()
    records = [(sid, uid, labels_ or [label]) for sid, uid, label, labels_, _ in rows]
    out = {"statistic": STATISTIC_MULTI if multi else STATISTIC_SINGLE}
    if multi:
        per = per_label_alpha(records, labels)
        done = [a for a in per.values() if a is not None]
        out["per_label_alpha"] = per
        out["alpha"] = sum(done) / len(done) if done else None
    if points:
        by_user, by_label, by_level = defaultdict(list), defaultdict(list), defaultdict(list)
        for (sid, uid, chosen), (*_, c) in zip(records, rows):
            if c is None:
                continue
            by_user[uid].append(c)
            for l in chosen:
                by_label[l].append(c)
            by_level[c].append((sid, uid, chosen))
        mean = lambda xs: round(sum(xs) / len(xs), 3)
        out["confidence"] = {
            "points": points,
            "mean_by_annotator": {str(u): mean(cs) for u, cs in sorted(by_user.items())},
            "mean_by_label": {l: mean(by_label[l]) for l in labels if by_label[l]},
            # agreement among the labels given at each level (units with two or more of them)
            "alpha_by_level": {str(level): _overall(by_level.get(level, []), labels, multi)
                               for level in range(1, points + 1)},
            "n_by_level": {str(level): len(by_level.get(level, [])) for level in range(1, points + 1)},
        }
    return out
