"""The review dashboard's figures of a project, from database rows to the JSON contract:
agreement statistics, Dawid–Skene estimates, agreement over time, labels by outlet and hint
quality (no Flask import)."""
from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..hints.evaluation import hint_quality as evaluate_hints
from ..hints.lexicon import lexicon_lang
from ..hints.matcher import Matcher
from ..labels import label_ids
from ..models import (Adjudication, Annotation, Article, ControlItem, GuidelinesVersion, Project,
                      Sentence)
from ..projects import settings
from ..timestamps import iso_utc
from . import agreement
from .aggregation import agreed_spans
from .anchoring import project_anchoring
from .dawid_skene import dawid_skene, fit_intervals
from .groups import alpha_with_interval, by_language
from .intervals import judged, wilson
from .matrix import LabelMatrix, label_matrix, matrix_of, rows
from .model_rater import known_answers, model_vs_humans, stored_predictions
from .shapes import multi_label_headline, shape_stats
from .sentence_records import iter_sentences
from .versioned import frozen, lasting
from .span_agreement import span_agreement

_EPOCH, _US = datetime(1970, 1, 1), timedelta(microseconds=1)


# The label rows' columns after (sentence, annotator, label) that the dashboard's figures
# need: read once per computation (a read of 5,000,000 rows takes seconds).
_COLUMNS = (Annotation.seconds, Sentence.article_id, Annotation.assist, Annotation.updated_at,
            Annotation.labels, Annotation.confidence)


def project_stats(session: Session, project: Project, recs: list | None = None,
                  **filters) -> dict:
    """The statistics contract; the headline alpha interval resamples whole articles. With
    `model` (the project model as one more rater: review/model_rater.py) and `anchoring`
    (the assistance experiment's arms compared: review/anchoring.py). `recs`: rows() with
    _COLUMNS, where the caller has read them."""
    labels = label_ids(project.labels)
    if recs is None:
        recs = rows(session, project, *_COLUMNS, **filters)
    article_of = {r[0]: r[4] for r in recs}
    out = agreement.statistics([r[:4] for r in recs], labels, clusters=article_of,
                               min_items=settings(project)["min_items_per_annotator"])
    # the model's stored predictions and the known answers, read once for both sections
    stored = stored_predictions(session, project)
    known = known_answers(session, project)
    out["model"] = model_vs_humans(session, project, recs, stored, known)
    out["anchoring"] = project_anchoring(session, project, [(r[0], r[1], r[2], r[5], r[3])
                                                            for r in recs], stored, known[0])
    shaped = shape_stats(project, [(r[0], r[1], r[7] or [r[2]], r[8]) for r in recs])
    if shaped is not None:  # multi-label or confidence: which statistic applies, and its figures
        out["shapes"] = shaped
        if "per_label_alpha" in shaped:
            multi_label_headline(out, shaped)
    return out


def hint_quality(session: Session, project: Project) -> dict:
    """Precision, recall and F1 of the project's hints against the human majority and spans,
    so that the lexicon can be tuned with evidence (see docs/hints.md)."""
    matchers: dict[str, Matcher] = {}  # one per lexicon language (hints.lexicon.lexicon_for)
    items = []
    for rec in iter_sentences(session, project):
        if rec["kind"] != "body" or not rec["annotations"] or rec["control"]:
            continue
        lang = lexicon_lang(rec["article_lang"])
        matcher = matchers.get(lang)
        if matcher is None:
            matcher = matchers[lang] = Matcher.for_article(project.lexicon, lang)
        label = rec["gold"] or rec["majority"]
        spans = agreed_spans([a["spans"] for a in rec["annotations"] if a["label"] == label]) \
            if label else None
        items.append((matcher.hints(rec["text"]), label, spans))
    return evaluate_hints(items)


def by_outlet(session: Session, project: Project) -> list[tuple[str, dict]]:
    """Label counts per outlet (article source), so outlets can be compared."""
    labels = label_ids(project.labels)
    out: dict[str, dict] = {}
    for source, label, n in session.execute(
            select(Article.source, Annotation.label, func.count())
            .join(Sentence, Sentence.article_id == Article.id)
            .join(Annotation, Annotation.sentence_id == Sentence.id)
            .where(Article.project_id == project.id,
                   ~exists().where(ControlItem.sentence_id == Annotation.sentence_id))
            .group_by(Article.source, Annotation.label)):
        row = out.setdefault(source or "unknown outlet", {l: 0 for l in labels})
        if label in row:
            row[label] += n
    return sorted(out.items())


def _f(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def annotator_accuracy(session: Session, project: Project, lm: LabelMatrix | None = None,
                       **filters) -> dict:
    """Dawid–Skene estimates: each annotator's estimated accuracy (null where undefined) with
    the sentences it rests on, a 95% bootstrap interval over sentences and a too-few mark; their
    confusion matrix with an interval per cell; and their confusion against the reviewers'
    gold labels, with Wilson intervals per cell."""
    if lm is None:
        lm = label_matrix(session, project, **filters)
    k = len(lm.labels)
    ds = dawid_skene(lm.M, k)
    cis, conf_cis = fit_intervals(lm.M, k, ds)
    minimum = settings(project)["min_items_per_annotator"]
    given = (lm.M >= 0).sum(axis=0)
    vs_gold = gold_confusion(session, project, lm)
    labs = lm.labels
    estimates = []
    for r, a in enumerate(lm.annotators):
        n = int(given[r])
        acc = judged(_f(ds.accuracy[r]), n, cis[r], minimum)
        estimates.append({
            "annotator": a, "annotations": n, **acc.fields("accuracy"),
            "confusion": {labs[t]: {labs[g]: _f(ds.confusion[r, t, g]) for g in range(k)}
                          for t in range(k)},
            "confusion_ci95": {labs[t]: {labs[g]: _pair(conf_cis[r, t, g]) for g in range(k)}
                               for t in range(k)},
            "against_gold": vs_gold[r]})
    return {
        "annotators": estimates,
        "priors": {lm.labels[c]: _f(ds.priors[c]) for c in range(k)},
        "iterations": int(ds.iterations), "converged": bool(ds.converged),
    }


def _pair(ci) -> list | None:
    return None if not np.isfinite(ci).all() else [float(ci[0]), float(ci[1])]


def gold_confusion(session: Session, project: Project, lm: LabelMatrix) -> list[dict]:
    """Per annotator (lm's columns): on the sentences of `lm` with a reviewer's gold label,
    {"n": sentences, "counts": {gold: {given: n}}, "share": {gold: {given: share of the gold
    row}}, "ci95": {gold: {given: Wilson 95% interval}}}."""
    gold = dict(session.execute(select(Adjudication.sentence_id, Adjudication.label)
                                .where(Adjudication.project_id == project.id)).all())
    index = {lab: i for i, lab in enumerate(lm.labels)}
    g = np.array([index.get(gold.get(int(s), ""), -1) for s in lm.sentence_ids], dtype=np.int64)
    k, labs, out = len(lm.labels), lm.labels, []
    for r in range(lm.M.shape[1]):
        both = (g >= 0) & (lm.M[:, r] >= 0)
        C = np.zeros((k, k), dtype=np.int64)
        np.add.at(C, (g[both], lm.M[both, r]), 1)
        rows = C.sum(axis=1)
        out.append({
            "n": int(both.sum()),
            "counts": {labs[t]: {labs[c]: int(C[t, c]) for c in range(k)} for t in range(k)},
            "share": {labs[t]: {labs[c]: (float(C[t, c] / rows[t]) if rows[t] else None)
                                for c in range(k)} for t in range(k)},
            "ci95": {labs[t]: {labs[c]: (list(wilson(int(C[t, c]), int(rows[t])))
                                         if rows[t] else None) for c in range(k)}
                     for t in range(k)}})
    return out


def agreement_over_time(session: Session, project: Project, max_points: int = 20,
                        min_batch: int = 25, **filters) -> dict:
    """Alpha by batch of sentences, in the order in which they became pairable.

    A sentence becomes pairable when its second label arrives; sentences are sorted by that
    moment and cut into equal batches (at least ``min_batch`` sentences, at most ``max_points``
    batches). For each batch: alpha over its sentences (all their labels), and the cumulative
    alpha over every sentence up to the batch's end. Returns ``{"batch": size, "points":
    [{"until": ISO time, "units": n, "alpha": x|null, "cumulative": x|null}]}``.
    """
    recs = rows(session, project, Annotation.updated_at, **filters)
    lm = matrix_of(recs, label_ids(project.labels))
    return _over_time(recs, lm, max_points, min_batch)


def alpha_by_version(session: Session, project: Project, recs: list | None = None,
                     **filters) -> list[dict]:
    """Alpha per guidelines version (projects.set_guidelines): each label counts under the
    version in force when it was last given, and a sentence is compared on the labels given
    under the same version. [{"version", "from" (ISO time), "annotations", "units" (pairable),
    "alpha", "alpha_ci95" (over articles, as the headline)}], oldest first. `recs`: rows()
    with (updated_at, article_id), where the caller has read them already."""
    versions = session.execute(select(GuidelinesVersion.version, GuidelinesVersion.created_at)
                               .where(GuidelinesVersion.project_id == project.id)
                               .order_by(GuidelinesVersion.version)).all()
    if not versions:
        return []
    starts = [at for _, at in versions]
    if recs is None:
        recs = rows(session, project, Annotation.updated_at, Sentence.article_id, **filters)
    by_version: dict[int, list] = {}
    for sid, who, label, at, article in recs:
        i = max(bisect_right(starts, at), 1) - 1  # a label older than version 1: version 1
        by_version.setdefault(i, []).append((sid, who, label, article))
    labels = label_ids(project.labels)
    return [{"version": version, "from": iso_utc(created),
             **alpha_with_interval(by_version.get(i, []), labels)}
            for i, (version, created) in enumerate(versions)]


def review_figures(session: Session, project: Project, recs: list | None = None,
                   **filters) -> dict:
    """The dashboard's Dawid–Skene estimates, agreement over time, per guidelines version and
    per language, from one read of the label rows (`recs`: rows() with _COLUMNS, where the
    caller has read them); and span agreement, which reads the sentences' text and spans:
    ``{"dawid_skene", "over_time", "spans", "by_guidelines", "by_language"}``."""
    if recs is None:
        recs = rows(session, project, *_COLUMNS, **filters)
    recs = [(r[0], r[1], r[2], r[6], r[4]) for r in recs]  # (..., updated_at, article_id)
    lm = matrix_of(recs, label_ids(project.labels))
    return {"dawid_skene": annotator_accuracy(session, project, lm=lm),
            "over_time": _over_time(recs, lm),
            "spans": span_agreement(session, project, **filters),
            "by_guidelines": alpha_by_version(session, project, recs),
            "by_language": by_language(session, project, [(r[0], r[1], r[2], r[4]) for r in recs])}


def dashboard(session: Session, project: Project, **filters) -> dict:
    """The dashboard's figures, ``{"stats", "figures", "outlets", "as_of", "computing"}``:
    computed from all rows once per project data version and filters (review/versioned.py),
    so a view costs a few index probes while nothing has changed. Where computing them takes
    long, a view after a change gets the figures last computed (``as_of``: when; None when
    current) while they are computed anew in the background; and the first view in a process
    that cannot have them within versioned.FIRST_VIEW_SECONDS gets ``computing`` true and no
    figures."""
    def compute(s: Session, p: Project) -> dict:
        recs = rows(s, p, *_COLUMNS, **filters)
        return {"stats": project_stats(s, p, recs, **filters),
                "figures": review_figures(s, p, recs, **filters),
                "outlets": by_outlet(s, p)}
    value, as_of = lasting(session, project, "dashboard", frozen(filters), compute)
    if value is None:  # the first view in this process, still being computed
        return {"stats": None, "figures": None, "outlets": None, "as_of": None, "computing": True}
    return {**value, "as_of": iso_utc(as_of) if as_of else None, "computing": False}


def _over_time(recs, lm: LabelMatrix, max_points: int = 20, min_batch: int = 25) -> dict:
    if not recs:
        return {"batch": 0, "points": []}
    M, labels = lm.M, lm.labels
    unit_of = {int(u): i for i, u in enumerate(lm.sentence_ids)}
    # The moment each unit became pairable: the time of its second label (naive UTC, in us).
    ui = np.fromiter((unit_of[r[0]] for r in recs), dtype=np.int64, count=len(recs))
    t = np.fromiter(((r[3] - _EPOCH) // _US for r in recs), dtype=np.int64, count=len(recs))
    o = np.lexsort((t, ui))
    ui, t = ui[o], t[o]
    starts = np.flatnonzero(np.r_[True, ui[1:] != ui[:-1]])
    size = np.diff(np.r_[starts, len(ui)])
    pairable = size >= 2
    units_p = ui[starts[pairable]]
    when = t[starts[pairable] + 1]
    if units_p.size == 0:
        return {"batch": 0, "points": []}
    order = np.argsort(when, kind="stable")
    units_p, when = units_p[order], when[order]
    batch = max(min_batch, math.ceil(units_p.size / max_points))
    k = len(labels)
    points = []
    for lo in range(0, units_p.size, batch):
        hi = min(lo + batch, units_p.size)
        alpha = agreement.krippendorff_alpha(M[units_p[lo:hi]], k)
        cum = agreement.krippendorff_alpha(M[units_p[:hi]], k)
        until = _EPOCH + int(when[hi - 1]) * _US
        points.append({"until": iso_utc(until), "units": int(hi - lo),
                       "alpha": None if alpha is None else _f(alpha),
                       "cumulative": None if cum is None else _f(cum)})
    return {"batch": batch, "points": points}
